"""Anonymous summaries of a wave: scale scores by team, sales role or profile.

Population: the submitted responses of one wave that have no quality flag and a scale
score for every construct. A summary is always of one wave (two waves hold different
answers, so one cannot be subtracted from the other to isolate a person), grouped by
exactly one of ``DIMENSIONS``; there are no cross-filters.

Which cells are hidden is decided once per wave for all three groupings together
(``suppression_plan``), with ``recommender.anonymity.protect_tables``: a small group is
hidden, the hidden groups of a table add up to nothing or to at least the minimum, and
no table subtracted from another reveals a small group. Every page and export of the
wave uses that one plan, so no pair of them can be combined into a small group either.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from models.tables import Instrument as InstrumentRow
from models.tables import Person, SurveyResponse, Team, Wave
from recommender.anonymity import (
    MIN_GROUP_SIZE,
    MIN_TEXT_RESPONDENTS,
    check_min_size,
    protect_tables,
    total_visible,
)
from recommender.focus import mean_ci
from recommender.instrument import Instrument
from recommender.scoring import score_responses
from services.access import require
from services.errors import InvalidInput, NotFound
from services.instruments import definition
from services.responses import answers_by_response
from services.waves import find_wave

DIMENSIONS = ("team", "sales_role", "profile")
NONE_KEY = "none"
"""Key of the group of people without a team, sales role or profile."""
DECIMALS = 2


@dataclass(frozen=True)
class ProfileMap:
    """Profile of each person under the current model, and each profile's names."""

    assignments: dict[int, int]
    catalogue: dict[int, dict]

    def name(self, profile: int, locale: str = "en") -> str:
        names = (self.catalogue.get(profile) or {}).get("name") or {}
        if isinstance(names, str):
            return names
        return names.get(locale) or names.get("en") or f"Profile {profile + 1}"


def profile_map(*, session: Session) -> ProfileMap:
    """Profiles from ``services.recommendations``; empty when no model is trained yet."""
    try:
        recommendations = importlib.import_module("services.recommendations")
    except ModuleNotFoundError as exc:  # the model's service may not be installed yet
        if exc.name != "services.recommendations":
            raise
        return ProfileMap({}, {})
    assignments = recommendations.profile_assignments(session=session) or {}
    catalogue = recommendations.profile_catalogue(session=session) or {}
    return ProfileMap(
        {int(k): int(v) for k, v in assignments.items()},
        {int(k): dict(v) for k, v in catalogue.items()},
    )


@dataclass
class Population:
    """The respondents a wave's aggregates are computed from, one row each."""

    wave: Wave
    instrument: Instrument
    people: list[Person]
    constructs: tuple[str, ...]
    scores: np.ndarray
    texts: list[str]
    keys: dict[str, list[str]]
    """Group key of each row, per dimension."""
    profiles: ProfileMap

    @property
    def n(self) -> int:
        return len(self.people)

    def labels(self, by: str) -> tuple[np.ndarray, list[str]]:
        """Integer cell of each row and the sorted keys of the cells."""
        cells = sorted(set(self.keys[by]), key=lambda k: (k == NONE_KEY, k))
        index = {k: i for i, k in enumerate(cells)}
        return np.asarray([index[k] for k in self.keys[by]], dtype=int), cells


@dataclass(frozen=True)
class Plan:
    """The hidden groups of each dimension for one wave, shared by every output."""

    min_size: int
    total_visible: bool
    hidden: dict[str, set[str]]

    def is_hidden(self, by: str, key: str) -> bool:
        return not self.total_visible or key in self.hidden[by]


def latest_wave(session: Session) -> Wave:
    """The newest wave with at least one submitted response."""
    stmt = (
        select(Wave)
        .join(SurveyResponse, SurveyResponse.wave_id == Wave.id)
        .where(SurveyResponse.status == "submitted")
        .order_by(Wave.opens_on.desc(), Wave.id.desc())
        .limit(1)
    )
    wave = session.exec(stmt).first()
    if wave is None:
        raise NotFound("No wave has submitted responses yet.")
    return wave


def resolve_wave(session: Session, wave: str | int | Wave | None) -> Wave:
    if isinstance(wave, Wave):
        return wave
    if wave is None or wave == "":
        return latest_wave(session)
    return find_wave(session, wave)


def check_dimension(by: str) -> str:
    if by not in DIMENSIONS:
        raise InvalidInput(
            "The summary was not made.", [f"by: must be one of {', '.join(DIMENSIONS)}"]
        )
    return by


def check_group_size(min_group_size: int) -> int:
    try:
        return check_min_size(min_group_size)
    except ValueError as exc:
        raise InvalidInput("The summary was not made.", [str(exc)]) from exc


def load_population(session: Session, wave: Wave, profiles: ProfileMap | None = None) -> Population:
    """Score the wave's usable responses and label each respondent's groups."""
    profiles = profiles if profiles is not None else profile_map(session=session)
    instrument = definition(session.get(InstrumentRow, wave.instrument_id))
    responses = [
        r
        for r in session.exec(
            select(SurveyResponse)
            .where(SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted")
            .order_by(SurveyResponse.id)
        )
        if not r.flags
    ]
    answers = answers_by_response(session, instrument, [r.id for r in responses])
    scored = score_responses(instrument, [answers[r.id] for r in responses])
    complete = ~np.isnan(scored.values).any(axis=1) if responses else np.zeros(0, dtype=bool)
    kept = [r for r, ok in zip(responses, complete, strict=True) if ok]
    scores = scored.values[complete] if responses else np.empty((0, len(scored.constructs)))
    people_by_id = {
        p.id: p
        for p in session.exec(select(Person).where(Person.id.in_([r.person_id for r in kept])))
    }
    teams = {t.id: t.name for t in session.exec(select(Team))}
    text_codes = [item.code for item in instrument.items if item.type == "text"]
    people, texts = [], []
    keys: dict[str, list[str]] = {by: [] for by in DIMENSIONS}
    for response in kept:
        person = people_by_id[response.person_id]
        people.append(person)
        parts = [answers[response.id].get(code) for code in text_codes]
        texts.append(" ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip()))
        keys["team"].append(teams.get(person.team_id, NONE_KEY) if person.team_id else NONE_KEY)
        keys["sales_role"].append(person.sales_role or NONE_KEY)
        profile = profiles.assignments.get(person.id)
        keys["profile"].append(str(profile) if profile is not None else NONE_KEY)
    return Population(
        wave=wave,
        instrument=instrument,
        people=people,
        constructs=scored.constructs,
        scores=scores,
        texts=texts,
        keys=keys,
        profiles=profiles,
    )


def suppression_plan(population: Population, min_size: int) -> Plan:
    """Hidden groups of every dimension of the wave, decided together."""
    labels, cells = zip(*(population.labels(by) for by in DIMENSIONS), strict=True)
    if population.n == 0:
        return Plan(min_size, False, {by: set() for by in DIMENSIONS})
    hidden = protect_tables(list(labels), min_size)
    return Plan(
        min_size=min_size,
        total_visible=total_visible(population.n, min_size),
        hidden={
            by: {cells[d][c] for c in np.flatnonzero(hidden[d])} for d, by in enumerate(DIMENSIONS)
        },
    )


def _round(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), DECIMALS)


def score_block(constructs: Sequence[str], values: np.ndarray) -> dict:
    """Means with 95% intervals of a visible group, JSON-ready."""
    mean, low, high, _ = mean_ci(values)
    return {
        "scores": {c: _round(m) for c, m in zip(constructs, mean, strict=True)},
        "ci": {
            c: [_round(lo), _round(hi)] for c, lo, hi in zip(constructs, low, high, strict=True)
        },
    }


def themes_block(texts: Sequence[str]) -> list[dict]:
    """Keyword themes, or nothing when fewer than ``MIN_TEXT_RESPONDENTS`` people wrote."""
    answered = [t for t in texts if t]
    if len(answered) < MIN_TEXT_RESPONDENTS:
        return []
    from recommender.themes import find_themes  # scikit-learn: loaded only when needed

    return [{"keywords": list(t.keywords), "n_answers": t.n_answers} for t in find_themes(answered)]


def group_label(population: Population, by: str, key: str, locale: str) -> str:
    """What a group is called on a page; the key itself for teams and roles."""
    if by == "profile" and key != NONE_KEY:
        return population.profiles.name(int(key), locale)
    return key


def construct_labels(instrument: Instrument, locale: str) -> dict[str, str]:
    return {c.key: c.label.get(locale) or c.label.get("en", c.key) for c in instrument.constructs}


def summarise(population: Population, plan: Plan, by: str, *, locale: str = "en") -> dict:
    """The anonymous aggregate table of a loaded population."""
    labels, cells = population.labels(by)
    groups = []
    for index, key in enumerate(cells):
        rows = labels == index
        entry = {
            "key": key,
            "label": group_label(population, by, key, locale),
            "n": None,
            "suppressed": True,
            "scores": None,
            "ci": None,
            "themes": [],
        }
        if not plan.is_hidden(by, key):
            texts = [t for t, r in zip(population.texts, rows, strict=True) if r]
            entry.update(
                n=int(rows.sum()),
                suppressed=False,
                **score_block(population.constructs, population.scores[rows]),
                themes=themes_block(texts),
            )
        groups.append(entry)
    total = {"n": None, "suppressed": True, "scores": None, "ci": None}
    if plan.total_visible:
        total.update(
            n=population.n,
            suppressed=False,
            **score_block(population.constructs, population.scores),
        )
    names = construct_labels(population.instrument, locale)
    return {
        "wave": population.wave.name,
        "by": by,
        "min_group_size": plan.min_size,
        "constructs": [{"key": c, "label": names.get(c, c)} for c in population.constructs],
        "groups": groups,
        "total": total,
        "themes": themes_block(population.texts) if plan.total_visible else [],
        "min_text_respondents": MIN_TEXT_RESPONDENTS,
    }


def summary(
    *,
    session: Session,
    viewer: Person | None = None,
    by: str = "team",
    wave: str | int | Wave | None = None,
    min_group_size: int = MIN_GROUP_SIZE,
    locale: str = "en",
) -> dict:
    """The anonymous aggregate table of one wave by team, sales role or profile.

    ``{"wave", "by", "min_group_size", "constructs", "groups": [{"key", "label", "n",
    "suppressed", "scores", "ci", "themes"}], "total", "themes"}``; a suppressed group has
    ``n``, ``scores`` and ``ci`` set to None.
    """
    if viewer is not None:
        require(viewer, "run_hr")
    check_dimension(by)
    min_size = check_group_size(min_group_size)
    population = load_population(session, resolve_wave(session, wave))
    return summarise(population, suppression_plan(population, min_size), by, locale=locale)
