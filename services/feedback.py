"""Feedback from reps: ratings of rewards they received, and "not for me" dismissals."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from models.queries import lock_person
from models.tables import Grant, Person, Rating, utc_today, utcnow
from models.tables import Reward as RewardRow
from services.access import Actor, require
from services.audit import record_event
from services.budgets import BudgetStatus, current_quarter, over_budget_after
from services.errors import InvalidInput, NotFound, row_problem
from services.grants import grant_given_on
from services.imports import (
    cell_text,
    missing_column,
    nothing_imported,
    table_input,
    unknown_column,
)
from services.organisation import currency
from services.tabular import Table
from services.text import counted, text_problems

IMPORTED = "import"  # Rating.source and Grant.source of rows a file brought in
FEEDBACK_COLUMNS = ("person", "reward_id", "rating", "given_at", "comment")
REQUIRED_COLUMNS = ("person", "reward_id", "rating")


# A grant dated in the future would sit in a quarter no budget covers yet.
GIVEN_FROM = date(2000, 1, 1)
_CALENDAR_DATE = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})(?:$|[T ])")


def _given_on(text: str) -> date | None:
    """The day of ``given_at``, read as a whole: an ISO 8601 date (``2026-03-01``,
    ``20260301``) or timestamp (``2026-03-01T09:30:00``). Only its first ten characters
    were read before, so "2026-03-01garbage" passed as a date."""
    text = text.strip()
    # Python also reads week dates ("2026-W09-1") and more: only a calendar date, whole or
    # starting a timestamp, is one here.
    if not _CALENDAR_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    # A timestamp with an offset is given on its day in UTC, as every day Motivo keeps.
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _find_rating(session: Session, person_id: int, reward_id: int, grant_id: int | None):
    stmt = select(Rating).where(Rating.person_id == person_id, Rating.reward_id == reward_id)
    stmt = stmt.where(
        Rating.grant_id.is_(None) if grant_id is None else Rating.grant_id == grant_id
    )
    return session.exec(stmt).first()


def rate_grant(
    *, session: Session, person: Person, grant_id: int, rating: int, comment: str = ""
) -> Rating:
    """A rep rates (1-5) a reward they received; rating again replaces the earlier rating."""
    grant = session.get(Grant, grant_id)
    if grant is None or grant.person_id != person.id:
        raise NotFound("No such reward.", code="reward.not_found")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput("Choose a rating from 1 to 5.", code="feedback.rating_range")
    typed = text_problems("comment", comment)
    if typed:
        raise InvalidInput("The rating was not saved.", typed, code="feedback.not_saved")
    lock_person(session, person)
    row = _find_rating(session, person.id, grant.reward_id, grant.id)
    if row is None:
        row = Rating(person_id=person.id, reward_id=grant.reward_id, grant_id=grant.id)
    row.rating, row.dismissed = rating, False
    row.comment = (comment or "").strip()[:2000]
    # Rated by the person themself, also where a file had brought a rating in before: a
    # later import must not overwrite it, and it counts as their change (satisfaction).
    row.source = "web"
    row.updated_at = utcnow()
    session.add(row)
    record_event(
        session,
        actor=person,
        action="feedback.rate",
        target=f"grant {grant.id}",
        details={"rating": rating},
    )
    session.commit()
    return row


def _reward(session: Session, slug: str) -> RewardRow:
    reward = session.exec(select(RewardRow).where(RewardRow.slug == slug)).first()
    if reward is None:
        raise NotFound("No such reward.", code="reward.not_found")
    return reward


def dismiss_reward(*, session: Session, person: Person, reward_slug: str) -> Rating:
    """Mark a suggestion "not for me": it is not suggested again and teaches the model."""
    reward = _reward(session, reward_slug)
    lock_person(session, person)
    row = _find_rating(session, person.id, reward.id, None)
    if row is None:
        row = Rating(person_id=person.id, reward_id=reward.id)
    row.dismissed, row.rating, row.updated_at = True, None, utcnow()
    row.source = "web"
    session.add(row)
    record_event(session, actor=person, action="feedback.dismiss", target=reward.slug)
    session.commit()
    return row


def undo_dismissal(*, session: Session, person: Person, reward_slug: str) -> None:
    """Take back a "not for me": the reward may be suggested again."""
    reward = _reward(session, reward_slug)
    lock_person(session, person)
    row = _find_rating(session, person.id, reward.id, None)
    if row is not None and row.dismissed:
        session.delete(row)
        record_event(session, actor=person, action="feedback.undismiss", target=reward.slug)
        session.commit()


@dataclass
class FeedbackImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    grants_created: int = 0

    def describe(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            f" rating(s); {counted(self.grants_created, 'reward')} recorded as given"
        )


def import_feedback(
    *,
    session: Session,
    table: Table | None = None,
    header: Sequence[str] | None = None,
    records: Sequence[Mapping[str, object]] | None = None,
    actor: Actor,
    source: str = "",
) -> FeedbackImport:
    """Import ratings: ``person,reward_id,rating[,given_at,comment]``, all or nothing.

    With ``given_at`` the reward is recorded as given on that day (once); without it the
    rating stands on its own. Importing the same file again changes nothing.
    """
    require(actor, "import_feedback")
    header, records, source = table_input(table, header, records, source, what="import_feedback")
    problems: list[str] = []
    for column in REQUIRED_COLUMNS:
        if column not in header:
            problems.append(missing_column(column))
    for column in header:
        if column not in FEEDBACK_COLUMNS:
            problems.append(unknown_column(column, FEEDBACK_COLUMNS))
    if problems:
        raise nothing_imported(problems, source)

    people = {p.external_id: p for p in session.exec(select(Person))}
    rewards = {r.slug: r for r in session.exec(select(RewardRow))}
    parsed: list[tuple[int, Person, RewardRow, int, date | None, str]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for offset, record in enumerate(records):
        number = offset + 2
        if not record:
            continue
        cells = {c: cell_text(record.get(c)) for c in FEEDBACK_COLUMNS}
        get = cells.__getitem__
        person = people.get(get("person"))
        if person is None:
            problems.append(
                row_problem(
                    number,
                    "person",
                    "import.person_unknown",
                    f"unknown person {get('person')!r}",
                    person=get("person"),
                )
            )
        reward = rewards.get(get("reward_id"))
        if reward is None:
            problems.append(
                row_problem(
                    number,
                    "reward_id",
                    "import.reward_unknown",
                    f"unknown reward {get('reward_id')!r}",
                    reward=get("reward_id"),
                )
            )
        raw = get("rating")
        # str.isdigit also accepts superscripts such as "²", which int() refuses.
        value = int(raw) if raw.isascii() and raw.isdigit() else None
        if value is None or not 1 <= value <= 5:
            problems.append(
                row_problem(
                    number,
                    "rating",
                    "feedback.rating_invalid",
                    f"{raw!r} is not a whole number from 1 to 5",
                    value=raw,
                )
            )
            value = None
        given: date | None = None
        if get("given_at"):
            given = _given_on(get("given_at"))
            if given is None:
                problems.append(
                    row_problem(
                        number,
                        "given_at",
                        "import.date_invalid",
                        f"{get('given_at')!r} is not a date (YYYY-MM-DD)",
                        value=get("given_at"),
                    )
                )
            elif not GIVEN_FROM <= given <= utc_today():
                problems.append(
                    row_problem(
                        number,
                        "given_at",
                        "feedback.given_out_of_range",
                        f"{given.isoformat()} is in the future or before "
                        f"{GIVEN_FROM.isoformat()}: a reward is recorded as given on a past day",
                        value=given.isoformat(),
                        first=GIVEN_FROM.isoformat(),
                    )
                )
                given = None
        # Compare parsed dates: "2026-03-01" and "2026-03-01T09:30" are the same day.
        key = (get("person"), get("reward_id"), given.isoformat() if given else get("given_at"))
        if key in seen:
            problems.append(
                row_problem(
                    number,
                    "",
                    "feedback.duplicate_row",
                    f"duplicate of row {seen[key]} (same person, reward and date)",
                    first=seen[key],
                )
            )
        else:
            seen[key] = number
        if person is not None and reward is not None and value is not None:
            parsed.append((number, person, reward, value, given, get("comment")))
    if problems:
        raise nothing_imported(problems, source)

    summary = FeedbackImport()
    # Rewards recorded as given here count against team budgets like any other grant.
    new_grants: dict[tuple[int, str], list[int]] = {}
    try:
        for number, person, reward, value, given, comment in parsed:
            grant_id = None
            if given is not None:
                grant = grant_given_on(session, person.id, reward.id, given)
                if grant is None:
                    grant = Grant(
                        reward_id=reward.id,
                        person_id=person.id,
                        given_on=given,
                        source=IMPORTED,
                        status="redeemed",
                        cost=reward.cost,
                        team_id=person.team_id,
                    )
                    session.add(grant)
                    session.flush()
                    summary.grants_created += 1
                    if person.team_id is not None:
                        key = (person.team_id, current_quarter(given))
                        new_grants.setdefault(key, []).append(number)
                grant_id = grant.id
            row = _find_rating(session, person.id, reward.id, grant_id)
            if row is not None and row.source != IMPORTED:
                # What the person said in Motivo is their own voice: a file from another
                # tool never overwrites it. Refused whatever the file says: accepting a
                # row that happens to match would tell the importer the person's rating.
                problems.append(_own_feedback(number, person, reward))
                continue
            if row is None:
                session.add(
                    Rating(
                        person_id=person.id,
                        reward_id=reward.id,
                        grant_id=grant_id,
                        rating=value,
                        comment=comment,
                        source=IMPORTED,
                    )
                )
                summary.created += 1
            elif row.rating != value or row.comment != comment or row.dismissed:
                row.rating, row.comment, row.dismissed, row.updated_at = (
                    value,
                    comment,
                    False,
                    utcnow(),
                )
                session.add(row)
                summary.updated += 1
            else:
                summary.unchanged += 1
        for (team_id, quarter), numbers in sorted(new_grants.items()):
            status = over_budget_after(session=session, team_id=team_id, quarter=quarter)
            if status is not None:
                problems += [_over_budget(n, status, currency(session)) for n in numbers]
        if problems:
            raise nothing_imported(problems, source)
        if summary.created or summary.updated or summary.grants_created:
            record_event(
                session,
                actor=actor,
                action="feedback.import",
                target=source,
                details={
                    "created": summary.created,
                    "updated": summary.updated,
                    "grants_created": summary.grants_created,
                },
            )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return summary


def _own_feedback(number: int, person: Person, reward: RewardRow):
    return row_problem(
        number,
        "rating",
        "feedback.own_feedback",
        f"{person.external_id} said what they think of {reward.slug!r} themselves in Motivo "
        '(a rating or "not for me"); an import does not replace what a person said',
        person=person.external_id,
        reward=reward.slug,
    )


def _over_budget(number: int, status: BudgetStatus, unit: str):
    unit = f"{unit} " if unit else ""
    return row_problem(
        number,
        "given_at",
        "feedback.over_budget",
        f"the rewards this file records as given take the team over its {status.quarter} "
        f"budget ({unit}{status.spent:.2f} of {unit}{status.amount:.2f}); raise the budget "
        "first or leave these rows out",
        quarter=status.quarter,
        spent=f"{unit}{status.spent:.2f}",
        amount=f"{unit}{status.amount:.2f}",
    )


def received_rewards(
    *, session: Session, person: Person
) -> list[tuple[Grant, RewardRow, Rating | None]]:
    """The rewards a person has received, newest first, each with their rating if any."""
    grants = session.exec(
        select(Grant)
        .where(Grant.person_id == person.id)
        .order_by(Grant.given_on.desc(), Grant.id.desc())
    ).all()
    ratings = {
        r.grant_id: r
        for r in session.exec(select(Rating).where(Rating.person_id == person.id))
        if r.grant_id
    }
    rewards = {r.id: r for r in session.exec(select(RewardRow))}
    return [(g, rewards[g.reward_id], ratings.get(g.id)) for g in grants]


def dismissed_rewards(*, session: Session, person: Person) -> list[RewardRow]:
    stmt = (
        select(RewardRow)
        .join(Rating, Rating.reward_id == RewardRow.id)
        .where(Rating.person_id == person.id, Rating.dismissed.is_(True))
    )
    return list(session.exec(stmt))
