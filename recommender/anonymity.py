"""Anonymity rules for aggregates: minimum group size, complementary suppression and an
audit of differencing between tables published over the same people.

Threat model
------------
Whoever reads a summary knows who belongs to which team, sales role and (through focus
groups) profile, and who answered a wave. What must stay hidden is any aggregate of the
answers of fewer than ``min_size`` people. Three ways to get one are closed here:

* a small cell shown directly (primary suppression: cells with 1 to ``min_size - 1``
  people are hidden);
* the published total minus the visible cells of one table (complementary suppression:
  the hidden cells of a table add up to 0 or at least ``min_size`` people, and the total
  is published only when it has at least ``min_size`` people);
* one table minus another over the same people, for example "all teams that contain the
  closers" minus "the closers" (the differencing audit, :func:`differencing_disclosures`,
  and :func:`protect_tables`, which hides more cells until no such difference is small).

Everything here works on integer labels (the cell of each person) and boolean masks
(the hidden cells of a table), so it knows nothing of teams or databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_GROUP_SIZE = 5
"""Default smallest group whose aggregates may be shown."""
MIN_GROUP_SIZE_RANGE = (3, 10)
MIN_TEXT_RESPONDENTS = 10
"""Smallest number of free-text answers that themes may be drawn from."""
MAX_AUDIT_UNITS = 16
"""Largest number of cells on the smaller side of one connected part of a table pair that
the audit enumerates (2**16 unions); beyond it the smallest cells are hidden first."""


def check_min_size(min_size: int) -> int:
    """Validate a minimum group size.

    Parameters
    ----------
    min_size : int

    Returns
    -------
    int
        ``min_size`` itself.

    Raises
    ------
    ValueError
        If it lies outside ``MIN_GROUP_SIZE_RANGE``.
    """
    low, high = MIN_GROUP_SIZE_RANGE
    if not isinstance(min_size, int | np.integer) or not low <= min_size <= high:
        raise ValueError(f"the minimum group size must be a whole number from {low} to {high}")
    return int(min_size)


def suppress_cells(
    sizes: Sequence[int] | np.ndarray, min_size: int, *, force: np.ndarray | None = None
) -> np.ndarray:
    """Primary and complementary suppression of one table whose cells partition people.

    Cells with 1 to ``min_size - 1`` people are hidden, as are the cells in ``force``.
    While the hidden cells hold between 1 and ``min_size - 1`` people in total, the
    smallest visible non-empty cell is hidden too (the first one on ties), so that the
    total minus the visible cells never reveals a small group.

    Parameters
    ----------
    sizes : array-like of int, shape (n_cells,)
        People per cell.
    min_size : int
    force : ndarray of bool, shape (n_cells,), optional
        Cells to hide whatever their size.

    Returns
    -------
    ndarray of bool, shape (n_cells,)
        True for hidden cells. If every non-empty cell ends up hidden and they hold fewer
        than ``min_size`` people, the table's total must not be shown either
        (:func:`total_visible`).
    """
    sizes = np.asarray(sizes, dtype=int)
    hidden = (sizes > 0) & (sizes < min_size)
    if force is not None:
        hidden |= np.asarray(force, dtype=bool)
    while True:
        hidden_total = int(sizes[hidden].sum())
        if hidden_total == 0 or hidden_total >= min_size:
            return hidden
        candidates = np.flatnonzero(~hidden & (sizes > 0))
        if candidates.size == 0:
            return hidden
        hidden[candidates[np.argmin(sizes[candidates])]] = True


def total_visible(n_people: int, min_size: int) -> bool:
    """Whether a table's total (and so anything about the whole population) may be shown."""
    return n_people >= min_size


def suppress_overlapping(membership: np.ndarray, min_size: int) -> np.ndarray:
    """Suppression for cells that may share people (ratings by reward category, say).

    A cell is hidden when it has 1 to ``min_size - 1`` distinct people; then, while the
    hidden cells together hold between 1 and ``min_size - 1`` distinct people, the
    smallest visible cell is hidden as well.

    Parameters
    ----------
    membership : ndarray of bool, shape (n_cells, n_people)
        Who contributes to each cell.
    min_size : int

    Returns
    -------
    ndarray of bool, shape (n_cells,)
    """
    membership = np.asarray(membership, dtype=bool)
    sizes = membership.sum(axis=1)
    hidden = (sizes > 0) & (sizes < min_size)
    while True:
        covered = int(membership[hidden].any(axis=0).sum()) if hidden.any() else 0
        if covered == 0 or covered >= min_size:
            return hidden
        candidates = np.flatnonzero(~hidden & (sizes > 0))
        if candidates.size == 0:
            return hidden
        hidden[candidates[np.argmin(sizes[candidates])]] = True


def published_units(labels: np.ndarray, hidden: np.ndarray, min_size: int) -> np.ndarray:
    """The published unit of each person in one table.

    Each visible cell is a unit. The hidden cells together form one more unit (their
    sum is the total minus the visible cells) when the total is shown.

    Parameters
    ----------
    labels : ndarray of int, shape (n_people,)
        Cell of each person.
    hidden : ndarray of bool, shape (n_cells,)
    min_size : int

    Returns
    -------
    ndarray of int, shape (n_people,)
        Units numbered 0.. (visible cells first, in cell order, then the hidden block);
        -1 for everyone when the total is not shown.
    """
    labels = np.asarray(labels, dtype=int)
    hidden = np.asarray(hidden, dtype=bool)
    if not total_visible(labels.size, min_size):
        return np.full(labels.size, -1)
    visible_cells = np.flatnonzero(~hidden)
    unit_of_cell = np.full(hidden.size, len(visible_cells))
    unit_of_cell[visible_cells] = np.arange(len(visible_cells))
    return unit_of_cell[labels]


@dataclass(frozen=True)
class Disclosure:
    """A group of fewer than the minimum people whose aggregate one table pair reveals.

    Attributes
    ----------
    size : int
        People in the revealed group.
    cells : tuple of (int, int)
        The units involved, as (0 or 1 for the first or second table, unit number).
    """

    size: int
    cells: tuple[tuple[int, int], ...]


def _components(crossing: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Connected parts of the bipartite graph of overlapping units of two tables."""
    n_a, n_b = crossing.shape
    seen_a = np.zeros(n_a, dtype=bool)
    seen_b = np.zeros(n_b, dtype=bool)
    parts = []
    for start in range(n_a):
        if seen_a[start]:
            continue
        rows, cols = {start}, set()
        frontier_rows = [start]
        seen_a[start] = True
        while frontier_rows:
            new_cols = set(np.flatnonzero(crossing[frontier_rows].sum(axis=0) > 0)) - cols
            for c in new_cols:
                seen_b[c] = True
            cols |= new_cols
            if not new_cols:
                break
            new_rows = set(np.flatnonzero(crossing[:, sorted(new_cols)].sum(axis=1) > 0)) - rows
            for r in new_rows:
                seen_a[r] = True
            rows |= new_rows
            frontier_rows = sorted(new_rows)
        parts.append((np.array(sorted(rows), dtype=int), np.array(sorted(cols), dtype=int)))
    return parts


def _union_masks(k: int) -> np.ndarray:
    codes = np.arange(1, 2**k, dtype=np.int64)
    return ((codes[:, None] >> np.arange(k)) & 1).astype(bool)


def _audit_part(crossing: np.ndarray, min_size: int) -> tuple[int, np.ndarray, np.ndarray] | None:
    """Smallest small difference in one connected part; rows are the side enumerated."""
    sizes_s = crossing.sum(axis=1)
    sizes_l = crossing.sum(axis=0)
    masks = _union_masks(crossing.shape[0])
    counts = crossing.astype(np.int64)
    # (a) a union V of S-units minus the L-units inside it.
    outside = (~masks).astype(np.int64) @ counts
    inside_l = (outside == 0) & (sizes_l > 0)
    diff_a = masks @ sizes_s - inside_l @ sizes_l
    # (b) the L-units touching V, minus the S-units inside them: enough for every union
    # of L-units, as adding an L-unit that contains no S-unit adds min_size people or more.
    touch = (masks.astype(np.int64) @ counts) > 0
    outside_s = (~touch).astype(np.int64) @ counts.T
    inside_s = (outside_s == 0) & (sizes_s > 0)
    diff_b = touch @ sizes_l - inside_s @ sizes_s
    best = None
    for diffs, units_s, units_l in ((diff_a, masks, inside_l), (diff_b, inside_s, touch)):
        bad = np.flatnonzero((diffs > 0) & (diffs < min_size))
        if bad.size:
            row = bad[np.argmin(diffs[bad])]
            if best is None or diffs[row] < best[0]:
                best = (int(diffs[row]), units_s[row], units_l[row])
    return best


def differencing_disclosures(
    units_a: np.ndarray, units_b: np.ndarray, min_size: int, *, max_units: int = MAX_AUDIT_UNITS
) -> list[Disclosure]:
    """Small groups revealed by subtracting one published table from another.

    The reader may add up any published units of one table and subtract any units of
    the other table that lie inside that sum. For every union of units on the side with
    fewer units (within each connected part) both directions are checked; the smallest
    revealed group of each part is reported.

    Parameters
    ----------
    units_a, units_b : ndarray of int, shape (n_people,)
        Published unit of each person in the two tables (:func:`published_units`);
        -1 where nothing is published.
    min_size : int
    max_units : int, default=16
        Largest number of units on the smaller side of a connected part.

    Returns
    -------
    list of Disclosure
        Empty when every difference is empty or has at least ``min_size`` people.

    Raises
    ------
    ValueError
        If a connected part has more than ``max_units`` units on both sides.
    """
    units_a = np.asarray(units_a, dtype=int)
    units_b = np.asarray(units_b, dtype=int)
    keep = (units_a >= 0) & (units_b >= 0)
    if not keep.any():
        return []
    n_a, n_b = int(units_a[keep].max()) + 1, int(units_b[keep].max()) + 1
    crossing = np.zeros((n_a, n_b), dtype=np.int64)
    np.add.at(crossing, (units_a[keep], units_b[keep]), 1)
    found = []
    for rows, cols in _components(crossing):
        if rows.size == 0 or cols.size == 0:
            continue
        part = crossing[np.ix_(rows, cols)]
        flipped = len(rows) > len(cols)
        if flipped:
            part = part.T
        if part.shape[0] > max_units:
            raise ValueError(
                f"{part.shape[0]} and {part.shape[1]} overlapping cells are too many to audit"
            )
        result = _audit_part(part, min_size)
        if result is None:
            continue
        size, used_s, used_l = result
        side_s, side_l = (cols, rows) if flipped else (rows, cols)
        tag_s, tag_l = (1, 0) if flipped else (0, 1)
        cells = [(tag_s, int(u)) for u in side_s[used_s]] + [
            (tag_l, int(u)) for u in side_l[used_l]
        ]
        found.append(Disclosure(size=size, cells=tuple(sorted(cells))))
    return sorted(found, key=lambda d: d.size)


def _cell_of_unit(labels: np.ndarray, hidden: np.ndarray) -> dict[int, int]:
    """Map each visible unit back to its cell (the hidden block maps to nothing)."""
    visible_cells = np.flatnonzero(~np.asarray(hidden, dtype=bool))
    return {unit: int(cell) for unit, cell in enumerate(visible_cells)}


def protect_tables(
    labels: Sequence[np.ndarray],
    min_size: int,
    *,
    frozen: Sequence[np.ndarray | None] | None = None,
    max_units: int = MAX_AUDIT_UNITS,
) -> list[np.ndarray]:
    """Hidden cells of several tables over the same people, safe against differencing.

    Each table gets primary and complementary suppression; then, while some pair of
    tables reveals a small group by subtraction, the smallest visible cell involved is
    hidden and that table's complementary suppression is redone. The result does not
    depend on which table is looked at first, so every page and export can share it.

    Parameters
    ----------
    labels : sequence of ndarray of int, each shape (n_people,)
        Cell of each person in each table (cells numbered 0..n_cells-1).
    min_size : int
    frozen : sequence of (ndarray of bool or None), optional
        Hidden masks of tables already published, which must not change; ``None`` for
        the tables to protect.
    max_units : int, default=16
        Passed to :func:`differencing_disclosures`.

    Returns
    -------
    list of ndarray of bool
        Hidden cells of each table. When there are fewer than ``min_size`` people every
        cell is hidden and so is the total.
    """
    labels = [np.asarray(x, dtype=int) for x in labels]
    n_people = labels[0].size if labels else 0
    if any(x.size != n_people for x in labels):
        raise ValueError("every table must label the same people")
    frozen = list(frozen) if frozen is not None else [None] * len(labels)
    n_cells = [int(x.max()) + 1 if x.size else 0 for x in labels]
    sizes = [np.bincount(x, minlength=k) for x, k in zip(labels, n_cells, strict=True)]
    if not total_visible(n_people, min_size):
        return [np.ones(k, dtype=bool) for k in n_cells]
    forced = [np.zeros(k, dtype=bool) for k in n_cells]
    hidden = [
        np.asarray(f, dtype=bool).copy() if f is not None else suppress_cells(s, min_size)
        for f, s in zip(frozen, sizes, strict=True)
    ]
    free = [f is None for f in frozen]

    def hide(table: int, cell: int) -> None:
        forced[table][cell] = True
        hidden[table] = suppress_cells(sizes[table], min_size, force=forced[table])

    def smallest_visible(tables: Sequence[int]) -> tuple[int, int] | None:
        options = [
            (int(sizes[t][c]), t, int(c))
            for t in tables
            if free[t]
            for c in np.flatnonzero(~hidden[t] & (sizes[t] > 0))
        ]
        return min(options)[1:] if options else None

    while True:
        changed = False
        for i in range(len(labels)):
            for j in range(i + 1, len(labels)):
                if not (free[i] or free[j]):
                    continue
                try:
                    found = differencing_disclosures(
                        published_units(labels[i], hidden[i], min_size),
                        published_units(labels[j], hidden[j], min_size),
                        min_size,
                        max_units=max_units,
                    )
                except ValueError:
                    # Too many cells to enumerate: merge the smallest into the hidden block.
                    target = smallest_visible([i, j])
                    if target is None:
                        raise
                    hide(*target)
                    changed = True
                    break
                if not found:
                    continue
                maps = (_cell_of_unit(labels[i], hidden[i]), _cell_of_unit(labels[j], hidden[j]))
                tables = (i, j)
                options = [
                    (int(sizes[tables[side]][maps[side][unit]]), tables[side], maps[side][unit])
                    for side, unit in found[0].cells
                    if unit in maps[side] and free[tables[side]]
                ]
                target = min(options)[1:] if options else smallest_visible([i, j])
                if target is None:
                    raise RuntimeError("a small group is revealed and nothing is left to hide")
                hide(*target)
                changed = True
                break
            if changed:
                break
        if not changed:
            return hidden
