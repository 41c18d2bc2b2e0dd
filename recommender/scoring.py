"""Scale scores: from raw answers to one number per construct and response.

Answers for one response are a mapping item code -> value: likert and attention items an
``int``, the ranking item a list or tuple of option codes (most preferred first), text items
a ``str``. A missing answer is an absent key or ``None``.

Rules
-----
* Reverse-keyed items are scored ``min + max - x``.
* A scale score is the mean of the answered (keyed) items, provided at least
  ``MIN_ANSWERED_FRACTION`` of the scale's items were answered; otherwise it is missing (NaN).
* The ranking item becomes a rank score per option in [0, 1]: ``(n - 1 - position) / (n - 1)``,
  so the first choice scores 1 and the last 0. Options left out of a partial ranking are NaN.
* Best-worst tasks (answer: ``[best, worst]`` option codes) are scored together: per
  construct, ``(times best - times worst) / times shown`` over the answered tasks, in
  [-1, 1] (see ``best_worst_scores``), then placed on the instrument's scale as
  ``midpoint + half-range x score`` so that it sits in the same columns, and on the same
  1-5 metric, as a likert scale score of that construct (0 = the midpoint, "neither").
  The score is missing unless ``MIN_ANSWERED_FRACTION`` of the construct's appearances were
  in answered tasks. A construct measured both ways gets the mean of the two scores.
* ``standardise`` turns scores into z-scores against the wave's own population.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.instrument import Instrument

MIN_ANSWERED_FRACTION = 0.75
"""Share of a scale's items that must be answered for its score to count."""


@dataclass(frozen=True)
class ScaleScores:
    """Scored responses of one instrument.

    Attributes
    ----------
    constructs : tuple of str
        Keys of the constructs that have likert items or best-worst options, in
        instrument order.
    values : ndarray of shape (n_responses, n_constructs)
        Scale scores in the items' own metric; NaN where fewer than 75% of the items
        were answered.
    ranking : tuple of str
        Constructs of the ranking item's options, in option order; ``()`` if none.
    rank_values : ndarray of shape (n_responses, n_options)
        Rank scores in [0, 1], 1 for the first choice; NaN where an option was not ranked.
    """

    constructs: tuple[str, ...]
    values: np.ndarray
    ranking: tuple[str, ...]
    rank_values: np.ndarray


def reverse_key(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Reverse-key answers on a ``lo``..``hi`` scale.

    Parameters
    ----------
    x : array_like
        Raw answers; NaN stays NaN.
    lo, hi : float or array_like
        Scale end points (broadcast against ``x``).

    Returns
    -------
    ndarray
        ``lo + hi - x``.
    """
    return np.add(lo, hi) - np.asarray(x, dtype=float)


def answer_matrix(instrument: Instrument, answers: Sequence[Mapping[str, object]]) -> np.ndarray:
    """Collect the raw likert answers into a matrix.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response.

    Returns
    -------
    ndarray of shape (n_responses, n_likert_items)
        Raw answers as floats, columns in ``instrument.likert_items()`` order; NaN where
        missing.

    Raises
    ------
    ValueError
        If an answer is not a whole number within its item's range.
    """
    items = instrument.likert_items()
    codes = [item.code for item in items]
    if not answers:
        return np.empty((0, len(codes)))
    rows = [[response.get(code) for code in codes] for response in answers]
    try:
        x = np.array(rows, dtype=float).reshape(len(rows), len(codes))
    except (TypeError, ValueError):
        x = np.array([[_as_number(value) for value in row] for row in rows], dtype=float)
    lo = np.array([item.min for item in items], dtype=float)
    hi = np.array([item.max for item in items], dtype=float)
    answered = ~np.isnan(x)
    bad = answered & ((x < lo) | (x > hi) | (x != np.round(x)))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        item = items[col]
        raise ValueError(
            f"response {row}, item '{item.code}': answer {rows[row][col]!r} is not a whole "
            f"number from {item.min} to {item.max}"
        )
    return x


def _as_number(value: object) -> float:
    """Convert one answer; anything unreadable becomes inf so the range check names it."""
    if value is None:
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.inf


def keyed_matrix(instrument: Instrument, raw: np.ndarray) -> np.ndarray:
    """Reverse-key the reverse items' columns of an ``answer_matrix``.

    Parameters
    ----------
    instrument : Instrument
    raw : ndarray of shape (n_responses, n_likert_items)

    Returns
    -------
    ndarray of the same shape, where every column is keyed so that high means more of
    the construct.
    """
    items = instrument.likert_items()
    reverse = np.array([item.reverse for item in items], dtype=bool)
    lo = np.array([item.min for item in items], dtype=float)
    hi = np.array([item.max for item in items], dtype=float)
    return np.where(reverse, reverse_key(raw, lo, hi), raw)


def scale_scores(
    keyed: np.ndarray,
    construct_index: np.ndarray,
    n_constructs: int,
    min_fraction: float = MIN_ANSWERED_FRACTION,
) -> np.ndarray:
    """Average keyed item answers into scale scores.

    Parameters
    ----------
    keyed : ndarray of shape (n_responses, n_items)
        Keyed answers, NaN where missing.
    construct_index : ndarray of shape (n_items,)
        The construct (column of the result) each item belongs to.
    n_constructs : int
    min_fraction : float, default=0.75
        Share of a scale's items that must be answered.

    Returns
    -------
    ndarray of shape (n_responses, n_constructs)
        Mean of the answered items; NaN where too few were answered or the construct has
        no items.
    """
    keyed = np.asarray(keyed, dtype=float)
    construct_index = np.asarray(construct_index, dtype=int)
    membership = np.zeros((keyed.shape[1], n_constructs))
    membership[np.arange(keyed.shape[1]), construct_index] = 1.0
    answered = ~np.isnan(keyed)
    sums = np.where(answered, keyed, 0.0) @ membership
    counts = answered.astype(float) @ membership
    totals = membership.sum(axis=0)
    # A small tolerance so that 3 of 4 items counts as exactly 75%.
    enough = (totals > 0) & (counts >= min_fraction * totals - 1e-9) & (counts > 0)
    out = np.full(sums.shape, np.nan)
    np.divide(sums, counts, out=out, where=enough)
    return out


def ranking_scores(orders: Sequence[Sequence[int] | None], n_options: int) -> np.ndarray:
    """Turn rankings into per-option rank scores.

    Parameters
    ----------
    orders : sequence of (sequence of int or None)
        For each response, option indices from most to least preferred; ``None`` or an
        empty sequence when the response did not rank.
    n_options : int

    Returns
    -------
    ndarray of shape (n_responses, n_options)
        ``(n_options - 1 - position) / (n_options - 1)`` for ranked options, NaN for
        options the response left out.

    Raises
    ------
    ValueError
        If an index is out of range or repeated within one ranking.
    """
    out = np.full((len(orders), n_options), np.nan)
    rows: list[int] = []
    cols: list[int] = []
    positions: list[int] = []
    for row, order in enumerate(orders):
        if not order:
            continue
        order = list(order)
        if len(set(order)) != len(order):
            raise ValueError(f"response {row}: an option is ranked twice in {order}")
        for position, option in enumerate(order):
            if not 0 <= option < n_options:
                raise ValueError(f"response {row}: option index {option} is out of range")
            rows.append(row)
            cols.append(option)
            positions.append(position)
    if rows:
        denominator = max(n_options - 1, 1)
        out[rows, cols] = (n_options - 1 - np.asarray(positions, dtype=float)) / denominator
    return out


def best_worst_scores(
    instrument: Instrument, answers: Sequence[Mapping[str, object]]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Score the best-worst tasks of every response.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response; a task's value is a pair
        ``[best, worst]`` of its option codes, ``None`` when not answered.

    Returns
    -------
    constructs : tuple of str
        Constructs fed by the tasks' options, in instrument order.
    scores : ndarray of shape (n_responses, n_constructs)
        ``(times best - times worst) / times shown`` in answered tasks, in [-1, 1]; NaN
        when fewer than ``MIN_ANSWERED_FRACTION`` of the construct's appearances were in
        answered tasks.

    Raises
    ------
    ValueError
        If an answer is not two different option codes of its task.
    """
    tasks = instrument.best_worst_items()
    fed = {option.construct for item in tasks for option in item.options}
    keys = tuple(c.key for c in instrument.constructs if c.key in fed)
    col = {key: j for j, key in enumerate(keys)}
    n = len(answers)
    net = np.zeros((n, len(keys)))
    # appearances[t, c]: how often construct c is among task t's options (two options of a
    # task may share a construct); answered[r, t]: whether response r answered task t.
    appearances = np.zeros((len(tasks), len(keys)))
    answered = np.zeros((n, len(tasks)))
    rows: list[int] = []
    best_cols: list[int] = []
    worst_cols: list[int] = []
    for t, item in enumerate(tasks):
        columns = {option.code: col[option.construct] for option in item.options}
        np.add.at(appearances[t], list(columns.values()), 1.0)
        for row, response in enumerate(answers):
            value = response.get(item.code)
            if value is None or value == [] or value == ():
                continue
            best, worst = _best_worst_pair(item.code, columns, value, row)
            answered[row, t] = 1.0
            rows.append(row)
            best_cols.append(columns[best])
            worst_cols.append(columns[worst])
    # Whole counts, so the sums are exact whatever order they are added in.
    answered_rows = np.asarray(rows, dtype=np.intp)
    np.add.at(net, (answered_rows, np.asarray(best_cols, dtype=np.intp)), 1.0)
    np.add.at(net, (answered_rows, np.asarray(worst_cols, dtype=np.intp)), -1.0)
    shown = answered @ appearances
    total = appearances.sum(axis=0)
    enough = (shown > 0) & (shown >= MIN_ANSWERED_FRACTION * total - 1e-9)
    out = np.full(net.shape, np.nan)
    np.divide(net, shown, out=out, where=enough)
    return keys, out


def _best_worst_pair(
    code: str, columns: Mapping[str, int], value: object, row: int
) -> tuple[str, str]:
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValueError(
            f"response {row}, item '{code}': a best-worst answer must be [best, worst], "
            f"got {value!r}"
        )
    best, worst = value
    unknown = [c for c in (best, worst) if c not in columns]
    if unknown:
        raise ValueError(f"response {row}, item '{code}': unknown option(s) {unknown}")
    if best == worst:
        raise ValueError(f"response {row}, item '{code}': '{best}' is both best and worst")
    return best, worst


SCORED_TYPES = ("likert", "best_worst", "ranking")
"""Item types whose answers ``score_responses`` reads (not text, not attention checks)."""


def scored_item_codes(instrument: Instrument) -> tuple[str, ...]:
    """Codes of the items whose answers ``score_responses`` reads, in instrument order."""
    return tuple(item.code for item in instrument.items if item.type in SCORED_TYPES)


def score_responses(instrument: Instrument, answers: Sequence[Mapping[str, object]]) -> ScaleScores:
    """Score every response of an instrument.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response.

    Returns
    -------
    ScaleScores
    """
    items = instrument.likert_items()
    keys = [c.key for c in instrument.constructs if any(i.construct == c.key for i in items)]
    position = {key: index for index, key in enumerate(keys)}
    keyed = keyed_matrix(instrument, answer_matrix(instrument, answers))
    construct_index = np.array([position[item.construct] for item in items], dtype=int)
    values = scale_scores(keyed, construct_index, len(keys))
    if instrument.best_worst_items():
        keys, values = _with_best_worst(instrument, answers, keys, values)

    ranking_item = instrument.ranking_item()
    if ranking_item is None:
        return ScaleScores(tuple(keys), values, (), np.empty((len(answers), 0)))
    option_index = {option.code: index for index, option in enumerate(ranking_item.options)}
    orders: list[list[int] | None] = []
    for row, response in enumerate(answers):
        ranked = response.get(ranking_item.code)
        if ranked is None:
            orders.append(None)
            continue
        if isinstance(ranked, str) or not isinstance(ranked, Sequence):
            raise ValueError(
                f"response {row}, item '{ranking_item.code}': a ranking must be a list of "
                f"option codes, got {ranked!r}"
            )
        unknown = [code for code in ranked if code not in option_index]
        if unknown:
            raise ValueError(
                f"response {row}, item '{ranking_item.code}': unknown option(s) {unknown}"
            )
        orders.append([option_index[code] for code in ranked])
    rank_values = ranking_scores(orders, len(ranking_item.options))
    ranking = tuple(option.construct for option in ranking_item.options)
    return ScaleScores(tuple(keys), values, ranking, rank_values)


def _with_best_worst(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    keys: list[str],
    values: np.ndarray,
) -> tuple[list[str], np.ndarray]:
    """Add the best-worst scores, on the likert metric, to the likert scale scores."""
    bw_keys, bw = best_worst_scores(instrument, answers)
    middle = (instrument.scale_min + instrument.scale_max) / 2.0
    half = (instrument.scale_max - instrument.scale_min) / 2.0
    bw = middle + half * bw
    have = set(keys) | set(bw_keys)
    merged = [c.key for c in instrument.constructs if c.key in have]
    out = np.full((len(answers), len(merged)), np.nan)
    for j, key in enumerate(merged):
        parts = []
        if key in keys:
            parts.append(values[:, keys.index(key)])
        if key in bw_keys:
            parts.append(bw[:, bw_keys.index(key)])
        stacked = np.stack(parts, axis=1)
        counts = (~np.isnan(stacked)).sum(axis=1)
        sums = np.where(np.isnan(stacked), 0.0, stacked).sum(axis=1)
        np.divide(sums, counts, out=out[:, j], where=counts > 0)
    return merged, out


def standardise(
    values: np.ndarray,
    mean: np.ndarray | None = None,
    sd: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardise scores column by column, ignoring NaN.

    Parameters
    ----------
    values : ndarray of shape (n_responses, n_columns)
    mean, sd : ndarray of shape (n_columns,), optional
        Reference mean and standard deviation. When omitted they are computed from
        ``values`` itself (the wave's population; population SD, ``ddof=0``).

    Returns
    -------
    z : ndarray of shape (n_responses, n_columns)
        ``(values - mean) / sd``; 0 where ``sd`` is 0, NaN where the value or the
        reference is missing.
    mean, sd : ndarray of shape (n_columns,)
        The reference used, so that later responses can be placed on the same scale.
    """
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    filled = np.where(present, values, 0.0)
    if mean is None:
        mean = np.full(values.shape[1], np.nan)
        np.divide(filled.sum(axis=0), counts, out=mean, where=counts > 0)
    else:
        mean = np.asarray(mean, dtype=float)
    if sd is None:
        squares = np.where(present, (values - np.where(np.isnan(mean), 0.0, mean)) ** 2, 0.0)
        variance = np.full(values.shape[1], np.nan)
        np.divide(squares.sum(axis=0), counts, out=variance, where=counts > 0)
        sd = np.sqrt(variance)
    else:
        sd = np.asarray(sd, dtype=float)
    centred = values - mean
    # Rounding leaves a constant column with an SD of about 1e-16 instead of 0; such a
    # column carries no information and must not be blown up to z = +-1.
    constant = sd <= 1e-9 * np.maximum(1.0, np.abs(np.nan_to_num(mean)))
    z = np.full(values.shape, np.nan)
    known = ~np.isnan(centred)
    np.divide(centred, sd, out=z, where=known & np.broadcast_to(~constant, values.shape))
    z[known & np.broadcast_to(constant, values.shape)] = 0.0
    return z, mean, sd
