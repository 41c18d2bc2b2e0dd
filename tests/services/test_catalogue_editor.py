"""HR edits the catalogue one reward at a time, under exactly the import's rules."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from models.engine import make_engine
from models.tables import AuditLog, Grant
from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.catalogue import (
    create_reward,
    import_rewards,
    retirement_effects,
    reward_history,
    reward_record,
    reward_version,
    set_reward_active,
    update_reward,
)
from services.errors import InvalidInput, NotAllowed, NotFound
from services.grants import give_reward
from services.recommendations import popular_rewards
from tests.services.test_catalogue_service import record, stored


@pytest.fixture
def hr(factory):
    return factory.person("hr", name="Hanne HR")


def test_create_then_edit_records_who_changed_what_before_and_after(session, hr):
    row = create_reward(session=session, actor=hr, record=record())
    assert row.slug == "quiet-day" and row.active
    changed = record(name={"en": "A quiet Friday", "nb": "En rolig fredag"}, cost_band=2)
    update_reward(session=session, actor=hr, slug="quiet-day", record=changed)
    row = stored(session, "quiet-day")
    assert row.name == {"en": "A quiet Friday", "nb": "En rolig fredag"} and row.cost_band == 2
    events = reward_history(session=session, viewer=hr, slug="quiet-day")
    assert [e.action for e in events] == ["reward.update", "reward.create"]
    update = events[0]
    assert update.actor_id == hr.id and update.who == "Hanne HR"
    assert update.before == {
        "name": {"en": "A quiet day", "nb": "En rolig dag"},
        "cost_band": 1,
    }
    assert update.after == {
        "name": {"en": "A quiet Friday", "nb": "En rolig fredag"},
        "cost_band": 2,
    }


def test_saving_without_a_change_writes_no_history(session, hr):
    create_reward(session=session, actor=hr, record=record())
    update_reward(session=session, actor=hr, slug="quiet-day", record=record())
    assert len(reward_history(session=session, viewer=hr, slug="quiet-day")) == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": {"en": "", "nb": "Dag"}}, "name.en", "missing value"),
        ({"category": "money"}, "category", "unknown category"),
        ({"roles": ["all", "sdr"]}, "roles", "cannot be combined"),
        ({"cost": "-5"}, "cost", "must not be negative"),
        ({"cost": "1,500"}, "cost", "thousands separator"),
        ({"cost_band": 7}, "cost_band", "from 1 to 4"),
        ({"cooldown_days": "soon"}, "cooldown_days", "whole number"),
        # Past these, money formatting and date sums failed on every manager's team page.
        ({"cost": "1e308"}, "cost", "must be at most 10000000"),
        # The CSV import refused these and the form let them through.
        ({"name": {"en": "Bell\x07", "nb": "Dag"}}, "name.en", "control character U+0007"),
        ({"name": {"en": "x" * 5000, "nb": "Dag"}}, "name.en", "more than the 2000"),
        ({"cooldown_days": "99999999999999999999"}, "cooldown_days", "from 0 to 3650"),
        ({"id": "Quiet Day"}, "id", "not a valid id"),
    ],
)
def test_the_editor_refuses_what_the_import_refuses_with_the_same_words(
    session, hr, changes, field, words
):
    bad = record(**changes)
    with pytest.raises(InvalidInput) as editor:
        create_reward(session=session, actor=hr, record=bad)
    with pytest.raises(InvalidInput) as importer:
        import_rewards(session=session, actor=hr, records=[bad])
    editor_problems = editor.value.problems
    assert any(p.startswith(f"{field}: ") and words in p for p in editor_problems)
    # One rule: the import reports the very same message, only prefixed with its row.
    assert [f"row 1, column {p}" for p in editor_problems] == importer.value.problems
    assert session.exec(select(RewardRow)).first() is None


def test_a_new_reward_may_not_take_an_existing_id(session, hr):
    create_reward(session=session, actor=hr, record=record())
    with pytest.raises(InvalidInput) as refused:
        create_reward(session=session, actor=hr, record=record(name={"en": "X", "nb": "Y"}))
    assert refused.value.problems == ["id: another reward already has the id 'quiet-day'"]
    assert stored(session, "quiet-day").name["en"] == "A quiet day"


def test_editing_keeps_the_id_and_the_active_flag(session, hr):
    create_reward(session=session, actor=hr, record=record())
    set_reward_active(session=session, actor=hr, slug="quiet-day", active=False)
    update_reward(
        session=session,
        actor=hr,
        slug="quiet-day",
        record=record(reward_id="renamed", active=True, cost=100),
    )
    row = stored(session, "quiet-day")
    assert row.cost == 100 and not row.active
    assert session.exec(select(RewardRow).where(RewardRow.slug == "renamed")).first() is None


def test_retiring_removes_a_reward_from_suggestions_at_once_and_keeps_grants(session, hr, factory):
    create_reward(session=session, actor=hr, record=record())
    create_reward(session=session, actor=hr, record=record("team-lunch", category="experience"))
    team = factory.team("Oslo")
    manager = factory.person("manager", team=team)
    rep = factory.person("rep", team=team, manager=manager)
    give_reward(session=session, manager=manager, person=rep, reward_slug="quiet-day")
    assert "quiet-day" in [
        s.reward.slug for s in popular_rewards(session=session, person=None, k=10).items
    ]
    effects = retirement_effects(session=session, viewer=hr, slug="quiet-day")
    assert effects.grants == 1 and effects.people == 1
    set_reward_active(session=session, actor=hr, slug="quiet-day", active=False)
    assert [s.reward.slug for s in popular_rewards(session=session, person=None, k=10).items] == [
        "team-lunch"
    ]
    assert len(session.exec(select(Grant)).all()) == 1
    set_reward_active(session=session, actor=hr, slug="quiet-day", active=True)
    actions = [e.action for e in reward_history(session=session, viewer=hr, slug="quiet-day")]
    assert actions == ["reward.reactivate", "reward.retire", "reward.create"]
    retire = reward_history(session=session, viewer=hr, slug="quiet-day")[1]
    assert retire.before == {"active": True} and retire.after == {"active": False}


def test_an_import_leaves_the_same_history_per_reward(session, hr):
    create_reward(session=session, actor=hr, record=record())
    import_rewards(session=session, actor=hr, records=[record(cost=250)], source="c.csv")
    event = reward_history(session=session, viewer=hr, slug="quiet-day")[0]
    assert event.action == "reward.import"
    assert event.before == {"cost": 0.0} and event.after == {"cost": 250.0}
    assert event.source == "c.csv"


def test_the_form_record_round_trips(session, hr):
    create_reward(session=session, actor=hr, record=record(roles=["sdr", "closer"]))
    again = reward_record(stored(session, "quiet-day"))
    update_reward(session=session, actor=hr, slug="quiet-day", record=again)
    assert len(reward_history(session=session, viewer=hr, slug="quiet-day")) == 1


@pytest.mark.parametrize("access", ["rep", "manager", "admin"])
def test_only_hr_edits_the_catalogue(session, factory, access):
    someone = factory.person(access)
    create_reward(session=session, actor=SYSTEM, record=record())
    for attempt in (
        lambda: create_reward(session=session, actor=someone, record=record("other")),
        lambda: update_reward(session=session, actor=someone, slug="quiet-day", record=record()),
        lambda: set_reward_active(session=session, actor=someone, slug="quiet-day", active=False),
        lambda: reward_history(session=session, viewer=someone, slug="quiet-day"),
    ):
        with pytest.raises(NotAllowed):
            attempt()
    assert stored(session, "quiet-day").active
    assert [a.action for a in session.exec(select(AuditLog))] == ["reward.create"]


def test_an_unknown_reward_is_not_found(session, hr):
    with pytest.raises(NotFound):
        update_reward(session=session, actor=hr, slug="nope", record=record("nope"))
    with pytest.raises(NotFound):
        set_reward_active(session=session, actor=hr, slug="nope", active=False)


def save_cost(session, hr, cost: float, version: str | None = None):
    """HR saves the quiet day's form with a new cost, sent with the version it was opened at."""
    return update_reward(
        session=session, actor=hr, slug="quiet-day", record=record(cost=cost), version=version
    )


def test_an_edit_based_on_an_old_version_is_refused_and_changes_nothing(session, hr):
    row = create_reward(session=session, actor=hr, record=record())
    opened = reward_version(row)
    save_cost(session, hr, 100)
    with pytest.raises(InvalidInput) as refused:
        save_cost(session, hr, 200, opened)
    assert "since you opened it" in str(refused.value)
    assert stored(session, "quiet-day").cost == 100
    save_cost(session, hr, 200, reward_version(stored(session, "quiet-day")))
    assert stored(session, "quiet-day").cost == 200


@contextmanager
def saved_by_someone_else_first(session, database_url, hr, slug, change):
    """While the block runs, another HR person's save of ``slug`` lands at the worst moment:
    after this session read the reward and just before it writes (as two people pressing
    Save at the same moment)."""
    engine = session.get_bind()
    other = make_engine(database_url)
    done = []

    def other_save_first(_conn, _cursor, statement, *_args):
        if done or not statement.lstrip().upper().startswith("UPDATE REWARD "):
            return
        done.append(True)
        with Session(other, expire_on_commit=False) as theirs:
            update_reward(session=theirs, actor=hr, slug=slug, record=change)

    event.listen(engine, "before_cursor_execute", other_save_first)
    try:
        yield done
    finally:
        event.remove(engine, "before_cursor_execute", other_save_first)
        other.dispose()


@pytest.mark.parametrize("how", ["form", "retire", "import"])
def test_of_two_saves_at_the_same_moment_the_second_is_refused_not_silently_lost(
    session, database_url, hr, how
):
    row = create_reward(session=session, actor=hr, record=record())
    opened = reward_version(row)
    theirs = record(cost=150)
    with (
        saved_by_someone_else_first(session, database_url, hr, "quiet-day", theirs) as done,
        pytest.raises(InvalidInput) as refused,
    ):
        if how == "form":
            save_cost(session, hr, 200, opened)
        elif how == "retire":
            set_reward_active(session=session, actor=hr, slug="quiet-day", active=False)
        else:
            import_rewards(session=session, actor=hr, records=[record(cost=200)], source="x.csv")
    assert done, "the other save never ran"
    problem = refused.value.problems[0]
    assert problem.code in ("reward.changed_meanwhile", "reward.changed_during_import")
    session.expire_all()
    mine = stored(session, "quiet-day")
    # Theirs stands, whole; mine wrote nothing, not even a history line.
    assert mine.cost == 150 and mine.active
    history = reward_history(session=session, viewer=hr, slug="quiet-day")
    assert [e.action for e in history] == ["reward.update", "reward.create"]
    assert history[0].after == {"cost": 150.0}
    # Having seen the refusal, saving again over what is stored now works.
    save_cost(session, hr, 200, reward_version(mine))
    assert stored(session, "quiet-day").cost == 200
