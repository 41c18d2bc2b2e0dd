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

import numpy as np

from recommender.reward_index import SIGNED_ATTRIBUTES

ASPECTS = ("", "kind", "public", "private", "team", "individual", "long", "short")
"""Codes of ``variety_aspects``: none, a new category, then each signed attribute's +1 and
-1 side (``RewardIndex.attributes``: public, team and long are +1)."""

NONE, KIND = 0, 1
_SIDES = {"visibility": (2, 3), "scope": (4, 5), "horizon": (6, 7)}


def variety_aspects(
    items: np.ndarray,
    promoted: np.ndarray,
    attributes: np.ndarray,
    attribute_names: Sequence[str],
) -> np.ndarray:
    """For each promoted pick, the index in ``ASPECTS`` of what it adds to the picks above it.

    Parameters
    ----------
    items : ndarray of int, shape (n, k)
        Picks in order, -1 for none.
    promoted : ndarray of bool, shape (n, k)
        Whether diversification put the pick above a more relevant reward.
    attributes : ndarray of shape (n_items, n_attributes)
        The rewards' attributes (category one-hot, signed visibility, scope and horizon).
    attribute_names : sequence of str

    Returns
    -------
    ndarray of int8, shape (n, k)
        ``KIND`` for a category no pick above has; else the first side, in the order
        visibility, scope, horizon, that no pick above of the same category has; ``NONE``
        where the pick was not promoted or adds neither.
    """
    items = np.asarray(items)
    out = np.zeros(items.shape, dtype=np.int8)
    if items.size == 0:
        return out
    names = list(attribute_names)
    category_columns = [j for j, name in enumerate(names) if name.startswith("category:")]
    valid = items >= 0
    safe = np.where(valid, items, 0)
    category = (
        attributes[:, category_columns].argmax(axis=1)[safe]
        if category_columns
        else np.zeros(items.shape, dtype=np.int64)
    )
    signed = {
        name: np.sign(attributes[:, names.index(name)])[safe]
        for name in SIGNED_ATTRIBUTES
        if name in names and name in _SIDES
    }
    for col in range(1, items.shape[1]):
        here = promoted[:, col] & valid[:, col]
        if not here.any():
            continue
        same = valid[:, :col] & (category[:, :col] == category[:, col : col + 1])
        code = np.where(same.any(axis=1), NONE, KIND).astype(np.int8)
        for name, (plus, minus) in _SIDES.items():
            if name not in signed:
                continue
            side = signed[name]
            lacks = ~(same & (side[:, :col] == side[:, col : col + 1])).any(axis=1)
            fill = (code == NONE) & lacks
            code[fill] = np.where(side[fill, col] > 0, plus, minus)
        out[:, col] = np.where(here, code, NONE)
    return out
