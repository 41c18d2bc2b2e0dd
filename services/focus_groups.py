"""Focus groups: groups of 5 to 8 respondents of a wave, each with an anonymous summary.

Members come from the same population as the wave's summaries (usable, unflagged
responses). People who turned off "use my answers to personalise my rewards" are never
placed by their profile: they count as having none, so a profile group never shows it.

Each group's summary holds its size, profile mix, mean scale scores with 95% intervals,
the reward categories it values most, three discussion questions (English and Norwegian)
and themes, which need at least ``MIN_TEXT_RESPONDENTS`` answers and so appear only for
groups that large (never for 5 to 8 people). A group's figures are hidden when the group
subtracted from the wave's published tables would reveal a small group.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlmodel import Session

from models.tables import Wave
from recommender.anonymity import (
    MIN_GROUP_SIZE,
    MIN_TEXT_RESPONDENTS,
    protect_tables,
)
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
from services.errors import InvalidInput
from services.summaries import (
    DIMENSIONS,
    NONE_KEY,
    Population,
    check_group_size,
    construct_labels,
    load_population,
    resolve_wave,
    score_block,
    suppression_plan,
    themes_block,
)

LANGUAGES = ("en", "nb")
TOP_REWARDS = 3


def size_bounds(min_group_size: int) -> tuple[int, int]:
    """Smallest and largest focus group: 5 to 8, raised when the minimum is larger."""
    low = max(FOCUS_MIN_SIZE, min_group_size)
    return low, max(FOCUS_MAX_SIZE, low)


def _check(by: str, size: int, min_group_size: int) -> tuple[int, int]:
    low, high = size_bounds(min_group_size)
    problems = []
    if by not in MODES:
        problems.append(f"by: must be one of {', '.join(MODES)}")
    if not low <= size <= high:
        problems.append(f"size: must be from {low} to {high}")
    if problems:
        raise InvalidInput("The focus groups were not formed.", problems)
    return low, high


def _profile_codes(population: Population) -> np.ndarray:
    codes = []
    for person, key in zip(population.people, population.keys["profile"], strict=True):
        consented = getattr(person, "personalise", True)
        codes.append(int(key) if key != NONE_KEY and consented else NO_PROFILE)
    return np.asarray(codes, dtype=int)


def _top_rewards(constructs, means) -> list[str]:
    prefs = [
        (float(m), c.removeprefix("pref_"))
        for c, m in zip(constructs, means, strict=True)
        if c.removeprefix("pref_") in CATEGORIES and c.startswith("pref_") and np.isfinite(m)
    ]
    return [category for _, category in sorted(prefs, key=lambda x: (-x[0], x[1]))][:TOP_REWARDS]


def focus_groups(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    by: str = "profile",
    size: int = 6,
    anonymous: bool = False,
    min_group_size: int = MIN_GROUP_SIZE,
    locale: str = "en",
) -> dict:
    """Form focus groups for a wave.

    ``{"wave", "by", "size", "anonymous", "min_group_size", "groups": [{"id", "size",
    "members": [external_id, ...], "summary": {...}}], "not_placed"}``. With
    ``anonymous`` the member lists are left out (``members`` is empty and there are no
    names or emails anywhere).
    """
    require(viewer, "run_hr")
    min_size = check_group_size(min_group_size)
    low, high = _check(by, size, min_size)
    wave_row = resolve_wave(session, wave)
    population = load_population(session, wave_row)
    plan = suppression_plan(population, min_size)
    codes = _profile_codes(population)
    formed = form_focus_groups(
        codes, by=by, size=size, min_size=low, max_size=high, random_state=wave_row.id
    )
    # Group figures are one more table over the same people: audit it against the
    # wave's published tables, which stay as they are.
    group_of = np.full(population.n, len(formed.groups), dtype=int)
    for g, rows in enumerate(formed.groups):
        group_of[rows] = g
    labels = [population.labels(d)[0] for d in DIMENSIONS]
    frozen = [
        np.asarray([plan.is_hidden(dim, c) for c in population.labels(dim)[1]], dtype=bool)
        for dim in DIMENSIONS
    ]
    hidden_groups = np.zeros(len(formed.groups) + 1, dtype=bool)
    if population.n:
        hidden_groups = protect_tables([*labels, group_of], min_size, frozen=[*frozen, None])[-1]

    names = construct_labels(population.instrument, locale)
    overall = np.nanmean(population.scores, axis=0) if population.n else np.array([])
    groups = []
    for g, rows in enumerate(formed.groups):
        members = [population.people[r] for r in rows]
        entry = {
            "id": g + 1,
            "size": len(rows),
            "members": [] if anonymous else [p.external_id for p in members],
            "summary": _group_summary(
                population, rows, codes, overall, names, locale, hidden=bool(hidden_groups[g])
            ),
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


def _group_summary(population, rows, codes, overall, names, locale, *, hidden: bool) -> dict:
    mix = Counter(
        population.profiles.name(int(c), locale) if c != NO_PROFILE else NONE_KEY
        for c in codes[rows]
    )
    summary = {
        "n": len(rows),
        "suppressed": hidden,
        "profile_mix": dict(sorted(mix.items())),
        "scores": None,
        "ci": None,
        "top_rewards": [],
        "questions": {lang: [] for lang in LANGUAGES},
        "themes": [],
    }
    if hidden:
        return summary
    values = population.scores[rows]
    summary.update(score_block(population.constructs, values))
    means = np.nanmean(values, axis=0)
    summary["top_rewards"] = _top_rewards(population.constructs, means)
    difference = dict(zip(population.constructs, means - overall, strict=True))
    summary["questions"] = {
        lang: [q["question"] for q in discussion_questions(difference, lang=lang, labels=names)]
        for lang in LANGUAGES
    }
    summary["themes"] = themes_block([population.texts[r] for r in rows])
    return summary
