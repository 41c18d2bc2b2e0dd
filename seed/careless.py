"""Simulated careless respondents beside attentive ones, to measure the quality flags.

Attentive answers come from the two simulated worlds (``seed/simulate.py``'s latent-profile
world and ``seed/world_additive.py``'s additive world), which answer any instrument's
Likert, attention, ranking and free-text items. Careless answers replace them in one of
these patterns (``PATTERNS``):

``"random"``
    Every Likert and attention item answered uniformly at random.
``"straight_line"``
    The same answer to every Likert and attention item (the level drawn per person).
``"mostly_same"``
    One answer for about three items in four, a neighbouring one for the rest.
``"speeding"``
    Very fast (median ``SPEEDING_SECONDS`` per item) with semi-random answers: each
    answer is the attentive one or a random one, with even odds.
``"mixed"``
    Starts attentive, then gives up: after one or more attentive pages, each later page
    is straight-lined or answered at random, quickly (median ``GIVING_UP_SECONDS``).

Timings are per page, as the survey stores them: each person has a pace (seconds per item,
log-normal around ``ATTENTIVE_SECONDS`` between people, so some practised reps are quick),
each page varies around it, and free text takes longer. ``"random"``, ``"straight_line"``
and ``"mostly_same"`` keep the attentive pace on purpose: they must be caught by their
answers alone, not because they were also fast.

Everything is numpy and deterministic for a given ``random_state``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.catalogue import Reward
from recommender.instrument import Instrument, Item

WORLDS = ("profiles", "additive")
PATTERNS = ("random", "straight_line", "mostly_same", "speeding", "mixed")

ATTENTIVE_SECONDS = 6.0
"""Median seconds per item of attentive people (5-8 s per short Likert item is typical)."""
ATTENTIVE_SPREAD = 0.4
"""Log-SD of pace between attentive people: the quickest 1 in 1,000 take under 2 s."""
PAGE_SPREAD = 0.2
"""Log-SD of one person's pace from page to page."""
SPEEDING_SECONDS = 0.9
GIVING_UP_SECONDS = 1.6
CARELESS_SPREAD = 0.3
MOSTLY_SAME_SHARE = 0.75
TEXT_SECONDS = 25.0


@dataclass
class SimulatedResponses:
    """Responses with their page timings and who answered carelessly, and how.

    Attributes
    ----------
    answers : list of dict
        One mapping item code -> value per response.
    page_seconds : list of dict
        Seconds per page (keys as ``instrument.pages()``).
    pattern : ndarray of str
        ``"attentive"`` or one of ``PATTERNS`` per response.
    """

    answers: list[dict[str, object]]
    page_seconds: list[dict[str, float]]
    pattern: np.ndarray


def attentive_answers(
    instrument: Instrument,
    world: str,
    n: int,
    *,
    random_state: int | None,
    rewards: Sequence[Reward] | None = None,
) -> list[dict[str, object]]:
    """Answers of ``n`` attentive people from one of the simulated ``WORLDS``."""
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; expected one of {', '.join(WORLDS)}")
    if rewards is None:
        from seed.loaders import load_catalogue

        rewards = load_catalogue()
    if world == "profiles":
        from seed.simulate import simulate_organisation

        org = simulate_organisation(
            instrument, rewards, n, random_state=random_state, careless_rate=0.0
        )
        return org.answers
    from seed.world_additive import CARELESS_RATE, simulate_additive_world

    # That world always plants a few careless people of its own: draw extra, keep the rest.
    extra = int(np.ceil(n * CARELESS_RATE * 2)) + 20
    world_ = simulate_additive_world(instrument, rewards, n + extra, random_state=random_state)
    keep = np.flatnonzero(~world_.careless)[:n]
    if keep.size < n:
        raise RuntimeError("the additive world planted more careless people than expected")
    return [world_.answers[i] for i in keep]


def simulate_responses(
    instrument: Instrument,
    world: str,
    *,
    n_attentive: int,
    n_per_pattern: int,
    random_state: int | None,
    patterns: Sequence[str] = PATTERNS,
    rewards: Sequence[Reward] | None = None,
    slip_rate: float = 0.0,
) -> SimulatedResponses:
    """Attentive people of ``world`` and ``n_per_pattern`` careless ones per pattern.

    Careless people start from attentive answers of the same world (so their ranking and
    free-text answers, and the answers a speeder keeps, look real) and replace them.
    ``slip_rate`` is the chance that an attentive person mis-taps an instructed-response
    item (picks a neighbouring answer); the worlds themselves never do.
    """
    unknown = [p for p in patterns if p not in PATTERNS]
    if unknown:
        raise ValueError(f"unknown pattern(s): {', '.join(unknown)}")
    rng = np.random.default_rng(random_state)
    n_total = n_attentive + n_per_pattern * len(patterns)
    seed = int(rng.integers(2**31))
    base = attentive_answers(instrument, world, n_total, random_state=seed, rewards=rewards)
    labels = ["attentive"] * n_attentive + [p for p in patterns for _ in range(n_per_pattern)]
    pages = instrument.pages()
    answers: list[dict[str, object]] = []
    page_seconds: list[dict[str, float]] = []
    for person, label in enumerate(labels):
        response, pace = _respond(rng, instrument, pages, base[person], label)
        answers.append(response)
        page_seconds.append(_page_times(rng, pages, response, pace))
    if slip_rate > 0:
        # A separate stream, so the answers without slips stay what they were.
        slips = np.random.default_rng([seed, 1])
        checks = [item for item in instrument.items if item.type == "attention"]
        for person in range(n_attentive):
            for item in checks:
                given = answers[person].get(item.code)
                if isinstance(given, int) and slips.random() < slip_rate:
                    step = 1 if given == item.min else -1 if given == item.max else None
                    step = step if step is not None else int(slips.choice([-1, 1]))
                    answers[person][item.code] = given + step
    return SimulatedResponses(answers, page_seconds, np.asarray(labels))


def flag_rates(
    instrument: Instrument,
    world: str,
    *,
    n_attentive: int = 2000,
    n_per_pattern: int = 500,
    random_state: int | None = 0,
    rewards: Sequence[Reward] | None = None,
    slip_rate: float = 0.0,
) -> dict[str, float]:
    """Share flagged by ``recommender.quality.quality_flags``: attentive and per pattern."""
    from recommender.quality import quality_flags

    sim = simulate_responses(
        instrument,
        world,
        n_attentive=n_attentive,
        n_per_pattern=n_per_pattern,
        random_state=random_state,
        rewards=rewards,
        slip_rate=slip_rate,
    )
    flagged = np.asarray(
        [bool(f) for f in quality_flags(instrument, sim.answers, sim.page_seconds)]
    )
    return {
        label: float(flagged[sim.pattern == label].mean())
        for label in ("attentive", *PATTERNS)
        if (sim.pattern == label).any()
    }


def _answerable(item: Item) -> bool:
    return item.type in ("likert", "attention")


def _careless_choice(rng: np.random.Generator, item: Item) -> list[str]:
    """A best-worst task answered without reading: two different options, by position.

    Options are shown in an order of each person's own, so picking by position (the first
    as best, the last as worst) is the same as picking at random."""
    best, worst = rng.choice(len(item.options), size=2, replace=False)
    return [item.options[int(best)].code, item.options[int(worst)].code]


def _level_answer(item: Item, level: int) -> int:
    return int(min(item.min + level, item.max))


def _respond(
    rng: np.random.Generator,
    instrument: Instrument,
    pages: list[tuple[str, tuple[Item, ...]]],
    base: Mapping[str, object],
    label: str,
) -> tuple[dict[str, object], np.ndarray]:
    """One person's answers and pace (seconds per item on each page)."""
    response = dict(base)
    n_pages = len(pages)
    attentive_pace = rng.lognormal(np.log(ATTENTIVE_SECONDS), ATTENTIVE_SPREAD)
    pace = np.full(n_pages, attentive_pace)
    span = instrument.scale_max - instrument.scale_min
    if label == "attentive":
        return response, pace
    if label == "random":
        for item in instrument.items:
            if _answerable(item):
                response[item.code] = int(rng.integers(item.min, item.max + 1))
            elif item.type == "best_worst":
                response[item.code] = _careless_choice(rng, item)
    elif label in ("straight_line", "mostly_same"):
        level = int(rng.integers(0, span + 1))
        for item in instrument.items:
            if item.type == "best_worst":
                response[item.code] = _careless_choice(rng, item)
            if not _answerable(item):
                continue
            step = 0
            # Only likert items stray; an instructed item gets the habitual answer.
            if (
                label == "mostly_same"
                and item.type == "likert"
                and rng.random() > MOSTLY_SAME_SHARE
            ):
                step = int(rng.choice([-1, 1]))
            response[item.code] = int(
                np.clip(_level_answer(item, level + step), item.min, item.max)
            )
    elif label == "speeding":
        pace = np.full(n_pages, rng.lognormal(np.log(SPEEDING_SECONDS), CARELESS_SPREAD))
        for item in instrument.items:
            if _answerable(item) and rng.random() < 0.5:
                response[item.code] = int(rng.integers(item.min, item.max + 1))
            elif item.type == "best_worst" and rng.random() < 0.5:
                response[item.code] = _careless_choice(rng, item)
    elif label == "mixed":
        answered_pages = [
            p
            for p, (_key, items) in enumerate(pages)
            if any(_answerable(i) or i.type == "best_worst" for i in items)
        ]
        keep = int(rng.integers(1, max(2, (len(answered_pages) + 1) // 2 + 1)))
        fast = rng.lognormal(np.log(GIVING_UP_SECONDS), CARELESS_SPREAD)
        for p in answered_pages[keep:]:
            pace[p] = fast
            straight = rng.random() < 0.5
            level = int(rng.integers(0, span + 1))
            for item in pages[p][1]:
                if item.type == "best_worst":
                    response[item.code] = _careless_choice(rng, item)
                if not _answerable(item):
                    continue
                response[item.code] = (
                    _level_answer(item, level)
                    if straight
                    else int(rng.integers(item.min, item.max + 1))
                )
    return response, pace


def _page_times(
    rng: np.random.Generator,
    pages: list[tuple[str, tuple[Item, ...]]],
    response: Mapping[str, object],
    pace: np.ndarray,
) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for p, (key, items) in enumerate(pages):
        page_pace = pace[p] * rng.lognormal(0.0, PAGE_SPREAD)
        total = 0.0
        for item in items:
            value = response.get(item.code)
            if item.type == "text":
                total += TEXT_SECONDS * rng.lognormal(0.0, 0.4) if value else 2.0
            elif item.type == "ranking":
                total += page_pace * max(len(item.options), 1) * rng.lognormal(0.0, 0.2)
            elif value is not None:
                total += page_pace * rng.lognormal(0.0, 0.25)
        seconds[key] = round(float(total), 1)
    return seconds


def with_disagree_checks(instrument: Instrument) -> Instrument:
    """The instrument with two instructed-response items whose answer is on the disagree side.

    The existing attention item (if any) now asks for "Disagree" (one step above the
    minimum) and a second one, asking for the minimum, opens the first page, as instrument
    version 2 plans. Used to measure the flags on an instrument with two such items.
    """
    import dataclasses

    items = list(instrument.items)
    lo = instrument.scale_min
    template = next((item for item in items if item.type == "attention"), None)
    if template is None:
        template = Item(code="att1", type="attention", text={"en": "Choose Disagree."})
        items.insert(len(items) // 2, template)
    where = items.index(template)
    items[where] = dataclasses.replace(template, expected=lo + 1)
    first = dataclasses.replace(
        template,
        code=f"{template.code}_first",
        text={"en": "Please choose Strongly disagree."},
        expected=lo,
    )
    items.insert(1, first)
    return dataclasses.replace(instrument, items=tuple(items))
