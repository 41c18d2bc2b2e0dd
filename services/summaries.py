"""Anonymous summaries of a wave: scale scores by team, sales role or profile.

Population: the submitted responses of one wave that have no quality flag and a scale
score for every construct. A summary is always of one wave (two waves hold different
answers, so one cannot be subtracted from the other to isolate a person), grouped by
exactly one of ``DIMENSIONS``; there are no cross-filters.

People are grouped by the team, sales role and manager recorded on their response when
they submitted it, never by today's roster, and by the profiles of the one model version
the wave's first release used. Which groups show figures is decided by the wave's
disclosure ledger (``services.disclosure``): a group is shown only if, with everything
already shown for the wave, no linear combination of the figures isolates a respondent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Instrument as InstrumentRow
from models.tables import ModelArtefact, Person, SurveyResponse, Team, Wave
from recommender.anonymity import (
    MIN_TEXT_RESPONDENTS,
    protect_tables,
    total_visible,
)
from recommender.focus import mean_ci
from recommender.instrument import Instrument
from recommender.scoring import score_responses
from services import organisation
from services.access import Actor, require
from services.disclosure import (
    REASON_SMALL,
    Candidate,
    Decision,
    pinned_model_version,
    release,
    released_groups,
)
from services.errors import InvalidInput, NotFound, Problem
from services.instruments import definition
from services.organisation import group_floor
from services.recommendations import current_model, profiles_now
from services.responses import answers_by_response
from services.scores import same_measure
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
    centres: dict[int, dict[str, float]] = field(default_factory=dict)
    """Each profile's mean scale scores, as the model learned them."""
    overall: dict[str, float] = field(default_factory=dict)
    """The model's mean over all profiles, weighted by their share."""

    def name(self, profile: int, locale: str = "en") -> str:
        names = (self.catalogue.get(profile) or {}).get("name") or {}
        if isinstance(names, str):
            return names
        return names.get(locale) or names.get("en") or f"Profile {profile + 1}"


def profile_map(*, session: Session) -> ProfileMap:
    """Profiles of the newest model (``services.recommendations``); empty without one."""
    assignments, catalogue = profiles_now(session=session)
    served = current_model(session)
    centres, overall = model_centres(served.model) if served is not None else ({}, {})
    return ProfileMap(
        {int(k): int(v) for k, v in assignments.items()},
        {int(k): dict(v) for k, v in catalogue.items()},
        centres,
        overall,
    )


def model_centres(model) -> tuple[dict[int, dict[str, float]], dict[str, float]]:
    """Profile centres and the weighted overall mean of a fitted model, by construct."""
    profiles = getattr(model, "profiles_", None)
    if profiles is None:
        return {}, {}
    constructs = model.features_.constructs
    centres = np.asarray(profiles.cluster_centers_, dtype=float)
    weights = np.asarray(profiles.weights_, dtype=float)
    overall = weights @ centres / weights.sum()
    return (
        {k: dict(zip(constructs, map(float, row), strict=True)) for k, row in enumerate(centres)},
        dict(zip(constructs, map(float, overall), strict=True)),
    )


def newest_model_version(session: Session) -> int | None:
    return session.exec(select(func.max(ModelArtefact.version))).one()


_models: dict[tuple[str, int], ProfileMap] = {}


def _profiles_of_version(session: Session, version: int) -> ProfileMap:
    """Profiles of one stored model version, for consenting active people it knows."""
    # scikit-learn loads with the first model read, not with the app (see test_startup).
    from recommender.artefact import from_artefact
    from recommender.profiles import visible_profiles

    key = (str(session.get_bind().url), version)
    if key not in _models:
        row = session.exec(select(ModelArtefact).where(ModelArtefact.version == version)).first()
        if row is None:
            return ProfileMap({}, {})
        # scikit-learn loads here, in the requests that group by profile, not at start-up.
        from recommender.artefact import from_artefact

        model = from_artefact(row.blob, row.meta)
        if model.profiles_ is None:
            _models[key] = ProfileMap({}, {})
        else:
            centres, overall = model_centres(model)
            labels = model.person_profiles_
            rows = {int(pid): i for i, pid in enumerate(row.meta.get("person_ids", []))}
            catalogue = {
                k: {"name": dict(label.name), "description": dict(label.description)}
                for k, label in enumerate(model.profile_labels_)
            }
            _models[key] = ProfileMap(
                {pid: int(labels[i]) for pid, i in rows.items() if labels[i] >= 0},
                catalogue,
                centres,
                overall,
            )
    current = set(
        session.exec(select(Person.id).where(Person.personalise.is_(True), Person.active.is_(True)))
    )
    cached = _models[key]
    members = {pid: label for pid, label in cached.assignments.items() if pid in current}
    counts = np.bincount(list(members.values()), minlength=len(cached.catalogue) or 1)

    visible = visible_profiles(
        counts[: len(cached.catalogue)], organisation.min_group_size(session)
    )
    return ProfileMap(
        {pid: label for pid, label in members.items() if visible[label]},
        {k: v for k, v in cached.catalogue.items() if visible[k]},
        cached.centres,
        cached.overall,
    )


def wave_profiles(session: Session, wave: Wave) -> tuple[ProfileMap, int | None]:
    """The profiles a wave is grouped by: those of the model version pinned by its first
    release, or of the newest model when nothing was released yet (which it then pins)."""
    newest = newest_model_version(session)
    pinned = pinned_model_version(session=session, wave=wave)
    if pinned is None or pinned == newest:
        return profile_map(session=session), newest
    return _profiles_of_version(session, pinned), pinned


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
    response_ids: np.ndarray | None = None
    model_version: int | None = None

    def members(self, rows: np.ndarray) -> np.ndarray:
        """Response ids of the rows selected by a boolean mask or index array."""
        return np.asarray(self.response_ids)[rows]

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
        raise NotFound("No wave has submitted responses yet.", code="wave.none_submitted")
    return wave


def resolve_wave(session: Session, wave: str | int | Wave | None) -> Wave:
    if isinstance(wave, Wave):
        return wave
    if wave is None or wave == "":
        return latest_wave(session)
    return find_wave(session, wave)


def check_dimension(by: str) -> str:
    if by not in DIMENSIONS:
        known = ", ".join(DIMENSIONS)
        raise InvalidInput(
            "The summary was not made.",
            [Problem("by", "choice.one_of", f"must be one of {known}", {"known": known})],
            code="summary.not_made",
        )
    return by


def check_group_size(session: Session, min_group_size: int | None) -> int:
    """The size to apply (never below the organisation's), or a clear error."""
    try:
        return group_floor(session, min_group_size)
    except ValueError as exc:
        raise InvalidInput(
            "The summary was not made.", [str(exc)], code="summary.not_made"
        ) from exc


def load_population(session: Session, wave: Wave, profiles: ProfileMap | None = None) -> Population:
    """Score the wave's usable responses and label each respondent's groups.

    Groups are those recorded on each response at submission; profiles are those of the
    wave's pinned model version unless ``profiles`` is given.
    """
    version = None
    if profiles is None:
        profiles, version = wave_profiles(session, wave)
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
        keys["team"].append(teams.get(response.team_id, NONE_KEY) if response.team_id else NONE_KEY)
        keys["sales_role"].append(response.sales_role or NONE_KEY)
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
        response_ids=np.asarray([r.id for r in kept], dtype=np.int64),
        model_version=version,
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


def scale_range(instrument: Instrument) -> tuple[float, float]:
    """The range every scale score of the instrument lies in: its ``[scale_min, scale_max]``.

    Likert scale scores are means of items on that scale, and best-worst scores (in
    [-1, 1]) are placed on it as ``midpoint + half-range x score`` (``recommender.scoring``),
    so both take values from ``scale_min`` to ``scale_max``, and so do their means.
    """
    return float(instrument.scale_min), float(instrument.scale_max)


def score_block(
    constructs: Sequence[str], values: np.ndarray, *, bounds: tuple[float, float]
) -> dict:
    """Means with 95% intervals of a visible group, JSON-ready; each interval lies within
    ``bounds``, the range the scores can take (``scale_range``)."""
    mean, low, high, _ = mean_ci(values, bounds=bounds)
    return {
        "scores": {c: _round(m) for c, m in zip(constructs, mean, strict=True)},
        "ci": {
            c: [_round(lo), _round(hi)] for c, lo, hi in zip(constructs, low, high, strict=True)
        },
    }


def themes_block(texts: Sequence[str], *, min_size: int) -> list[dict]:
    """Keyword themes, or nothing when fewer than ``MIN_TEXT_RESPONDENTS`` people wrote;
    each theme stands for at least ``min_size`` answers (the organisation's minimum group
    size), like every other figure HR sees."""
    answered = [t for t in texts if t]
    if len(answered) < MIN_TEXT_RESPONDENTS:
        return []
    from recommender.themes import find_themes  # scikit-learn: loaded only when needed

    themes = find_themes(answered, min_theme_answers=min_size)
    return [{"keywords": list(t.keywords), "n_answers": t.n_answers} for t in themes]


def group_label(population: Population, by: str, key: str, locale: str) -> str:
    """What a group is called on a page; the key itself for teams and roles."""
    if by == "profile" and key != NONE_KEY:
        return population.profiles.name(int(key), locale)
    return key


def construct_labels(instrument: Instrument, locale: str) -> dict[str, str]:
    return {c.key: c.label.get(locale) or c.label.get("en", c.key) for c in instrument.constructs}


TOTAL_KEY = "total"


def group_rows(population: Population, by: str) -> list[tuple[str, np.ndarray]]:
    """The cells of one grouping as (key, row mask), in page order."""
    labels, cells = population.labels(by)
    return [(key, labels == index) for index, key in enumerate(cells)]


BASELINE = "baseline"
"""The kind of a wave's first release: its total and its teams (``disclose``)."""


def disclose(
    session: Session,
    population: Population,
    kind: str,
    groups: Sequence[tuple[str, np.ndarray]],
    *,
    min_size: int,
    viewer: Actor,
    channel: str = "service",
    filters: dict | None = None,
) -> Decision:
    """Ask the wave's ledger which of these groups may show figures, and record it.

    A summary by another grouping than teams, asked for first on a wave, is preceded by a
    release of the wave's total and its teams: what is shown first decides what can be
    shown later, and an organisation reads its teams first (a report by sales role opened
    first on a fresh wave withheld every team for good). Focus groups are not: their own
    groups are what HR asked to see.
    """
    by_team = any(key.startswith("team:") for key, _rows in groups)
    if (
        kind == "summary"
        and not by_team
        and not released_groups(session=session, wave=population.wave)
    ):
        disclose(
            session,
            population,
            BASELINE,
            [(TOTAL_KEY, np.ones(population.n, dtype=bool))]
            + [(f"team:{key}", rows) for key, rows in group_rows(population, "team")],
            min_size=min_size,
            viewer=viewer,
            channel=channel,
            filters={"by": ["team"]},
        )
    candidates = []
    for key, rows in groups:
        rows = np.asarray(rows)
        values = population.scores[rows]
        figures = (
            {c: _round(m) for c, m in zip(population.constructs, values.mean(axis=0), strict=True)}
            if len(values)
            else None
        )
        candidates.append(Candidate(key, population.members(rows), figures))
    return release(
        session=session,
        wave=population.wave,
        kind=kind,
        candidates=candidates,
        min_size=min_size,
        actor=viewer,
        channel=channel,
        filters=filters,
        model_version=population.model_version,
    )


def hidden_reason(decision: Decision, key: str) -> str | None:
    """Why a group shows no figures: ``small``, ``combined`` or None when it shows them."""
    return None if decision.shown(key) else decision.reason(key) or REASON_SMALL


def summarise(population: Population, decision: Decision, by: str, *, locale: str = "en") -> dict:
    """The anonymous aggregate table of a loaded population, as the ledger allows."""
    groups = []
    for key, rows in group_rows(population, by):
        entry = {
            "key": key,
            "label": group_label(population, by, key, locale),
            "n": None,
            "suppressed": True,
            "reason": hidden_reason(decision, f"{by}:{key}"),
            "scores": None,
            "ci": None,
            "themes": [],
        }
        if entry["reason"] is None:
            texts = [t for t, r in zip(population.texts, rows, strict=True) if r]
            entry.update(
                n=int(rows.sum()),
                suppressed=False,
                **score_block(
                    population.constructs,
                    population.scores[rows],
                    bounds=scale_range(population.instrument),
                ),
                themes=themes_block(texts, min_size=decision.min_size),
            )
        groups.append(entry)
    total = {
        "n": None,
        "suppressed": True,
        "reason": hidden_reason(decision, TOTAL_KEY),
        "scores": None,
        "ci": None,
    }
    if total["reason"] is None:
        total.update(
            n=population.n,
            suppressed=False,
            **score_block(
                population.constructs,
                population.scores,
                bounds=scale_range(population.instrument),
            ),
        )
    names = construct_labels(population.instrument, locale)
    return {
        "wave": population.wave.name,
        "by": by,
        "min_group_size": decision.min_size,
        "constructs": [{"key": c, "label": names.get(c, c)} for c in population.constructs],
        "groups": groups,
        "total": total,
        "themes": (
            themes_block(population.texts, min_size=decision.min_size)
            if total["reason"] is None
            else []
        ),
        "min_text_respondents": MIN_TEXT_RESPONDENTS,
    }


def summary(
    *,
    session: Session,
    viewer: Actor,
    by: str = "team",
    wave: str | int | Wave | None = None,
    min_group_size: int | None = None,
    locale: str = "en",
    channel: str = "service",
) -> dict:
    """The anonymous aggregate table of one wave by team, sales role or profile.

    ``{"wave", "by", "min_group_size", "constructs", "groups": [{"key", "label", "n",
    "suppressed", "reason", "scores", "ci", "themes"}], "total", "themes"}``; a suppressed
    group has ``n``, ``scores`` and ``ci`` set to None and ``reason`` ``"small"`` (fewer
    than the minimum) or ``"combined"`` (with figures already shown for the wave it would
    reveal individuals). The release is recorded in the wave's disclosure ledger.
    """
    require(viewer, "run_hr")
    check_dimension(by)
    min_size = check_group_size(session, min_group_size)
    population = load_population(session, resolve_wave(session, wave))
    groups = [(f"{by}:{key}", rows) for key, rows in group_rows(population, by)]
    groups.append((TOTAL_KEY, np.ones(population.n, dtype=bool)))
    decision = disclose(
        session,
        population,
        "summary",
        groups,
        min_size=min_size,
        viewer=viewer,
        channel=channel,
        filters={"by": by},
    )
    result = summarise(population, decision, by, locale=locale)
    if by == "sales_role":
        from services.labels import NO_GROUP, sales_role_label, word
        from services.sales_roles import role_labels

        stored = role_labels(session=session)
        for group in result["groups"]:
            key = group["key"]
            group["label"] = (
                word(NO_GROUP, by, locale)
                if key == NONE_KEY
                else sales_role_label(key, locale, stored)
            )
    return result


def previous_wave(session: Session, wave: Wave) -> Wave | None:
    """The newest wave with submitted responses that opened before ``wave``."""
    stmt = (
        select(Wave)
        .join(SurveyResponse, SurveyResponse.wave_id == Wave.id)
        .where(
            SurveyResponse.status == "submitted",
            Wave.id != wave.id,
            (Wave.opens_on < wave.opens_on)
            | ((Wave.opens_on == wave.opens_on) & (Wave.id < wave.id)),
        )
        .order_by(Wave.opens_on.desc(), Wave.id.desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def _change(
    now: dict, before: dict | None, keys: list[str], comparable: frozenset[str]
) -> dict[str, float | None] | None:
    """Score differences of one group; None unless both waves show its figures.

    Every construct has an entry: None where either wave has no score or the two waves
    measure it differently (``comparable`` holds those they measure the same way).
    """
    if before is None or now.get("suppressed") or before.get("suppressed"):
        return None
    new, old = now.get("scores") or {}, before.get("scores") or {}
    return {
        k: round(new[k] - old[k], 2)
        if k in comparable and new.get(k) is not None and old.get(k) is not None
        else None
        for k in keys
    }


def summary_with_change(
    *,
    session: Session,
    viewer: Actor,
    by: str = "team",
    wave: str | int | Wave | None = None,
    min_group_size: int | None = None,
    locale: str = "en",
    channel: str = "service",
) -> dict:
    """:func:`summary` with each group's change since the previous wave, per construct.

    ``previous_wave`` names the wave compared with (None for the first one), and each
    group and the total get ``change``: ``{construct: difference}`` where both waves show
    that group's figures (each wave through its own disclosure ledger), else None. A group
    hidden in either wave never gets a change, so a difference cannot reveal it. A
    construct the two waves' instrument versions measure differently
    (``services.scores.same_measure``: agree/disagree items then, best-worst tasks now)
    has the difference None: it is never shown as a change.
    """
    data = summary(
        session=session,
        viewer=viewer,
        by=by,
        wave=wave,
        min_group_size=min_group_size,
        locale=locale,
        channel=channel,
    )
    current = resolve_wave(session, data["wave"])
    earlier = previous_wave(session, current)
    data["previous_wave"] = earlier.name if earlier is not None else None
    before: dict | None = None
    if earlier is not None:
        before = summary(
            session=session,
            viewer=viewer,
            by=by,
            wave=earlier,
            min_group_size=min_group_size,
            locale=locale,
            channel=channel,
        )
    keys = [c["key"] for c in data["constructs"]]
    comparable = (
        same_measure(_wave_instrument(session, earlier), _wave_instrument(session, current))
        if earlier is not None
        else frozenset()
    )
    old_groups = {g["key"]: g for g in before["groups"]} if before is not None else {}
    for group in data["groups"]:
        group["change"] = _change(group, old_groups.get(group["key"]), keys, comparable)
    data["total"]["change"] = _change(
        data["total"], before["total"] if before is not None else None, keys, comparable
    )
    return data


def _wave_instrument(session: Session, wave: Wave) -> Instrument:
    return definition(session.get(InstrumentRow, wave.instrument_id))
