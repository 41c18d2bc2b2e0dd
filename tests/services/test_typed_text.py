"""Text typed into a form, the API or the CLI holds no control characters or bidi overrides.

Imports refused them already; everything else people type (a wave's name, an achievement,
a token's name, an experiment, a comment on a reward, a note with a reward, a free-text
answer) stored them, and the next spreadsheet export with that text failed. Each entry point
is attacked here: it refuses with the field and the character named, and stores nothing.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from models.tables import (
    Achievement,
    Answer,
    ApiToken,
    Experiment,
    Grant,
    Rating,
    Wave,
    utcnow,
)
from services.actors import SYSTEM
from services.api_tokens import create_token
from services.errors import InvalidInput
from services.exports import to_xlsx
from services.feedback import rate_grant
from services.grants import give_reward
from services.instruments import ensure_default_instrument
from services.recognition import record_achievement
from services.survey import save_page, survey_for
from services.text import text_problems
from services.waves import open_wave
from tests.services.test_budgets import add_reward, give
from tests.services.test_experiments import ARMS, create

BELL = "\x07"  # a control character the XLSX format cannot hold
OVERRIDE = "\u202e"  # turns what follows around on screen


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def people(session, factory):
    team = factory.team("North")
    boss = factory.person("manager", team=team, name="Boss")
    rep = factory.person(team=team, manager=boss, name="Ada")
    return {"boss": boss, "rep": rep, "lunch": add_reward(session, "lunch", 300, 1)}


def a_wave(session, people, text):
    open_wave(session=session, actor=SYSTEM, name=f"Pulse{text}Q4")


def an_achievement(session, people, text):
    record_achievement(
        session=session,
        manager=people["boss"],
        person=people["rep"],
        title=f"Closed{text} Nordlys",
        achieved_on=utcnow().date(),
    )


def a_token(session, people, text):
    create_token(session=session, actor=SYSTEM, name=f"CRM{text}sync", scopes=["kpis:read"])


def an_experiment_name(session, people, text):
    create(session, name=f"Q4{text} rewards")


def an_experiment_description(session, people, text):
    create(session, description=f"Does time off{text} move revenue?")


def an_experiment_arm(session, people, text):
    arms = [ARMS[0], replace(ARMS[1], label=f"Recog{text}nition"), *ARMS[2:]]
    create(session, arms=arms)


def a_note(session, people, text):
    give_reward(
        session=session,
        manager=people["boss"],
        person=people["rep"],
        reward_slug="lunch",
        note=f"Well done{text}",
    )


def a_comment(session, people, text):
    grant = give(session, people["lunch"], people["rep"], utcnow().date() - timedelta(days=1))
    rate_grant(session=session, person=people["rep"], grant_id=grant.id, rating=4, comment=text)


def a_free_text_answer(session, people, text):
    ensure_default_instrument(session=session)
    wave = open_wave(session=session, actor=SYSTEM, name="Wave 1")
    view = survey_for(session=session, person=people["rep"], wave_id=wave.id)
    for key, items in view.pages:
        free = [item for item in items if item.type == "text"]
        if free:
            save_page(
                session=session,
                person=people["rep"],
                wave_id=wave.id,
                page_key=key,
                answers={free[0].code: f"More time with{text} customers"},
            )
            return
    pytest.fail("the default instrument asks no free-text question")


ENTRY_POINTS = [
    (a_wave, Wave, "name"),
    (an_achievement, Achievement, "title"),
    (a_token, ApiToken, "name"),
    (an_experiment_name, Experiment, "name"),
    (an_experiment_description, Experiment, "description"),
    (an_experiment_arm, Experiment, "arms"),
    (a_note, Grant, "note"),
    (a_comment, Rating, "comment"),
    (a_free_text_answer, Answer, None),
]


@pytest.mark.parametrize(
    ("enter", "model", "field"), ENTRY_POINTS, ids=lambda v: getattr(v, "__name__", v)
)
@pytest.mark.parametrize(("character", "code"), [(BELL, "U+0007"), (OVERRIDE, "U+202E")])
def test_typed_text_with_a_control_character_is_refused_and_nothing_is_stored(
    session, factory, people, enter, model, field, character, code
):
    before = count(session, model)
    with pytest.raises(InvalidInput) as caught:
        enter(session, people, character)
    session.rollback()
    problems = [
        p for p in caught.value.problems if getattr(p, "code", "") == "text.control_character"
    ]
    assert problems, caught.value.problems
    assert problems[0].params == {"character": code}
    assert f"contains the control character {code}" in str(problems[0])
    if field is not None:
        assert problems[0].field == field
    assert count(session, model) == before


@pytest.mark.parametrize(
    ("enter", "model", "field"),
    [ENTRY_POINTS[0], ENTRY_POINTS[2], ENTRY_POINTS[3], ENTRY_POINTS[5]],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_a_name_is_one_line(session, people, enter, model, field):
    """Names show in lists, page titles and email subjects; an achievement's title is folded
    onto one line instead (its words are what matter)."""
    before = count(session, model)
    with pytest.raises(InvalidInput) as caught:
        enter(session, people, "\n")
    session.rollback()
    assert [p.code for p in caught.value.problems if p.field == field] == ["text.line_break"]
    assert count(session, model) == before


def test_ordinary_text_with_line_breaks_tabs_and_letters_of_any_script_passes(session, people):
    text = "Takk for\tinnsatsen!\nÆØÅ æøå – «ny kunde» 👍 مرحبا"
    assert text_problems("comment", text) == []
    a_comment(session, people, text)
    assert session.exec(select(Rating.comment)).one() == text


def test_text_stored_before_the_rule_still_exports_to_a_spreadsheet(session):
    content = to_xlsx({"Waves": (["name", "n"], [{"name": f"Pulse{BELL}{OVERRIDE}1", "n": 3}])})
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[2]] == ["Pulse\ufffd\ufffd1", 3]


def test_free_text_keeps_the_bidi_marks_phones_put_around_right_to_left_words(session, people):
    """Android and word processors wrap Persian or Arabic words in embeddings and isolates; a
    rep cannot see them to delete them. Only a name refuses them."""
    text = "Takk \u202aسلام\u202c og \u2067مرحبا\u2069!"
    assert text_problems("comment", text) == []
    a_comment(session, people, text)
    assert session.exec(select(Rating.comment)).one() == text
    assert [p.code for p in text_problems("name", "\u2067Oslo\u2069", one_line=True)] == [
        "text.control_character"
    ]


def test_a_lone_surrogate_is_refused_in_names_and_in_prose():
    """Half of a UTF-16 pair cannot be stored or written out (UTF-8 has no form for it): a
    JSON "\\ud800" in an API import or comment made a 500 when the row was encoded."""
    from services.text import refused_character, text_problems

    assert refused_character("A\ud800B") == "U+D800"
    assert text_problems("comment", "fine \udfff text")
    assert text_problems("name", "Kari\udbffN", one_line=True)
