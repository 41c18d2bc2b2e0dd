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
from threadpoolctl import threadpool_limits

from recommender.group_size import MIN_GROUP_SIZE as MIN_GROUP_SIZE
from recommender.group_size import MIN_GROUP_SIZE_RANGE as MIN_GROUP_SIZE_RANGE
from recommender.group_size import check_min_size

MIN_TEXT_RESPONDENTS = 10
"""Smallest number of free-text answers that themes may be drawn from."""
MAX_AUDIT_UNITS = 16
"""Largest number of cells on the smaller side of one connected part of a table pair that
the audit enumerates (2**16 unions); beyond it the smallest cells are hidden first."""


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


# ---------------------------------------------------------------------- leverage ledger
#
# Every group whose mean is released is a row of A (1 for each member). A reader who
# holds all released means can form any linear combination of the rows, so what they
# can learn about respondent i is governed by i's leverage, the i-th diagonal element
# of the projection onto A's row space. One group of m people gives each member 1/m;
# two groups that differ by one person give that person 1. Keeping every leverage at or
# below 1/k generalises "groups of at least k" to everything released together.
#
# Some answers the reader may already hold (HR knows the answers it imported). Each is a
# released singleton e_k; since e_k is orthogonal to every vector that is zero at k, the
# row space of the groups and those singletons is span(e_K) plus the row space of the
# groups with the known members removed. So the leverage of everyone else is computed on
# the groups without the known members, and the known members' leverage is 1.

LEVERAGE_TOLERANCE = 1e-9
"""Slack on the bound, and the squared residual under which a row adds no direction."""


def leverage_bound(min_size: int) -> float:
    """The largest leverage any respondent may have: ``1 / min_size``."""
    return 1.0 / check_min_size(min_size)


class LeverageBasis:
    """An orthonormal basis of the row space of released groups, kept incrementally.

    Groups are sets of respondent indices in ``range(n_people)``. Rows are scaled to unit
    length (which leaves the row space unchanged); the basis is held in coefficient form,
    ``Q = A'^T W^T`` with ``W^T W = P``, so its cost grows with the number of groups and
    memberships, never with ``n_people * n_groups``.

    Parameters
    ----------
    n_people : int
        Size of the respondent index space.
    groups : sequence of array-like of int, optional
        Groups already released, added with one eigen-decomposition.
    known : array-like of int, optional
        People whose answers the reader holds anyway (answers HR imported). They are left
        out of every group's row, which is exact (see the note above), and their leverage
        is 1: they need no protection, and they hide nobody.

    Attributes
    ----------
    leverage_ : ndarray of float, shape (n_people,)
        Diagonal of the projection onto the row space of the groups added so far.
    rank_ : int
        Dimension of the row space.
    """

    def __init__(
        self,
        n_people: int,
        groups: Sequence[Sequence[int] | np.ndarray] = (),
        *,
        known: Sequence[int] | np.ndarray = (),
    ):
        self.n_people = int(n_people)
        self.known_ = np.zeros(self.n_people, dtype=bool)
        self.known_[self._people(known)] = True
        self._person = np.zeros(0, dtype=np.int64)
        self._group = np.zeros(0, dtype=np.int64)
        self._scale = np.zeros(0)  # 1 / sqrt(size) of each group
        self._p = np.zeros((0, 0))
        self.leverage_ = self.known_.astype(float)
        self.rank_ = 0
        self._seen: set[bytes] = set()
        if len(groups):
            self._build([self._members(g) for g in groups])

    @property
    def n_groups(self) -> int:
        return self._scale.size

    def _people(self, group) -> np.ndarray:
        """Sorted unique indices of a group, every one of them."""
        members = np.asarray(group, dtype=np.int64)
        if members.ndim != 1 or (members.size > 1 and not np.all(members[1:] > members[:-1])):
            members = np.unique(members)
        if members.size and (members[0] < 0 or members[-1] >= self.n_people):
            raise ValueError("group members must be indices below n_people")
        return members

    def _members(self, group) -> np.ndarray:
        """The members of a group whose answers the reader does not hold: its row."""
        members = self._people(group)
        return members[~self.known_[members]]

    def size(self, group) -> int:
        """How many people a group has, known or not (the minimum size counts people)."""
        return int(self._people(group).size)

    def contains(self, group) -> bool:
        """Whether a group with exactly these members was added already."""
        return self._members(group).tobytes() in self._seen

    def _append(self, members: np.ndarray) -> None:
        self._seen.add(members.tobytes())
        index = self.n_groups
        self._person = np.concatenate([self._person, members])
        self._group = np.concatenate([self._group, np.full(members.size, index)])
        scale = 1.0 / np.sqrt(members.size) if members.size else 0.0
        self._scale = np.append(self._scale, scale)

    def _build(self, groups: list[np.ndarray]) -> None:
        """Add many groups at once: eigen-decomposition of the normalised Gram matrix."""
        start = self.n_groups
        sizes = np.array([m.size for m in groups], dtype=np.int64)
        self._person = np.concatenate([self._person, *groups])
        self._group = np.concatenate(
            [self._group, np.repeat(np.arange(start, start + len(groups)), sizes)]
        )
        self._scale = np.append(self._scale, 1.0 / np.sqrt(np.maximum(sizes, 1)))
        self._seen.update(m.tobytes() for m in groups)
        g = self.n_groups
        weights = self._scale[self._group]
        # Gram matrix of unit rows from the memberships: pairs of groups sharing a person.
        order = np.lexsort((self._group, self._person))
        person, group, weight = self._person[order], self._group[order], weights[order]
        gram = np.bincount(group * g + group, weights=weight * weight, minlength=g * g)
        for offset in range(1, g):
            same = person[:-offset] == person[offset:]
            if not same.any():
                break
            a, b = group[:-offset][same], group[offset:][same]
            w = weight[:-offset][same] * weight[offset:][same]
            gram += np.bincount(a * g + b, weights=w, minlength=g * g)
            gram += np.bincount(b * g + a, weights=w, minlength=g * g)
        gram = gram.reshape(g, g)
        # One thread: a few hundred groups decompose in tens of milliseconds, and many
        # threads fighting over a busy machine's cores make it hundreds.
        with threadpool_limits(limits=1, user_api="blas"):
            values, vectors = np.linalg.eigh(gram)
        keep = values > LEVERAGE_TOLERANCE * max(1.0, float(values.max(initial=0.0)))
        vectors, values = vectors[:, keep], values[keep]
        self._p = (vectors / values) @ vectors.T
        self.rank_ = int(keep.sum())
        self.leverage_ = np.maximum(self._diagonal(), self.known_)

    def _diagonal(self) -> np.ndarray:
        """``diag(A'^T P A')`` from the memberships."""
        order = np.lexsort((self._group, self._person))
        person, group = self._person[order], self._group[order]
        scale = self._scale[group]
        h = np.bincount(
            person, weights=self._p[group, group] * scale * scale, minlength=self.n_people
        )
        for offset in range(1, self.n_groups):
            same = person[:-offset] == person[offset:]
            if not same.any():
                break
            a, b = group[:-offset][same], group[offset:][same]
            w = 2 * self._p[a, b] * scale[:-offset][same] * scale[offset:][same]
            h += np.bincount(person[:-offset][same], weights=w, minlength=self.n_people)
        return np.clip(h, 0.0, 1.0)

    def _project(self, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and values of the projection of a person-vector on the row space."""
        if not self.n_groups:
            return np.zeros(0), np.zeros(self.n_people)
        inner = np.bincount(self._group, weights=vector[self._person], minlength=self.n_groups)
        coef = self._p @ (inner * self._scale)
        values = np.bincount(
            self._person, weights=(coef * self._scale)[self._group], minlength=self.n_people
        )
        return coef, values

    def direction(self, group) -> tuple[np.ndarray, np.ndarray, float]:
        """What adding a group would do: the new basis vector (or zeros) and its coefficients."""
        members = self._members(group)
        row = np.zeros(self.n_people)
        if members.size:
            row[members] = 1.0 / np.sqrt(members.size)
        coef, projected = self._project(row)
        residual = row - projected
        norm2 = float(residual @ residual)
        if norm2 < 0.5:
            # Twice is enough (Kahan): when much of the row was cancelled, a second pass
            # removes what rounding left in the row space.
            coef2, projected2 = self._project(residual)
            residual -= projected2
            coef = coef + coef2
            norm2 = float(residual @ residual)
        return residual, coef, norm2

    def leverage_with(self, group) -> np.ndarray:
        """Leverage of everyone if ``group`` were added (the basis is left unchanged)."""
        residual, _coef, norm2 = self.direction(group)
        if norm2 <= LEVERAGE_TOLERANCE:
            return self.leverage_
        return self.leverage_ + residual * residual / norm2

    def add(self, group, *, direction: tuple | None = None) -> LeverageBasis:
        """Add one released group; returns self.

        A group already in the row space (the same people as an earlier group, or a sum
        of earlier groups) changes nothing and is not kept.
        """
        members = self._members(group)
        if members.tobytes() in self._seen:
            return self
        if direction is None:
            with threadpool_limits(limits=1, user_api="blas"):
                direction = self.direction(members)
        residual, coef, norm2 = direction
        if norm2 <= LEVERAGE_TOLERANCE:
            self._seen.add(members.tobytes())
            return self
        g = self.n_groups
        self._append(members)
        p = np.zeros((g + 1, g + 1))
        p[:g, :g] = self._p
        u = np.append(-coef, 1.0) / np.sqrt(norm2)
        p += np.outer(u, u)
        self._p = p
        self.leverage_ = np.clip(self.leverage_ + residual * residual / norm2, 0.0, 1.0)
        self.rank_ += 1
        return self


def leverage(n_people: int, groups: Sequence[Sequence[int] | np.ndarray]) -> np.ndarray:
    """Leverage of each respondent given released groups (see :class:`LeverageBasis`).

    Parameters
    ----------
    n_people : int
    groups : sequence of array-like of int
        Members (indices below ``n_people``) of each released group.

    Returns
    -------
    ndarray of float, shape (n_people,)
    """
    return LeverageBasis(n_people, groups).leverage_


def within_bound(values: np.ndarray, min_size: int) -> bool:
    """Whether every leverage is at most ``1 / min_size`` (with rounding slack)."""
    values = np.asarray(values, dtype=float)
    return not values.size or float(values.max()) <= 1.0 / min_size + LEVERAGE_TOLERANCE


def select_releasable(
    basis: LeverageBasis,
    candidates: Sequence[Sequence[int] | np.ndarray],
    min_size: int,
    *,
    order: Sequence[object] | None = None,
) -> np.ndarray:
    """The candidate groups that may be released on top of ``basis``, chosen greedily.

    Candidates are tried largest first (then by ``order``, then by position); each is kept
    when, together with the groups already released and those kept so far, no leverage
    it raises goes over ``1 / min_size``. The choice depends only on who is in which
    group, never on the answers. ``basis`` is extended with the kept groups. The minimum
    size counts every member; the leverage counts only those whose answers the reader
    does not hold (``basis.known_``), so known answers cannot pad a group or a difference.

    Parameters
    ----------
    basis : LeverageBasis
        The groups already released.
    candidates : sequence of array-like of int
    min_size : int
    order : sequence, optional
        A sort key per candidate used to break ties between equal sizes.

    Returns
    -------
    ndarray of bool, shape (n_candidates,)
        True for the candidates that may be released.
    """
    bound = 1.0 / min_size + LEVERAGE_TOLERANCE
    sizes = [basis.size(c) for c in candidates]
    members = [basis._members(c) for c in candidates]
    keys = list(order) if order is not None else list(range(len(members)))
    ranking = sorted(range(len(members)), key=lambda i: (-sizes[i], keys[i], i))
    keep = np.zeros(len(members), dtype=bool)
    with threadpool_limits(limits=1, user_api="blas"):
        for i in ranking:
            if sizes[i] < min_size:
                continue
            if basis.contains(members[i]):
                keep[i] = True  # shown before: adds nothing
                continue
            residual, coef, norm2 = basis.direction(members[i])
            gain = residual * residual / max(norm2, LEVERAGE_TOLERANCE)
            # Only the people this group tells more about must stay within the bound:
            # known members gain nothing, and nobody else's leverage moves.
            raised = gain > LEVERAGE_TOLERANCE
            grown = basis.leverage_[raised] + gain[raised]
            if norm2 > LEVERAGE_TOLERANCE and float(grown.max(initial=0.0)) > bound:
                continue
            basis.add(members[i], direction=(residual, coef, norm2))
            keep[i] = True
    return keep
