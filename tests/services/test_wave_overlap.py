"""A second wave that would ask people already asked, on the same days, needs HR's yes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from models.tables import Notification, Wave
from services.access import SYSTEM
from services.instruments import ensure_default_instrument
from services.waves import OverlapsOpenWave, close_wave, open_wave, today


@pytest.fixture
def company_wave(session, factory):
    ensure_default_instrument(session=session)
    bergen, oslo = factory.team("Bergen"), factory.team("Oslo")
    reps = [factory.person("rep", team=bergen) for _ in range(3)]
    reps += [factory.person("rep", team=oslo) for _ in range(2)]
    return open_wave(session=session, actor=SYSTEM, name="Winter check-in")


def waves(session) -> int:
    return session.exec(select(func.count()).select_from(Wave)).one()


def test_a_team_wave_inside_a_company_wave_is_refused_until_confirmed(session, company_wave):
    notes = session.exec(select(func.count()).select_from(Notification)).one()
    with pytest.raises(OverlapsOpenWave) as refused:
        open_wave(session=session, actor=SYSTEM, name="Bergen pulse", team_names=["Bergen"])
    assert refused.value.people == 3 and refused.value.waves == ["Winter check-in"]
    assert refused.value.code == "wave.overlaps_open_wave"
    # Nothing written: no wave, and nobody told a survey opened.
    assert waves(session) == 1
    assert session.exec(select(func.count()).select_from(Notification)).one() == notes
    opened = open_wave(
        session=session,
        actor=SYSTEM,
        name="Bergen pulse",
        team_names=["Bergen"],
        confirm_overlap=True,
    )
    assert opened.id and waves(session) == 2


def test_no_overlap_in_days_or_people_needs_no_confirmation(session, company_wave, factory):
    # After the open wave closes on its last day, or once it is closed, or for a team it
    # does not ask: nobody gets two surveys at once.
    after = company_wave.closes_on + timedelta(days=1)
    open_wave(session=session, actor=SYSTEM, name="Spring", opens_on=after)
    close_wave(session=session, actor=SYSTEM, wave_id=company_wave.id)
    open_wave(session=session, actor=SYSTEM, name="Bergen pulse", team_names=["Bergen"])
    assert waves(session) == 3


def test_a_later_wave_that_starts_before_the_open_one_ends_counts(session, company_wave):
    with pytest.raises(OverlapsOpenWave):
        open_wave(session=session, actor=SYSTEM, name="Soon", opens_on=today() + timedelta(days=5))
