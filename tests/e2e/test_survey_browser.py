"""A demo rep takes the whole default survey in Chromium, in English and in Norwegian."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.engine import make_engine
from models.tables import Person, SurveyResponse, Wave
from services.demo import CURRENT_WAVE
from tests.e2e.conftest import go, shot, sign_in

pytestmark = pytest.mark.e2e


def reps_without_response(database_url: str, n: int) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            wave = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).one()
            answered = set(
                session.exec(
                    select(SurveyResponse.person_id).where(SurveyResponse.wave_id == wave.id)
                )
            )
            reps = session.exec(
                select(Person).where(Person.access == "rep").order_by(Person.external_id)
            )
            return [p.email for p in reps if p.id not in answered][:n]
    finally:
        engine.dispose()


def submitted_flags(database_url: str, email: str) -> list[str] | None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            person = session.exec(select(Person).where(Person.email == email)).one()
            wave = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).one()
            response = session.exec(
                select(SurveyResponse).where(
                    SurveyResponse.person_id == person.id, SurveyResponse.wave_id == wave.id
                )
            ).first()
            return response.flags if response and response.status == "submitted" else None
    finally:
        engine.dispose()


def answer_likert_page(page, skip: int | None = None) -> None:
    questions = page.locator("fieldset.likert")
    for index in range(questions.count()):
        if index == skip:
            continue
        question = questions.nth(index)
        value = 4 if question.get_attribute("id") == "q-att1" else 2 + index % 3
        question.locator("label.point").nth(value - 1).click()


def answer_ranking(page) -> None:
    selects = page.locator("select.rank-select")
    for index in range(selects.count()):
        selects.nth(index).select_option(str(index + 1))


TEXTS = {
    "en": {
        "take": "Take the survey",
        "start": "Start the survey",
        "continue": "Continue the survey",
        "next": "Next",
        "leave": "Save and continue later",
        "error": "1 question needs your attention.",
        "review": "Review and submit",
        "submit": "Submit my answers",
        "done": "Thank you, your answers are submitted",
        "notice": "never your individual answers",
    },
    "nb": {
        "take": "Svar på undersøkelsen",
        "start": "Start undersøkelsen",
        "continue": "Fortsett undersøkelsen",
        "next": "Neste",
        "leave": "Lagre og fortsett senere",
        "error": "1 spørsmål trenger svar.",
        "review": "Se over og send inn",
        "submit": "Send inn svarene mine",
        "done": "Takk, svarene dine er sendt inn",
        "notice": "aldri enkeltsvarene dine",
    },
}


@pytest.mark.parametrize("language", ["en", "nb"])
def test_rep_takes_the_whole_survey(live_server, page_factory, language):
    email = reps_without_response(live_server.database_url, 2)[0 if language == "en" else 1]
    t = TEXTS[language]
    page = page_factory(locale="nb-NO" if language == "nb" else "en-GB")
    sign_in(page, live_server.base, email)
    assert page.locator("html").get_attribute("lang") == language
    go(page.get_by_role("link", name=t["take"]))
    assert t["notice"] in page.content()
    shot(page, f"survey-{language}-1-notice")
    go(page.get_by_role("link", name=t["start"]))

    # Page 1: skip one question and meet the validation error; the other answers stay.
    answer_likert_page(page, skip=2)
    go(page.get_by_role("button", name=t["next"], exact=True))
    assert page.get_by_text(t["error"]).is_visible()
    assert page.locator("fieldset.likert").nth(0).locator("input:checked").count() == 1
    shot(page, f"survey-{language}-2-validation-error")
    page.locator("fieldset.likert").nth(2).locator("label.point").nth(0).click()
    go(page.get_by_role("button", name=t["next"], exact=True))
    assert "/page/motivation-2" in page.url, page.locator("#error-summary").inner_text()
    answer_likert_page(page)
    go(page.get_by_role("button", name=t["next"], exact=True))
    assert page.url.endswith("/page/reward_preference"), page.url

    # The first rewards page: answer it, then leave and come back.
    answer_likert_page(page)
    go(page.get_by_role("button", name=t["next"], exact=True))
    assert "/page/reward_preference-2" in page.url
    go(page.get_by_role("button", name=t["leave"]))
    shot(page, f"survey-{language}-3-left")
    go(page.get_by_role("link", name=t["continue"]))
    go(page.get_by_role("link", name=t["continue"]))
    assert "/page/reward_preference-2" in page.url  # resumes at the first page not finished

    # The remaining rewards pages, the last with the ranking.
    while "/page/open" not in page.url:
        answer_likert_page(page)
        if page.locator("select.rank-select").count():
            answer_ranking(page)
        go(page.get_by_role("button", name=t["next"], exact=True))
        assert page.locator("#error-summary").count() == 0, page.url

    # The last page: the optional free text, then review and submit.
    page.locator("textarea").first.fill(
        "A day off after a big quarter" if language == "en" else "En fridag etter et stort kvartal"
    )
    shot(page, f"survey-{language}-4-open")
    go(page.get_by_role("button", name=t["review"]))
    shot(page, f"survey-{language}-5-review")
    go(page.get_by_role("button", name=t["submit"]))
    assert page.get_by_role("heading", name=t["done"]).is_visible()
    shot(page, f"survey-{language}-6-done")
    assert submitted_flags(live_server.database_url, email) is not None


def test_survey_pages_are_short_on_a_phone(live_server, page_factory):
    """At 375 px every page stays a few screens long, with the progress in view at the top."""
    email = reps_without_response(live_server.database_url, 3)[2]
    page = page_factory(width=375, height=740)
    sign_in(page, live_server.base, email)
    go(page.get_by_role("link", name=TEXTS["en"]["take"]))
    go(page.get_by_role("link", name=TEXTS["en"]["start"]))
    heights = {}
    while "/page/open" not in page.url:
        key = page.url.rsplit("/", 1)[1]
        heights[key] = page.evaluate("document.documentElement.scrollHeight")
        assert page.locator("progress.progress").is_visible()
        assert page.locator("p.step").is_visible()
        shot(page, f"survey-375-{key}")
        answer_likert_page(page)
        if page.locator("select.rank-select").count():
            answer_ranking(page)
        go(page.get_by_role("button", name=TEXTS["en"]["next"], exact=True))
    assert len(heights) == 6
    # Before the split the rewards page alone was about 13,900 px tall at this width.
    assert max(heights.values()) < 5500, heights
