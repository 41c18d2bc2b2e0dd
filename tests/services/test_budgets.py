"""Quarterly team budgets: quarters, who may set them, what counts as spend."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import func, select

from models.tables import AuditLog, Budget, Grant, Reward, utc_today
from services.budgets import (
    budget_status,
    charged_team_id,
    current_quarter,
    list_budgets,
    quarter_bounds,
    set_budget,
    would_exceed,
)
from services.errors import InvalidInput, NotAllowed, NotFound


def add_reward(session, slug: str, cost: float, band: int) -> Reward:
    reward = Reward(
        slug=slug,
        name={"en": slug.replace("-", " ").title(), "nb": f"NB {slug}"},
        category="recognition",
        visibility="private",
        scope="individual",
        roles=["all"],
        cost_band=band,
        cost=cost,
        horizon="short",
    )
    session.add(reward)
    session.commit()
    return reward


def give(session, reward: Reward, person, on: date, by=None) -> Grant:
    grant = Grant(
        reward_id=reward.id,
        person_id=person.id,
        given_by_id=by.id if by else None,
        given_on=on,
        source="demo",
        cost=reward.cost,
        team_id=charged_team_id(person, by),
    )
    session.add(grant)
    session.commit()
    return grant


@pytest.fixture
def org(session, factory):
    north, south = factory.team("North"), factory.team("South")
    hr = factory.person("hr")
    boss = factory.person("manager", team=north)
    reps = [factory.person(team=north, manager=boss, name=f"North {i}") for i in range(3)]
    other = factory.person(team=south, name="South 1")
    rewards = {
        "lunch": add_reward(session, "lunch", 300, 1),
        "course": add_reward(session, "course", 1500, 2),
        "trip": add_reward(session, "trip", 5000, 3),
    }
    return {
        "north": north,
        "south": south,
        "hr": hr,
        "boss": boss,
        "reps": reps,
        "other": other,
        "rewards": rewards,
    }


def test_quarters():
    assert current_quarter(date(2026, 1, 1)) == "2026-Q1"
    assert current_quarter(date(2026, 3, 31)) == "2026-Q1"
    assert current_quarter(date(2026, 4, 1)) == "2026-Q2"
    assert current_quarter(date(2026, 12, 31)) == "2026-Q4"
    assert quarter_bounds("2026-Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds("2026-Q2") == (date(2026, 4, 1), date(2026, 6, 30))
    assert quarter_bounds("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInput):
        quarter_bounds("2026-Q0")


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2900, 12, 31)))
def test_every_day_lies_inside_the_bounds_of_its_quarter(day):
    first, last = quarter_bounds(current_quarter(day))
    assert first <= day <= last
    assert (last - first).days in (89, 90, 91)


def test_only_hr_sets_budgets_and_bad_input_is_refused_whole(session, org):
    with pytest.raises(NotAllowed):
        set_budget(
            session=session, actor=org["boss"], team_id=org["north"].id, quarter="2026-Q4", amount=1
        )
    with pytest.raises(NotFound):
        set_budget(session=session, actor=org["hr"], team_id=9999, quarter="2026-Q4", amount=1)
    with pytest.raises(InvalidInput) as caught:
        set_budget(
            session=session, actor=org["hr"], team_id=org["north"].id, quarter="Q4", amount=-5
        )
    assert caught.value.problems == [
        "quarter: write the quarter as YYYY-Qn, e.g. 2026-Q4",
        "amount: give an amount of 0 or more",
    ]
    with pytest.raises(InvalidInput):
        set_budget(
            session=session,
            actor=org["hr"],
            team_id=org["north"].id,
            quarter="2026-Q4",
            amount=float("nan"),
        )
    assert session.exec(select(func.count()).select_from(Budget)).one() == 0


def test_setting_again_changes_the_one_budget_and_each_change_is_audited(session, org):
    team = org["north"].id
    set_budget(session=session, actor=org["hr"], team_id=team, quarter="2026-q4", amount=10000)
    budget = set_budget(
        session=session, actor=org["hr"], team_id=team, quarter="2026-Q4", amount=12000.456
    )
    rows = session.exec(select(Budget)).all()
    assert len(rows) == 1 and rows[0].id == budget.id
    assert budget.quarter == "2026-Q4" and budget.amount == 12000.46
    assert budget.set_by_id == org["hr"].id
    audits = session.exec(
        select(AuditLog).where(AuditLog.action == "budget.set").order_by(AuditLog.id)
    ).all()
    assert [a.details for a in audits] == [
        {"quarter": "2026-Q4", "amount": 10000.0, "previous": None},
        {"quarter": "2026-Q4", "amount": 12000.46, "previous": 10000.0},
    ]
    assert {a.target for a in audits} == {"North"}
    assert all(a.actor_id == org["hr"].id for a in audits)


def test_spend_counts_the_teams_grants_in_the_quarter_only(session, org):
    r, reps = org["rewards"], org["reps"]
    give(session, r["lunch"], reps[0], date(2026, 10, 1))  # first day counts
    give(session, r["lunch"], reps[1], date(2026, 12, 31))  # last day counts
    give(session, r["course"], reps[2], date(2026, 11, 15))
    give(session, r["trip"], reps[0], date(2026, 9, 30))  # previous quarter
    give(session, r["trip"], org["other"], date(2026, 11, 1))  # another team
    status = budget_status(session=session, team_id=org["north"].id, quarter="2026-Q4")
    assert status.amount is None and status.remaining is None and not status.over
    assert status.spent == 2100
    assert status.by_band == {1: 600.0, 2: 1500.0, 3: 0.0, 4: 0.0}
    assert status.count_by_band == {1: 2, 2: 1, 3: 0, 4: 0}
    assert status.count == 3

    set_budget(
        session=session, actor=org["hr"], team_id=org["north"].id, quarter="2026-Q4", amount=2000
    )
    status = budget_status(session=session, team_id=org["north"].id, quarter="2026-Q4")
    assert status.amount == 2000 and status.remaining == -100 and status.over
    assert status.used == pytest.approx(1.05)
    q3 = budget_status(session=session, team_id=org["north"].id, quarter="2026-Q3")
    assert q3.spent == 5000 and q3.by_band[3] == 5000 and q3.amount is None


def test_would_exceed_compares_spend_plus_the_new_cost_with_the_budget(session, org):
    team = org["north"].id
    give(session, org["rewards"]["lunch"], org["reps"][0], date(2026, 10, 5))
    assert not would_exceed(session=session, team_id=team, extra_cost=1e9, quarter="2026-Q4")
    set_budget(session=session, actor=org["hr"], team_id=team, quarter="2026-Q4", amount=1000)
    assert not would_exceed(session=session, team_id=team, extra_cost=700, quarter="2026-Q4")
    assert would_exceed(session=session, team_id=team, extra_cost=700.01, quarter="2026-Q4")
    # Other quarters are not limited by this one's budget.
    assert not would_exceed(session=session, team_id=team, extra_cost=5000, quarter="2027-Q1")


def test_hr_lists_every_team_with_or_without_a_budget(session, org):
    give(session, org["rewards"]["trip"], org["other"], date(2026, 11, 1))
    set_budget(
        session=session, actor=org["hr"], team_id=org["north"].id, quarter="2026-Q4", amount=500
    )
    with pytest.raises(NotAllowed):
        list_budgets(session=session, viewer=org["boss"], quarter="2026-Q4")
    rows = list_budgets(session=session, viewer=org["hr"], quarter="2026-Q4")
    assert [r.team.name for r in rows] == ["North", "South"]
    north, south = rows
    assert north.status.amount == 500 and north.status.spent == 0 and north.set_by
    assert south.status.amount is None and south.status.spent == 5000
    assert south.status.count_by_band[3] == 1 and not south.status.over


def test_a_quarters_spend_keeps_what_was_paid_and_who_paid_it(session, org):
    """Raising a reward's catalogue cost put a team over budget without a new grant, and
    moving a person to another team moved their past spend with them."""
    reward, rep = org["rewards"]["lunch"], org["reps"][0]
    give(session, reward, rep, utc_today())
    north = rep.team_id
    before = budget_status(session=session, team_id=north).spent
    reward.cost = reward.cost * 10
    rep.team_id = org["other"].team_id
    session.add_all([reward, rep])
    session.commit()
    assert budget_status(session=session, team_id=north).spent == before
    assert budget_status(session=session, team_id=org["other"].team_id).spent == 0
