"""Service errors reach people in their language, each under the field it is about."""

import re
from datetime import date

import pytest
from sqlmodel import select

from models.tables import Wave
from services.access import SYSTEM
from services.errors import InvalidInput, NotFound, Problem
from services.instruments import ensure_default_instrument
from services.waves import open_wave
from tests.conftest import csrf_token, login


@pytest.fixture
def hr(session, factory, client):
    ensure_default_instrument(session=session)
    person = factory.person("hr")
    person.locale = "nb"
    session.add(person)
    session.commit()
    login(client, person.email)
    return person


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</', html, re.S)
    assert match, f"no error shown under {field}"
    return " ".join(match.group(1).split())


def test_service_problems_carry_a_code_field_and_params(session):
    ensure_default_instrument(session=session)
    with pytest.raises(InvalidInput) as caught:
        open_wave(
            session=session,
            actor=SYSTEM,
            name="Back",
            opens_on=date(2026, 12, 20),
            closes_on=date(2026, 12, 1),
            team_names=["Nowhere"],
        )
    exc = caught.value
    assert exc.code == "wave.not_opened"
    by_code = {p.code: p for p in exc.problems}
    assert by_code["wave.closes_before_opening"].field == "closes_on"
    assert by_code["team.unknown"].params == {"team": "Nowhere"}
    # Still plain text for the command line and the API.
    assert "closes_on: the wave must close on or after the day it opens" in str(exc)


def test_a_problem_is_still_its_english_text():
    problem = Problem("name", "wave.name_missing", "give the wave a name")
    assert problem == "name: give the wave a name" and problem.message == "give the wave a name"


def test_norwegian_hr_sees_the_wave_error_in_norwegian_under_its_field(client, session, hr):
    token = csrf_token(client, "/hr/")
    response = client.post(
        "/hr/waves",
        data={
            "name": "Baklengs",
            "opens_on": "2026-12-20",
            "closes_on": "2026-12-01",
            "csrf_token": token,
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (
        field_error(html, "closes_on") == "Runden må slutte samme dag som den åpner eller senere."
    )
    assert "the wave must close" not in html
    assert session.exec(select(Wave)).first() is None


def test_norwegian_hr_sees_a_duplicate_name_in_norwegian(client, session, hr):
    for _ in range(2):
        response = client.post(
            "/hr/waves",
            data={
                "name": "To ganger",
                "opens_on": "2026-12-01",
                "closes_on": "2026-12-20",
                "csrf_token": csrf_token(client, "/hr/"),
            },
        )
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "Det finnes allerede en runde som heter «To ganger»."


def test_a_not_found_page_speaks_norwegian(client, session, factory):
    manager = factory.person("manager")
    manager.locale = "nb"
    session.add(manager)
    session.commit()
    login(client, manager.email)
    response = client.get("/team/person/NOBODY")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Personen finnes ikke." in html and "No such person" not in html


def test_an_error_without_a_code_keeps_its_text(app):
    from web.messages import error_text

    with app.test_request_context("/"):
        assert error_text(NotFound("No wave 'x'.")) == "No wave 'x'."
