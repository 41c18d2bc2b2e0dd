"""What a reward picked for variety adds to the suggestions above it.

Diversification (maximal marginal relevance) may put a reward above a more relevant one
because it is less like the rewards already picked. A rep checks "added to vary your
suggestions" against the list they see, so the sentence is only given where the list shows
the difference: a category none of the rewards above has, or, for a category already
there, a side (public or private, team or alone, lasting or right away) that every reward
above of that category lacks. A pick that adds neither is not called a variety pick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommender.reward_index import SIGNED_ATTRIBUTES

ASPECTS = ("", "kind", "public", "private", "team", "individual", "long", "short")
"""Codes of ``variety_aspects``: none, a new category, then each signed attribute's +1 and
-1 side (``RewardIndex.attributes``: public, team and long are +1)."""

NONE, KIND = 0, 1
# Visibility, scope, horizon: the order sides are looked for, and their (+1, -1) codes.
_SIDES = dict(zip(SIGNED_ATTRIBUTES, ((2, 3), (4, 5), (6, 7)), strict=True))


@dataclass(frozen=True)
class RewardSides:
    """Each reward's category and sides, read once from a catalogue's attribute matrix.

    Plain lists: a page has five picks and one or two promoted, so looking them up one by
    one costs less than the array operations would.
    """

    attributes: np.ndarray  # the matrix they were read from
    category: list[int]  # per reward: column of its category one-hot
    sides: list[tuple[int, ...]]  # per reward: its ``ASPECTS`` code on each signed attribute

    @classmethod
    def of(cls, attributes: np.ndarray, attribute_names: Sequence[str]) -> RewardSides:
        names = list(attribute_names)
        columns = [j for j, name in enumerate(names) if name.startswith("category:")]
        category = (
            attributes[:, columns].argmax(axis=1)
            if columns
            else np.zeros(attributes.shape[0], dtype=np.int64)
        )
        present = [name for name in _SIDES if name in names]
        sides = [np.where(attributes[:, names.index(name)] > 0, *_SIDES[name]) for name in present]
        rows = np.stack(sides, axis=1) if sides else np.zeros((attributes.shape[0], 0), int)
        return cls(attributes, category.tolist(), [tuple(row) for row in rows.tolist()])


def variety_aspects(items: np.ndarray, promoted: np.ndarray, rewards: RewardSides) -> np.ndarray:
    """For each promoted pick, the index in ``ASPECTS`` of what it adds to the picks above it.

    Parameters
    ----------
    items : ndarray of int, shape (n, k)
        Picks in order, -1 for none.
    promoted : ndarray of bool, shape (n, k)
        Whether diversification put the pick above a more relevant reward.
    rewards : RewardSides
        The catalogue's categories and sides (``RewardSides.of`` its attribute matrix).

    Returns
    -------
    ndarray of int8, shape (n, k)
        ``KIND`` for a category no pick above has; else the first side, in the order
        visibility, scope, horizon, that no pick above of the same category has; ``NONE``
        where the pick was not promoted or adds neither.
    """
    items = np.asarray(items)
    out = np.zeros(items.shape, dtype=np.int8)
    # The first pick has nothing above it to vary.
    rows, cols = np.nonzero(np.asarray(promoted, dtype=bool) & (items >= 0))
    rows, cols = rows[cols > 0], cols[cols > 0]
    if not len(rows):
        return out
    picks = items.tolist()
    category, sides = rewards.category, rewards.sides
    codes = []
    for r, j in zip(rows.tolist(), cols.tolist(), strict=True):
        row = picks[r]
        mine = row[j]
        same = [sides[i] for i in row[:j] if i >= 0 and category[i] == category[mine]]
        code = NONE if same else KIND
        for s, side in enumerate(sides[mine] if same else ()):
            if all(other[s] != side for other in same):
                code = side
                break
        codes.append(code)
    out[rows, cols] = codes
    return out
