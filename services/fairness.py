"""How evenly rewards are spread: one reading of what reps received, two reports.

:func:`fairness` is the recognition pages' report of one quarter (by catalogue cost,
"value", and by number): a manager sees their own reps by name; HR sees every active rep
aggregated by team and by sales role, never names.

Flags
-----
* ``"concentrated"``: one person received more than ``MAX_SHARE`` (40%) of the group's
  value, the value is above zero and at least ``MIN_RECIPIENTS`` (5) people received
  something. With few recipients someone is nearly always over 40% (with one or two,
  always), and a share of nothing (only free rewards) means nothing, so neither is flagged.
* ``"left_out"``: some, not all, of the group received nothing in the quarter.
* ``"nobody_recognised"``: nobody in the group received anything in the quarter; the
  report says for how many days (``quiet_days``, up to ``as_of``: today, or the quarter's
  last day for a past quarter), instead of listing everyone as left out.
 :func:`exposure` is programme
analytics' view of the last year: the share of reps given anything, and value per rep, by
team and sales role. In both, a group of fewer than the minimum group size shows no
figures, with complementary suppression across the two tables
(``recommender.anonymity.protect_tables``) so that no small group can be worked out by
subtraction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.queries import chunks
from models.tables import Grant, Person, Team
from recommender.anonymity import protect_tables, total_visible
from recommender.fairness import MAX_SHARE, concentration_flags, gini, group_gini
from services.access import Actor, can, require
from services.budgets import quarter_bounds, resolve_quarter
from services.errors import NotAllowed
from services.organisation import group_floor
from services.people import direct_reports
from services.summaries import NONE_KEY
from services.waves import today

DECIMALS = 2
EXPOSURE_DAYS = 365
MIN_RECIPIENTS = 5
"""Fewest people who must have received something before one person's share is flagged:
with five, an equal share is 20%, so more than 40% is at least twice anyone's fair part.
With three, someone over 40% is the rule rather than a sign (the demo flagged five of six
teams), so it is not flagged."""


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
    reason: str | None = None  # with suppressed: "small", or "complement" (hidden with one)
    recipients: int | None = None
    nobody_recognised: bool = False
    quiet_days: int | None = None  # with nobody_recognised: days since the last reward


@dataclass(frozen=True)
class FairnessReport:
    """How evenly one quarter's rewards were spread.

    ``scope`` is ``"team"`` (a manager's own reps, by name, in ``people``) or
    ``"organisation"`` (HR: ``by_team`` and ``by_role``, never names). ``flags`` holds
    ``"concentrated"``, ``"left_out"`` or ``"nobody_recognised"`` for a team (see the
    module's docstring).
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
    min_recipients: int = MIN_RECIPIENTS
    recipients: int = 0
    as_of: date | None = None
    quiet_days: int | None = None  # with "nobody_recognised": days since the last reward


def _nan_to_none(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _received(
    session: Session, person_ids: Sequence[int], first: date, last: date | None = None
) -> tuple[dict[int, int], dict[int, float]]:
    """Number and value (what each cost when given) of the rewards each person was given from ``first`` to
    ``last`` (open-ended when None); people given nothing are left out."""
    counts: dict[int, int] = {}
    values: dict[int, float] = {}
    for chunk in chunks(person_ids):
        stmt = (
            select(Grant.person_id, func.count(Grant.id), func.sum(Grant.cost))
            .select_from(Grant)
            .where(Grant.person_id.in_(chunk), Grant.given_on >= first)
            .group_by(Grant.person_id)
        )
        if last is not None:
            stmt = stmt.where(Grant.given_on <= last)
        for person_id, count, value in session.exec(stmt).all():
            counts[person_id] = int(count)
            values[person_id] = float(value or 0.0)
    return counts, values


def _active_reps(session: Session) -> list[Person]:
    """Every active rep, by id: the people both reports are about."""
    return list(
        session.exec(
            select(Person)
            .where(Person.active.is_(True), Person.access == "rep")
            .order_by(Person.id)
        )
    )


@dataclass(frozen=True)
class Groups:
    """Reps by team and by sales role: each dimension's keys (the one for "none" last),
    each rep's cell, and the cells hidden with complementary suppression across both."""

    keys: dict[str, list[str]]
    labels: dict[str, np.ndarray]
    hidden: dict[str, np.ndarray]


def _groups(session: Session, reps: Sequence[Person], min_size: int, none_key: str) -> Groups:
    team_names = {t.id: t.name for t in session.exec(select(Team))}
    keys_of = {
        "team": [team_names.get(p.team_id, none_key) if p.team_id else none_key for p in reps],
        "sales_role": [p.sales_role or none_key for p in reps],
    }
    keys = {d: sorted(set(k), key=lambda x: (x == none_key, x)) for d, k in keys_of.items()}
    labels = {d: np.asarray([keys[d].index(k) for k in keys_of[d]], dtype=int) for d in keys_of}
    if reps:
        hidden_teams, hidden_roles = protect_tables(
            [labels["team"], labels["sales_role"]], min_size
        )
    else:
        hidden_teams = hidden_roles = np.zeros(0, dtype=bool)
    return Groups(keys, labels, {"team": hidden_teams, "sales_role": hidden_roles})


def _team_report(session: Session, manager: Person, quarter: str, min_size: int) -> FairnessReport:
    reps = direct_reports(session=session, manager=manager)
    counts, values = _received(session, [p.id for p in reps], *quarter_bounds(quarter))
    count_arr = np.array([counts.get(p.id, 0) for p in reps], dtype=float)
    value_arr = np.array([values.get(p.id, 0.0) for p in reps], dtype=float)
    total_value = float(value_arr.sum())
    flags = concentration_flags(value_arr, count_arr, min_recipients=MIN_RECIPIENTS)
    as_of = _as_of(quarter)
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
    quiet_days = None
    if flags.concentrated:
        codes.append("concentrated")
    if reps and not count_arr.sum():
        codes.append("nobody_recognised")
        quiet_days = _quiet_days(session, [p.id for p in reps], as_of)
    elif reps and flags.left_out:
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
        left_out=tuple(sorted((reps[i] for i in flags.left_out), key=lambda p: p.name))
        if "left_out" in codes
        else (),
        people=people,
        recipients=flags.recipients,
        as_of=as_of,
        quiet_days=quiet_days,
    )


def _as_of(quarter: str) -> date:
    """The day a quarter's report looks from: today, or the last day of a past quarter."""
    return min(today(), quarter_bounds(quarter)[1])


def _last_given(session: Session, person_ids: Sequence[int], as_of: date) -> dict[int, date]:
    """The day each person was last given a reward, on or before ``as_of``."""
    last: dict[int, date] = {}
    for chunk in chunks(person_ids):
        stmt = (
            select(Grant.person_id, func.max(Grant.given_on))
            .where(Grant.person_id.in_(chunk), Grant.given_on <= as_of)
            .group_by(Grant.person_id)
        )
        last.update(session.exec(stmt).all())
    return last


def _quiet_days(session: Session, person_ids: Sequence[int], as_of: date) -> int | None:
    """Days from the group's last reward to ``as_of``; None when it never had one."""
    last = _last_given(session, person_ids, as_of)
    return (as_of - max(last.values())).days if last else None


def _group_rows(
    keys: list[str],
    labels: np.ndarray,
    hidden: np.ndarray,
    counts: np.ndarray,
    values: np.ndarray,
    total_value: float,
    last_given: Sequence[date | None],
    as_of: date,
    min_size: int,
) -> tuple[GroupShare, ...]:
    ginis = group_gini(values, labels)
    rows = []
    for cell, key in enumerate(keys):
        members = labels == cell
        n = int(members.sum())
        if hidden[cell]:
            # A group of the minimum size or more is hidden only so that, with the totals
            # and the other table, it does not give a small one away: say so, not "small".
            reason = "small" if n < min_size else "complement"
            rows.append(GroupShare(key=key, people=None, suppressed=True, reason=reason))
            continue
        value = float(values[members].sum())
        flags = concentration_flags(values[members], counts[members], min_recipients=MIN_RECIPIENTS)
        nobody = n > 0 and not counts[members].sum()
        dates = [d for d, m in zip(last_given, members, strict=True) if m and d is not None]
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
                recipients=flags.recipients,
                nobody_recognised=nobody,
                quiet_days=(as_of - max(dates)).days if nobody and dates else None,
            )
        )
    return tuple(rows)


def _organisation_report(session: Session, quarter: str, min_size: int) -> FairnessReport:
    reps = _active_reps(session)
    counts, values = _received(session, [p.id for p in reps], *quarter_bounds(quarter))
    count_arr = np.array([counts.get(p.id, 0) for p in reps], dtype=float)
    value_arr = np.array([values.get(p.id, 0.0) for p in reps], dtype=float)
    groups = _groups(session, reps, min_size, none_key="")
    n = len(reps)
    visible = total_visible(n, min_size)
    total_value = float(value_arr.sum())
    as_of = _as_of(quarter)
    last = _last_given(session, [p.id for p in reps], as_of)
    last_given = [last.get(p.id) for p in reps]
    by_team, by_role = (
        _group_rows(
            groups.keys[d],
            groups.labels[d],
            groups.hidden[d],
            count_arr,
            value_arr,
            total_value,
            last_given,
            as_of,
            min_size,
        )
        for d in ("team", "sales_role")
    )
    return FairnessReport(
        scope="organisation",
        quarter=quarter,
        min_group_size=min_size,
        n_people=n,
        total_count=int(count_arr.sum()) if visible else None,
        total_value=round(total_value, 2) if visible else None,
        gini=_nan_to_none(gini(value_arr)) if visible and total_value > 0 else None,
        by_team=by_team,
        by_role=by_role,
        total_suppressed=not visible,
        as_of=as_of,
    )


def fairness(
    *,
    session: Session,
    viewer: Person,
    quarter: str | None = None,
    min_group_size: int | None = None,
) -> FairnessReport:
    """How evenly the quarter's rewards were spread: a manager's team by name, or, for HR,
    every rep by team and sales role with small groups hidden."""
    min_size = group_floor(session, min_group_size)
    quarter = resolve_quarter(quarter)
    if can(viewer, "run_hr"):
        return _organisation_report(session, quarter, min_size)
    if can(viewer, "view_team"):
        return _team_report(session, viewer, quarter, min_size)
    raise NotAllowed("You do not have access to this.", code="not_allowed")


# --- exposure over a rolling period (programme analytics) --------------------------------


def _round(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), DECIMALS)


def exposure(*, session: Session, viewer: Actor, min_size: int, days: int = EXPOSURE_DAYS) -> dict:
    """Exposure (share of reps given a reward) and value per rep over the last ``days``,
    by team and sales role, small groups hidden; for HR's programme analytics."""
    require(viewer, "run_hr")
    reps = _active_reps(session)
    counts, values = _received(session, [p.id for p in reps], today() - timedelta(days=days))
    groups = _groups(session, reps, min_size, none_key=NONE_KEY)
    out: dict = {"days": days}
    for dim in ("team", "sales_role"):
        rows = []
        for c, key in enumerate(groups.keys[dim]):
            members = [p for p, label in zip(reps, groups.labels[dim], strict=True) if label == c]
            if groups.hidden[dim][c]:
                rows.append(
                    {
                        "key": key,
                        "suppressed": True,
                        "reason": "small" if len(members) < min_size else "complement",
                        "reps": None,
                        "exposure": None,
                        "value_per_rep": None,
                    }
                )
                continue
            rows.append(
                {
                    "key": key,
                    "suppressed": False,
                    "reps": len(members),
                    "exposure": _round(sum(p.id in counts for p in members) / len(members)),
                    "value_per_rep": _round(
                        sum(values.get(p.id, 0.0) for p in members) / len(members)
                    ),
                }
            )
        out[dim] = rows
    return out
