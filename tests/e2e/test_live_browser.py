"""A demo rep answers the survey again in Chromium, this time caring little for team rewards
and ranking exclusive access fifth; their next page shows suggestions and reasons from the
new answers at once, without anyone retraining the model."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from models.engine import make_engine
from models.tables import ModelArtefact, Person
from seed.loaders import load_seed_instrument
from services.access import SYSTEM
from services.recommendations import recommendation_rows
from tests.e2e.conftest import go, shot, sign_in
from tests.e2e.test_story_browser import read_at_human_pace, suggestion_texts
from tests.e2e.test_survey_browser import reps_without_response

pytestmark = pytest.mark.e2e

TEAM_SENTENCE = "You prefer rewards you share with your team"
ORDER = ("recognition", "development", "experience", "wellness", "exclusive", "time", "personal")


def answer_without_team_spirit(page) -> None:
    """Team-reward items at their individual end, the rest middling; exclusive access fifth.

    The demo's current wave uses instrument version 2: bipolar team items, instructed items
    and best-worst tasks (answered as someone who likes the kinds in ORDER, best first).
    """
    items = {item.code: item for item in load_seed_instrument(2).items}
    questions = page.locator("fieldset.likert")
    for index in range(questions.count()):
        question = questions.nth(index)
        item = items.get((question.get_attribute("id") or "")[2:])
        if item is not None and item.type == "attention":
            value = item.expected
        elif item is not None and item.construct == "pref_team":
            value = item.max if item.reverse else item.min
        else:
            value = 2 + index % 3
        question.locator("label.point").nth(value - 1).click()
    tasks = page.locator("fieldset.best-worst")
    for index in range(tasks.count()):
        task = items[(tasks.nth(index).get_attribute("id") or "")[2:]]
        codes = [o.code for o in task.options]
        best, worst = min(codes, key=ORDER.index), max(codes, key=ORDER.index)
        page.check(f"input[name={task.code}__best][value={best}]")
        page.check(f"input[name={task.code}__worst][value={worst}]")


def state(database_url: str, email: str) -> tuple[int, list[list[str]]]:
    """Models stored, and the rep's suggestions' reasons as the CLI and API compute them."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            models = session.exec(select(func.count()).select_from(ModelArtefact)).one()
            person = session.exec(select(Person).where(Person.email == email)).one()
            rows = recommendation_rows(session=session, viewer=SYSTEM, person=person, k=5)
            return models, [row["reasons"] for row in rows]
    finally:
        engine.dispose()


def reasons_on(page) -> list[list[str]]:
    return [
        [li.inner_text().strip() for li in card.locator("ul.reasons li").all()]
        for card in page.locator("ol.suggestions > li").all()
    ]


def test_answering_again_shows_at_once_on_the_next_page(live_server, page_factory):
    email = reps_without_response(live_server.database_url, 1)[0]
    rep = page_factory(locale="en-GB")
    sign_in(rep, live_server.base, email)
    rep.goto(f"{live_server.base}/me/")
    before = suggestion_texts(rep)
    models_before, _ = state(live_server.database_url, email)
    assert before and models_before >= 1

    go(rep.get_by_role("link", name="Take the survey"))
    go(rep.get_by_role("link", name="Start the survey"))
    while "/page/open" not in rep.url:  # every page of questions
        answer_without_team_spirit(rep)
        read_at_human_pace(rep)
        go(rep.get_by_role("button", name="Next", exact=True))
    go(rep.get_by_role("button", name="Review and submit"))
    go(rep.get_by_role("button", name="Submit my answers"))

    rep.goto(f"{live_server.base}/me/")
    shot(rep, "live-after-answering-again")
    after = suggestion_texts(rep)
    reasons = reasons_on(rep)
    assert after != before
    assert rep.locator("p.notice").count() == 0  # personal, not the fallback
    flat = [r for card in reasons for r in card]
    assert TEAM_SENTENCE not in flat
    models_after, cli_reasons = state(live_server.database_url, email)
    assert models_after == models_before  # nobody retrained
    assert reasons == cli_reasons  # the page, the CLI and the API share one path
