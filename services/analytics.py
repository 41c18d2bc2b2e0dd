"""Programme analytics for HR: participation, reminders, score distributions, drift between
waves, reward uptake, satisfaction with rewards (released in steps, ``services.satisfaction``),
fairness and the current model card.

Every figure about a group of people obeys the minimum group size, with complementary
suppression (``recommender.anonymity``). Figures from answers (score distributions, the
means of each wave) are releases of the wave's disclosure ledger
(``services.disclosure``), like the summaries. Participation is suppressed
by team size; it says who answered, never what, and the reminder list names the people
who have not answered an open wave (HR needs the names to remind them).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import (
    Grant,
    Person,
    Reward,
    SurveyResponse,
    Team,
    Wave,
)
from recommender.anonymity import (
    suppress_cells,
    suppress_overlapping,
    total_visible,
)
from recommender.catalogue import CATEGORIES
from recommender.focus import difference_ci, mean_ci, quartiles
from services.access import Actor, require
from services.disclosure import REASON_SMALL
from services.errors import InvalidInput
from services.fairness import exposure
from services.satisfaction import reward_satisfaction
from services.scores import same_measure
from services.summaries import (
    NONE_KEY,
    TOTAL_KEY,
    check_group_size,
    construct_labels,
    disclose,
    group_rows,
    hidden_reason,
    load_population,
    resolve_wave,
)
from services.training import model_card
from services.waves import (
    audience_query,
    find_wave,
    invited_ids,
    is_answerable,
    status_for_others,
    today,
)

DECIMALS = 2


def _round(value) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), DECIMALS)


def _team_names(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in session.exec(select(Team))}


# ---------------------------------------------------------------------- participation


def participation(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    min_group_size: int | None = None,
) -> dict:
    """Invited, submitted and started per team for one wave; small teams show no figures.

    Invited is ``services.waves.invited_ids``: a respondent stays invited after a roster
    change, so no rate passes 100%.
    """
    require(viewer, "run_hr")
    min_size = check_group_size(session, min_group_size)
    wave_row = wave if isinstance(wave, Wave) else _participation_wave(session, wave)
    invited = sorted(invited_ids(session, wave_row))
    people = (
        {p.id: p for p in session.exec(select(Person).where(Person.id.in_(invited)))}
        if invited
        else {}
    )
    status: dict[int, str] = {}
    frozen_team: dict[int, int | None] = {}
    for person_id, state, team_id, frozen_at in session.exec(
        select(
            SurveyResponse.person_id,
            status_for_others(),
            SurveyResponse.team_id,
            SurveyResponse.groups_frozen_at,
        ).where(SurveyResponse.wave_id == wave_row.id)
    ):
        status[person_id] = state
        if frozen_at is not None:
            frozen_team[person_id] = team_id
    names = _team_names(session)
    rows: dict[str, dict[str, int]] = defaultdict(
        lambda: {"invited": 0, "submitted": 0, "started": 0}
    )
    for person in people.values():
        # A submitted response counts in the team its person was in when they answered,
        # like every aggregate; everyone else in their team today.
        team_id = frozen_team.get(person.id, person.team_id)
        key = names.get(team_id, NONE_KEY) if team_id else NONE_KEY
        rows[key]["invited"] += 1
        if status.get(person.id) == "submitted":
            rows[key]["submitted"] += 1
        elif status.get(person.id) == "in_progress":
            rows[key]["started"] += 1
    keys = sorted(rows, key=lambda k: (k == NONE_KEY, k))
    hidden = suppress_cells([rows[k]["invited"] for k in keys], min_size)
    shown_total = total_visible(len(people), min_size)
    teams = []
    for key, hide in zip(keys, hidden, strict=True):
        figures = rows[key]
        teams.append(_participation_row(key, figures, hide or not shown_total, min_size))
    total = {
        "invited": len(people),
        "submitted": sum(r["submitted"] for r in rows.values()),
        "started": sum(r["started"] for r in rows.values()),
    }
    return {
        "wave": wave_row.name,
        "status": wave_row.status,
        "opens_on": wave_row.opens_on.isoformat(),
        "closes_on": wave_row.closes_on.isoformat(),
        "min_group_size": min_size,
        "teams": teams,
        "total": _participation_row("total", total, not shown_total, min_size),
    }


def _participation_row(key: str, figures: dict, hidden: bool, min_size: int = 0) -> dict:
    if hidden:
        return {
            "key": key,
            "suppressed": True,
            # "small" only when it is true; other cells are hidden so that the total
            # minus the shown teams reveals no small team.
            "reason": "small" if 0 < figures["invited"] < min_size else None,
            "invited": None,
            "submitted": None,
            "started": None,
            "rate": None,
        }
    rate = figures["submitted"] / figures["invited"] if figures["invited"] else None
    return {"key": key, "suppressed": False, **figures, "rate": _round(rate)}


def _participation_wave(session: Session, wave: str | int | None) -> Wave:
    """The named wave, else the newest wave that has begun (open ones first), else the
    newest wave: a wave scheduled for later has nobody's answers to count yet."""
    if wave not in (None, ""):
        return find_wave(session, wave)
    begun = Wave.opens_on <= today()
    newest = session.exec(
        select(Wave).order_by(
            begun.desc(), (Wave.status == "open").desc(), Wave.opens_on.desc(), Wave.id.desc()
        )
    ).first()
    if newest is None:
        raise InvalidInput("There are no waves yet. Open one first.", code="wave.none_yet")
    return newest


def wave_overview(*, session: Session, min_group_size: int | None = None) -> list[dict]:
    """Participation of every wave as a whole, oldest first."""
    min_group_size = check_group_size(session, min_group_size)
    out = []
    for wave in session.exec(select(Wave).order_by(Wave.opens_on, Wave.id)):
        invited = len(invited_ids(session, wave))
        submitted = session.exec(
            select(func.count()).where(
                SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted"
            )
        ).one()
        shown = total_visible(invited, min_group_size)
        out.append(
            {
                "wave": wave.name,
                "status": wave.status,
                "opens_on": wave.opens_on.isoformat(),
                "suppressed": not shown,
                "reason": None if shown else REASON_SMALL,
                "invited": invited if shown else None,
                "submitted": submitted if shown else None,
                "rate": _round(submitted / invited) if shown and invited else None,
            }
        )
    return out


def reminder_list(*, session: Session, viewer: Actor, wave: str | int | Wave | None = None) -> dict:
    """Who in an open wave's audience has not submitted yet (names, for reminders only)."""
    require(viewer, "run_hr")
    wave_row = wave if isinstance(wave, Wave) else _participation_wave(session, wave)
    if not is_answerable(wave_row):
        raise InvalidInput(
            f"The wave {wave_row.name!r} is closed; reminders are for open waves.",
            code="reminders.wave_closed",
            params={"wave": wave_row.name},
        )
    ids = list(session.exec(audience_query(session, wave_row)))
    status = dict(
        session.exec(
            select(SurveyResponse.person_id, status_for_others()).where(
                SurveyResponse.wave_id == wave_row.id
            )
        ).all()
    )
    names = _team_names(session)
    people = session.exec(select(Person).where(Person.id.in_(ids))).all() if ids else []
    pending = [
        {
            "person_id": p.id,
            "name": p.name,
            "email": p.email or "",
            "team": names.get(p.team_id, "") if p.team_id else "",
            "started": status.get(p.id) == "in_progress",
        }
        for p in people
        if status.get(p.id) != "submitted"
    ]
    pending.sort(key=lambda r: (r["team"], r["name"]))
    return {"wave": wave_row.name, "closes_on": wave_row.closes_on.isoformat(), "people": pending}


# ---------------------------------------------------------------------- scores


QUARTILE_FACTOR = 2
"""Quartiles need a group of at least this many times the minimum group size: in a group of
five, the quartiles and the median are the second, third and fourth person's own scores."""
REASON_FEW_FOR_QUARTILES = "few_for_quartiles"
REASON_IMPORTED_FOR_QUARTILES = "imported_for_quartiles"
"""Large enough, but too many of the group's answers were imported for quartiles."""


def quartile_floor(min_size: int) -> int:
    """Smallest group whose quartiles are shown (twice the minimum group size)."""
    return QUARTILE_FACTOR * min_size


def distributions(population, decision, by: str, locale: str = "en", *, min_size: int) -> dict:
    """Mean and quartiles of every construct per group the ledger allows (never minimum or
    maximum).

    Quartiles are shown only for groups of at least ``quartile_floor(min_size)`` people
    whose answers were not imported (``decision.known``: HR holds those, and could place
    them so that a quartile lands on one real person's score); a smaller shown group has
    its mean only, with ``quartiles_reason`` saying why.
    """
    floor = quartile_floor(min_size)
    labels, cells = population.labels(by)
    groups = []
    for index, key in enumerate(cells):
        reason = hidden_reason(decision, f"{by}:{key}")
        entry = {
            "key": key,
            "n": None,
            "suppressed": True,
            "reason": reason,
            "constructs": None,
            "quartiles_reason": None,
        }
        if reason is None:
            values = population.scores[labels == index]
            mean = mean_ci(values)[0]
            n = int(values.shape[0])
            ids = population.members(labels == index)
            unknown = sum(int(i) not in decision.known for i in ids)
            with_quartiles = unknown >= floor
            few = REASON_FEW_FOR_QUARTILES if n < floor else REASON_IMPORTED_FOR_QUARTILES
            q = quartiles(values) if with_quartiles else None
            entry.update(
                n=n,
                suppressed=False,
                quartiles_reason=None if with_quartiles else few,
                constructs={
                    c: {
                        "mean": _round(mean[j]),
                        "q1": _round(q[0, j]) if q is not None else None,
                        "median": _round(q[1, j]) if q is not None else None,
                        "q3": _round(q[2, j]) if q is not None else None,
                    }
                    for j, c in enumerate(population.constructs)
                },
            )
        groups.append(entry)
    return {"by": by, "quartile_min_size": floor, "groups": groups}


def drift(*, session: Session, viewer: Actor, min_size: int, locale: str = "en") -> dict:
    """Mean scale score of each construct in each wave, and the latest change with its CI.

    The change covers only constructs the two waves measure the same way
    (``services.scores.same_measure``).

    Each wave's mean is a release of that wave's ledger: an open wave's mean moves only
    when enough new people have answered that nobody is isolated.
    """
    waves = []
    for wave in session.exec(select(Wave).order_by(Wave.opens_on, Wave.id)):
        population = load_population(session, wave)
        if population.n == 0:
            continue
        decision = disclose(
            session,
            population,
            "drift",
            [(TOTAL_KEY, np.ones(population.n, dtype=bool))],
            min_size=min_size,
            viewer=viewer,
        )
        waves.append((population, decision.shown(TOTAL_KEY), decision.reason(TOTAL_KEY)))
    constructs: list[str] = []
    for population, _shown, _reason in waves:
        constructs += [c for c in population.constructs if c not in constructs]
    labels = construct_labels(waves[-1][0].instrument, locale) if waves else {}
    series = []
    for population, shown, reason in waves:
        mean = mean_ci(population.scores)[0] if shown else None
        series.append(
            {
                "wave": population.wave.name,
                "n": population.n if shown else None,
                "suppressed": not shown,
                "reason": reason,
                "means": {
                    c: _round(mean[population.constructs.index(c)])
                    if shown and c in population.constructs
                    else None
                    for c in constructs
                },
            }
        )
    change = None
    visible = [population for population, shown, _reason in waves if shown]
    if len(visible) >= 2:
        before, after = visible[-2], visible[-1]
        # Only constructs both waves' instrument versions measure the same way: a score
        # asked another way (agree/disagree then, best-worst now) is never a change.
        comparable = same_measure(before.instrument, after.instrument)
        shared = [c for c in before.constructs if c in after.constructs and c in comparable]
        a = before.scores[:, [before.constructs.index(c) for c in shared]]
        b = after.scores[:, [after.constructs.index(c) for c in shared]]
        diff, low, high = difference_ci(a, b)
        change = {
            "from": before.wave.name,
            "to": after.wave.name,
            "constructs": {
                c: {"change": _round(diff[j]), "ci": [_round(low[j]), _round(high[j])]}
                for j, c in enumerate(shared)
            },
        }
    return {
        "constructs": [{"key": c, "label": labels.get(c, c)} for c in constructs],
        "waves": series,
        "change": change,
    }


# ---------------------------------------------------------------------- rewards


def reward_uptake(*, session: Session, min_size: int) -> dict:
    """Grants per reward category; a category given to too few people shows no figures."""
    rows = session.exec(
        select(Reward.category, Grant.person_id, Grant.cost).join(
            Reward, Reward.id == Grant.reward_id
        )
    ).all()
    return _by_category(
        rows, min_size, lambda items: {"grants": len(items), "value": _round(sum(x for x in items))}
    )


def _by_category(rows, min_size: int, figures) -> dict:
    people = sorted({p for _, p, _ in rows})
    column = {p: i for i, p in enumerate(people)}
    membership = np.zeros((len(CATEGORIES), len(people)), dtype=bool)
    items: dict[str, list] = {c: [] for c in CATEGORIES}
    for category, person, value in rows:
        if category in items:
            membership[CATEGORIES.index(category), column[person]] = True
            items[category].append(value)
    hidden = suppress_overlapping(membership, min_size)
    shown_total = total_visible(len(people), min_size)
    categories = []
    for index, category in enumerate(CATEGORIES):
        people_n = int(membership[index].sum())
        entry = {"category": category, "suppressed": bool(hidden[index]) or not shown_total}
        if entry["suppressed"]:
            entry.update(people=None, **dict.fromkeys(figures([])))
        else:
            entry.update(people=people_n, **figures(items[category]))
        categories.append(entry)
    total = {"suppressed": not shown_total, "people": len(people) if shown_total else None}
    every = [v for values in items.values() for v in values]
    total.update(figures(every) if shown_total else dict.fromkeys(figures([])))
    return {"categories": categories, "total": total}


# ---------------------------------------------------------------------- the page


def programme_analytics(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    min_group_size: int | None = None,
    locale: str = "en",
) -> dict:
    """Everything on the programme analytics page, JSON-ready."""
    require(viewer, "run_hr")
    min_size = check_group_size(session, min_group_size)
    has_waves = session.exec(select(Wave.id).limit(1)).first() is not None
    out: dict = {
        "min_group_size": min_size,
        "waves": wave_overview(session=session, min_group_size=min_size),
    }
    out["participation"] = (
        participation(session=session, viewer=viewer, wave=wave, min_group_size=min_size)
        if has_waves
        else None
    )
    out["distributions"] = None
    has_answers = session.exec(
        select(SurveyResponse.id).where(SurveyResponse.status == "submitted").limit(1)
    ).first()
    if has_answers is not None:
        population = load_population(session, resolve_wave(session, wave))
        # Released in the order an organisation reads them: the wave's total with its
        # teams first (what the change between waves, managers and the fairness panel
        # read), then sales roles on top of them. Roles first, being larger, left a fresh
        # demo with every team and the open wave's own total withheld.
        total = [(TOTAL_KEY, np.ones(population.n, dtype=bool))]
        decisions = {
            by: disclose(
                session,
                population,
                "distributions",
                (total if by == "team" else [])
                + [(f"{by}:{key}", rows) for key, rows in group_rows(population, by)],
                min_size=min_size,
                viewer=viewer,
                filters={"by": [by]},
            )
            for by in ("team", "sales_role")
        }
        labels = construct_labels(population.instrument, locale)
        out["distributions"] = {
            "wave": population.wave.name,
            "constructs": [{"key": c, "label": labels.get(c, c)} for c in population.constructs],
            **{
                by: distributions(population, decision, by, locale, min_size=min_size)
                for by, decision in decisions.items()
            },
        }
    out["drift"] = drift(session=session, min_size=min_size, locale=locale, viewer=viewer)
    out["uptake"] = reward_uptake(session=session, min_size=min_size)
    out["satisfaction"] = reward_satisfaction(session=session, min_size=min_size)
    out["fairness"] = exposure(session=session, viewer=viewer, min_size=min_size)
    out["model"] = model_card(session=session, min_size=min_size)
    return out
