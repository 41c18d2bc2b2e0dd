"""A wave is opened for days still to come; what HR is told matches what the table shows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import func, select

from models.tables import Wave
from services.access import SYSTEM
from services.errors import InvalidInput
from services.instruments import ensure_default_instrument
from services.waves import open_wave, today, wave_state
from tests.conftest import csrf_token, login


@pytest.fixture
def roster(session, factory):
    ensure_default_instrument(session=session)
    oslo = factory.team("Oslo")
    return [factory.person("rep", team=oslo) for _ in range(3)]


def test_a_wave_that_has_already_ended_is_refused(session, roster):
    """Typed 2025 for 2027: the wave was "open" (ended, to the table) and, once closed,
    counted nobody as invited, as nobody on today's roster existed before it ended."""
    with pytest.raises(InvalidInput) as refused:
        open_wave(
            session=session,
            actor=SYSTEM,
            name="Past wave",
            opens_on=today() - timedelta(days=40),
            closes_on=today() - timedelta(days=10),
        )
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == ("closes_on", "wave.already_over")
    assert session.exec(select(func.count()).select_from(Wave)).one() == 0
    # Answers of a survey already held (on paper, imported afterwards) need it on purpose.
    held = open_wave(
        session=session,
        actor=SYSTEM,
        name="Paper survey",
        opens_on=today() - timedelta(days=40),
        closes_on=today() - timedelta(days=10),
        allow_past=True,
    )
    assert wave_state(held) == "ended"


def test_each_state_is_named_the_same_way_everywhere(session, roster):
    now = today()
    soon = open_wave(
        session=session,
        actor=SYSTEM,
        name="Spring",
        opens_on=now + timedelta(days=30),
        closes_on=now + timedelta(days=50),
    )
    running = open_wave(session=session, actor=SYSTEM, name="Winter", team_names=["Oslo"])
    assert (wave_state(soon), wave_state(running)) == ("scheduled", "open")
    running.status = "closed"
    assert wave_state(running) == "closed"


def test_hr_is_told_a_scheduled_wave_is_scheduled_and_the_list_says_so(
    client, session, factory, roster, runner
):
    hr = factory.person("hr")
    login(client, hr.email)
    opens = today() + timedelta(days=30)
    client.post(
        "/hr/waves",
        data={
            "csrf_token": csrf_token(client, "/hr/"),
            "name": "Spring pulse",
            "opens_on": opens.isoformat(),
            "closes_on": (opens + timedelta(days=14)).isoformat(),
        },
    )
    page = client.get("/hr/").get_data(as_text=True)
    assert "Spring pulse" in page
    assert "The wave Spring pulse is scheduled: it opens on" in page
    assert "The wave Spring pulse is open." not in page
    listed = runner.invoke(args=["waves", "list", "--format", "json"])
    assert [w["status"] for w in json.loads(listed.stdout)] == ["scheduled"]
