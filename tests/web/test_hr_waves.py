"""HR opens and closes waves from the workspace page."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from models.tables import AuditLog, Wave
from services.instruments import ensure_default_instrument
from tests.conftest import csrf_token, login


@pytest.fixture
def hr(session, factory, client):
    ensure_default_instrument(session=session)
    person = factory.person("hr")
    login(client, person.email)
    return person


def post_wave(client, name: str, *, token_from: str = "/hr/", lang: str = "", **fields):
    """Post the "open a wave" form as a browser would, December dates unless given."""
    data = {"name": name, "opens_on": "2026-12-01", "closes_on": "2026-12-20", **fields}
    data["csrf_token"] = csrf_token(client, token_from)
    return client.post("/hr/waves" + (f"?lang={lang}" if lang else ""), data=data)


def test_open_then_close_a_wave(client, session, hr, factory):
    factory.team("Oslo")
    token = csrf_token(client, "/hr/")
    response = client.post(
        "/hr/waves",
        data={
            "name": "Spring pulse",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-20",
            "teams": ["Oslo"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    wave = session.exec(select(Wave).where(Wave.name == "Spring pulse")).one()
    assert wave.audience == "teams" and wave.status == "open"
    page = client.get("/hr/").get_data(as_text=True)
    assert "Spring pulse" in page
    token = csrf_token(client, "/hr/")
    client.post(f"/hr/waves/{wave.id}/close", data={"csrf_token": token})
    session.refresh(wave)
    assert wave.status == "open"  # the first step only asks
    client.post(f"/hr/waves/{wave.id}/close", data={"csrf_token": token, "confirm": "1"})
    session.refresh(wave)
    assert wave.status == "closed"
    actions = [a.action for a in session.exec(select(AuditLog))]
    assert "wave.open" in actions and "wave.close" in actions


def test_bad_dates_rerender_with_the_field_error(client, session, hr):
    token = csrf_token(client, "/hr/")
    response = client.post(
        "/hr/waves",
        data={
            "name": "Backwards",
            "opens_on": "2026-12-20",
            "closes_on": "2026-12-01",
            "csrf_token": token,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The wave must close on or after the day it opens." in html
    assert 'value="Backwards"' in html  # what was typed is kept
    assert session.exec(select(Wave)).first() is None


def test_duplicate_name_is_refused(client, session, hr):
    for expected in (302, 400):
        response = post_wave(client, "Twice")
        assert response.status_code == expected
    assert "exists already" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Contains the control character U+202E, which cannot be stored; remove it."),
        ("nb", "Inneholder kontrolltegnet U+202E, som ikke kan lagres; fjern det."),
    ],
)
def test_a_name_with_a_control_character_is_refused_at_the_field(
    client, session, hr, lang, message
):
    response = post_wave(client, "Pulse \u202e4Q", lang=lang)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.exec(select(Wave)).first() is None


def test_reps_cannot_open_waves(client, session, factory):
    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    login(client, rep.email)
    response = post_wave(client, "Sneaky", token_from="/me/")
    assert response.status_code == 403
    assert session.exec(select(Wave)).first() is None


@pytest.mark.parametrize(
    ("opens_on", "closes_on", "field", "message"),
    [
        ("2026-12-06", "9999-12-31", "closes_on", "A wave runs for at most 366 days."),
        ("0001-01-01", "0001-01-20", "opens_on", "Choose a day in the years 2000 to 2099."),
    ],
)
def test_dates_no_survey_period_has_are_refused_and_every_hr_page_still_opens(
    client, session, hr, runner, opens_on, closes_on, field, message
):
    """A wave ending in the year 9999 was accepted, and once closed, the day after its end
    was out of range: the HR pages and `motivo waves list` failed until the database was
    edited by hand."""
    response = client.post(
        "/hr/waves",
        data={
            "name": "Forever",
            "opens_on": opens_on,
            "closes_on": closes_on,
            "csrf_token": csrf_token(client, "/hr/"),
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'id="{field}-error"' in html
    assert 'value="Forever"' in html  # what was typed stays in the form
    assert session.exec(select(Wave)).first() is None


def test_a_stored_wave_on_the_last_day_there_is_does_not_break_the_hr_pages(
    client, session, hr, runner
):
    """Rows stored before the bounds: closing one still leaves every HR page working."""
    from services.instruments import get_instrument_row

    session.add(
        Wave(
            name="Stored long ago",
            instrument_id=get_instrument_row(session=session).id,
            opens_on=date(2026, 12, 6),
            closes_on=date.max,
            status="closed",
            closed_at=datetime(2026, 12, 6, 12, tzinfo=UTC),
        )
    )
    session.commit()
    for path in ("/hr/", "/hr/insights/", "/hr/insights/analytics", "/hr/reliability"):
        assert client.get(path).status_code == 200, path
    listed = runner.invoke(args=["waves", "list"])
    assert listed.exit_code == 0 and "Stored long ago" in listed.output


def test_a_wave_that_asks_people_twice_is_opened_only_when_hr_ticks_the_box(
    client, session, hr, factory
):
    oslo = factory.team("Oslo")
    for _ in range(2):
        factory.person("rep", team=oslo)
    assert post_wave(client, "Winter check-in").status_code == 302
    response = post_wave(client, "Oslo pulse", teams=["Oslo"])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 of the people this wave asks are asked already in Winter check-in" in html
    assert 'name="confirm_overlap"' in html and 'value="Oslo pulse"' in html
    assert session.exec(select(Wave).where(Wave.name == "Oslo pulse")).first() is None
    response = post_wave(client, "Oslo pulse", teams=["Oslo"], confirm_overlap="y")
    assert response.status_code == 302
    assert session.exec(select(Wave).where(Wave.name == "Oslo pulse")).one().status == "open"
    # Norwegian too.
    response = post_wave(client, "Oslo igjen", teams=["Oslo"], lang="nb")
    assert "er allerede spurt i Winter check-in, Oslo pulse" in response.get_data(as_text=True)
