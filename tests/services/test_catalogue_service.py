"""The stored reward catalogue: seeding, all-or-nothing import, export, retiring rewards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from models.tables import AuditLog, Grant, Person, Rating, utc_today
from models.tables import Reward as RewardRow
from recommender.catalogue import reward_to_dict, reward_to_row
from seed.demo_org import demo_people
from seed.loaders import load_catalogue
from services.access import SYSTEM
from services.catalogue import (
    catalogue_rows,
    ensure_seed_catalogue,
    export_rewards,
    import_rewards,
)
from services.demo import load_demo_people, load_demo_survey
from services.errors import InvalidInput, NotAllowed
from services.grants import give_reward
from services.recommendations import popular_rewards, suggest_rewards
from services.training import train_model
from tests.conftest import TEST_PASSWORD


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def record(reward_id: str = "quiet-day", **changes) -> dict:
    data = {
        "id": reward_id,
        "name": {"en": "A quiet day", "nb": "En rolig dag"},
        "description": {"en": "No meetings for a day.", "nb": "Ingen møter en dag."},
        "category": "time",
        "visibility": "private",
        "scope": "individual",
        "roles": ["all"],
        "cost_band": 1,
        "cost": 0,
        "horizon": "short",
        "cooldown_days": 30,
        "active": True,
    }
    data.update(changes)
    return data


def stored(session, slug: str) -> RewardRow:
    return session.exec(select(RewardRow).where(RewardRow.slug == slug)).one()


def test_the_seed_catalogue_loads_into_an_empty_catalogue_only(session):
    summary = ensure_seed_catalogue(session=session)
    seed = load_catalogue()
    assert len(summary.created) == len(seed) == count(session, RewardRow)
    assert [reward_to_dict(r) for r in export_rewards(session=session, actor=SYSTEM)] == sorted(
        (reward_to_dict(r) for r in seed), key=lambda d: (d["category"], d["id"])
    )
    import_rewards(session=session, actor=SYSTEM, records=[record()])
    assert ensure_seed_catalogue(session=session) is None
    assert count(session, RewardRow) == len(seed) + 1


def test_import_creates_updates_and_reports_unchanged_rewards(session):
    first = import_rewards(
        session=session, actor=SYSTEM, records=[record("a-day"), record("b-day")]
    )
    assert (first.created, first.updated, first.unchanged) == (["a-day", "b-day"], [], [])
    second = import_rewards(
        session=session,
        actor=SYSTEM,
        records=[record("a-day", cost=250, roles=["sdr", "closer"]), record("b-day")],
    )
    assert (second.created, second.updated, second.unchanged) == ([], ["a-day"], ["b-day"])
    assert second.describe() == "0 created, 1 updated, 1 unchanged"
    row = stored(session, "a-day")
    assert (row.cost, list(row.roles)) == (250, ["sdr", "closer"])
    third = import_rewards(session=session, actor=SYSTEM, records=[record("b-day")])
    assert third.unchanged == ["b-day"]
    # Only the two imports that changed something are in the audit log.
    events = session.exec(select(AuditLog).where(AuditLog.action == "rewards.import")).all()
    assert [e.details for e in events] == [
        {"created": 2, "updated": 0, "actor": "command line"},
        {"created": 0, "updated": 1, "actor": "command line"},
    ]


def test_a_reward_left_out_of_the_file_is_kept_as_it_is(session):
    import_rewards(session=session, actor=SYSTEM, records=[record("a-day"), record("b-day")])
    import_rewards(session=session, actor=SYSTEM, records=[record("a-day", cost=100)])
    assert stored(session, "b-day").active is True
    assert count(session, RewardRow) == 2


BAD_RECORDS = {
    "unknown category": (
        [record("a-day", category="money")],
        "row 1, column category: unknown category 'money'",
    ),
    "negative cost": ([record("a-day", cost=-5)], "row 1, column cost: must not be negative"),
    "cost band outside 1-4": (
        [record("a-day", cost_band=5)],
        "row 1, column cost_band: expected a whole number from 1 to 4, got 5",
    ),
    "unknown role": ([record("a-day", roles=["ceo"])], "row 1, column roles: unknown role 'ceo'"),
    "malformed id": ([record("A Day!")], "row 1, column id: 'A Day!' is not a valid id"),
    "duplicate id": (
        [record("a-day"), record("a-day")],
        "row 2, column id: duplicate id 'a-day' (also in row 1)",
    ),
    "missing column": (
        [{k: v for k, v in record("a-day").items() if k != "horizon"}],
        "row 1, column horizon: missing column",
    ),
    "unknown column": ([record("a-day", price=5)], "row 1, column price: unknown column"),
}


@pytest.mark.parametrize("kind", list(BAD_RECORDS))
def test_one_bad_record_means_nothing_is_written(session, kind):
    import_rewards(session=session, actor=SYSTEM, records=[record("kept", cost=100)])
    records, message = BAD_RECORDS[kind]
    # A valid change in the same file must not be applied either.
    records = [record("kept", cost=900), record("new-one"), *records]
    before = (count(session, RewardRow), count(session, AuditLog))
    with pytest.raises(InvalidInput) as caught:
        import_rewards(session=session, actor=SYSTEM, records=records, source="rewards.json")
    assert caught.value.args[0].startswith("Nothing was imported:")
    assert "rewards.json" in caught.value.args[0]
    # Row numbers count the two good records placed first.
    shifted = message.replace("row 2,", "row 4,").replace("row 1", "row 3")
    assert any(p.startswith(shifted) for p in caught.value.problems), caught.value.problems
    assert (count(session, RewardRow), count(session, AuditLog)) == before
    session.expire_all()
    assert stored(session, "kept").cost == 100


def test_export_then_import_round_trips_in_both_shapes(session):
    ensure_seed_catalogue(session=session)
    import_rewards(
        session=session, actor=SYSTEM, records=[record("retired-day", active=False, cost=12.5)]
    )
    exported = export_rewards(session=session, actor=SYSTEM)
    as_dicts = [reward_to_dict(r) for r in exported]
    as_rows = [reward_to_row(r) for r in exported]
    assert import_rewards(session=session, actor=SYSTEM, records=as_dicts).unchanged == [
        r.id for r in exported
    ]
    assert import_rewards(session=session, actor=SYSTEM, records=as_rows).unchanged == [
        r.id for r in exported
    ]
    assert export_rewards(session=session, actor=SYSTEM) == exported
    assert stored(session, "retired-day").active is False


def test_every_export_is_in_the_audit_log(session, factory):
    ensure_seed_catalogue(session=session)
    hr = factory.person("hr", password=None)
    export_rewards(session=session, actor=SYSTEM, fmt="csv")
    export_rewards(session=session, actor=hr, fmt="json")
    events = session.exec(
        select(AuditLog).where(AuditLog.action == "rewards.export").order_by(AuditLog.id)
    ).all()
    assert [(e.actor_id, e.target, e.details["rewards"]) for e in events] == [
        (None, "csv", 74),
        (hr.id, "json", 74),
    ]
    with pytest.raises(NotAllowed):
        export_rewards(session=session, actor=factory.person("rep", password=None))


def test_only_hr_may_import_the_catalogue(session, factory):
    rep = factory.person("rep", password=None)
    hr = factory.person("hr", password=None)
    with pytest.raises(NotAllowed):
        import_rewards(session=session, records=[record()], actor=rep)
    assert count(session, RewardRow) == 0
    import_rewards(session=session, records=[record()], actor=hr)
    assert count(session, RewardRow) == 1


def test_retiring_a_reward_keeps_its_history_and_it_is_never_suggested(session):
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    rep = session.exec(
        select(Person).where(Person.access == "rep").order_by(Person.external_id)
    ).first()
    manager = session.get(Person, rep.manager_id)
    everything = count(session, RewardRow)
    top = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=1).items[0].reward.slug
    # Someone else received it and rated it: that history must survive the retirement.
    colleague = session.exec(
        select(Person).where(
            Person.manager_id == manager.id, Person.id != rep.id, Person.access == "rep"
        )
    ).first()
    grant = give_reward(
        session=session,
        manager=manager,
        person=colleague,
        reward_slug=top,
        given_on=utc_today() - timedelta(days=400),
    )
    session.add(
        Rating(person_id=colleague.id, reward_id=grant.reward_id, grant_id=grant.id, rating=5)
    )
    session.commit()
    grants, ratings = count(session, Grant), count(session, Rating)

    [retired] = [r for r in export_rewards(session=session, actor=SYSTEM) if r.id == top]
    summary = import_rewards(
        session=session, actor=SYSTEM, records=[{**reward_to_dict(retired), "active": False}]
    )
    assert summary.updated == [top]
    assert (count(session, Grant), count(session, Rating)) == (grants, ratings)
    assert session.get(Grant, grant.id).reward_id == stored(session, top).id
    assert top not in {r.slug for r in catalogue_rows(session=session, active_only=True)}

    def suggested() -> set[str]:
        shown = set()
        for person in session.exec(select(Person).where(Person.manager_id == manager.id)):
            items = suggest_rewards(
                session=session, viewer=SYSTEM, person=person, k=everything
            ).items
            shown |= {i.reward.slug for i in items}
        return shown

    assert top not in suggested()  # the served model was trained while it was active
    train_model(session=session, actor=SYSTEM)
    assert top not in suggested()
    fallback = popular_rewards(session=session, person=None, k=everything)
    assert top not in {i.reward.slug for i in fallback.items}
    with pytest.raises(InvalidInput) as caught:
        give_reward(session=session, manager=manager, person=rep, reward_slug=top)
    assert caught.value.problems == ["reward: this reward has been retired from the catalogue"]
