"""Norwegian readers get Norwegian wherever they arrive: the sign-in page a browser set to
"no" or "nn" opens, and the pages for an address that does not exist or a wrong method."""

import re

import pytest

from tests.conftest import login


@pytest.mark.parametrize("header", ["no-NO,no;q=0.9,en;q=0.5", "nn-NO", "nb", "nb-NO,en;q=0.3"])
def test_a_browser_asking_for_norwegian_signs_in_in_norwegian(client, header):
    page = client.get("/auth/login", headers={"Accept-Language": header})
    html = page.get_data(as_text=True)
    assert '<html lang="nb">' in html and "Sign in to Motivo" not in html


def test_english_first_stays_english(client):
    page = client.get("/auth/login", headers={"Accept-Language": "en-GB,no;q=0.8"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_error_pages_speak_the_readers_language(client, session, factory):
    rep = factory.person("rep")
    rep.locale = "nb"
    session.add(rep)
    session.commit()
    login(client, rep.email)
    missing = client.get("/finnes/ikke")
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert "The requested URL" not in html and "Fant ikke siden" in html
    assert "Det finnes ingen side på denne adressen" in html
    wrong = client.get("/me/not-for-me/x")
    assert wrong.status_code == 405
    html = wrong.get_data(as_text=True)
    assert "The method is not allowed" not in html
    assert "Denne adressen kan ikke brukes slik" in html


def test_a_one_minute_lock_says_minute(app, client, factory):
    app.config["MOTIVO_LOGIN_WINDOW_SECONDS"] = 90
    rep = factory.person("rep")
    for _ in range(5):
        login(client, rep.email, "wrong password!")
    html = login(client, rep.email).get_data(as_text=True)
    assert "Wait 1 minute and try again" in html


def test_a_report_on_a_wave_without_answers_names_it_in_norwegian(client, session, factory):
    from services.access import SYSTEM
    from services.instruments import ensure_default_instrument
    from services.waves import open_wave

    ensure_default_instrument(session=session)
    open_wave(session=session, actor=SYSTEM, name="Vårpuls")
    hr = factory.person("hr")
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    login(client, hr.email)
    for path in ("/hr/reliability?wave=Vårpuls", "/hr/validity?wave=Vårpuls"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        said = re.search(
            r"Ingen innsendte (?:svar på|besvarelser til) «Hva motiverer deg på jobb», versjon \d i runden «Vårpuls»",
            html,
        )
        assert said, path
        assert " in wave " not in html and " version " not in html
