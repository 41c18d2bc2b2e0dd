"""Focus groups: groups of 5 to 8 respondents of a wave, each with an anonymous summary.

A named list (for invitations) places every submitted respondent of the wave, flagged by
the quality check or not: a flagged respondent is placed by the profile nearest their own
scale scores, as everyone else is, so comparing the lists with who answered never tells
whose answers were flagged (managers and HR see only how many). An anonymous list, which
names nobody, is formed from the same population as the wave's summaries (usable,
unflagged responses), because its groups may show figures. People who turned off "use my
answers to personalise my rewards" are never placed by their profile: they count as having
none, so a profile group never shows it.

The named list for invitations and a group's figures are different things. A list with
members never carries figures: its summary describes the group from the model (the
profile mix, the reward categories and three discussion questions, English and
Norwegian, drawn from the profiles' centres, never from the members' own answers). An
anonymous list may show each group's mean scale scores with 95% intervals; those figures
are a release like any other and go through the wave's disclosure ledger, so a group
whose figures, with everything already shown for the wave, would isolate someone shows
none. Themes need at least ``MIN_TEXT_RESPONDENTS`` answers, so 5 to 8 people never
have them.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlmodel import Session, select

from models.tables import ModelArtefact, Person, SurveyResponse, Wave
from recommender.anonymity import MIN_TEXT_RESPONDENTS
from recommender.catalogue import CATEGORIES
from recommender.focus import (
    FOCUS_MAX_SIZE,
    FOCUS_MIN_SIZE,
    MODES,
    NO_PROFILE,
    discussion_questions,
    form_focus_groups,
)
from recommender.scoring import score_responses
from services.access import Actor, require
from services.errors import InvalidInput, Problem
from services.recommendations import current_model
from services.responses import answers_by_response
from services.summaries import (
    NONE_KEY,
    Population,
    check_group_size,
    construct_labels,
    disclose,
    hidden_reason,
    load_population,
    newest_model_version,
    resolve_wave,
    scale_range,
    score_block,
)

LANGUAGES = ("en", "nb")
TOP_REWARDS = 3
REASON_NAMED = "named"
"""Why a list with members shows no figures: named lists never carry them."""


def size_bounds(min_group_size: int) -> tuple[int, int]:
    """Smallest and largest focus group: 5 to 8, raised when the minimum is larger."""
    low = max(FOCUS_MIN_SIZE, min_group_size)
    return low, max(FOCUS_MAX_SIZE, low)


def _check(by: str, size: int, min_group_size: int) -> tuple[int, int]:
    low, high = size_bounds(min_group_size)
    problems = []
    if by not in MODES:
        known = ", ".join(MODES)
        problems.append(Problem("by", "choice.one_of", f"must be one of {known}", {"known": known}))
    if not low <= size <= high:
        problems.append(
            Problem(
                "size",
                "number.between",
                f"must be from {low} to {high}",
                {"low": low, "high": high},
            )
        )
    if problems:
        raise InvalidInput(
            "The focus groups were not formed.", problems, code="focus_groups.not_formed"
        )
    return low, high


def _profile_codes(population: Population) -> np.ndarray:
    codes = []
    for person, key in zip(population.people, population.keys["profile"], strict=True):
        consented = getattr(person, "personalise", True)
        codes.append(int(key) if key != NONE_KEY and consented else NO_PROFILE)
    return np.asarray(codes, dtype=int)


def _profile_model(session: Session, population: Population):
    """The fitted model behind the population's profiles, or None (no model, or none stored
    for that version)."""
    version = population.model_version
    newest = newest_model_version(session)
    if version is None or version == newest:
        served = current_model(session)
        return served.model if served is not None else None
    row = session.exec(select(ModelArtefact).where(ModelArtefact.version == version)).first()
    if row is None:
        return None
    from recommender.artefact import from_artefact

    return from_artefact(row.blob, row.meta)


def _nearest_profiles(session: Session, population: Population, scored) -> np.ndarray:
    """Most likely profile of each scored response, flagged or not: by the model's mixture
    and standardisation when there is a model, else by the nearest profile centre."""
    n = scored.values.shape[0]
    labels = np.full(n, NO_PROFILE, dtype=int)
    if n == 0:
        return labels
    complete = ~np.isnan(scored.values).any(axis=1)
    model = _profile_model(session, population)
    if model is not None and getattr(model, "profiles_", None) is not None:
        _features, found = model.person_terms(scored)
        labels[complete] = np.asarray(found, dtype=int)[complete]
        return labels
    centres = population.profiles.centres
    keys = sorted(centres)
    if not keys:
        return labels
    columns = [scored.constructs.index(c) for c in population.constructs if c in scored.constructs]
    names = [scored.constructs[j] for j in columns]
    if not names or not all(all(c in centres[k] for c in names) for k in keys):
        return labels
    matrix = np.asarray([[centres[k][c] for c in names] for k in keys], dtype=float)
    for r in np.flatnonzero(complete):
        distance = ((matrix - scored.values[r, columns]) ** 2).sum(axis=1)
        labels[r] = keys[int(distance.argmin())]
    return labels


def named_roster(session: Session, population: Population) -> tuple[list[Person], np.ndarray]:
    """Every submitted respondent of the wave and the profile code each is placed by.

    The population's respondents keep their profile; the others (a flagged or incomplete
    response) get their current profile when they have one, else the profile nearest their
    own answers. Only profiles that may be shown count, and only for people who consent.
    """
    people = list(population.people)
    codes = list(_profile_codes(population))
    kept = {
        int(r) for r in (population.response_ids if population.response_ids is not None else [])
    }
    others = [
        r
        for r in session.exec(
            select(SurveyResponse)
            .where(
                SurveyResponse.wave_id == population.wave.id,
                SurveyResponse.status == "submitted",
            )
            .order_by(SurveyResponse.id)
        )
        if r.id not in kept
    ]
    if not others:
        return people, np.asarray(codes, dtype=int)
    answers = answers_by_response(session, population.instrument, [r.id for r in others])
    scored = score_responses(population.instrument, [answers[r.id] for r in others])
    nearest = _nearest_profiles(session, population, scored)
    by_id = {
        p.id: p
        for p in session.exec(select(Person).where(Person.id.in_([r.person_id for r in others])))
    }
    visible = population.profiles.catalogue
    for response, label in zip(others, nearest.tolist(), strict=True):
        person = by_id[response.person_id]
        current = population.profiles.assignments.get(person.id)
        label = current if current is not None else label
        consented = getattr(person, "personalise", True) and getattr(person, "active", True)
        people.append(person)
        codes.append(int(label) if consented and label in visible else NO_PROFILE)
    return people, np.asarray(codes, dtype=int)


def _top_rewards(difference: dict[str, float]) -> list[str]:
    prefs = [
        (value, c.removeprefix("pref_"))
        for c, value in difference.items()
        if c.startswith("pref_") and c.removeprefix("pref_") in CATEGORIES and np.isfinite(value)
    ]
    return [category for _, category in sorted(prefs, key=lambda x: (-x[0], x[1]))][:TOP_REWARDS]


def model_difference(population: Population, codes: np.ndarray) -> dict[str, float]:
    """How a group's profiles stand out, from the model's profile centres (never answers).

    The mean of the members' profile centres minus the model's overall mean, per
    construct; empty when no member has a profile the model describes.
    """
    centres = population.profiles.centres
    overall = population.profiles.overall
    chosen = [centres[int(c)] for c in codes if c != NO_PROFILE and int(c) in centres]
    if not chosen or not overall:
        return {}
    return {
        key: float(np.mean([centre[key] for centre in chosen])) - value
        for key, value in overall.items()
        if all(key in centre for centre in chosen)
    }


def focus_groups(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    by: str = "profile",
    size: int = 6,
    anonymous: bool = False,
    min_group_size: int | None = None,
    locale: str = "en",
    channel: str = "service",
) -> dict:
    """Form focus groups for a wave.

    ``{"wave", "by", "size", "anonymous", "min_group_size", "groups": [{"id", "size",
    "members": [external_id, ...], "summary": {...}}], "not_placed"}``. With
    ``anonymous`` the member lists are left out (``members`` is empty and there are no
    names or emails anywhere) and the groups' figures may be shown, as the wave's
    disclosure ledger allows; without it no group carries figures.
    """
    require(viewer, "run_hr")
    min_size = check_group_size(session, min_group_size)
    low, high = _check(by, size, min_size)
    wave_row = resolve_wave(session, wave)
    population = load_population(session, wave_row)
    if anonymous:
        people, codes = population.people, _profile_codes(population)
    else:
        people, codes = named_roster(session, population)
    formed = form_focus_groups(
        codes, by=by, size=size, min_size=low, max_size=high, random_state=wave_row.id
    )
    keys = [f"focus:{by}:{size}:{g + 1}" for g in range(len(formed.groups))]
    if anonymous:
        decision = disclose(
            session,
            population,
            "focus_groups",
            list(zip(keys, formed.groups, strict=True)),
            min_size=min_size,
            viewer=viewer,
            channel=channel,
            filters={"by": by, "size": size, "anonymous": True},
        )
        reasons = [hidden_reason(decision, key) for key in keys]
    else:
        reasons = [REASON_NAMED] * len(keys)

    names = construct_labels(population.instrument, locale)
    groups = []
    for g, rows in enumerate(formed.groups):
        members = [people[r] for r in rows]
        entry = {
            "id": g + 1,
            "size": len(rows),
            "members": [] if anonymous else [p.external_id for p in members],
            "summary": _group_summary(population, rows, codes, names, locale, reason=reasons[g]),
        }
        if not anonymous:
            entry["contacts"] = [
                {"external_id": p.external_id, "name": p.name, "email": p.email or ""}
                for p in members
            ]
        groups.append(entry)
    not_placed = {"n": int(formed.unplaced.size)}
    if not anonymous:
        not_placed["members"] = [people[r].external_id for r in formed.unplaced]
    return {
        "wave": wave_row.name,
        "by": by,
        "size": size,
        "anonymous": anonymous,
        "min_group_size": min_size,
        "constructs": [{"key": c, "label": names.get(c, c)} for c in population.constructs],
        "groups": groups,
        "not_placed": not_placed,
        "min_text_respondents": MIN_TEXT_RESPONDENTS,
    }


def _group_summary(population, rows, codes, names, locale, *, reason: str | None) -> dict:
    mix = Counter(
        population.profiles.name(int(c), locale) if c != NO_PROFILE else NONE_KEY
        for c in codes[rows]
    )
    difference = model_difference(population, codes[rows])
    summary = {
        "n": len(rows),
        "suppressed": reason is not None,
        "reason": reason,
        "profile_mix": dict(sorted(mix.items())),
        "scores": None,
        "ci": None,
        "top_rewards": _top_rewards(difference),
        "questions": {
            lang: [q["question"] for q in discussion_questions(difference, lang=lang, labels=names)]
            for lang in LANGUAGES
        },
        "themes": [],
    }
    if reason is None:
        summary.update(
            score_block(
                population.constructs,
                population.scores[rows],
                bounds=scale_range(population.instrument),
            )
        )
    return summary
