"""Timely and fair recognition: achievements, who is due for recognition, and fairness.

Achievements and when they count as recognised
----------------------------------------------
A manager records an achievement of one of their reps (a goal reached, a milestone). A
grant given to that rep within ``RECOGNITION_WINDOW_DAYS`` (7) days after the achievement
(``achieved_on <= given_on <= achieved_on + 7``) recognises it. The link is written
eagerly by :func:`link_grant_to_achievements`, which the reward-giving page calls right
after ``services.grants.give_reward``; the checks here also look at the grants themselves
(lazily), so grants that were imported, or given some other way, recognise achievements too.

Recognition due
---------------
:func:`recognition_due` lists, for a manager's active direct reports:

* ``"achievement"``: an achievement that is not recognised yet while its 7-day window is
  open (``due_by`` is its last day). Once the window has closed unrecognised it leaves the
  list and shows as missed in :func:`recent_achievements`;
* ``"no_recognition"``: a rep who has had no grant for ``days`` days or more, or never.

How evenly rewards were spread is in ``services.fairness``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from models.queries import chunks, lock_person
from models.tables import Achievement, Grant, Person, utcnow
from services.access import ensure_can_view_person, require
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem
from services.people import direct_reports
from services.text import text_problems

RECOGNITION_WINDOW_DAYS = 7
DEFAULT_DUE_DAYS = 45
DUE_REASONS = ("achievement", "no_recognition")


def _today(today: date | None) -> date:
    return today or utcnow().date()


# --- achievements ---------------------------------------------------------------------


def record_achievement(
    *, session: Session, manager: Person, person: Person, title: str, achieved_on: date
) -> Achievement:
    """Record an achievement of one of the manager's reps, to be recognised within 7 days."""
    require(manager, "view_team")
    ensure_can_view_person(manager, person)
    if person.id == manager.id:
        raise NotFound("No such person.", code="person.not_found")
    problems = text_problems("title", title)
    title = " ".join((title or "").split())
    if not title:
        problems.append(Problem("title", "achievement.title_missing", "say what was achieved"))
    elif len(title) > 200:
        problems.append(
            Problem("title", "achievement.title_too_long", "keep it under 200 characters")
        )
    if not isinstance(achieved_on, date):
        problems.append(
            Problem("achieved_on", "achievement.date_missing", "give the date of the achievement")
        )
    elif achieved_on > utcnow().date():
        problems.append(
            Problem("achieved_on", "achievement.date_in_future", "the date cannot be in the future")
        )
    if problems:
        raise InvalidInput(
            "The achievement was not recorded.", problems, code="achievement.not_recorded"
        )
    # The same achievement posted twice at once (a double click) is recorded once: posts
    # for one person wait for each other, and the second finds the first.
    lock_person(session, person)
    same = session.exec(
        select(Achievement).where(
            Achievement.person_id == person.id,
            Achievement.title == title,
            Achievement.achieved_on == achieved_on,
        )
    ).first()
    if same is not None:
        session.commit()  # nothing was written; this ends the lock
        return same
    achievement = Achievement(
        person_id=person.id, recorded_by_id=manager.id, title=title, achieved_on=achieved_on
    )
    session.add(achievement)
    session.flush()
    # A grant given already (on the day, or in the days since) recognises it at once.
    grant = session.exec(
        select(Grant)
        .where(
            Grant.person_id == person.id,
            Grant.given_on >= achieved_on,
            Grant.given_on <= achieved_on + timedelta(days=RECOGNITION_WINDOW_DAYS),
        )
        .order_by(Grant.given_on, Grant.id)
    ).first()
    if grant is not None:
        achievement.grant_id = grant.id
    record_event(
        session,
        actor=manager,
        action="achievement.record",
        target=person.external_id,
        details={
            "achievement": achievement.id,
            "title": title,
            "achieved_on": achieved_on.isoformat(),
            "grant": achievement.grant_id,
        },
    )
    session.commit()
    return achievement


def link_grant_to_achievements(
    session: Session, grant: Grant, *, commit: bool = True
) -> list[Achievement]:
    """Link ``grant`` to the rep's unrecognised achievements of the 7 days before it."""
    found = list(
        session.exec(
            select(Achievement)
            .where(
                Achievement.person_id == grant.person_id,
                Achievement.grant_id.is_(None),
                Achievement.achieved_on <= grant.given_on,
                Achievement.achieved_on >= grant.given_on - timedelta(days=RECOGNITION_WINDOW_DAYS),
            )
            .order_by(Achievement.achieved_on, Achievement.id)
        )
    )
    if not found:
        return []
    for achievement in found:
        achievement.grant_id = grant.id
        session.add(achievement)
    actor = session.get(Person, grant.given_by_id) if grant.given_by_id else None
    person = session.get(Person, grant.person_id)
    record_event(
        session,
        actor=actor,
        action="achievement.recognise",
        target=person.external_id if person else str(grant.person_id),
        details={"grant": grant.id, "achievements": [a.id for a in found]},
    )
    if commit:
        session.commit()
    return found


def _grant_dates(
    session: Session, person_ids: Sequence[int], since: date, until: date
) -> dict[int, list[tuple[date, int]]]:
    """Person id -> (given_on, grant id) of their grants in ``[since, until]``, in date order."""
    dates: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for chunk in chunks(person_ids):
        rows = session.exec(
            select(Grant.person_id, Grant.given_on, Grant.id)
            .where(Grant.person_id.in_(chunk), Grant.given_on >= since, Grant.given_on <= until)
            .order_by(Grant.given_on, Grant.id)
        ).all()
        for person_id, given_on, grant_id in rows:
            dates[person_id].append((given_on, grant_id))
    return dates


def _recognising_grant(
    achievement: Achievement, grants: list[tuple[date, int]], today: date
) -> tuple[int, date | None] | None:
    """(grant id, date) that recognises the achievement, if any; the date is None if unknown."""
    if achievement.grant_id is not None:
        for given_on, grant_id in grants:
            if grant_id == achievement.grant_id:
                return grant_id, given_on
        return achievement.grant_id, None
    last = min(achievement.achieved_on + timedelta(days=RECOGNITION_WINDOW_DAYS), today)
    for given_on, grant_id in grants:
        if achievement.achieved_on <= given_on <= last:
            return grant_id, given_on
    return None


@dataclass(frozen=True)
class AchievementStatus:
    """An achievement with whether it was recognised in time.

    ``status`` is ``"recognised"``, ``"pending"`` (not yet, window still open) or
    ``"missed"`` (the window closed without a grant).
    """

    achievement: Achievement
    person: Person
    status: str
    due_by: date
    grant_id: int | None = None
    recognised_on: date | None = None


def recent_achievements(
    *, session: Session, manager: Person, days: int = 90, today: date | None = None
) -> list[AchievementStatus]:
    """The achievements of the manager's reps from the last ``days`` days, newest first."""
    require(manager, "view_team")
    today = _today(today)
    reps = {p.id: p for p in direct_reports(session=session, manager=manager)}
    if not reps:
        return []
    since = today - timedelta(days=days)
    achievements = []
    for chunk in chunks(list(reps)):
        achievements.extend(
            session.exec(
                select(Achievement).where(
                    Achievement.person_id.in_(chunk), Achievement.achieved_on >= since
                )
            )
        )
    grants = _grant_dates(session, list(reps), since, today)
    rows = []
    for achievement in achievements:
        due_by = achievement.achieved_on + timedelta(days=RECOGNITION_WINDOW_DAYS)
        found = _recognising_grant(achievement, grants.get(achievement.person_id, []), today)
        if found is not None:
            status, grant_id, on = "recognised", found[0], found[1]
        else:
            status, grant_id, on = ("pending" if today <= due_by else "missed"), None, None
        rows.append(
            AchievementStatus(
                achievement=achievement,
                person=reps[achievement.person_id],
                status=status,
                due_by=due_by,
                grant_id=grant_id,
                recognised_on=on,
            )
        )
    rows.sort(key=lambda r: (r.achievement.achieved_on, r.achievement.id), reverse=True)
    return rows


# --- recognition due ------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """A rep the manager should recognise, and why.

    ``days_since`` counts days since the achievement (``"achievement"``) or since the last
    grant (``"no_recognition"``; None when the rep was never given one). ``due_by`` is the
    last day of an achievement's 7-day window.
    """

    person: Person
    reason: str
    days_since: int | None
    achievement: Achievement | None = None
    due_by: date | None = None

    @property
    def days_left(self) -> int | None:
        """Days left to recognise an achievement in time (0 on its last day)."""
        if self.reason != "achievement" or self.days_since is None:
            return None
        return RECOGNITION_WINDOW_DAYS - self.days_since


def recognition_due(
    *, session: Session, manager: Person, days: int = DEFAULT_DUE_DAYS, today: date | None = None
) -> list[DueItem]:
    """Reps due for recognition: open achievements first (soonest deadline first), then
    reps without a grant for ``days`` days (never recognised first, then longest wait)."""
    require(manager, "view_team")
    if days < 1:
        raise InvalidInput(
            "The number of days was not accepted.",
            [Problem("days", "recognition.days_too_few", "use 1 or more")],
            code="recognition.days_refused",
        )
    today = _today(today)
    reps = direct_reports(session=session, manager=manager)
    if not reps:
        return []
    ids = [p.id for p in reps]
    by_id = {p.id: p for p in reps}

    window_start = today - timedelta(days=RECOGNITION_WINDOW_DAYS)
    open_achievements: list[Achievement] = []
    last_given: dict[int, date] = {}
    for chunk in chunks(ids):
        open_achievements.extend(
            session.exec(
                select(Achievement).where(
                    Achievement.person_id.in_(chunk),
                    Achievement.grant_id.is_(None),
                    Achievement.achieved_on >= window_start,
                    Achievement.achieved_on <= today,
                )
            )
        )
        last_given.update(
            session.exec(
                select(Grant.person_id, func.max(Grant.given_on))
                .where(Grant.person_id.in_(chunk), Grant.given_on <= today)
                .group_by(Grant.person_id)
            ).all()
        )
    grants = _grant_dates(session, ids, window_start, today) if open_achievements else {}

    items: list[DueItem] = []
    for achievement in open_achievements:
        if _recognising_grant(achievement, grants.get(achievement.person_id, []), today):
            continue
        items.append(
            DueItem(
                person=by_id[achievement.person_id],
                reason="achievement",
                days_since=(today - achievement.achieved_on).days,
                achievement=achievement,
                due_by=achievement.achieved_on + timedelta(days=RECOGNITION_WINDOW_DAYS),
            )
        )
    items.sort(key=lambda i: (i.due_by, i.person.name, i.achievement.id))

    waiting: list[DueItem] = []
    for person in reps:
        last = last_given.get(person.id)
        since = None if last is None else (today - last).days
        if since is None or since >= days:
            waiting.append(DueItem(person=person, reason="no_recognition", days_since=since))
    waiting.sort(key=lambda i: (i.days_since is not None, -(i.days_since or 0), i.person.name))
    return items + waiting
