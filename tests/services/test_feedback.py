"""Feedback: a rep's ratings and "not for me", and the all-or-nothing ratings import."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest
from sqlmodel import func, select

from models.tables import AuditLog, Grant, Person, Rating
from models.tables import Reward as RewardRow
from seed.demo_org import demo_people
from services.access import SYSTEM
from services.budgets import budget_status, set_budget
from services.catalogue import ensure_seed_catalogue
from services.demo import load_demo_people, load_demo_survey
from services.errors import InvalidInput, NotAllowed, NotFound
from services.feedback import (
    dismiss_reward,
    dismissed_rewards,
    import_feedback,
    rate_grant,
    received_rewards,
    undo_dismissal,
)
from services.grants import give_reward
from services.recommendations import suggest_rewards
from services.tabular import read_table_bytes
from services.training import train_model
from tests.conftest import TEST_PASSWORD

HEADER = "person,reward_id,rating,given_at,comment"


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def written(session) -> tuple[int, int, int]:
    """Ratings, grants and audit rows: what an import may change."""
    return count(session, Rating), count(session, Grant), count(session, AuditLog)


def table(*lines: str):
    return read_table_bytes("\n".join(lines).encode("utf-8") + b"\n", name="feedback.csv")


@pytest.fixture
def org(session, factory):
    ensure_seed_catalogue(session=session)
    team = factory.team("North")
    manager = factory.person("manager", team=team, password=None)
    rep = factory.person("rep", team=team, manager=manager, password=None)
    colleague = factory.person("rep", team=team, manager=manager, sales_role="sdr", password=None)
    hr = factory.person("hr", password=None)
    return SimpleNamespace(manager=manager, rep=rep, colleague=colleague, hr=hr)


def reward(session, slug: str) -> RewardRow:
    return session.exec(select(RewardRow).where(RewardRow.slug == slug)).one()


def bell_on_2_march(session, org):
    """The manager records the deal bell for the rep on 2 March 2026."""
    return give_reward(
        session=session,
        manager=org.manager,
        person=org.rep,
        reward_slug="deal-bell",
        given_on=date(2026, 3, 2),
    )


# --- rating a received reward ------------------------------------------------------------


def test_rate_grant_stores_one_rating_per_grant_and_rating_again_replaces_it(session, org):
    grant = give_reward(
        session=session, manager=org.manager, person=org.rep, reward_slug="team-meeting-shout-out"
    )
    first = rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=2)
    again = rate_grant(
        session=session, person=org.rep, grant_id=grant.id, rating=5, comment="  loved it "
    )
    assert again.id == first.id
    rows = session.exec(select(Rating).where(Rating.person_id == org.rep.id)).all()
    assert [(r.grant_id, r.rating, r.dismissed, r.comment) for r in rows] == [
        (grant.id, 5, False, "loved it")
    ]
    actions = session.exec(select(AuditLog.action).where(AuditLog.actor_id == org.rep.id)).all()
    assert actions == ["feedback.rate", "feedback.rate"]
    [(got, got_reward, got_rating)] = received_rewards(session=session, person=org.rep)
    assert (got.id, got_reward.slug, got_rating.rating) == (
        grant.id,
        "team-meeting-shout-out",
        5,
    )


@pytest.mark.parametrize("value", [0, 6, -1, True, 3.5, "4"])
def test_rate_grant_refuses_anything_but_a_whole_number_from_1_to_5(session, org, value):
    grant = give_reward(
        session=session, manager=org.manager, person=org.rep, reward_slug="team-meeting-shout-out"
    )
    with pytest.raises(InvalidInput):
        rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=value)
    assert count(session, Rating) == 0


def test_a_rep_cannot_rate_someone_elses_grant_or_a_missing_one(session, org):
    grant = give_reward(
        session=session, manager=org.manager, person=org.rep, reward_slug="team-meeting-shout-out"
    )
    with pytest.raises(NotFound):
        rate_grant(session=session, person=org.colleague, grant_id=grant.id, rating=5)
    with pytest.raises(NotFound):
        rate_grant(session=session, person=org.rep, grant_id=grant.id + 999, rating=5)
    assert count(session, Rating) == 0


def test_dismissal_is_recorded_listed_and_can_be_undone(session, org):
    dismiss_reward(session=session, person=org.rep, reward_slug="deal-bell")
    dismiss_reward(session=session, person=org.rep, reward_slug="deal-bell")  # twice: one row
    [row] = session.exec(select(Rating).where(Rating.person_id == org.rep.id)).all()
    assert (row.dismissed, row.rating, row.grant_id) == (True, None, None)
    assert [r.slug for r in dismissed_rewards(session=session, person=org.rep)] == ["deal-bell"]
    assert dismissed_rewards(session=session, person=org.colleague) == []

    undo_dismissal(session=session, person=org.rep, reward_slug="deal-bell")
    assert count(session, Rating) == 0
    actions = session.exec(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-1] == "feedback.undismiss"
    with pytest.raises(NotFound):
        dismiss_reward(session=session, person=org.rep, reward_slug="no-such-reward")


def test_undo_leaves_a_real_rating_alone(session, org):
    import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(HEADER, f"{org.rep.external_id},deal-bell,4,,"),
    )
    undo_dismissal(session=session, person=org.rep, reward_slug="deal-bell")
    [row] = session.exec(select(Rating)).all()
    assert (row.rating, row.dismissed) == (4, False)


# --- importing ratings -------------------------------------------------------------------


def test_import_creates_ratings_and_records_given_rewards_once(session, org):
    rep, colleague = org.rep.external_id, org.colleague.external_id
    summary = import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(
            HEADER,
            f"{rep},deal-bell,5,2026-03-02,Great in front of the team",
            f"{rep},team-meeting-shout-out,2,,",
            f"{colleague},outreach-bootcamp,4,2026-02-10T09:30:00,",
        ),
        source="feedback.csv",
    )
    assert (summary.created, summary.updated, summary.unchanged, summary.grants_created) == (
        3,
        0,
        0,
        2,
    )
    assert summary.describe() == (
        "3 created, 0 updated, 0 unchanged rating(s); 2 rewards recorded as given"
    )
    ratings = {
        (r.person_id, reward_slug(session, r.reward_id)): r for r in session.exec(select(Rating))
    }
    bell = ratings[(org.rep.id, "deal-bell")]
    assert (bell.rating, bell.comment, bell.source, bell.dismissed) == (
        5,
        "Great in front of the team",
        "import",
        False,
    )
    grant = session.get(Grant, bell.grant_id)
    assert (grant.person_id, grant.given_on, grant.source) == (
        org.rep.id,
        date(2026, 3, 2),
        "import",
    )
    assert ratings[(org.rep.id, "team-meeting-shout-out")].grant_id is None
    assert session.get(
        Grant, ratings[(org.colleague.id, "outreach-bootcamp")].grant_id
    ).given_on == (date(2026, 2, 10))
    [event] = session.exec(select(AuditLog).where(AuditLog.action == "feedback.import")).all()
    assert (event.target, event.details) == (
        "feedback.csv",
        {"created": 3, "updated": 0, "grants_created": 2, "actor": "command line"},
    )


def reward_slug(session, reward_id: int) -> str:
    return session.get(RewardRow, reward_id).slug


def test_importing_the_same_file_again_changes_nothing(session, org):
    rows = (
        HEADER,
        f"{org.rep.external_id},deal-bell,5,2026-03-02,nice",
        f"{org.rep.external_id},team-meeting-shout-out,3,,",
    )
    import_feedback(session=session, actor=SYSTEM, table=table(*rows))
    before = written(session)
    summary = import_feedback(session=session, actor=SYSTEM, table=table(*rows))
    assert (summary.created, summary.updated, summary.unchanged, summary.grants_created) == (
        0,
        0,
        2,
        0,
    )
    assert written(session) == before  # no new rating, grant or audit row


def test_a_changed_rating_updates_the_same_row_and_keeps_the_one_grant(session, org):
    rep = org.rep.external_id
    import_feedback(
        session=session, actor=SYSTEM, table=table(HEADER, f"{rep},deal-bell,5,2026-03-02,")
    )
    summary = import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(HEADER, f"{rep},deal-bell,2,2026-03-02,on reflection"),
    )
    assert (summary.created, summary.updated, summary.grants_created) == (0, 1, 0)
    [row] = session.exec(select(Rating)).all()
    assert (row.rating, row.comment) == (2, "on reflection")
    assert count(session, Grant) == 1


def test_given_at_attaches_the_rating_to_a_grant_the_manager_already_recorded(session, org):
    grant = bell_on_2_march(session, org)
    summary = import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(HEADER, f"{org.rep.external_id},deal-bell,4,2026-03-02,"),
    )
    assert summary.grants_created == 0
    [row] = session.exec(select(Rating)).all()
    assert row.grant_id == grant.id
    assert count(session, Grant) == 1


def test_an_import_never_replaces_a_not_for_me_the_rep_said_themselves(session, org):
    dismiss_reward(session=session, person=org.rep, reward_slug="deal-bell")
    before = written(session)
    with pytest.raises(InvalidInput) as refused:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(HEADER, f"{org.rep.external_id},deal-bell,3,,"),
        )
    [problem] = refused.value.problems
    assert (problem.row, problem.column, problem.code) == (2, "rating", "feedback.own_feedback")
    assert "themselves in Motivo" in str(problem)
    assert written(session) == before
    [row] = session.exec(select(Rating)).all()
    assert (row.rating, row.dismissed) == (None, True)


def test_an_import_never_overwrites_a_rating_the_rep_gave_themselves(session, org):
    grant = bell_on_2_march(session, org)
    rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=1, comment="mine")
    with pytest.raises(InvalidInput) as refused:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(HEADER, f"{org.rep.external_id},deal-bell,5,2026-03-02,loved it"),
        )
    assert [p.code for p in refused.value.problems] == ["feedback.own_feedback"]
    [row] = session.exec(select(Rating)).all()
    assert (row.rating, row.comment) == (1, "mine")


def test_an_import_cannot_be_used_to_guess_a_reps_own_rating(session, org):
    """Were a file matching the rep's own rating accepted as "unchanged", five files with
    the ratings 1 to 5 would tell whoever imports them what the rep said."""
    grant = bell_on_2_march(session, org)
    rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=4)
    outcomes = []
    for guess in range(1, 6):
        with pytest.raises(InvalidInput) as refused:
            import_feedback(
                session=session,
                actor=SYSTEM,
                table=table(HEADER, f"{org.rep.external_id},deal-bell,{guess},2026-03-02,"),
            )
        outcomes.append([(p.code, str(p)) for p in refused.value.problems])
    assert all(outcome == outcomes[0] for outcome in outcomes)


def test_a_rep_who_rates_an_imported_rating_makes_it_their_own(session, org):
    bell_on_2_march(session, org)
    import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(HEADER, f"{org.rep.external_id},deal-bell,3,2026-03-02,"),
    )
    [row] = session.exec(select(Rating)).all()
    rate_grant(session=session, person=org.rep, grant_id=row.grant_id, rating=1)
    with pytest.raises(InvalidInput) as refused:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(HEADER, f"{org.rep.external_id},deal-bell,3,2026-03-02,"),
        )
    assert [p.code for p in refused.value.problems] == ["feedback.own_feedback"]
    session.refresh(row)
    assert (row.rating, row.source) == (1, "web")


def test_rewards_an_import_records_as_given_are_held_to_the_team_budget(session, org):
    cost = reward(session, "employee-of-the-month").cost
    set_budget(
        session=session, actor=org.hr, team_id=org.rep.team_id, quarter="2026-Q1", amount=cost * 1.5
    )
    before = written(session)
    with pytest.raises(InvalidInput) as refused:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(
                HEADER,
                f"{org.rep.external_id},employee-of-the-month,4,2026-03-02,",
                f"{org.colleague.external_id},employee-of-the-month,5,2026-03-03,",
            ),
        )
    problems = refused.value.problems
    assert [(p.row, p.column, p.code) for p in problems] == [
        (2, "given_at", "feedback.over_budget"),
        (3, "given_at", "feedback.over_budget"),
    ]
    assert "2026-Q1 budget" in str(problems[0])
    assert written(session) == before
    assert budget_status(session=session, team_id=org.rep.team_id, quarter="2026-Q1").spent == 0
    # One of them fits; a quarter without a budget has no limit to hold.
    import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(
            HEADER,
            f"{org.rep.external_id},employee-of-the-month,4,2026-03-02,",
            f"{org.colleague.external_id},employee-of-the-month,5,2026-05-03,",
        ),
    )
    assert budget_status(session=session, team_id=org.rep.team_id, quarter="2026-Q1").spent == cost


def test_blank_rows_are_skipped_and_the_optional_columns_may_be_left_out(session, org):
    summary = import_feedback(
        session=session,
        actor=SYSTEM,
        table=table("Person,Reward_ID,Rating", f"{org.rep.external_id},deal-bell,4", ",,", ""),
    )
    assert (summary.created, summary.grants_created) == (1, 0)


# Each kind of problem, the message it gives, and the row numbering a spreadsheet shows.
BAD_FILES = {
    "missing column": (
        ("person,reward_id,given_at", "{rep},deal-bell,2026-03-02"),
        ["row 1, column rating: missing column"],
    ),
    "unknown column": (
        ("person,reward_id,rating,stars", "{rep},deal-bell,4,5"),
        [
            "row 1, column stars: unknown column "
            "(expected person, reward_id, rating, given_at, comment)"
        ],
    ),
    "unknown person": (
        (HEADER, "{rep},deal-bell,4,,", "NOBODY,deal-bell,4,,"),
        ["row 3, column person: unknown person 'NOBODY'"],
    ),
    "unknown reward": (
        (HEADER, "{rep},golden-parachute,4,,"),
        ["row 2, column reward_id: unknown reward 'golden-parachute'"],
    ),
    "rating too high": (
        (HEADER, "{rep},deal-bell,6,,"),
        ["row 2, column rating: '6' is not a whole number from 1 to 5"],
    ),
    "rating too low": (
        (HEADER, "{rep},deal-bell,0,,"),
        ["row 2, column rating: '0' is not a whole number from 1 to 5"],
    ),
    "rating not a number": (
        (HEADER, "{rep},deal-bell,great,,"),
        ["row 2, column rating: 'great' is not a whole number from 1 to 5"],
    ),
    "rating a fraction": (
        (HEADER, "{rep},deal-bell,4.5,,"),
        ["row 2, column rating: '4.5' is not a whole number from 1 to 5"],
    ),
    "rating a superscript digit": (
        (HEADER, "{rep},deal-bell,\u00b2,,"),
        ["row 2, column rating: '\u00b2' is not a whole number from 1 to 5"],
    ),
    "rating missing": (
        (HEADER, "{rep},deal-bell,,,"),
        ["row 2, column rating: '' is not a whole number from 1 to 5"],
    ),
    "bad date": (
        (HEADER, "{rep},deal-bell,4,2026-02-30,"),
        ["row 2, column given_at: '2026-02-30' is not a date (YYYY-MM-DD)"],
    ),
    "a date with something after it": (
        (HEADER, "{rep},deal-bell,4,2026-03-02garbage,"),
        ["row 2, column given_at: '2026-03-02garbage' is not a date (YYYY-MM-DD)"],
    ),
    # A grant in a quarter no budget covers yet would be limited by nothing.
    "a day in the future": (
        (HEADER, "{rep},deal-bell,4,2099-01-01,"),
        [
            "row 2, column given_at: 2099-01-01 is in the future or before 2000-01-01: a "
            "reward is recorded as given on a past day"
        ],
    ),
    "an ISO week date": (
        (HEADER, "{rep},deal-bell,4,2026-W09-1,"),
        ["row 2, column given_at: '2026-W09-1' is not a date (YYYY-MM-DD)"],
    ),
    "not a date at all": (
        (HEADER, "{rep},deal-bell,4,last week,"),
        ["row 2, column given_at: 'last week' is not a date (YYYY-MM-DD)"],
    ),
    "duplicate row": (
        (
            HEADER,
            "{rep},deal-bell,4,2026-03-02,",
            "{rep},team-meeting-shout-out,4,,",
            "{rep},deal-bell,2,2026-03-02,",
        ),
        ["row 4: duplicate of row 2 (same person, reward and date)"],
    ),
    "duplicate date written two ways": (
        (HEADER, "{rep},deal-bell,4,2026-03-02,", "{rep},deal-bell,2,20260302,"),
        ["row 3: duplicate of row 2 (same person, reward and date)"],
    ),
    "duplicate without a date": (
        (HEADER, "{rep},deal-bell,4,,", "", "{rep},deal-bell,5,,"),
        ["row 4: duplicate of row 2 (same person, reward and date)"],
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_every_problem_is_reported_and_nothing_is_written(session, org, kind):
    lines, expected = BAD_FILES[kind]
    # An earlier import, so "nothing written" also means "nothing changed".
    import_feedback(
        session=session, actor=SYSTEM, table=table(HEADER, f"{org.rep.external_id},deal-bell,1,,")
    )
    before = written(session)
    with pytest.raises(InvalidInput) as caught:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(*(line.format(rep=org.rep.external_id) for line in lines)),
            source="feedback.csv",
        )
    assert caught.value.problems == expected
    assert caught.value.args[0] == "Nothing was imported: 1 problem in feedback.csv."
    assert written(session) == before
    assert session.exec(select(Rating.rating)).all() == [1]


def test_all_problems_of_a_file_are_listed_in_row_order(session, org):
    rep = org.rep.external_id
    before = written(session)
    with pytest.raises(InvalidInput) as caught:
        import_feedback(
            session=session,
            actor=SYSTEM,
            table=table(
                HEADER,
                f"{rep},deal-bell,5,2026-03-02,",  # fine, but not written either
                "X9,nope,9,soon,",
                f"{rep},deal-bell,5,2026-03-02,",
            ),
        )
    assert caught.value.problems == [
        "row 3, column person: unknown person 'X9'",
        "row 3, column reward_id: unknown reward 'nope'",
        "row 3, column rating: '9' is not a whole number from 1 to 5",
        "row 3, column given_at: 'soon' is not a date (YYYY-MM-DD)",
        "row 4: duplicate of row 2 (same person, reward and date)",
    ]
    assert written(session) == before


def test_only_hr_may_import_feedback(session, org):
    rows = table(HEADER, f"{org.rep.external_id},deal-bell,4,,")
    for who in (org.rep, org.manager):
        with pytest.raises(NotAllowed):
            import_feedback(session=session, table=rows, actor=who)
    summary = import_feedback(session=session, table=rows, actor=org.hr)
    assert summary.created == 1
    event = session.exec(select(AuditLog).where(AuditLog.action == "feedback.import")).one()
    assert event.actor_id == org.hr.id


# --- feedback reaches the model ----------------------------------------------------------


def category_means(suggestions) -> dict[str, float]:
    scores = defaultdict(list)
    for item in suggestions.items:
        scores[item.reward.category].append(item.score)
    return {category: float(np.mean(values)) for category, values in scores.items()}


def first_rank(suggestions, category: str) -> int:
    return next(i for i, item in enumerate(suggestions.items) if item.reward.category == category)


def test_imported_ratings_move_a_reps_suggestions_after_retraining(session):
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    rep = session.exec(
        select(Person).where(Person.access == "rep").order_by(Person.external_id)
    ).first()
    everything = count(session, RewardRow)
    before = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=everything)
    means = category_means(before)
    disliked = before.items[0].reward.category
    sizes = {c: sum(i.reward.category == c for i in before.items) for c in means}
    # The category the model thinks suits this rep least is the one they turn out to love.
    liked = min((c for c in means if c != disliked and sizes[c] >= 6), key=means.get)
    loved = [i.reward.slug for i in before.items if i.reward.category == liked][:4]
    hated = [i.reward.slug for i in before.items if i.reward.category == disliked][:4]
    lines = [HEADER]
    lines += [f"{rep.external_id},{slug},5,2026-10-01," for slug in loved]
    lines += [f"{rep.external_id},{slug},1,2026-10-01," for slug in hated]
    import_feedback(session=session, actor=SYSTEM, table=table(*lines))

    unchanged = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=everything)
    assert unchanged.model_version == before.model_version
    assert {i.reward.slug for i in unchanged.items}.isdisjoint(loved + hated)

    train_model(session=session, actor=SYSTEM)
    after = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=everything)
    assert after.model_version == before.model_version + 1
    means_after = category_means(after)
    assert means[liked] < means[disliked]
    assert means_after[liked] > means_after[disliked]
    assert first_rank(after, liked) < first_rank(before, liked)
    assert after.items[0].reward.category != disliked
    assert {i.reward.slug for i in after.items}.isdisjoint(loved + hated)


def test_a_timestamp_with_an_offset_is_given_on_its_day_in_utc(session, org):
    """23:00 at UTC-10 on 2 March is 3 March in UTC, the day Motivo keeps every date in."""
    import_feedback(
        session=session,
        actor=SYSTEM,
        table=table(HEADER, f"{org.rep.external_id},deal-bell,4,2026-03-02T23:00:00-10:00,"),
    )
    assert [g.given_on for g in session.exec(select(Grant))] == [date(2026, 3, 3)]
