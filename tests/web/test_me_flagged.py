"""A rep's own page says plainly what was flagged and offers to review and resubmit."""

from __future__ import annotations

import pytest

from services.access import SYSTEM
from services.instruments import ensure_default_instrument
from services.waves import close_wave, open_wave
from tests.conftest import csrf_token, login
from tests.services.test_flagged_response import answer_all


@pytest.fixture
def flagged_rep(session, factory, client):
    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Winter check-in")
    response = answer_all(session, rep, wave, seconds=0.5)
    response.flags = ["attention", "speeding"]
    session.add(response)
    session.commit()
    login(client, rep.email)
    return {"rep": rep, "wave": wave}


def test_my_page_names_the_rules_in_words_and_offers_a_review(client, flagged_rep):
    html = client.get("/me/").get_data(as_text=True)
    assert "Your latest answers were flagged" in html
    assert "faster than the questions can be read" in html
    assert "attention question" in html
    assert "never whose" in html
    # What the page promises about who learns of the flag is what the app does: managers
    # nothing, HR a count once the wave has closed (tests/web/test_flag_count_privacy.py).
    assert "Your manager is not told that your answers were flagged" in html
    assert "once the wave has closed" in html
    assert "Your manager and HR see" not in html
    assert "appears after the next training" not in html
    assert "Not personalised: your latest answers were flagged" in html
    assert f'action="/me/survey/{flagged_rep["wave"].id}/revise"' in html


def test_review_and_resubmit_reopens_the_survey(client, flagged_rep):
    wave_id = flagged_rep["wave"].id
    token = csrf_token(client, "/me/")
    response = client.post(f"/me/survey/{wave_id}/revise", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/survey/{wave_id}/review")
    html = client.get(f"/survey/{wave_id}/review").get_data(as_text=True)
    assert "Submit my answers" in html
    assert "Your latest answers were flagged" not in client.get("/me/").get_data(as_text=True)


def test_a_closed_wave_says_the_next_survey_replaces_the_answers(client, session, flagged_rep):
    close_wave(session=session, actor=SYSTEM, wave_id=flagged_rep["wave"].id)
    html = client.get("/me/").get_data(as_text=True)
    assert "That wave is closed" in html
    assert "/revise" not in html


def test_soft_signs_are_named_and_the_page_says_it_took_two(client, session, flagged_rep):
    from sqlmodel import select

    from models.tables import SurveyResponse

    response = session.exec(
        select(SurveyResponse).where(SurveyResponse.person_id == flagged_rep["rep"].id)
    ).one()
    response.flags = ["even_odd", "low_variability", "rushed"]
    session.add(response)
    session.commit()
    html = client.get("/me/").get_data(as_text=True)
    assert "less than two seconds per question" in html
    assert "the same or almost the same answer" in html
    assert "did not agree with each other" in html
    assert "it takes two of them together" in html
    assert "attention question" not in html


def test_a_hard_sign_does_not_claim_it_took_two(client, flagged_rep):
    html = client.get("/me/").get_data(as_text=True)
    assert "it takes two of them together" not in html


FIRST_SUBMIT = "After you submit, you cannot change your answers"
RESUBMIT = "After you resubmit, you cannot change your answers again"


def test_the_review_page_words_the_resubmit_rule_after_a_flagged_response_is_reopened(
    client, flagged_rep
):
    wave_id = flagged_rep["wave"].id
    client.post(f"/me/survey/{wave_id}/revise", data={"csrf_token": csrf_token(client, "/me/")})
    html = client.get(f"/survey/{wave_id}/review").get_data(as_text=True)
    # The answers were just reopened, so "can no longer be changed" would be false.
    assert "can no longer be changed" not in html and FIRST_SUBMIT not in html
    assert RESUBMIT in html
    assert "unless the automatic quality check flags them again while this wave is open" in html


def test_the_review_page_before_a_first_submit_names_the_only_exception(client, session, factory):
    from sqlmodel import select

    from models.tables import SurveyResponse

    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Spring check-in")
    response = answer_all(session, rep, wave, seconds=5)
    # Back to a complete answer that has not been submitted yet.
    response.status, response.submitted_at, response.flags = "in_progress", None, []
    session.add(response)
    session.commit()
    login(client, rep.email)
    html = client.get(f"/survey/{wave.id}/review").get_data(as_text=True)
    assert "can no longer be changed" not in html and RESUBMIT not in html
    assert FIRST_SUBMIT in html
    assert "only if the automatic quality check flags them while this wave is open" in html
    assert session.exec(select(SurveyResponse)).one().status == "in_progress"
