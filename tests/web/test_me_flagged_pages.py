"""A rep flagged for speed is told which page was too fast, in their language, and a
resubmission that is still flagged says so instead of a plain "thank you"."""

from __future__ import annotations

import pytest

from services import survey
from services.access import SYSTEM
from services.instruments import ensure_default_instrument
from services.waves import open_wave
from tests.conftest import csrf_token, login
from tests.services.test_flagged_response import answer_all


@pytest.fixture
def rushed_one_page(session, factory, client):
    """A rep who took their time everywhere but on the survey's second page."""
    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Winter check-in")
    view = survey.survey_for(session=session, person=rep, wave_id=wave.id)
    fast = view.page_keys[1]
    response = answer_all(session, rep, wave, 6.0, pace=lambda key: 0.5 if key == fast else 6.0)
    assert response.flags == ["speeding"]
    return {"rep": rep, "wave": wave, "fast": fast, "client": client}


def test_my_page_names_the_page_answered_too_fast(client, rushed_one_page):
    assert rushed_one_page["fast"] == "motivation-2"
    login(client, rushed_one_page["rep"].email)
    html = client.get("/me/").get_data(as_text=True)
    assert "faster than the questions can be read" in html
    assert "The page answered that fast: What drives you at work (part 2)." in html
    assert "Rewards that suit you" not in html.split('id="flagged"')[1].split("</section>")[0]


def test_the_page_is_named_in_norwegian(client, rushed_one_page):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    login(client, rushed_one_page["rep"].email)
    html = client.get("/me/").get_data(as_text=True)
    assert "Siden som ble besvart så raskt: Hva som driver deg på jobben (del 2)." in html


def test_a_resubmission_still_flagged_says_so(client, rushed_one_page):
    wave_id = rushed_one_page["wave"].id
    login(client, rushed_one_page["rep"].email)
    token = csrf_token(client, "/me/")
    client.post(f"/me/survey/{wave_id}/revise", data={"csrf_token": token})
    token = csrf_token(client, f"/survey/{wave_id}/review")
    submitted = client.post(f"/survey/{wave_id}/submit", data={"csrf_token": token})
    assert submitted.headers["Location"].endswith(f"/survey/{wave_id}/done")
    done = client.get(f"/survey/{wave_id}/done").get_data(as_text=True)
    assert "Thank you, your answers are submitted" not in done
    assert "still flagged" in done
    assert "What drives you at work (part 2)" in done
    home = client.get("/me/").get_data(as_text=True)
    assert "Your answers are still flagged" in home


def test_a_clean_submission_still_says_thank_you(client, session, factory):
    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Spring check-in")
    assert answer_all(session, rep, wave, 6.0).flags == []
    login(client, rep.email)
    done = client.get(f"/survey/{wave.id}/done").get_data(as_text=True)
    assert "Thank you, your answers are submitted" in done
    assert "flagged" not in done
    # No model is trained here: the page may not promise personal suggestions yet.
    assert "appear once the first model is trained" in done and "now follow" not in done
    from services.catalogue import ensure_seed_catalogue
    from services.training import train_model

    ensure_seed_catalogue(session=session)
    train_model(session=session, actor=SYSTEM)
    done = client.get(f"/survey/{wave.id}/done").get_data(as_text=True)
    # Suggestions follow the answers at once (no training): the page said "when the model is
    # next trained".
    assert "now follow these answers" in done and "next trained" not in done
    rep.personalise = False
    session.add(rep)
    session.commit()
    done = client.get(f"/survey/{wave.id}/done").get_data(as_text=True)
    assert "stay non-personal while personalisation is off" in done


def test_a_rep_who_has_not_answered_is_told_what_makes_suggestions_theirs(client, session, factory):
    from services.training import train_model
    from tests.services.test_training import small_org

    small_org(session, factory, n=12)
    train_model(session=session, actor=SYSTEM)
    rep = factory.person("rep")
    login(client, rep.email)
    home = client.get("/me/").get_data(as_text=True)
    assert "appear as soon as you submit the survey" in home
    assert "once the model has learned" not in home
