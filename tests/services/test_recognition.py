"""Achievements, recognition due and the fairness report."""

from dataclasses import asdict, fields
from datetime import date, timedelta

import pytest
from sqlmodel import select

from models.tables import Achievement, AuditLog, Person, utcnow
from services.errors import InvalidInput, NotAllowed, NotFound
from services.fairness import fairness
from services.recognition import (
    link_grant_to_achievements,
    recent_achievements,
    recognition_due,
    record_achievement,
)
from tests.services.test_budgets import add_reward, give


def ago(days: int) -> date:
    return utcnow().date() - timedelta(days=days)


@pytest.fixture
def team(session, factory):
    north = factory.team("North")
    boss = factory.person("manager", team=north, name="Boss")
    reps = {
        name: factory.person(team=north, manager=boss, name=name)
        for name in ("Ada", "Bo", "Cy", "Di", "Ed", "Fi")
    }
    other_boss = factory.person("manager", name="Other boss")
    stranger = factory.person(manager=other_boss, name="Stranger")
    return {
        "north": north,
        "boss": boss,
        "reps": reps,
        "other_boss": other_boss,
        "stranger": stranger,
        "lunch": add_reward(session, "lunch", 300, 1),
        "trip": add_reward(session, "trip", 5000, 3),
    }


def record(session, team, name: str, days_ago: int, title: str = "Closed a big deal"):
    return record_achievement(
        session=session,
        manager=team["boss"],
        person=team["reps"][name],
        title=title,
        achieved_on=ago(days_ago),
    )


def test_only_the_persons_manager_records_an_achievement(today, session, team, factory):
    with pytest.raises(NotFound):
        record_achievement(
            session=session,
            manager=team["other_boss"],
            person=team["reps"]["Ada"],
            title="x",
            achieved_on=today,
        )
    with pytest.raises(NotAllowed):
        record_achievement(
            session=session,
            manager=team["reps"]["Bo"],
            person=team["reps"]["Ada"],
            title="x",
            achieved_on=today,
        )
    with pytest.raises(InvalidInput) as caught:
        record_achievement(
            session=session,
            manager=team["boss"],
            person=team["reps"]["Ada"],
            title="   ",
            achieved_on=today + timedelta(days=1),
        )
    assert caught.value.problems == [
        "title: say what was achieved",
        "achieved_on: the date cannot be in the future",
    ]
    assert session.exec(select(Achievement)).all() == []

    achievement = record(session, team, "Ada", 2, title="  Closed   the Nordlys deal ")
    assert achievement.title == "Closed the Nordlys deal"
    assert achievement.recorded_by_id == team["boss"].id and achievement.grant_id is None
    audit = session.exec(select(AuditLog).where(AuditLog.action == "achievement.record")).one()
    assert audit.actor_id == team["boss"].id and audit.target == team["reps"]["Ada"].external_id
    assert audit.details["title"] == "Closed the Nordlys deal"


def test_a_grant_within_seven_days_after_recognises_the_achievement(session, team):
    ada = team["reps"]["Ada"]
    early = record(session, team, "Ada", 20)  # grant 8 days later: too late
    timely = record(session, team, "Ada", 16)  # grant 4 days later
    same_day = record(session, team, "Ada", 12)  # grant that day
    after = record(session, team, "Ada", 11)  # the day after the grant: not yet recognised
    grant = give(session, team["lunch"], ada, ago(12), by=team["boss"])
    linked = link_grant_to_achievements(session, grant)
    assert [a.id for a in linked] == [timely.id, same_day.id]
    for achievement in (early, timely, same_day, after):
        session.refresh(achievement)
    assert (early.grant_id, timely.grant_id, same_day.grant_id, after.grant_id) == (
        None,
        grant.id,
        grant.id,
        None,
    )
    audit = session.exec(select(AuditLog).where(AuditLog.action == "achievement.recognise")).one()
    assert audit.actor_id == team["boss"].id
    assert audit.details == {"grant": grant.id, "achievements": [timely.id, same_day.id]}
    # Linking again changes nothing.
    assert link_grant_to_achievements(session, grant) == []


def test_an_achievement_recorded_after_a_timely_grant_is_recognised_at_once(session, team):
    grant = give(session, team["lunch"], team["reps"]["Bo"], ago(1), by=team["boss"])
    achievement = record(session, team, "Bo", 3)
    assert achievement.grant_id == grant.id


def test_recognition_due_lists_open_achievements_then_people_waiting_longest(today, session, team):
    reps = team["reps"]
    give(session, team["lunch"], reps["Bo"], ago(50))
    give(session, team["lunch"], reps["Cy"], ago(10))
    give(session, team["lunch"], reps["Di"], ago(45))  # exactly the limit: due
    give(session, team["lunch"], reps["Ed"], ago(44))
    give(session, team["lunch"], reps["Fi"], ago(46))
    give(session, team["lunch"], reps["Fi"], ago(2))  # recognises Fi's achievement (lazily)
    give(session, team["lunch"], team["stranger"], ago(400))
    cy_open = record(session, team, "Cy", 6)
    ed_open = record(session, team, "Ed", 1)
    record(session, team, "Ed", 9)  # the window has closed: no longer listed
    fi_done = record(session, team, "Fi", 4)
    assert fi_done.grant_id is not None
    # A grant given some other way, without the eager link, still recognises it.
    session.add(Achievement(person_id=reps["Fi"].id, title="Imported", achieved_on=ago(3)))
    session.commit()

    due = recognition_due(session=session, manager=team["boss"], days=45, today=today)
    summary = [(i.person.name, i.reason, i.days_since) for i in due]
    assert summary == [
        ("Cy", "achievement", 6),  # due in 1 day: first
        ("Ed", "achievement", 1),
        ("Ada", "no_recognition", None),  # never recognised
        ("Bo", "no_recognition", 50),
        ("Di", "no_recognition", 45),
    ]
    assert due[0].achievement.id == cy_open.id and due[0].due_by == ago(6) + timedelta(days=7)
    assert due[0].days_left == 1 and due[1].achievement.id == ed_open.id
    assert due[2].achievement is None and due[2].days_left is None

    # The number of days comes from the caller (the app's MOTIVO_RECOGNITION_DUE_DAYS).
    waiting = recognition_due(session=session, manager=team["boss"], days=5, today=today)
    assert {i.person.name for i in waiting if i.reason == "no_recognition"} == {
        "Ada",
        "Bo",
        "Cy",
        "Di",
        "Ed",
    }
    with pytest.raises(NotAllowed):
        recognition_due(session=session, manager=reps["Ada"], today=today)


def test_inactive_people_and_other_teams_are_never_due(session, team):
    ada = team["reps"]["Ada"]
    ada.active = False
    session.add(ada)
    session.commit()
    names = {i.person.name for i in recognition_due(session=session, manager=team["boss"])}
    assert "Ada" not in names and "Stranger" not in names
    assert names == {"Bo", "Cy", "Di", "Ed", "Fi"}


def test_recent_achievements_say_whether_each_was_recognised_in_time(today, session, team):
    missed = record(session, team, "Ada", 30)
    pending = record(session, team, "Bo", 2)
    done = record(session, team, "Cy", 5)
    grant = give(session, team["trip"], team["reps"]["Cy"], ago(3))
    rows = recent_achievements(session=session, manager=team["boss"], today=today)
    by_id = {r.achievement.id: r for r in rows}
    assert [r.achievement.id for r in rows] == [pending.id, done.id, missed.id]
    assert by_id[missed.id].status == "missed"
    assert by_id[pending.id].status == "pending" and by_id[pending.id].due_by == ago(2) + timedelta(
        days=7
    )
    assert by_id[done.id].status == "recognised"
    assert (by_id[done.id].grant_id, by_id[done.id].recognised_on) == (grant.id, ago(3))


# --- fairness -------------------------------------------------------------------------


def test_a_manager_sees_their_team_by_name_with_flags(session, team):
    reps, lunch, trip = team["reps"], team["lunch"], team["trip"]
    # Q2 2026: Ada 5000 + 300, Bo 300 x 2, Cy, Di and Ed 300; Fi nothing.
    give(session, trip, reps["Ada"], date(2026, 4, 1))
    give(session, lunch, reps["Ada"], date(2026, 6, 30))
    give(session, lunch, reps["Bo"], date(2026, 5, 2))
    give(session, lunch, reps["Bo"], date(2026, 5, 3))
    for name in ("Cy", "Di", "Ed"):
        give(session, lunch, reps[name], date(2026, 5, 3))
    give(session, trip, reps["Fi"], date(2026, 7, 1))  # next quarter
    give(session, trip, team["stranger"], date(2026, 5, 1))  # not this team
    report = fairness(session=session, viewer=team["boss"], quarter="2026-q2")
    assert report.scope == "team" and report.quarter == "2026-Q2"
    assert report.n_people == 6 and report.total_count == 7 and report.total_value == 6800
    assert report.top.name == "Ada" and report.recipients == 5
    assert report.top_share == pytest.approx(5300 / 6800)
    # Sorted values 0, 300, 300, 300, 600, 5300: sum (2i - n - 1) x_i / (n * total).
    expected = (-3 * 300 - 1 * 300 + 1 * 300 + 3 * 600 + 5 * 5300) / (6 * 6800)
    assert report.gini == pytest.approx(expected)
    assert report.flags == ("concentrated", "left_out")
    assert [p.name for p in report.left_out] == ["Fi"]
    assert [(s.person.name, s.count, s.value) for s in report.people] == [
        ("Ada", 2, 5300),
        ("Bo", 2, 600),
        ("Cy", 1, 300),
        ("Di", 1, 300),
        ("Ed", 1, 300),
        ("Fi", 0, 0),
    ]
    assert sum(s.share for s in report.people) == pytest.approx(1)


def test_three_recipients_are_not_concentration(session, team):
    # One person over 40% of three is common and says little: not flagged.
    reps = team["reps"]
    give(session, team["trip"], reps["Ada"], date(2026, 5, 1))
    give(session, team["lunch"], reps["Bo"], date(2026, 5, 1))
    give(session, team["lunch"], reps["Cy"], date(2026, 5, 1))
    report = fairness(session=session, viewer=team["boss"], quarter="2026-Q2")
    assert report.recipients == 3 and report.flags == ("left_out",)


def test_an_even_team_raises_no_flags(session, team):
    for rep in team["reps"].values():
        give(session, team["lunch"], rep, date(2026, 5, 1))
    report = fairness(session=session, viewer=team["boss"], quarter="2026-Q2")
    assert report.flags == () and report.gini == 0 and report.top_share == pytest.approx(1 / 6)


def test_two_recipients_are_not_concentration_but_the_others_are_left_out(session, team):
    reps = team["reps"]
    give(session, team["trip"], reps["Ada"], date(2026, 5, 1))
    give(session, team["lunch"], reps["Bo"], date(2026, 5, 1))
    report = fairness(session=session, viewer=team["boss"], quarter="2026-Q2")
    assert report.recipients == 2 and report.min_recipients == 5
    assert report.top_share == pytest.approx(5000 / 5300)
    assert report.flags == ("left_out",)


def test_a_team_given_only_free_rewards_is_not_concentrated(session, team, factory):
    shout = add_reward(session, "shout-out", 0, 1)
    for _ in range(5):
        give(session, shout, team["reps"]["Ada"], date(2026, 5, 1))
    give(session, shout, team["reps"]["Bo"], date(2026, 5, 1))
    give(session, shout, team["reps"]["Cy"], date(2026, 5, 1))
    report = fairness(session=session, viewer=team["boss"], quarter="2026-Q2")
    assert report.total_value == 0 and report.total_count == 7
    assert "concentrated" not in report.flags and report.top_share is None


def test_a_team_given_nothing_shows_how_long_nobody_was_recognised(session, team):
    give(session, team["lunch"], team["reps"]["Ada"], date(2026, 3, 20))
    report = fairness(session=session, viewer=team["boss"], quarter="2026-Q2")
    assert report.flags == ("nobody_recognised",)
    assert (
        report.as_of == date(2026, 6, 30)
        and report.quiet_days == (date(2026, 6, 30) - date(2026, 3, 20)).days
    )
    assert report.left_out == ()  # not a list of the whole team
    never = fairness(session=session, viewer=team["boss"], quarter="2025-Q4")
    assert never.flags == ("nobody_recognised",) and never.quiet_days is None


def test_reps_may_not_see_fairness(session, team):
    with pytest.raises(NotAllowed):
        fairness(session=session, viewer=team["reps"]["Ada"], quarter="2026-Q2")
    with pytest.raises(InvalidInput):
        fairness(session=session, viewer=team["boss"], quarter="2026-5")


@pytest.fixture
def organisation(session, factory):
    """North 8 closers, South 7 closers, East 2 sdrs, West 6 sdrs; values chosen by hand."""
    hr = factory.person("hr")
    lunch = add_reward(session, "lunch", 100, 1)
    people = {}
    for name, size, role in (
        ("North", 8, "closer"),
        ("South", 7, "closer"),
        ("East", 2, "sdr"),
        ("West", 6, "sdr"),
    ):
        t = factory.team(name)
        people[name] = [
            factory.person(team=t, name=f"Secret{name}{i}", sales_role=role) for i in range(size)
        ]
    # North: one person gets 6 lunches, one gets 2 (8 of 800 value); South: everyone one.
    for _ in range(6):
        give(session, lunch, people["North"][0], date(2026, 5, 1))
    for _ in range(2):
        give(session, lunch, people["North"][1], date(2026, 5, 1))
    for rep in people["South"]:
        give(session, lunch, rep, date(2026, 5, 1))
    give(session, lunch, people["East"][0], date(2026, 5, 1))
    give(session, lunch, people["West"][0], date(2026, 5, 1))
    factory.person("manager", name="SecretManager")  # managers are not in the population
    return {"hr": hr, "people": people}


def test_hr_sees_aggregates_by_team_and_role_with_small_groups_hidden(session, organisation):
    report = fairness(
        session=session, viewer=organisation["hr"], quarter="2026-Q2", min_group_size=5
    )
    assert report.scope == "organisation" and not report.total_suppressed
    assert report.n_people == 23 and report.total_count == 17 and report.total_value == 1700
    teams = {g.key: g for g in report.by_team}
    # East (2 people) is hidden; West, the smallest other team, goes too so that the
    # total minus the visible teams does not give East away.
    assert [k for k, g in teams.items() if g.suppressed] == ["East", "West"]
    # Each says why: East is small, West is not (it is hidden only to protect East).
    assert (teams["East"].reason, teams["West"].reason) == ("small", "complement")
    assert all(
        g.people is None and g.value is None and g.gini is None
        for g in teams.values()
        if g.suppressed
    )
    north, south = teams["North"], teams["South"]
    assert (north.people, north.count, north.value) == (8, 8, 800)
    assert north.value_per_person == 100 and north.share == pytest.approx(800 / 1700)
    # Sorted 0 x 6, 200, 600: (5 * 200 + 7 * 600) / (8 * 800).
    assert north.gini == pytest.approx((5 * 200 + 7 * 600) / (8 * 800))
    # Two of North's people received everything: too few recipients for a share to mean
    # anything; the six with nothing are what stands out.
    assert not north.concentrated and north.without == 6 and north.recipients == 2
    assert (south.people, south.gini, south.without, south.concentrated) == (7, 0, 0, False)
    roles = {g.key: g for g in report.by_role}
    assert roles["closer"].people == 15 and roles["sdr"].people == 8
    assert roles["sdr"].value == 200 and roles["sdr"].without == 6
    assert report.people == () and report.top is None and report.left_out == ()


def test_hr_report_never_carries_a_name(session, organisation):
    report = fairness(session=session, viewer=organisation["hr"], quarter="2026-Q2")

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from strings(k)
                yield from strings(v)
        elif isinstance(value, list | tuple):
            for v in value:
                yield from strings(v)
        elif isinstance(value, Person):
            yield value.name

    texts = list(strings({f.name: getattr(report, f.name) for f in fields(report)}))
    texts += list(strings([asdict(g) for g in report.by_team + report.by_role]))
    assert not [t for t in texts if "Secret" in t]


def test_hr_sees_nothing_when_there_are_too_few_reps(session, factory):
    hr = factory.person("hr")
    team = factory.team("Tiny")
    for i in range(3):
        factory.person(team=team, name=f"Tiny {i}")
    report = fairness(session=session, viewer=hr, quarter="2026-Q2", min_group_size=5)
    assert report.total_suppressed and report.total_count is None and report.gini is None
    assert all(g.suppressed for g in report.by_team + report.by_role)
    with pytest.raises(ValueError):
        fairness(session=session, viewer=hr, quarter="2026-Q2", min_group_size=2)


def test_hr_sees_groups_given_nothing_separately(session, organisation, factory):
    quiet = factory.team("Quiet")
    for i in range(6):
        factory.person(team=quiet, name=f"SecretQuiet{i}", sales_role="closer")
    report = fairness(
        session=session, viewer=organisation["hr"], quarter="2026-Q2", min_group_size=5
    )
    teams = {g.key: g for g in report.by_team}
    assert teams["Quiet"].count == 0 and teams["Quiet"].nobody_recognised
    assert not teams["Quiet"].concentrated and teams["Quiet"].quiet_days is None
    assert not teams["South"].nobody_recognised
