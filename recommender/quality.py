"""Response quality flags: careless or rushed responses HR may want to leave out.

Each response gets a (possibly empty) set of flags:

``"attention"``
    An attention item was answered with something other than its expected answer.
``"straightlining"``
    ``STRAIGHTLINE_RUN`` or more consecutive likert items (in instrument order) got the
    same answer. A missing answer breaks the run.
``"speeding"``
    On some page, seconds spent divided by items answered there is below
    ``MIN_SECONDS_PER_ITEM`` (1 second). Needs per-page timings; responses without them
    are never flagged. The time on a page adds up over visits, so a rep who goes back to
    review a page is credited with that time too.

    Why 1 second: Huang, Curran, Keeney, Poposki & DeShon (2012, "Detecting and
    deterring insufficient effort responding to surveys", *Journal of Business and
    Psychology* 27, 99-114) proposed 2 seconds per item as a cut-off for responding too
    fast to have read the item, and page time is a valid measure of insufficient effort
    (Bowling, Huang, Brower & Bragg, 2023, "The quick and the careless: The construct
    validity of page time as a measure of insufficient effort responding to surveys",
    *Organizational Research Methods* 26, 323-352). Our items are short 5-point
    statements that a practised rep answers quickly, and reps take the same survey wave
    after wave: an attentive rep at 1.7 seconds per item was flagged under the 2-second
    rule. Half of it flags only pages answered faster than the items can be read at
    all, and leaves milder haste alone; the other three flags catch careless answers
    that are not fast. A cut relative to each page's median time needs a wave's worth of
    timings, which a single submission does not have.
``"inconsistent"``
    A reverse-keyed item and a normal item of the same construct contradict each other:
    after keying they differ by the full scale range (strongly agreeing with a statement
    and with its opposite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from recommender.instrument import Instrument, Item
from recommender.scoring import answer_matrix, keyed_matrix

STRAIGHTLINE_RUN = 10
MIN_SECONDS_PER_ITEM = 1.0
FLAGS = ("attention", "straightlining", "speeding", "inconsistent")


def quality_flags(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    page_seconds: Sequence[Mapping[str, float] | None] | None = None,
) -> list[frozenset[str]]:
    """Flag careless responses.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response (see ``recommender.scoring``).
    page_seconds : sequence of (mapping or None), optional
        Per response, seconds spent on each page, keyed like ``instrument.pages()``;
        ``None`` (for all responses or one) when timings are unknown.

    Returns
    -------
    list of frozenset of str
        One set of flags per response, drawn from ``FLAGS``.
    """
    n = len(answers)
    flagged = {name: np.zeros(n, dtype=bool) for name in FLAGS}
    raw = answer_matrix(instrument, answers)

    flagged["attention"] = _failed_attention(instrument, answers)
    flagged["straightlining"] = _straightlined(raw)
    flagged["inconsistent"] = _contradicted(instrument, keyed_matrix(instrument, raw))
    if page_seconds is not None:
        if len(page_seconds) != n:
            raise ValueError(f"page_seconds has {len(page_seconds)} entries for {n} responses")
        flagged["speeding"] = _sped(instrument, answers, page_seconds)

    return [frozenset(name for name in FLAGS if flagged[name][row]) for row in range(n)]


def _failed_attention(
    instrument: Instrument, answers: Sequence[Mapping[str, object]]
) -> np.ndarray:
    result = np.zeros(len(answers), dtype=bool)
    for item in instrument.items:
        if item.type != "attention":
            continue
        given = np.array([_number(response.get(item.code)) for response in answers], dtype=float)
        result |= ~np.isnan(given) & (given != item.expected)
    return result


def _number(value: object) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        # An unreadable answer to an attention item is as wrong as a wrong one.
        return np.inf


def _straightlined(raw: np.ndarray) -> np.ndarray:
    n, k = raw.shape
    if k < STRAIGHTLINE_RUN:
        return np.zeros(n, dtype=bool)
    # NaN never equals NaN, so missing answers break a run.
    same = raw[:, 1:] == raw[:, :-1]
    windows = np.lib.stride_tricks.sliding_window_view(same, STRAIGHTLINE_RUN - 1, axis=1)
    return windows.all(axis=2).any(axis=1)


def _contradicted(instrument: Instrument, keyed: np.ndarray) -> np.ndarray:
    result = np.zeros(keyed.shape[0], dtype=bool)
    items = instrument.likert_items()
    columns: dict[str, list[int]] = {}
    for column, item in enumerate(items):
        columns.setdefault(item.construct or "", []).append(column)
    for members in columns.values():
        normal = [c for c in members if not items[c].reverse]
        reverse = [c for c in members if items[c].reverse]
        for a in normal:
            for b in reverse:
                if (items[a].min, items[a].max) != (items[b].min, items[b].max):
                    continue
                span = items[a].max - items[a].min
                with np.errstate(invalid="ignore"):
                    result |= np.abs(keyed[:, a] - keyed[:, b]) >= span
    return result


def _is_answered(item: Item, value: object) -> bool:
    if value is None:
        return False
    if item.type == "text":
        return isinstance(value, str) and bool(value.strip())
    if item.type in ("ranking", "best_worst"):
        return bool(value)
    return True


def _sped(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    page_seconds: Sequence[Mapping[str, float] | None],
) -> np.ndarray:
    result = np.zeros(len(answers), dtype=bool)
    pages = instrument.pages()
    groups: dict[str, list] = {}
    for page, items in pages:
        groups.setdefault(instrument.page_group(page), []).extend(items)
    split = {g: [p for p, _ in pages if instrument.page_group(p) == g] for g in groups}
    for row, (response, seconds) in enumerate(zip(answers, page_seconds, strict=True)):
        if not seconds:
            continue
        for page, items in pages:
            group = instrument.page_group(page)
            continued = split[group][1:] if page == group else []
            if continued and not any(p in seconds for p in continued):
                # Timed before long pages were split: the time covers the whole group.
                items = groups[group]
            spent = seconds.get(page)
            if spent is None:
                continue
            answered = sum(_is_answered(item, response.get(item.code)) for item in items)
            if answered and spent / answered < MIN_SECONDS_PER_ITEM:
                result[row] = True
                break
    return result
