"""A closed wave's audience is who was invited while it ran: a later roster change
(a respondent promoted, deactivated or moved) never makes answered exceed invited."""

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from models.tables import Team, utcnow
from services.access import SYSTEM
from services.analytics import participation, wave_overview
from services.api_reads import wave_participation
from services.waves import close_wave, invited_ids, list_waves, wave_summary
from tests.conftest import login
from tests.services.insights_org import small_organisation

MIN = 5


@pytest.fixture
def closed_wave_then_roster_change(session):
    """Twelve reps in two teams all answered; after the close one respondent is promoted to
    manager, one is deactivated and one moves to a team the roster adds later."""
    wave, people = small_organisation(session, {"North": ["closer"] * 6, "South": ["closer"] * 6})
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    promoted, gone, moved = people[0], people[1], people[6]
    promoted.access = "manager"
    gone.active = False
    east = Team(name="East")
    session.add(east)
    session.flush()
    moved.team_id = east.id
    session.add_all([promoted, gone, moved])
    session.commit()
    return wave, people


def test_closed_wave_keeps_its_invited_count_after_roster_changes(
    session, closed_wave_then_roster_change
):
    wave, people = closed_wave_then_roster_change
    listed = next(s for s in list_waves(session=session, viewer=SYSTEM) if s.wave.id == wave.id)
    assert (listed.invited, listed.submitted) == (12, 12)
    one = wave_summary(session=session, viewer=SYSTEM, wave_id=wave.id)
    assert (one.invited, one.submitted) == (12, 12)

    overview = next(w for w in wave_overview(session=session, min_group_size=MIN))
    assert (overview["invited"], overview["submitted"], overview["rate"]) == (12, 12, 1.0)

    data = participation(session=session, viewer=SYSTEM, wave=wave.name, min_group_size=MIN)
    assert data["total"]["invited"] == 12 and data["total"]["rate"] == 1.0
    # Teams are those of the moment each person answered, like every other aggregate.
    teams = {t["key"]: t for t in data["teams"]}
    assert set(teams) == {"North", "South"}
    assert all(t["invited"] == t["submitted"] == 6 for t in teams.values())

    api = wave_participation(session=session, viewer=SYSTEM, min_group_size=MIN)
    facts = next(w for w in api if w["id"] == wave.id)
    assert facts["invited"] == 12 and facts["response_rate"] == 1.0


def test_answered_never_exceeds_invited_in_cli_and_hr_pages(
    runner, client, session, factory, closed_wave_then_roster_change
):
    wave, _ = closed_wave_then_roster_change
    result = runner.invoke(args=["waves", "list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    row = next(r for r in json.loads(result.stdout) if r["id"] == wave.id)
    assert (row["invited"], row["submitted"]) == (12, 12)

    hr = factory.person("hr")
    login(client, hr.email)
    page = client.get("/hr/").get_data(as_text=True)
    cells = page.split(f'id="wave-{wave.id}"', 1)[1].split("</tr>", 1)[0]
    assert (
        '<td role="cell" class="num" data-label="Submitted">12</td>\n'
        '        <td role="cell" class="num" data-label="Invited">12</td>'
    ) in cells

    analytics = client.get(f"/hr/insights/analytics?wave={wave.name}")
    assert analytics.status_code == 200
    html = analytics.get_data(as_text=True)
    assert "102" not in html and "109" not in html
    assert '<td class="num">12</td><td class="num">12</td><td class="num">100</td>' in html


def test_a_rep_who_joins_an_open_wave_is_invited(session, factory):
    wave, people = small_organisation(session, {"North": ["closer"] * 6})
    factory.person("rep", team=session.exec(select(Team)).first())
    listed = wave_summary(session=session, viewer=SYSTEM, wave_id=wave.id)
    assert (listed.invited, listed.submitted) == (7, 6)


@pytest.fixture
def closed_wave_then_new_rep(session, factory):
    """Six reps answered a wave that closed fifty days ago; a seventh, on the roster before
    it closed, never answered. In December a new rep joins the team."""
    wave, people = small_organisation(session, {"North": ["closer"] * 6})
    north = session.exec(select(Team)).first()
    silent = factory.person("rep", team=north, name="Silent Rep")
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    closed = utcnow() - timedelta(days=50)
    wave.opens_on, wave.closes_on = (closed - timedelta(days=21)).date(), closed.date()
    wave.closed_at = closed
    silent.created_at = closed - timedelta(days=30)
    session.add_all([wave, silent])
    session.commit()
    factory.person("rep", team=north, name="December Rep")
    return wave, silent


def test_a_rep_added_after_a_wave_closed_was_never_invited(session, closed_wave_then_new_rep):
    wave, silent = closed_wave_then_new_rep
    invited = invited_ids(session, wave)
    assert silent.id in invited  # on the roster while the wave ran: invited, never answered
    assert len(invited) == 7
    one = wave_summary(session=session, viewer=SYSTEM, wave_id=wave.id)
    assert (one.invited, one.submitted) == (7, 6)
    overview = next(w for w in wave_overview(session=session, min_group_size=MIN))
    assert overview["invited"] == 7
    data = participation(session=session, viewer=SYSTEM, wave=wave.name, min_group_size=MIN)
    assert (data["total"]["invited"], data["total"]["submitted"]) == (7, 6)


def test_a_rep_added_after_a_wave_closed_changes_no_list_or_page(
    runner, client, factory, closed_wave_then_new_rep
):
    wave, _ = closed_wave_then_new_rep
    result = runner.invoke(args=["waves", "list", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    row = next(r for r in json.loads(result.stdout) if r["id"] == wave.id)
    assert (row["invited"], row["submitted"]) == (7, 6)

    login(client, factory.person("hr").email)
    page = client.get("/hr/").get_data(as_text=True)
    cells = page.split(f'id="wave-{wave.id}"', 1)[1].split("</tr>", 1)[0]
    # Submitted, then invited.
    assert (
        '<td role="cell" class="num" data-label="Submitted">6</td>\n'
        '        <td role="cell" class="num" data-label="Invited">7</td>'
    ) in cells


def test_respondents_created_after_a_backdated_close_stay_invited(session, factory):
    """The demo's historical wave closes before its people were created: they answered, so
    they were invited, and a later newcomer still is not."""
    wave, people = small_organisation(session, {"North": ["closer"] * 6})
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    wave.closed_at = utcnow() - timedelta(days=54)
    wave.closes_on = wave.closed_at.date()
    session.add(wave)
    session.commit()
    factory.person("rep", team=session.exec(select(Team)).first())
    assert invited_ids(session, wave) == {p.id for p in people}
