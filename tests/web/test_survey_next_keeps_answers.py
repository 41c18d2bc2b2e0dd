""" "Next" on a page with unanswered questions keeps the answers given: bad input gets a
clear error and loses nothing. A value the page does not offer is still refused unsaved."""

from __future__ import annotations

import re
import time

import pytest

from services import survey
from services.access import SYSTEM
from services.errors import InvalidInput
from services.instruments import definition, ensure_default_instrument
from services.waves import open_wave
from tests.conftest import login
from tests.web.test_survey_pages import page_form, post_page


@pytest.fixture
def rep_in_wave(session, factory, client):
    row = ensure_default_instrument(session=session).row
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Winter check-in")
    login(client, rep.email)
    return {"rep": rep, "wave": wave, "instrument": definition(row)}


def _saved(session, rep, wave_id):
    view = survey.survey_for(session=session, person=rep, wave_id=wave_id)
    return {code: value for code, value in view.answers.items() if value is not None}


def test_next_with_questions_left_saves_the_answers_given_and_stays(client, rep_in_wave, session):
    wave_id = rep_in_wave["wave"].id
    key, items = rep_in_wave["instrument"].pages()[0]
    answered = [i for i in items if i.type == "likert"][:5]
    data = {i.code: "2" for i in answered}
    response = post_page(client, wave_id, key, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    left = len(items) - len(answered)
    assert f"{left} questions need your attention." in html
    assert "Your answers so far are saved" in html
    # Saved as Back or "Save and continue later" would: leaving the page now loses nothing.
    assert _saved(session, rep_in_wave["rep"], wave_id) == {i.code: 2 for i in answered}
    again = client.get(f"/survey/{wave_id}/page/{key}").get_data(as_text=True)
    for item in answered:
        assert "checked" in re.search(rf'<input[^>]*id="{item.code}-1"[^>]*>', again).group(0)


def test_a_refused_next_counts_the_time_on_the_page_once(client, rep_in_wave, session):
    wave_id = rep_in_wave["wave"].id
    key, items = rep_in_wave["instrument"].pages()[0]
    first = next(i for i in items if i.type == "likert")
    response = post_page(client, wave_id, key, {first.code: "3"})
    assert response.status_code == 400
    # The page shown again starts a new visit: its time is not counted a second time.
    shown_at = re.search(r'name="shown_at"[^>]*value="([0-9.]+)"', response.get_data(as_text=True))
    assert shown_at and float(shown_at.group(1)) > time.time() - 60


def test_next_with_a_value_the_page_does_not_offer_saves_nothing(client, rep_in_wave, session):
    wave_id = rep_in_wave["wave"].id
    key, items = rep_in_wave["instrument"].pages()[0]
    likert = [i for i in items if i.type == "likert"]
    data = {likert[0].code: "2", likert[1].code: "9"}  # 9 is off the 1-5 scale
    response = post_page(client, wave_id, key, data)
    assert response.status_code == 400
    assert _saved(session, rep_in_wave["rep"], wave_id) == {}


def test_next_with_every_answer_still_moves_on(client, rep_in_wave):
    wave_id = rep_in_wave["wave"].id
    pages = rep_in_wave["instrument"].pages()
    response = post_page(client, wave_id, pages[0][0], page_form(pages[0][1]))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/survey/{wave_id}/page/{pages[1][0]}")


def test_save_page_moving_on_keeps_what_was_answered_and_names_the_rest(session, rep_in_wave):
    rep, wave_id = rep_in_wave["rep"], rep_in_wave["wave"].id
    key, items = rep_in_wave["instrument"].pages()[0]
    given = {items[0].code: 4}
    with pytest.raises(InvalidInput) as refused:
        survey.save_page(
            session=session,
            person=rep,
            wave_id=wave_id,
            page_key=key,
            answers=given,
            moving_on=True,
        )
    assert refused.value.code == "survey.page_incomplete"
    assert [p.field for p in refused.value.problems] == [i.code for i in items[1:] if i.required]
    assert _saved(session, rep, wave_id) == given


def test_save_page_moving_on_with_a_bad_value_saves_nothing(session, rep_in_wave):
    rep, wave_id = rep_in_wave["rep"], rep_in_wave["wave"].id
    key, items = rep_in_wave["instrument"].pages()[0]
    with pytest.raises(InvalidInput) as refused:
        survey.save_page(
            session=session,
            person=rep,
            wave_id=wave_id,
            page_key=key,
            answers={items[0].code: 4, items[1].code: 99},
            moving_on=True,
        )
    assert refused.value.code == "survey.not_saved"
    assert _saved(session, rep, wave_id) == {}
