"""What an integration token may read through the API.

A token acts for the organisation, not for a person, so it sees what HR's pages show and
no more: counts and aggregates with the minimum group size applied, and suggestions
without the reasons drawn from answers.
"""

from __future__ import annotations

import math
from collections import Counter

from sqlmodel import Session, select

from models.tables import KPI, Person, SurveyResponse, Team
from models.tables import Reward as RewardRow
from recommender.anonymity import suppress_cells, total_visible
from services.access import Actor, require
from services.errors import InvalidInput, NotFound, Problem
from services.kpis import parse_period, period_order
from services.organisation import currency
from services.recommendations import count_reps, recommend_for_all, suggest_rewards
from services.reliability import flagged_count
from services.waves import WaveSummary, list_waves, wave_team_ids

RESPONSE_STATUSES = ("submitted", "in_progress")
MAX_SUGGESTIONS = 20


# Counts, never who answered, never answers, free text or scale scores, and no count below
# the minimum group size.


def withhold_small(counts: dict[str, int], min_group_size: int) -> tuple[dict, list[str]]:
    """Counts with each one of 1 to ``min_group_size - 1`` people replaced by None.

    For counts that do not add up to a shown total; a breakdown of a shown total goes
    through :func:`withhold_breakdown`, which also hides what subtraction would reveal.
    """
    withheld = [key for key, n in counts.items() if 0 < n < min_group_size]
    return {k: (None if k in withheld else n) for k, n in counts.items()}, withheld


def withhold_breakdown(counts: dict[str, int], min_group_size: int) -> tuple[dict, list[str]]:
    """A breakdown of a total with small cells and their complements hidden."""
    keys = list(counts)
    hidden = suppress_cells([counts[k] for k in keys], min_group_size) if keys else []
    withheld = [k for k, h in zip(keys, hidden, strict=True) if h]
    return {k: (None if k in withheld else counts[k]) for k in keys}, withheld


def _wave_facts(summary: WaveSummary, min_group_size: int) -> dict:
    wave = summary.wave
    raw = {
        "invited": summary.invited,
        "submitted": summary.submitted,
        "in_progress": summary.in_progress,
    }
    if 0 < summary.invited < min_group_size:
        # A wave meant for a handful of people says too much about each of them.
        counts, withheld = dict.fromkeys(raw), list(raw)
    else:
        counts, withheld = withhold_small(raw, min_group_size)
    rate = None
    if counts["invited"] and counts["submitted"] is not None:
        rate = round(counts["submitted"] / counts["invited"], 3)
    return {
        "id": wave.id,
        "name": wave.name,
        "instrument": summary.instrument,
        "status": wave.status,
        "answerable": summary.answerable,
        "opens_on": wave.opens_on.isoformat(),
        "closes_on": wave.closes_on.isoformat(),
        "audience": wave.audience,
        **counts,
        "response_rate": rate,
        "withheld": withheld,
        "min_group_size": min_group_size,
    }


def wave_participation(*, session: Session, viewer: Actor, min_group_size: int) -> list[dict]:
    """Every wave, newest first, with participation counts (small counts withheld)."""
    require(viewer, "view_waves")
    return [_wave_facts(s, min_group_size) for s in list_waves(session=session, viewer=viewer)]


def wave_details(*, session: Session, viewer: Actor, wave_id: int, min_group_size: int) -> dict:
    """One wave's participation counts and the teams it was meant for."""
    require(viewer, "view_waves")
    waves = list_waves(session=session, viewer=viewer)
    summary = next((s for s in waves if s.wave.id == wave_id), None)
    if summary is None:
        raise NotFound(
            f"No wave with id {wave_id}.", code="wave.not_found", params={"wave": str(wave_id)}
        )
    facts = _wave_facts(summary, min_group_size)
    team_ids = wave_team_ids(session, summary.wave)
    names = session.exec(select(Team.name).where(Team.id.in_(team_ids))) if team_ids else []
    facts["teams"] = sorted(names)
    return facts


def response_counts(*, session: Session, viewer: Actor, wave_id: int, min_group_size: int) -> dict:
    """A wave's responses counted by status, by source and by quality flags.

    Never per person: the pages do not show who answered, so neither does a token. The
    flagged count follows :func:`services.reliability.flagged_count`: none while the wave
    is open, and none below the minimum group size.
    """
    require(viewer, "view_waves")
    waves = list_waves(session=session, viewer=viewer)
    summary = next((s for s in waves if s.wave.id == wave_id), None)
    if summary is None:
        raise NotFound(
            f"No wave with id {wave_id}.", code="wave.not_found", params={"wave": str(wave_id)}
        )
    rows = session.exec(
        select(SurveyResponse.status, SurveyResponse.source, SurveyResponse.flags).where(
            SurveyResponse.wave_id == wave_id
        )
    ).all()
    by_status = Counter(status for status, _, _ in rows)
    submitted = [(source, flags) for status, source, flags in rows if status == "submitted"]
    by_source = Counter(source for source, _ in submitted)
    flagged = sum(1 for _, flags in submitted if flags)
    # The total of all responses is not shown, so only small counts need hiding here.
    statuses, withheld_status = withhold_small(
        {s: by_status.get(s, 0) for s in RESPONSE_STATUSES}, min_group_size
    )
    sources, withheld_source = withhold_breakdown(dict(sorted(by_source.items())), min_group_size)
    quality = flagged_count(
        session,
        n_flagged=flagged,
        still_open=summary.wave.status == "open",
        min_size=min_group_size,
    )
    withheld_quality = ["flagged"] if quality["flagged"] is None else []
    return {
        "wave_id": wave_id,
        "wave": summary.wave.name,
        "by_status": statuses,
        "submitted_by_source": sources,
        "flagged": quality["flagged"],
        "withheld": [
            *(f"by_status.{k}" for k in withheld_status),
            *(f"submitted_by_source.{k}" for k in withheld_source),
            *withheld_quality,
        ],
        "min_group_size": min_group_size,
    }


KPI_GROUPINGS = ("team", "sales_role", "none")
NO_GROUP = "(none)"


def _kpi_stats(values: list[float]) -> dict:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": round(mean, 6), "std": round(std, 6)}


def kpi_summary(
    *,
    session: Session,
    viewer: Actor,
    metric: str,
    min_group_size: int,
    period: str | None = None,
    by: str = "team",
) -> dict:
    """One metric in one period (default: the latest), aggregated over groups of people.

    Each group is a team or a sales role (people without one form a group of their own).
    Groups of 1 to ``min_group_size - 1`` people, and what subtraction from the total would
    reveal, show no figures; the total shows none below the minimum either.
    """
    require(viewer, "view_kpis")
    metric = (metric or "").strip().lower()
    problems = []
    if by not in KPI_GROUPINGS:
        problems.append(f"by: use one of {', '.join(KPI_GROUPINGS)}, not {by!r}")
    periods = sorted(
        session.exec(select(KPI.period).where(KPI.metric == metric).distinct()).all(),
        key=period_order,
    )
    if not metric:
        problems.append("metric: name a metric, e.g. revenue")
    elif not periods:
        problems.append(f"metric: no values stored for {metric!r}")
    if period is not None:
        wanted = parse_period(period)
        if wanted is None:
            problems.append(
                Problem(
                    "period",
                    "period.malformed",
                    f"{period!r} is not a period (use YYYY-MM or YYYY-Qn)",
                    {"period": period},
                )
            )
        period = wanted
    if problems:
        raise InvalidInput(
            "The KPI summary could not be made.", problems, code="kpi.summary_not_made"
        )
    period = period or periods[-1]

    stmt = (
        select(KPI.value, Team.name, Person.sales_role)
        .join(Person, Person.id == KPI.person_id)
        .join(Team, Team.id == Person.team_id, isouter=True)
        .where(KPI.metric == metric, KPI.period == period)
    )
    groups: dict[str, list[float]] = {}
    values: list[float] = []
    for value, team, role in session.exec(stmt):
        values.append(float(value))
        if by != "none":
            key = team if by == "team" else role
            groups.setdefault(key or NO_GROUP, []).append(float(value))
    names = sorted(groups)
    hidden = suppress_cells([len(groups[g]) for g in names], min_group_size) if names else []
    rows = []
    for name, hide in zip(names, hidden, strict=True):
        stats = _kpi_stats(groups[name])
        rows.append({"group": name, **(dict.fromkeys(stats) if hide else stats)})
    overall = (
        _kpi_stats(values)
        if values and total_visible(len(values), min_group_size)
        else {"n": None, "mean": None, "std": None}
    )
    return {
        "metric": metric,
        "period": period,
        "periods": periods,
        "by": by,
        "overall": overall,
        "groups": rows,
        "withheld": [r["group"] for r in rows if r["n"] is None],
        "min_group_size": min_group_size,
    }


# Suggestions go out without their reasons or scores: a reason such as "you ranked time off
# highest" is a survey answer, and a score is the model's reading of the person's answers.


def _reward_facts(reward: RewardRow, currency: str) -> dict:
    return {
        "reward_id": reward.slug,
        "name": dict(reward.name),
        "category": reward.category,
        "cost_band": reward.cost_band,
        "cost": reward.cost,
        "currency": currency,
    }


def person_suggestions(*, session: Session, viewer: Actor, external_id: str, k: int) -> dict:
    """One active person's top-``k`` suggestions, in order, without reasons or scores."""
    require(viewer, "view_suggestions")
    person = session.exec(select(Person).where(Person.external_id == external_id)).first()
    if person is None or not person.active:
        raise NotFound("No such person.", code="person.not_found")
    found = suggest_rewards(session=session, viewer=viewer, person=person, k=k)
    return {
        "person": person.external_id,
        "suggestions": [
            {"rank": rank, **_reward_facts(item.reward, currency(session))}
            for rank, item in enumerate(found.items, start=1)
        ],
    }


def suggestions_for_everyone(
    *, session: Session, viewer: Actor, k: int, limit: int | None = None, offset: int = 0
) -> list[dict]:
    """Every active rep's top-``k`` suggestions, by external_id, without reasons or scores.

    With ``limit``, one page of reps (from ``offset``): only theirs are computed.
    """
    require(viewer, "view_suggestions")
    rewards = {r.slug: r for r in session.exec(select(RewardRow))}
    code = currency(session)
    people: dict[str, list[dict]] = {}
    for row in recommend_for_all(session=session, viewer=viewer, k=k, limit=limit, offset=offset):
        reward = rewards.get(row["reward_id"])
        if reward is not None:
            entry = {"rank": row["rank"], **_reward_facts(reward, code)}
            people.setdefault(row["person"], []).append(entry)
    return [{"person": person, "suggestions": items} for person, items in people.items()]


def suggestions_page(
    *, session: Session, viewer: Actor, k: int, limit: int, offset: int
) -> tuple[list[dict], int]:
    """One page of ``suggestions_for_everyone`` and the number of active reps in all."""
    items = suggestions_for_everyone(
        session=session, viewer=viewer, k=k, limit=limit, offset=offset
    )
    return items, count_reps(session=session)
