"""A demo rep takes the whole default survey in Chromium, in English and in Norwegian.

The demo's current wave uses instrument version 2: motive items, instructed-response items
whose right answer is on the disagree side, best-worst tasks and bipolar items."""

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


# The right answers of the instructed-response items (v1's att1, v2's ins1 and ins2).
INSTRUCTED = {"q-att1": 4, "q-ins1": 2, "q-ins2": 1}


def answer_likert_page(page, skip: int | None = None) -> None:
    questions = page.locator("fieldset.likert")
    for index in range(questions.count()):
        if index == skip:
            continue
        question = questions.nth(index)
        value = INSTRUCTED.get(question.get_attribute("id"), 2 + index % 3)
        question.locator("label.point").nth(value - 1).click()
    answer_best_worst(page)


def answer_best_worst(page) -> None:
    """Most wanted: the first option shown; least wanted: the last one shown."""
    tasks = page.locator("fieldset.best-worst")
    for index in range(tasks.count()):
        groups = tasks.nth(index).locator("fieldset.bw-group")
        groups.nth(0).locator("label.bw-option").first.click()
        groups.nth(1).locator("label.bw-option").last.click()


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
        "submitted": "your answers are submitted",
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
        "submitted": "svarene dine er sendt inn",
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
    # A robot answers fast: a flagged response is told so, not thanked as if all were well.
    flags = submitted_flags(live_server.database_url, email)
    assert flags is not None
    assert page.get_by_role("heading", name=t["submitted"]).is_visible()
    assert page.locator("#flagged").count() == (1 if flags else 0)
    assert page.get_by_role("heading", name=t["done"]).count() == (0 if flags else 1)
    shot(page, f"survey-{language}-6-done")


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
    assert len(heights) == 4  # instrument v2: two motive pages, two reward pages
    # Before the split the rewards page alone was about 13,900 px tall at this width.
    assert max(heights.values()) < 5500, heights


def test_rep_completes_v2_on_a_phone_and_sees_a_profile(live_server, page_factory):
    """Best-worst tasks and bipolar items at 375 px: accessible, no wider than the screen,
    best = worst refused with the other answers kept, and a profile at the end."""
    from tests.e2e.test_accessibility import axe_script

    email = reps_without_response(live_server.database_url, 4)[3]
    page = page_factory(width=375, height=740)
    sign_in(page, live_server.base, email)
    go(page.get_by_role("link", name=TEXTS["en"]["take"]))
    go(page.get_by_role("link", name=TEXTS["en"]["start"]))
    script = axe_script()
    problems = []
    while "/page/open" not in page.url:
        key = page.url.rsplit("/", 1)[1]
        page.evaluate(script)
        violations = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
        )
        problems += [
            f"{key}: {v['id']} ({v['impact']})"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{key} is {overflow}px wider than the screen"
        answer_likert_page(page)
        # 2 s per question, as if read (clicking through in a second is rightly flagged).
        questions = page.locator("fieldset.likert, fieldset.best-worst").count()
        page.evaluate(
            "(s) => { const f = document.querySelector('input[name=shown_at]');"
            " f.value = String(Number(f.value) - s); }",
            2.0 * questions,
        )
        tasks = page.locator("fieldset.best-worst")
        if tasks.count():
            shot(page, f"survey-v2-375-{key}")
            # The same option as most and least wanted: refused, nothing else lost.
            first = tasks.first.locator("fieldset.bw-group")
            first.nth(1).locator("label.bw-option").first.click()
            go(page.get_by_role("button", name=TEXTS["en"]["next"], exact=True))
            assert page.locator("#error-summary").is_visible()
            assert "least wanted than for most wanted" in page.content()
            checked = page.locator("fieldset.best-worst input:checked").count()
            assert checked == 2 * tasks.count()
            shot(page, f"survey-v2-375-{key}-error")
            first = page.locator("fieldset.best-worst").first.locator("fieldset.bw-group")
            first.nth(1).locator("label.bw-option").last.click()
        go(page.get_by_role("button", name=TEXTS["en"]["next"], exact=True))
        assert page.locator("#error-summary").count() == 0, page.url
    assert problems == []
    go(page.get_by_role("button", name=TEXTS["en"]["review"]))
    go(page.get_by_role("button", name=TEXTS["en"]["submit"]))
    assert page.get_by_role("heading", name=TEXTS["en"]["done"]).is_visible()
    assert submitted_flags(live_server.database_url, email) == []
    page.goto(f"{live_server.base}/me/")
    shot(page, "survey-v2-375-profile")
    assert page.locator("p.profile-name").is_visible(), page.locator("main").inner_text()


def test_answers_given_before_a_refused_next_survive_leaving_the_page(live_server, page_factory):
    """Half a page answered, "Next" refused for the rest: leaving by a link loses nothing."""
    email = reps_without_response(live_server.database_url, 1)[0]
    page = page_factory()
    sign_in(page, live_server.base, email)
    go(page.get_by_role("link", name=TEXTS["en"]["take"]))
    go(page.get_by_role("link", name=TEXTS["en"]["start"]))
    questions = page.locator("fieldset.likert")
    half = questions.count() // 2
    for index in range(half):
        questions.nth(index).locator("label.point").nth(1).click()
    url = page.url
    go(page.get_by_role("button", name=TEXTS["en"]["next"], exact=True))
    assert page.locator("#error-summary").is_visible()
    assert "Your answers so far are saved" in page.locator("#error-summary").inner_text()
    assert page.url == url
    shot(page, "survey-next-refused-keeps-answers")
    page.goto(f"{live_server.base}/me/")  # away without "Save and continue later"
    go(page.get_by_role("link", name=TEXTS["en"]["continue"]))
    go(page.get_by_role("link", name=TEXTS["en"]["continue"]))
    assert page.url == url
    assert page.locator("fieldset.likert input:checked").count() == half
