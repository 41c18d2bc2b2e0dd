"""Focus groups: groups of 5 to 8 respondents of a wave, each with an anonymous summary.

Members come from the same population as the wave's summaries (usable, unflagged
responses). People who turned off "use my answers to personalise my rewards" are never
placed by their profile: they count as having none, so a profile group never shows it.

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
from sqlmodel import Session

from models.tables import Wave
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
from services.access import Actor, require
from services.errors import InvalidInput, Problem
from services.summaries import (
    NONE_KEY,
    Population,
    check_group_size,
    construct_labels,
    disclose,
    hidden_reason,
    load_population,
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
    codes = _profile_codes(population)
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
        members = [population.people[r] for r in rows]
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
        not_placed["members"] = [population.people[r].external_id for r in formed.unplaced]
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
