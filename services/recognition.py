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

Fairness
--------
:func:`fairness` shows how evenly the quarter's rewards were spread (by their catalogue
cost, "value", and by number). A manager sees their own reps by name, with flags when one
person received more than 40% of the value or someone received nothing. HR sees every
active rep aggregated by team and by sales role, never names; a group of fewer than the
minimum group size shows no figures, with complementary suppression across both tables
(``recommender.anonymity.protect_tables``) so that no small group can be worked out by
subtraction.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.queries import chunks
from models.tables import Achievement, Grant, Person, Reward, Team, utcnow
from recommender.anonymity import check_min_size, protect_tables, total_visible
from recommender.fairness import MAX_SHARE, concentration_flags, gini, group_gini
from services.access import can, ensure_can_view_person, require
from services.audit import record_event
from services.budgets import quarter_bounds, resolve_quarter
from services.errors import InvalidInput, NotAllowed, NotFound
from services.people import direct_reports

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
        raise NotFound("No such person.")
    problems = []
    title = " ".join((title or "").split())
    if not title:
        problems.append("title: say what was achieved")
    elif len(title) > 200:
        problems.append("title: keep it under 200 characters")
    if not isinstance(achieved_on, date):
        problems.append("achieved_on: give the date of the achievement")
    elif achieved_on > utcnow().date():
        problems.append("achieved_on: the date cannot be in the future")
    if problems:
        raise InvalidInput("The achievement was not recorded.", problems)
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
        raise InvalidInput("The number of days was not accepted.", ["days: use 1 or more"])
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


# --- fairness -------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonShare:
    """One of a manager's reps: the quarter's rewards they received."""

    person: Person
    count: int
    value: float
    share: float | None  # of the team's value; None when the team received nothing


@dataclass(frozen=True)
class GroupShare:
    """One team or sales role in HR's view; every figure is None when ``suppressed``."""

    key: str
    people: int | None
    count: int | None = None
    value: float | None = None
    value_per_person: float | None = None
    share: float | None = None
    gini: float | None = None
    without: int | None = None  # people who received nothing
    concentrated: bool = False
    suppressed: bool = False


@dataclass(frozen=True)
class FairnessReport:
    """How evenly one quarter's rewards were spread.

    ``scope`` is ``"team"`` (a manager's own reps, by name, in ``people``) or
    ``"organisation"`` (HR: ``by_team`` and ``by_role``, never names). ``flags`` holds
    ``"concentrated"`` (one person received more than ``max_share`` of the value) and
    ``"left_out"`` (someone received nothing) for a team.
    """

    scope: str
    quarter: str
    min_group_size: int
    n_people: int
    total_count: int | None
    total_value: float | None
    gini: float | None
    top_share: float | None = None
    top: Person | None = None
    flags: tuple[str, ...] = ()
    left_out: tuple[Person, ...] = ()
    people: tuple[PersonShare, ...] = ()
    by_team: tuple[GroupShare, ...] = ()
    by_role: tuple[GroupShare, ...] = ()
    total_suppressed: bool = False
    max_share: float = MAX_SHARE
    share_of: str = "value"  # "count" when every reward given was free


def _nan_to_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _received(
    session: Session, person_ids: Sequence[int], quarter: str
) -> tuple[dict[int, int], dict[int, float]]:
    """Number and catalogue value of the rewards each person was given in the quarter."""
    first, last = quarter_bounds(quarter)
    counts: dict[int, int] = {}
    values: dict[int, float] = {}
    for chunk in chunks(person_ids):
        rows = session.exec(
            select(Grant.person_id, func.count(Grant.id), func.sum(Reward.cost))
            .select_from(Grant)
            .join(Reward, Reward.id == Grant.reward_id)
            .where(Grant.person_id.in_(chunk), Grant.given_on >= first, Grant.given_on <= last)
            .group_by(Grant.person_id)
        ).all()
        for person_id, count, value in rows:
            counts[person_id] = int(count)
            values[person_id] = float(value or 0.0)
    return counts, values


def _team_report(session: Session, manager: Person, quarter: str, min_size: int) -> FairnessReport:
    reps = direct_reports(session=session, manager=manager)
    counts, values = _received(session, [p.id for p in reps], quarter)
    count_arr = np.array([counts.get(p.id, 0) for p in reps], dtype=float)
    value_arr = np.array([values.get(p.id, 0.0) for p in reps], dtype=float)
    total_value = float(value_arr.sum())
    flags = concentration_flags(value_arr, count_arr)
    people = tuple(
        sorted(
            (
                PersonShare(
                    person=p,
                    count=counts.get(p.id, 0),
                    value=round(values.get(p.id, 0.0), 2),
                    share=(values.get(p.id, 0.0) / total_value) if total_value > 0 else None,
                )
                for p in reps
            ),
            key=lambda s: (-s.value, -s.count, s.person.name),
        )
    )
    codes = []
    if flags.concentrated:
        codes.append("concentrated")
    if reps and flags.left_out:
        codes.append("left_out")
    return FairnessReport(
        scope="team",
        quarter=quarter,
        min_group_size=min_size,
        n_people=len(reps),
        total_count=int(count_arr.sum()),
        total_value=round(total_value, 2),
        gini=_nan_to_none(gini(value_arr)) if total_value > 0 else None,
        top_share=_nan_to_none(flags.share),
        top=reps[flags.top] if flags.top is not None else None,
        flags=tuple(codes),
        left_out=tuple(sorted((reps[i] for i in flags.left_out), key=lambda p: p.name)),
        people=people,
        share_of="value" if total_value > 0 or not count_arr.sum() else "count",
    )


def _group_rows(
    keys: list[str],
    labels: np.ndarray,
    hidden: np.ndarray,
    counts: np.ndarray,
    values: np.ndarray,
    total_value: float,
) -> tuple[GroupShare, ...]:
    ginis = group_gini(values, labels)
    rows = []
    for cell, key in enumerate(keys):
        members = labels == cell
        n = int(members.sum())
        if hidden[cell]:
            rows.append(GroupShare(key=key, people=None, suppressed=True))
            continue
        value = float(values[members].sum())
        flags = concentration_flags(values[members], counts[members])
        rows.append(
            GroupShare(
                key=key,
                people=n,
                count=int(counts[members].sum()),
                value=round(value, 2),
                value_per_person=round(value / n, 2) if n else None,
                share=(value / total_value) if total_value > 0 else None,
                gini=_nan_to_none(ginis[cell]) if value > 0 else None,
                without=len(flags.left_out),
                concentrated=flags.concentrated,
            )
        )
    return tuple(rows)


def _organisation_report(session: Session, quarter: str, min_size: int) -> FairnessReport:
    reps = list(
        session.exec(
            select(Person)
            .where(Person.active.is_(True), Person.access == "rep")
            .order_by(Person.id)
        )
    )
    team_names = {t.id: t.name for t in session.exec(select(Team))}
    counts, values = _received(session, [p.id for p in reps], quarter)
    count_arr = np.array([counts.get(p.id, 0) for p in reps], dtype=float)
    value_arr = np.array([values.get(p.id, 0.0) for p in reps], dtype=float)
    team_keys = sorted({team_names.get(p.team_id, "") for p in reps}, key=lambda k: (k == "", k))
    role_keys = sorted({p.sales_role or "" for p in reps}, key=lambda k: (k == "", k))
    team_labels = np.array(
        [team_keys.index(team_names.get(p.team_id, "")) for p in reps], dtype=int
    )
    role_labels = np.array([role_keys.index(p.sales_role or "") for p in reps], dtype=int)
    n = len(reps)
    visible = total_visible(n, min_size)
    if n:
        hidden_teams, hidden_roles = protect_tables([team_labels, role_labels], min_size)
    else:
        hidden_teams = hidden_roles = np.zeros(0, dtype=bool)
    total_value = float(value_arr.sum())
    return FairnessReport(
        scope="organisation",
        quarter=quarter,
        min_group_size=min_size,
        n_people=n,
        total_count=int(count_arr.sum()) if visible else None,
        total_value=round(total_value, 2) if visible else None,
        gini=_nan_to_none(gini(value_arr)) if visible and total_value > 0 else None,
        by_team=_group_rows(
            team_keys, team_labels, hidden_teams, count_arr, value_arr, total_value
        ),
        by_role=_group_rows(
            role_keys, role_labels, hidden_roles, count_arr, value_arr, total_value
        ),
        total_suppressed=not visible,
    )


def fairness(
    *, session: Session, viewer: Person, quarter: str | None = None, min_group_size: int = 5
) -> FairnessReport:
    """How evenly the quarter's rewards were spread: a manager's team by name, or, for HR,
    every rep by team and sales role with small groups hidden."""
    min_size = check_min_size(min_group_size)
    quarter = resolve_quarter(quarter)
    if can(viewer, "run_hr"):
        return _organisation_report(session, quarter, min_size)
    if can(viewer, "view_team"):
        return _team_report(session, viewer, quarter, min_size)
    raise NotAllowed("You do not have access to this.")
