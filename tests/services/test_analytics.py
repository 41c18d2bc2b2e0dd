import numpy as np
import pytest
from sqlmodel import select

from models.tables import Person, SurveyResponse
from services.access import SYSTEM
from services.analytics import (
    drift,
    participation,
    programme_analytics,
    reminder_list,
    reward_satisfaction,
    reward_uptake,
)
from services.errors import InvalidInput, NotAllowed
from services.fairness import exposure
from services.waves import close_wave
from tests.services import insights_org
from tests.services.insights_org import PLANTED_TEAM, small_organisation

org_db = insights_org.org_db
org_session = insights_org.org_session
MIN = 5


def test_participation_by_team_hides_small_teams(org_db, org_session):
    data = participation(session=org_session, viewer=SYSTEM, wave=org_db.org.current_wave.name)
    planted = next(t for t in data["teams"] if t["key"] == PLANTED_TEAM)
    assert planted["suppressed"] and planted["invited"] is None
    shown = [t for t in data["teams"] if not t["suppressed"]]
    assert shown and all(t["invited"] >= MIN for t in shown)
    hidden = data["total"]["invited"] - sum(t["invited"] for t in shown)
    assert hidden == 0 or hidden >= MIN
    submitted = org_session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == org_db.org.current_wave.id,
            SurveyResponse.status == "submitted",
        )
    ).all()
    assert data["total"]["submitted"] == len(submitted)


def test_reminders_name_only_people_who_have_not_submitted(org_db, org_session):
    wave = org_db.org.current_wave
    data = reminder_list(session=org_session, viewer=SYSTEM, wave=wave.name)
    answered = set(
        org_session.exec(
            select(SurveyResponse.person_id).where(
                SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted"
            )
        )
    )
    names_answered = {org_session.get(Person, pid).name for pid in answered}
    pending = {p["name"] for p in data["people"]}
    assert pending and not pending & names_answered
    assert set(data["people"][0]) == {"person_id", "name", "email", "team", "started"}
    assert any(p["started"] for p in data["people"])


def test_reminders_are_only_for_open_waves(session):
    wave, _ = small_organisation(session, {"North": ["closer"] * 5})
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    with pytest.raises(InvalidInput):
        reminder_list(session=session, viewer=SYSTEM, wave=wave.name)


def test_drift_compares_nothing_across_a_revised_survey(org_db, org_session):
    """The demo's two waves used versions 1 and 2, which ask every scale with other items
    (or in another format): both waves are listed, no score is given a change. Two waves on
    one version: test_same_measure_change."""
    data = drift(session=org_session, viewer=SYSTEM, min_size=MIN)
    assert [w["wave"] for w in data["waves"]] == [
        org_db.org.first_wave.name,
        org_db.org.current_wave.name,
    ]
    assert data["change"]["constructs"] == {}


def test_reward_figures_need_enough_different_people(org_db, org_session):
    uptake = reward_uptake(session=org_session, min_size=MIN)
    for c in uptake["categories"]:
        assert c["suppressed"] or c["people"] >= MIN
    satisfaction = reward_satisfaction(session=org_session, min_size=MIN)
    shown = [c for c in satisfaction["categories"] if not c["suppressed"]]
    assert shown
    for c in shown:
        assert 1 <= c["mean_rating"] <= 5
        assert 0 <= c["dismissal_rate"] <= 1
    big = reward_uptake(session=org_session, min_size=10)
    assert sum(c["suppressed"] for c in big["categories"]) >= sum(
        c["suppressed"] for c in uptake["categories"]
    )


def test_fairness_hides_small_teams_and_roles(org_db, org_session):
    data = exposure(session=org_session, viewer=SYSTEM, min_size=MIN)
    planted = next(g for g in data["team"] if g["key"] == PLANTED_TEAM)
    assert planted["suppressed"]
    for by in ("team", "sales_role"):
        for g in data[by]:
            if not g["suppressed"]:
                assert g["reps"] >= MIN
                assert 0 <= g["exposure"] <= 1
                assert g["value_per_rep"] >= 0


def test_only_hr_sees_the_exposure_report(org_db, org_session):
    rep = org_session.exec(select(Person).where(Person.access == "rep")).first()
    with pytest.raises(NotAllowed):
        exposure(session=org_session, viewer=rep, min_size=MIN)


def test_the_whole_page_never_shows_a_small_group(org_db, org_session):
    data = programme_analytics(session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name)
    for by in ("team", "sales_role"):
        for g in data["distributions"][by]["groups"]:
            assert g["suppressed"] or g["n"] >= MIN
    for w in data["waves"]:
        assert w["suppressed"] or w["invited"] >= MIN
    assert data["model"] is None
    values = [
        v["median"]
        for g in data["distributions"]["team"]["groups"]
        if g["constructs"] and g["n"] >= 2 * MIN
        for v in g["constructs"].values()
    ]
    assert values and np.all((np.array(values) >= 1) & (np.array(values) <= 5))


def test_only_hr_sees_programme_analytics(org_db, org_session):
    for person in (org_db.org.rep, org_db.org.manager, org_db.org.admin):
        with pytest.raises(NotAllowed):
            programme_analytics(session=org_session, viewer=person)
    with pytest.raises(NotAllowed):
        reminder_list(session=org_session, viewer=org_db.org.manager)


def test_quartiles_only_for_groups_of_twice_the_minimum(session):
    """In a group of five the quartiles and the median are people's own scores: such a
    group shows its mean only, and says why."""
    small_organisation(session, {"North": ["closer"] * 5, "South": ["account_manager"] * 12})
    data = programme_analytics(session=session, viewer=SYSTEM)
    dist = data["distributions"]["team"]
    assert dist["quartile_min_size"] == 2 * MIN
    teams = {g["key"]: g for g in dist["groups"]}
    north, south = teams["North"], teams["South"]
    assert north["n"] == 5 and not north["suppressed"]
    assert north["quartiles_reason"] == "few_for_quartiles"
    for figures in north["constructs"].values():
        assert figures["mean"] is not None
        assert figures["q1"] is None and figures["median"] is None and figures["q3"] is None
    assert south["n"] == 12 and south["quartiles_reason"] is None
    for figures in south["constructs"].values():
        assert figures["q1"] <= figures["median"] <= figures["q3"]


def test_quartiles_follow_the_organisations_minimum_group_size(session):
    small_organisation(session, {"North": ["closer"] * 6, "South": ["account_manager"] * 12})
    data = programme_analytics(session=session, viewer=SYSTEM, min_group_size=6)
    teams = {g["key"]: g for g in data["distributions"]["team"]["groups"]}
    assert data["distributions"]["team"]["quartile_min_size"] == 12
    assert teams["North"]["quartiles_reason"] == "few_for_quartiles"
    assert teams["South"]["quartiles_reason"] is None


def test_a_scheduled_wave_is_not_the_default_for_participation(session):
    """With a wave scheduled for next month, the page's default ("newest wave with
    answers") showed its participation (nobody, everywhere) beside the running wave's
    scores."""
    from datetime import timedelta

    from services.waves import open_wave, today

    wave, _people = small_organisation(session, {"North": ["closer"] * 6})
    open_wave(
        session=session,
        actor=SYSTEM,
        name="Summer pulse",
        opens_on=today() + timedelta(days=30),
        closes_on=today() + timedelta(days=50),
        confirm_overlap=True,
    )
    data = programme_analytics(session=session, viewer=SYSTEM)
    assert data["participation"]["wave"] == data["distributions"]["wave"] == wave.name
