"""Incentive experiments: HR defines arms and an audience, Motivo assigns people and judges.

An experiment compares the change in one KPI (after period minus before period, per person)
between each arm and the control arm; the statistics live in ``recommender.experiments``.

Assignment
----------
The audience is every active rep, or the active reps of chosen teams. Assignment is random,
or stratified: balanced within each motivation profile from the trained model
(``services.recommendations.profile_assignments``). Until a model exists, stratified
assignment balances within each sales role instead, and the experiment records which it
used (``strata`` in the ``experiment.create`` audit row; ``strata_for`` is the hook). The
seed is stored, so the assignment can be reproduced.

Not retroactive
---------------
An experiment's arms start when it is created, or on a later ``starts_on``: nobody can
have been given a reward because of an arm before then. So its before period must end
before the start, its after period must begin on or after it, and its results are shown
only once the after period is over (``results_from``); until then the page says when.
Comparing periods that were already over is allowed only when marked ``retrospective``:
it is then observational, not an experiment, and every result says so (``LABEL``), on the
page, on the command line and in JSON.

Managers see the running experiments their reps are in (``team_experiments``): which arm
each rep is in and what to do for it until the after period ends.

Privacy
-------
Results are aggregates only. An arm with fewer people (with both KPI values) than the
minimum group size shows no figures and takes no part in any figure, so its values cannot
be worked out by subtraction either.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, insert, update
from sqlmodel import Session, select

from models.queries import chunks, get_by_id
from models.tables import (
    KPI,
    AuditLog,
    Experiment,
    ExperimentArm,
    ExperimentAssignment,
    Person,
    Team,
)
from recommender.catalogue import CATEGORIES
from recommender.experiments import (
    ALPHA,
    MIN_PER_ARM,
    STANDARD_EFFECT,
    TARGET_POWER,
    ArmSummary,
    Comparison,
    Interval,
    PairedSummary,
    analyse,
    assign_arms,
    paired_change,
    summarise_arm,
)
from services.access import Actor, require
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem
from services.kpis import metric_choices, parse_period, period_kind, period_months
from services.people import direct_reports, find_teams
from services.recommendations import profile_assignments
from services.text import text_problems
from services.waves import today as current_day

SEED_MAX = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL
_ARM_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CHUNK = 10_000
LABEL = "Observational, not an experiment"
"""Said on every result of a retrospective comparison."""


def period_first_day(period: str) -> date:
    """The first day of a stored period (``2026-11`` or ``2026-Q4``)."""
    first, _last = period_months(period)
    return date(first // 12, first % 12 + 1, 1)


def period_last_day(period: str) -> date:
    """The last day of a stored period."""
    _first, last = period_months(period)
    following = last + 1
    return date(following // 12, following % 12 + 1, 1) - timedelta(days=1)


def _check_start(
    before: str | None,
    after: str | None,
    starts_on: date | None,
    retrospective: bool,
    day: date,
) -> tuple[date | None, list[str]]:
    """The day the arms start, and what is wrong with the periods around it."""
    if retrospective:
        return None, []
    if starts_on is not None and starts_on < day:
        return starts_on, [
            Problem(
                "starts_on",
                "experiment.start_in_past",
                f"{starts_on.isoformat()} is in the past; an experiment's arms start on the day "
                f"it is created ({day.isoformat()}) or later. To compare periods that are over, "
                "mark it retrospective: observational, not an experiment",
                {"start": starts_on.isoformat(), "today": day.isoformat()},
            )
        ]
    start = starts_on or day
    problems: list[str] = []
    if before and after:
        if period_last_day(before) >= start:
            problems.append(
                Problem(
                    "period_before",
                    "experiment.before_overlaps_start",
                    f"{before} must end before the experiment starts ({start.isoformat()}), or "
                    "the baseline includes time under the arms",
                    {"period": before, "start": start.isoformat()},
                )
            )
        if period_first_day(after) < start:
            problems.append(
                Problem(
                    "period_after",
                    "experiment.after_before_start",
                    f"{after} must begin on or after the day the experiment starts "
                    f"({start.isoformat()}), when the arms start; to compare periods that are "
                    "over, mark it retrospective: observational, not an experiment",
                    {"period": after, "start": start.isoformat()},
                )
            )
    return start, problems


@dataclass(frozen=True)
class ArmSpec:
    """One arm as HR defines it: ``key:label[:category]`` on the command line."""

    key: str
    label: str
    reward_category: str | None = None


def parse_arm(text: str) -> ArmSpec:
    """Read ``key:label[:category]``; the label may not contain a colon."""
    parts = [p.strip() for p in (text or "").split(":")]
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InvalidInput(
            f"The arm {text!r} was not understood.",
            [
                Problem(
                    "arms",
                    "experiment.arm_format",
                    "write each arm as key:label or key:label:category",
                )
            ],
            code="experiment.arm_not_understood",
            params={"arm": text},
        )
    category = parts[2] if len(parts) == 3 and parts[2] else None
    return ArmSpec(key=parts[0], label=parts[1], reward_category=category)


def strata_for(session: Session, person_ids: Sequence[int]) -> tuple[dict[int, Hashable], str]:
    """Each person's stratum and what it is: ``"profile"``, or ``"sales_role"`` as fallback.

    Profiles come from ``services.recommendations.profile_assignments``; while no model
    has been trained, people are stratified by sales role. People the model
    has no profile for (no submitted survey), and people who turned personalisation off,
    share a stratum of their own: their answers are not used to place them.
    """
    ids = list(person_ids)
    people: list[tuple[int, str, bool]] = []
    for chunk in chunks(ids):
        stmt = select(Person.id, Person.sales_role, Person.personalise).where(Person.id.in_(chunk))
        people.extend(session.exec(stmt).all())
    profiles = profile_assignments(session=session)
    if profiles:
        consenting = {person_id for person_id, _, personalise in people if personalise}
        return {p: profiles.get(p) if p in consenting else None for p in ids}, "profile"
    roles = {person_id: role for person_id, role, _ in people}
    return {p: roles.get(p) or None for p in ids}, "sales_role"


def _audience(session: Session, teams: Sequence[Team]) -> list[int]:
    stmt = select(Person.id).where(Person.active.is_(True), Person.access == "rep")
    if teams:
        stmt = stmt.where(Person.team_id.in_([t.id for t in teams]))
    return sorted(session.exec(stmt).all())


def _check_arms(arms: Sequence[ArmSpec], control: str) -> tuple[list[ArmSpec], list[str]]:
    problems: list[str] = []
    cleaned: list[ArmSpec] = []
    seen: set[str] = set()
    for arm in arms:
        key = (arm.key or "").strip().lower()
        label = (arm.label or "").strip()
        category = (arm.reward_category or "").strip().lower() or None
        if not _ARM_KEY.match(key):
            problems.append(
                f"arms: {arm.key!r} is not an arm key (lower-case letters, digits, _ and -, "
                "at most 40 characters)"
            )
        elif key in seen:
            problems.append(
                Problem(
                    "arms",
                    "experiment.arm_key_twice",
                    f"the key {key!r} is used twice",
                    {"key": key},
                )
            )
        seen.add(key)
        if not label:
            problems.append(
                Problem(
                    "arms",
                    "experiment.arm_label_missing",
                    f"give the arm {key!r} a label",
                    {"key": key},
                )
            )
        elif typed := text_problems("arms", label, one_line=True):
            problems.extend(typed)
        elif len(label) > 120:
            problems.append(
                Problem(
                    "arms",
                    "experiment.arm_label_too_long",
                    f"the label of {key!r} is longer than 120 characters",
                    {"key": key, "limit": 120},
                )
            )
        if category is not None and category not in CATEGORIES:
            problems.append(
                f"arms: unknown reward category {category!r} for {key!r} "
                f"(use one of {', '.join(CATEGORIES)})"
            )
        cleaned.append(ArmSpec(key, label, category))
    if len(cleaned) < 2:
        problems.append("arms: give at least two arms, the control and one to compare with it")
    control = (control or "").strip().lower()
    if not control:
        problems.append("control: say which arm is the control")
    elif control not in seen:
        problems.append(
            Problem(
                "control",
                "experiment.control_not_an_arm",
                f"{control!r} is not one of the arms",
                {"control": control},
            )
        )
    return cleaned, problems


def _check_periods(before: str, after: str) -> tuple[str | None, str | None, list[str]]:
    problems: list[str] = []
    b, a = parse_period(before), parse_period(after)
    if b is None:
        problems.append(
            Problem(
                "period_before",
                "period.malformed",
                f"{before!r} is not a period (use YYYY-MM or YYYY-Qn)",
                {"period": before},
            )
        )
    if a is None:
        problems.append(
            Problem(
                "period_after",
                "period.malformed",
                f"{after!r} is not a period (use YYYY-MM or YYYY-Qn)",
                {"period": after},
            )
        )
    if a and b:
        if period_kind(a) != period_kind(b):
            problems.append(
                Problem(
                    "period_after",
                    "period.kinds_differ",
                    "use the same kind of period as before (two months or two "
                    "quarters), or the change compares different lengths of time",
                )
            )
        elif period_months(a)[0] <= period_months(b)[1]:
            problems.append(
                Problem(
                    "period_after",
                    "period.overlaps",
                    f"{a} must start after {b} ends",
                    {"after": a, "before": b},
                )
            )
    return b, a, problems


def create_experiment(
    *,
    session: Session,
    actor: Actor,
    name: str,
    metric: str,
    period_before: str,
    period_after: str,
    arms: Sequence[ArmSpec],
    control: str,
    team_names: Sequence[str] = (),
    stratified: bool = False,
    seed: int | None = None,
    description: str = "",
    starts_on: date | None = None,
    retrospective: bool = False,
    today: date | None = None,
) -> Experiment:
    """Define an experiment and assign its audience to the arms; all or nothing.

    The arms start on ``starts_on`` (today by default, never earlier); ``retrospective``
    compares periods that are over instead, labelled observational, not an experiment.
    """
    require(actor, "run_hr")
    problems: list[str] = []
    name = (name or "").strip()
    problems.extend(text_problems("name", name, one_line=True))
    if not name:
        problems.append(Problem("name", "experiment.name_missing", "give the experiment a name"))
    elif len(name) > 120:
        problems.append(Problem("name", "text.too_long", "at most 120 characters", {"limit": 120}))
    elif session.exec(select(Experiment).where(Experiment.name == name)).first() is not None:
        problems.append(
            Problem(
                "name",
                "experiment.name_taken",
                f"an experiment called {name!r} exists already",
                {"name": name},
            )
        )
    description = (description or "").strip()
    problems.extend(text_problems("description", description))
    if len(description) > 2000:
        problems.append(
            Problem("description", "text.too_long", "at most 2000 characters", {"limit": 2000})
        )
    metric = (metric or "").strip().lower()
    known = metric_choices(session)
    if metric not in known:
        problems.append(
            Problem(
                "metric",
                "metric.unknown",
                f"unknown metric {metric!r} (use one of {', '.join(known)})",
                {"metric": metric, "known": ", ".join(known)},
            )
        )
    before, after, period_problems = _check_periods(period_before, period_after)
    problems += period_problems
    start, start_problems = _check_start(
        None if period_problems else before,
        None if period_problems else after,
        starts_on,
        bool(retrospective),
        today or current_day(),
    )
    problems += start_problems
    cleaned, arm_problems = _check_arms(arms, control)
    problems += arm_problems
    control = (control or "").strip().lower()
    teams, team_problems = find_teams(session, team_names)
    problems += team_problems
    if seed is not None and not 0 <= seed <= SEED_MAX:
        problems.append(
            Problem(
                "seed",
                "experiment.seed_range",
                f"use a whole number from 0 to {SEED_MAX}",
                {"maximum": SEED_MAX},
            )
        )
    audience = _audience(session, teams)
    if not any(p.startswith("teams:") for p in problems) and len(audience) < max(2, len(cleaned)):
        where = "in the chosen teams" if teams else "in Motivo"
        problems.append(
            Problem(
                "teams",
                "experiment.audience_too_small"
                if teams
                else "experiment.audience_too_small_everywhere",
                f"{len(audience)} active rep{'' if len(audience) == 1 else 's'} {where}, "
                f"fewer than the {len(cleaned)} arms",
                {"count": len(audience), "arms": len(cleaned)},
            )
        )
    if problems:
        raise InvalidInput(
            "The experiment was not created.", problems, code="experiment.not_created"
        )

    seed = secrets.randbelow(SEED_MAX + 1) if seed is None else seed
    strata, strata_source = strata_for(session, audience) if stratified else (None, None)
    assignment = assign_arms(audience, [a.key for a in cleaned], strata, random_state=seed)
    try:
        experiment = Experiment(
            name=name,
            description=description,
            metric=metric,
            period_before=before,
            period_after=after,
            assignment="stratified" if stratified else "random",
            random_seed=seed,
            status="running",
            created_by_id=actor.id if actor else None,
            starts_on=start,
            retrospective=bool(retrospective),
        )
        session.add(experiment)
        session.flush()
        rows = [
            ExperimentArm(
                experiment_id=experiment.id,
                key=arm.key,
                label=arm.label,
                reward_category=arm.reward_category,
                is_control=arm.key == control,
            )
            for arm in cleaned
        ]
        session.add_all(rows)
        session.flush()
        arm_ids = {arm.key: arm.id for arm in rows}
        values = [
            {"experiment_id": experiment.id, "person_id": person, "arm_id": arm_ids[key]}
            for person, key in sorted(assignment.items())
        ]
        table = ExperimentAssignment.__table__
        for chunk in chunks(values, CHUNK):
            session.execute(insert(table), chunk)
        sizes = {arm.key: 0 for arm in cleaned}
        for key in assignment.values():
            sizes[key] += 1
        record_event(
            session,
            actor=actor,
            action="experiment.create",
            target=name,
            details={
                "experiment_id": experiment.id,
                "metric": metric,
                "period_before": before,
                "period_after": after,
                "starts_on": start.isoformat() if start else None,
                "retrospective": bool(retrospective),
                "arms": [asdict(a) for a in cleaned],
                "control": control,
                "teams": [t.name for t in teams],
                "assignment": experiment.assignment,
                "strata": strata_source,
                "random_seed": seed,
                "arm_sizes": sizes,
            },
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return experiment


def find_experiment(session: Session, ref: str | int) -> Experiment:
    """An experiment by id or name, or ``NotFound``."""
    experiment = get_by_id(session, Experiment, ref)
    if experiment is None:
        experiment = session.exec(select(Experiment).where(Experiment.name == str(ref))).first()
    if experiment is None:
        raise NotFound(
            f"No experiment called {ref!r}.", code="experiment.not_found", params={"ref": str(ref)}
        )
    return experiment


def finish_experiment(*, session: Session, actor: Actor, ref: str | int) -> Experiment:
    """End a running experiment: managers stop seeing its arms and what to do for them.

    People stay assigned and nothing is deleted, so its results can still be read once the
    after period is over. Finishing a finished experiment changes nothing (a second click
    writes no second audit row).
    """
    require(actor, "run_hr")
    experiment = find_experiment(session, ref)
    # One guarded UPDATE: of two clicks at once (on two workers) only one changes the row,
    # and only that one is audited.
    changed = session.execute(
        update(Experiment)
        .where(Experiment.id == experiment.id, Experiment.status == "running")
        .values(status="finished")
    ).rowcount
    if changed:
        record_event(
            session,
            actor=actor,
            action="experiment.finish",
            target=experiment.name,
            details={"experiment_id": experiment.id, "finished_on": current_day().isoformat()},
        )
    session.commit()
    session.refresh(experiment)
    return experiment


@dataclass(frozen=True)
class ExperimentSummary:
    id: int
    name: str
    metric: str
    period_before: str
    period_after: str
    assignment: str
    status: str
    arms: int
    people: int
    created_at: str
    starts_on: str | None = None
    design: str = "experiment"  # "observational" for a retrospective comparison

    def as_dict(self) -> dict:
        return asdict(self)


def list_experiments(*, session: Session, viewer: Actor) -> list[ExperimentSummary]:
    """Every experiment, newest first, with its number of arms and people."""
    require(viewer, "run_hr")
    arms = dict(
        session.exec(
            select(ExperimentArm.experiment_id, func.count(ExperimentArm.id)).group_by(
                ExperimentArm.experiment_id
            )
        ).all()
    )
    people = dict(
        session.exec(
            select(
                ExperimentAssignment.experiment_id, func.count(ExperimentAssignment.person_id)
            ).group_by(ExperimentAssignment.experiment_id)
        ).all()
    )
    experiments = session.exec(select(Experiment).order_by(Experiment.id.desc())).all()
    return [
        ExperimentSummary(
            id=e.id,
            name=e.name,
            metric=e.metric,
            period_before=e.period_before,
            period_after=e.period_after,
            assignment=e.assignment,
            status=e.status,
            arms=int(arms.get(e.id, 0)),
            people=int(people.get(e.id, 0)),
            created_at=e.created_at.isoformat(timespec="seconds"),
            starts_on=e.starts_on.isoformat() if e.starts_on else None,
            design="observational" if e.retrospective else "experiment",
        )
        for e in experiments
    ]


@dataclass(frozen=True)
class ArmSize:
    key: str
    label: str
    reward_category: str | None
    is_control: bool
    people: int


@dataclass(frozen=True)
class ExperimentDetail:
    """What the detail page shows besides the results: sizes only, never names."""

    experiment: Experiment
    arms: list[ArmSize]
    teams: list[str]
    strata: str | None  # "profile" | "sales_role" | None (random assignment)

    @property
    def people(self) -> int:
        return sum(a.people for a in self.arms)


def _arms(session: Session, experiment: Experiment) -> list[ExperimentArm]:
    stmt = select(ExperimentArm).where(ExperimentArm.experiment_id == experiment.id)
    arms = list(session.exec(stmt.order_by(ExperimentArm.id)))
    # The control first, then the arms as HR listed them.
    return sorted(arms, key=lambda a: not a.is_control)


def _creation(session: Session, experiment: Experiment) -> dict:
    # The audience's teams and the strata used are kept in the audit row of the creation.
    stmt = select(AuditLog).where(
        AuditLog.action == "experiment.create", AuditLog.target == experiment.name
    )
    for row in session.exec(stmt.order_by(AuditLog.id.desc())):
        if (row.details or {}).get("experiment_id") == experiment.id:
            return row.details
    return {}


def experiment_detail(*, session: Session, viewer: Actor, ref: str | int) -> ExperimentDetail:
    """The experiment with its arms and how many people each has."""
    require(viewer, "run_hr")
    experiment = find_experiment(session, ref)
    counts = dict(
        session.exec(
            select(ExperimentAssignment.arm_id, func.count(ExperimentAssignment.person_id))
            .where(ExperimentAssignment.experiment_id == experiment.id)
            .group_by(ExperimentAssignment.arm_id)
        ).all()
    )
    arms = [
        ArmSize(a.key, a.label, a.reward_category, a.is_control, int(counts.get(a.id, 0)))
        for a in _arms(session, experiment)
    ]
    details = _creation(session, experiment)
    return ExperimentDetail(
        experiment=experiment,
        arms=arms,
        teams=list(details.get("teams", [])),
        strata=details.get("strata") if experiment.assignment == "stratified" else None,
    )


def precision(spread: float | None) -> int:
    """Decimals worth showing for a figure known to about ``spread`` (negative: round to tens).

    Two significant digits of the uncertainty: an interval 7,200 wide on each side rounds
    to hundreds, one 0.034 wide rounds to three decimals.
    """
    if spread is None or not math.isfinite(spread) or spread <= 0:
        return 2
    return max(-6, min(6, 1 - math.floor(math.log10(spread))))


def format_figure(value: float, places: int) -> str:
    """A figure rounded to ``places`` (see ``precision``), with thousands separators."""
    rounded = round(value, places) or 0.0  # no "-0"
    return f"{rounded:,.{max(places, 0)}f}"


@dataclass(frozen=True)
class ArmResult:
    key: str
    label: str
    is_control: bool
    assigned: int
    hidden: bool  # fewer people with both KPI values than the minimum group size
    summary: ArmSummary | None  # None when hidden

    def as_dict(self) -> dict:
        numbers = asdict(self.summary) if self.summary else {}
        numbers.pop("key", None)
        return {
            "key": self.key,
            "label": self.label,
            "is_control": self.is_control,
            "assigned": self.assigned,
            "hidden": self.hidden,
            **numbers,
        }


@dataclass(frozen=True)
class ComparisonResult:
    arm: str
    arm_label: str
    control_label: str
    verdict: str  # "effect" | "no_clear_difference" | "too_few" | "hidden"
    stats: Comparison | None  # None when an arm is hidden
    sentence: str
    warnings: list[str]
    places: int


@dataclass(frozen=True)
class ExperimentResults:
    """The results page and ``experiments results`` in one shape; aggregates only."""

    experiment: Experiment
    arms: list[ArmResult]
    comparisons: list[ComparisonResult]
    overall: PairedSummary | None  # None when too few people to show
    overall_hidden: bool
    min_group_size: int
    confidence: float
    bootstrap: bool
    min_per_arm: int = MIN_PER_ARM
    target_power: float = TARGET_POWER
    standard_effect: float = STANDARD_EFFECT
    alpha: float = ALPHA
    notes: list[str] = field(default_factory=list)
    ready: bool = True  # False while the after period of a running experiment is not over
    results_from: date | None = None
    observational: bool = False  # a retrospective comparison: not an experiment

    def as_dict(self) -> dict:
        e = self.experiment
        head = {
            "experiment": e.name,
            "design": "observational" if self.observational else "experiment",
            **({"label": f"{LABEL}."} if self.observational else {}),
            "starts_on": e.starts_on.isoformat() if e.starts_on else None,
            "ready": self.ready,
            "results_from": self.results_from.isoformat() if self.results_from else None,
        }
        if not self.ready:
            return {
                **head,
                "metric": e.metric,
                "period_before": e.period_before,
                "period_after": e.period_after,
                "arms": [
                    {
                        "key": a.key,
                        "label": a.label,
                        "is_control": a.is_control,
                        "assigned": a.assigned,
                    }
                    for a in self.arms
                ],
                "notes": self.notes,
            }
        return {
            **head,
            "metric": e.metric,
            "period_before": e.period_before,
            "period_after": e.period_after,
            "assignment": e.assignment,
            "random_seed": e.random_seed,
            "confidence": self.confidence,
            "min_group_size": self.min_group_size,
            "min_per_arm": self.min_per_arm,
            "power": {
                "alpha": self.alpha,
                "target": self.target_power,
                "standard_effect_hedges_g": self.standard_effect,
            },
            "arms": [a.as_dict() for a in self.arms],
            "comparisons": [
                {
                    "arm": c.arm,
                    "control": self.control_key,
                    "observational": self.observational,
                    "verdict": c.verdict,
                    "sentence": c.sentence,
                    "warnings": c.warnings,
                    **(_comparison_numbers(c.stats) if c.stats else {}),
                }
                for c in self.comparisons
            ],
            "before_after_all_participants": {
                "causal": False,
                "hidden": self.overall_hidden,
                **(_paired_numbers(self.overall) if self.overall else {}),
            },
            "notes": self.notes,
        }

    @property
    def control_key(self) -> str | None:
        return next((a.key for a in self.arms if a.is_control), None)


def _interval(i: Interval | None) -> dict | None:
    if i is None:
        return None
    return {"estimate": i.estimate, "low": i.low, "high": i.high, "method": i.method}


def _comparison_numbers(c: Comparison) -> dict:
    return {
        "n_arm": c.n_arm,
        "n_control": c.n_control,
        "difference_in_mean_change": _interval(c.difference),
        "bootstrap": _interval(c.bootstrap),
        "hedges_g": c.hedges_g,
        "p_value": c.p_value,
        "power_standard_effect": c.power_standard,
        "power_observed_effect": c.power_observed,
        "required_n_per_arm": c.required_n,
    }


def _paired_numbers(p: PairedSummary) -> dict:
    return {
        "n": p.n,
        "mean_before": p.mean_before,
        "mean_after": p.mean_after,
        "mean_change": _interval(p.change),
        "standardised_change": p.standardised_change,
        "p_value": p.p_value,
    }


def _kpi_values(
    session: Session, experiment: Experiment
) -> tuple[dict[int, float], dict[int, float]]:
    stmt = (
        select(KPI.person_id, KPI.period, KPI.value)
        .join(ExperimentAssignment, ExperimentAssignment.person_id == KPI.person_id)
        .where(
            ExperimentAssignment.experiment_id == experiment.id,
            KPI.metric == experiment.metric,
            KPI.period.in_([experiment.period_before, experiment.period_after]),
        )
    )
    before: dict[int, float] = {}
    after: dict[int, float] = {}
    for person_id, period, value in session.exec(stmt):
        (before if period == experiment.period_before else after)[person_id] = value
    return before, after


def _sentence(c: Comparison, metric: str, label: str, control: str, places: int) -> str:
    def fig(value: float) -> str:
        return format_figure(value, places)

    if c.difference is None:
        return (
            f"Too few people to tell: {label} has {c.n_arm} and {control} {c.n_control} "
            f"with {metric} in both periods."
        )
    d = c.difference
    ci = f"({d.confidence:.0%} CI {fig(d.low)} to {fig(d.high)})"
    if c.verdict == "effect":
        verb = "raised" if d.estimate > 0 else "lowered"
        return (
            f"{label} {verb} {metric} by {fig(abs(d.estimate))} {ci} per rep compared with "
            f"{control} — likely a real effect."
        )
    if c.verdict == "no_clear_difference":
        return (
            f"No clear difference in {metric} between {label} and {control}: "
            f"{fig(d.estimate)} {ci} per rep."
        )
    return (
        f"Too few people to tell whether {label} changed {metric} compared with {control}: "
        f"{fig(d.estimate)} {ci} per rep, with {c.n_arm} and {c.n_control} people; about "
        f"{c.required_n} per arm are needed."
    )


def _warning_texts(c: Comparison, label: str, control: str) -> list[str]:
    texts = []
    if "small_arm" in c.warnings:
        texts.append(
            f"Fewer than {MIN_PER_ARM} people in an arm ({c.n_arm} in {label}, {c.n_control} "
            f"in {control}): too few for a reliable comparison."
        )
    if "low_power" in c.warnings and c.power_standard is not None:
        texts.append(
            f"Power to detect a medium effect (Hedges g = {STANDARD_EFFECT}, the standard "
            f"effect) at alpha {ALPHA} is {c.power_standard:.2f}, below {TARGET_POWER}; about "
            f"{c.required_n} people per arm are needed."
        )
    return texts


def experiment_results(
    *,
    session: Session,
    viewer: Actor,
    ref: str | int,
    min_group_size: int,
    bootstrap: bool = False,
    confidence: float = 0.95,
    export: bool = False,
    today: date | None = None,
) -> ExperimentResults:
    """Compare each arm's KPI change with control; arms under the minimum size stay hidden.

    A running experiment shows no figures until its after period is over; a retrospective
    comparison is labelled observational, not an experiment, in every sentence and note.
    ``export`` marks output that leaves Motivo (the command line); it is audited.
    """
    require(viewer, "run_hr")
    experiment = find_experiment(session, ref)
    arms = _arms(session, experiment)
    results_from = period_last_day(experiment.period_after) + timedelta(days=1)
    if not experiment.retrospective and (today or current_day()) < results_from:
        return _pending(session, experiment, arms, results_from, min_group_size, confidence)
    by_id = {a.id: a for a in arms}
    control = next((a for a in arms if a.is_control), None)
    if control is None:
        raise InvalidInput(
            f"The experiment {experiment.name!r} has no control arm.",
            code="experiment.no_control",
            params={"name": experiment.name},
        )
    assigned = session.exec(
        select(ExperimentAssignment.person_id, ExperimentAssignment.arm_id).where(
            ExperimentAssignment.experiment_id == experiment.id
        )
    ).all()
    before, after = _kpi_values(session, experiment)
    people = sorted(assigned)
    arm_of = np.array([by_id[arm_id].key for _, arm_id in people], dtype=object)
    x = np.array([before.get(p, np.nan) for p, _ in people], dtype=float)
    y = np.array([after.get(p, np.nan) for p, _ in people], dtype=float)
    complete = np.isfinite(x) & np.isfinite(y)
    n_with_data = {a.key: int((complete & (arm_of == a.key)).sum()) for a in arms}
    visible = [a for a in arms if n_with_data[a.key] >= min_group_size]
    visible_keys = {a.key for a in visible}
    shown = np.isin(arm_of, list(visible_keys)) if visible_keys else np.zeros(len(people), bool)

    analysis = None
    if control.key in visible_keys:
        analysis = analyse(
            x[shown],
            y[shown],
            arm_of[shown],
            control.key,
            arm_keys=[a.key for a in visible],
            confidence=confidence,
            bootstrap=bootstrap,
            random_state=experiment.random_seed,
        )
    comparisons = {c.arm: c for c in analysis.comparisons} if analysis else {}

    arm_results = [
        ArmResult(
            key=arm.key,
            label=arm.label,
            is_control=arm.is_control,
            assigned=int((arm_of == arm.key).sum()),
            hidden=arm.key not in visible_keys,
            summary=None
            if arm.key not in visible_keys
            else summarise_arm(arm.key, x[arm_of == arm.key], y[arm_of == arm.key]),
        )
        for arm in arms
    ]

    comparison_results: list[ComparisonResult] = []
    for arm in arms:
        if arm.is_control:
            continue
        c = comparisons.get(arm.key)
        if c is None:
            who = control.label if control.key not in visible_keys else arm.label
            comparison_results.append(
                ComparisonResult(
                    arm=arm.key,
                    arm_label=arm.label,
                    control_label=control.label,
                    verdict="hidden",
                    stats=None,
                    sentence=f"Too few to show: {who} has fewer than {min_group_size} people "
                    f"with {experiment.metric} in both periods.",
                    warnings=[],
                    places=2,
                )
            )
            continue
        spread = (c.difference.high - c.difference.estimate) if c.difference else None
        places = precision(spread)
        comparison_results.append(
            ComparisonResult(
                arm=arm.key,
                arm_label=arm.label,
                control_label=control.label,
                verdict=c.verdict,
                stats=c,
                sentence=_sentence(c, experiment.metric, arm.label, control.label, places),
                warnings=_warning_texts(c, arm.label, control.label),
                places=places,
            )
        )

    overall = paired_change(x[shown], y[shown], confidence=confidence)
    overall_hidden = overall.n < min_group_size
    notes = [
        "The change is each person's KPI in the after period minus the before period; people "
        "missing either value are left out.",
        "The before/after change of all participants has no control group: it describes what "
        "happened and is not evidence of what caused it.",
    ]
    if len(visible) < len(arms):
        notes.append(
            f"Arms with fewer than {min_group_size} people with both values show no figures and "
            "are left out of every figure."
        )
    if experiment.retrospective:
        notes.insert(
            0,
            f"{LABEL}: the periods were over when this comparison was made, so nobody was "
            "given rewards because of an arm; differences describe what happened and are not "
            "evidence of what caused them.",
        )
        comparison_results = [
            replace(c, sentence=f"{LABEL}: {c.sentence}") for c in comparison_results
        ]
    if export:
        record_event(
            session,
            actor=viewer,
            action="experiment.results_export",
            target=experiment.name,
            details={"bootstrap": bootstrap, "min_group_size": min_group_size},
        )
        session.commit()
    return ExperimentResults(
        experiment=experiment,
        arms=arm_results,
        comparisons=comparison_results,
        overall=None if overall_hidden else overall,
        overall_hidden=overall_hidden,
        min_group_size=min_group_size,
        confidence=confidence,
        bootstrap=bootstrap,
        notes=notes,
        results_from=results_from,
        observational=experiment.retrospective,
    )


def _pending(
    session: Session,
    experiment: Experiment,
    arms: list[ExperimentArm],
    results_from: date,
    min_group_size: int,
    confidence: float,
) -> ExperimentResults:
    """A running experiment's results before its after period is over: sizes only."""
    sizes = dict(
        session.exec(
            select(ExperimentAssignment.arm_id, func.count(ExperimentAssignment.person_id))
            .where(ExperimentAssignment.experiment_id == experiment.id)
            .group_by(ExperimentAssignment.arm_id)
        ).all()
    )
    start = experiment.starts_on.isoformat() if experiment.starts_on else "its start"
    return ExperimentResults(
        experiment=experiment,
        arms=[
            ArmResult(
                key=a.key,
                label=a.label,
                is_control=a.is_control,
                assigned=int(sizes.get(a.id, 0)),
                hidden=False,
                summary=None,
            )
            for a in arms
        ],
        comparisons=[],
        overall=None,
        overall_hidden=True,
        min_group_size=min_group_size,
        confidence=confidence,
        bootstrap=False,
        notes=[
            f"The experiment is running: its arms started on {start}. Results are shown from "
            f"{results_from.isoformat()}, once the after period {experiment.period_after} is "
            "over; earlier figures would judge arms before they had their time."
        ],
        ready=False,
        results_from=results_from,
    )


# --- what a manager sees -----------------------------------------------------------------


@dataclass(frozen=True)
class TeamArm:
    """One arm as a manager sees it: which of their reps are in it and what to do.

    ``instruction`` is ``"control"`` (carry on as usual), ``"category"`` (give rewards
    from ``reward_category`` when a rep earns recognition) or ``"described"`` (follow the
    experiment's description).
    """

    key: str
    label: str
    reward_category: str | None
    is_control: bool
    instruction: str
    people: list[Person]


@dataclass(frozen=True)
class TeamExperiment:
    id: int
    name: str
    description: str
    metric: str
    starts_on: date | None
    ends_on: date
    started: bool
    other_categories: list[str]  # the treatment arms' categories: what control reps keep to
    arms: list[TeamArm]


def team_experiments(
    *, session: Session, manager: Person, today: date | None = None
) -> list[TeamExperiment]:
    """The running experiments the manager's reps are in: each arm with their reps in it and
    what to do, until the after period ends. Retrospective comparisons have no arms to run."""
    require(manager, "view_team")
    day = today or current_day()
    reps = {p.id: p for p in direct_reports(session=session, manager=manager)}
    if not reps:
        return []
    rows = session.exec(
        select(
            ExperimentAssignment.experiment_id,
            ExperimentAssignment.arm_id,
            ExperimentAssignment.person_id,
        )
        .join(Experiment, Experiment.id == ExperimentAssignment.experiment_id)
        .where(
            ExperimentAssignment.person_id.in_(list(reps)),
            Experiment.retrospective.is_(False),
            Experiment.status == "running",
        )
    ).all()
    people_of: dict[int, dict[int, list[Person]]] = {}
    for experiment_id, arm_id, person_id in rows:
        people_of.setdefault(experiment_id, {}).setdefault(arm_id, []).append(reps[person_id])
    views = []
    for experiment_id in sorted(people_of):
        experiment = session.get(Experiment, experiment_id)
        ends_on = period_last_day(experiment.period_after)
        if ends_on < day:
            continue
        arms = _arms(session, experiment)
        team_arms = []
        for arm in arms:
            people = sorted(people_of[experiment_id].get(arm.id, []), key=lambda p: p.name)
            if not people:
                continue
            if arm.is_control:
                instruction = "control"
            elif arm.reward_category:
                instruction = "category"
            else:
                instruction = "described"
            team_arms.append(
                TeamArm(
                    key=arm.key,
                    label=arm.label,
                    reward_category=arm.reward_category,
                    is_control=arm.is_control,
                    instruction=instruction,
                    people=people,
                )
            )
        views.append(
            TeamExperiment(
                id=experiment.id,
                name=experiment.name,
                description=experiment.description,
                metric=experiment.metric,
                starts_on=experiment.starts_on,
                ends_on=ends_on,
                started=experiment.starts_on is None or experiment.starts_on <= day,
                other_categories=sorted(
                    {a.reward_category for a in arms if a.reward_category and not a.is_control}
                ),
                arms=team_arms,
            )
        )
    return views


@dataclass(frozen=True)
class ProgrammeChange:
    """Before/after change of a KPI for every active rep (or chosen teams): not causal."""

    metric: str
    period_before: str
    period_after: str
    teams: list[str]
    hidden: bool
    summary: PairedSummary | None
    left_out: int = 0  # reps in teams with fewer active reps than the minimum
    missing: int = 0  # reps who count but lack a value in a period: nothing is shown

    def as_dict(self) -> dict:
        return {
            "metric": self.metric,
            "period_before": self.period_before,
            "period_after": self.period_after,
            "teams": self.teams,
            "causal": False,
            "hidden": self.hidden,
            "left_out": self.left_out,
            "missing": self.missing,
            **(_paired_numbers(self.summary) if self.summary else {}),
        }


def programme_change(
    *,
    session: Session,
    viewer: Actor,
    metric: str,
    period_before: str,
    period_after: str,
    team_names: Sequence[str] = (),
    min_group_size: int,
    confidence: float = 0.95,
) -> ProgrammeChange:
    """The paired before/after change of active reps with both values; descriptive only."""
    require(viewer, "run_hr")
    metric = (metric or "").strip().lower()
    before, after, problems = _check_periods(period_before, period_after)
    known = metric_choices(session)
    if metric not in known:
        names = ", ".join(known)
        problems.append(
            Problem(
                "metric",
                "metric.unknown",
                f"unknown metric {metric!r} (use one of {names})",
                {"metric": metric, "known": names},
            )
        )
    teams, team_problems = find_teams(session, team_names)
    problems += team_problems
    if problems:
        raise InvalidInput("The change was not computed.", problems, code="change.not_computed")
    # Everyone's values, whatever the filter: who counts depends on whole teams.
    audience = _audience(session, ())
    values: dict[str, dict[int, float]] = {before: {}, after: {}}
    for chunk in chunks(audience):
        stmt = select(KPI.person_id, KPI.period, KPI.value).where(
            KPI.metric == metric,
            KPI.period.in_([before, after]),
            KPI.person_id.in_(chunk),
        )
        for person_id, period, value in session.exec(stmt):
            values[period][person_id] = value
    team_of = _teams_of(session, audience)
    x = np.array([values[before].get(p, np.nan) for p in audience], dtype=float)
    y = np.array([values[after].get(p, np.nan) for p in audience], dtype=float)
    # Who counts depends on the roster alone, never on whose values are there: a team (or
    # the reps in no team) with fewer than the minimum of active reps counts in no run, and
    # a run is shown only when every rep who counts has a value in both periods. Otherwise
    # two runs differ by one person: "North and a team of one" less "North", or Q2-Q3 (one
    # rep without a Q3 value) less Q2-Q4, gave that rep's own figures.
    size = Counter(team_of[p] for p in audience)
    counted = np.array([size[team_of[p]] >= min_group_size for p in audience], dtype=bool)
    wanted = {t.id for t in teams}
    chosen = np.array([not wanted or team_of[p] in wanted for p in audience], dtype=bool)
    keep = counted & chosen
    missing = int((keep & ~(np.isfinite(x) & np.isfinite(y))).sum())
    summary = paired_change(x[keep], y[keep], confidence=confidence)
    hidden = bool(missing) or summary.n < min_group_size
    record_event(
        session,
        actor=viewer,
        action="kpis.change",
        target=metric,
        details={"before": before, "after": after, "teams": [t.name for t in teams]},
    )
    session.commit()
    return ProgrammeChange(
        metric=metric,
        period_before=before,
        period_after=after,
        teams=[t.name for t in teams],
        hidden=hidden,
        summary=None if hidden else summary,
        left_out=int((chosen & ~counted).sum()),
        missing=missing,
    )


def _teams_of(session: Session, people: Sequence[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for chunk in chunks(people):
        out.update(
            session.exec(select(Person.id, Person.team_id).where(Person.id.in_(chunk))).all()
        )
    return out
