"""How evenly rewards are spread over people: Gini coefficient, top share and flags.

Everything here takes plain arrays of non-negative amounts (the value, or the number, of
rewards each person received) and knows nothing of people, teams or databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAX_SHARE = 0.4
"""Largest share of a group's rewards one person may receive before it is flagged."""


def _amounts(values: Sequence[float] | np.ndarray) -> np.ndarray:
    amounts = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(amounts)):
        raise ValueError("amounts must be finite numbers")
    if np.any(amounts < 0):
        raise ValueError("amounts must not be negative")
    return amounts


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative amounts.

    Half the mean absolute difference between every two people, divided by the mean:
    0 when everyone received the same, ``(n - 1) / n`` when one person received
    everything (the population form, without a small-sample correction).

    Parameters
    ----------
    values : array-like of float, shape (n_people,)
        What each person received; zeros count.

    Returns
    -------
    float
        In ``[0, (n - 1) / n]``; 0.0 when every amount is zero (nobody has more than
        anyone else); NaN when there are no people.

    Raises
    ------
    ValueError
        If an amount is negative or not finite.

    Examples
    --------
    >>> gini([0, 0, 0, 10])
    0.75
    >>> gini([5, 5, 5])
    0.0
    """
    amounts = np.sort(_amounts(values))
    n = amounts.size
    if n == 0:
        return float("nan")
    total = amounts.sum()
    if total == 0:
        return 0.0
    # With amounts sorted ascending, sum_i sum_j |x_i - x_j| = 2 * sum_i (2i - n - 1) x_i.
    ranks = np.arange(1, n + 1)
    value = float(np.sum((2 * ranks - n - 1) * amounts) / (n * total))
    return min(max(value, 0.0), (n - 1) / n)


def top_share(values: Sequence[float] | np.ndarray) -> float:
    """Share of the total that the person with the most received.

    Parameters
    ----------
    values : array-like of float, shape (n_people,)

    Returns
    -------
    float
        In ``[1 / n, 1]``; NaN when there are no people or the total is zero.

    Examples
    --------
    >>> top_share([1, 1, 2])
    0.5
    """
    amounts = _amounts(values)
    total = amounts.sum() if amounts.size else 0.0
    if total == 0:
        return float("nan")
    return float(amounts.max() / total)


def group_gini(
    values: Sequence[float] | np.ndarray, labels: Sequence[int] | np.ndarray
) -> np.ndarray:
    """Gini coefficient of the amounts inside each group.

    Parameters
    ----------
    values : array-like of float, shape (n_people,)
    labels : array-like of int, shape (n_people,)
        Group of each person, numbered from 0.

    Returns
    -------
    ndarray of float, shape (n_groups,)
        NaN for a group with nobody in it.
    """
    amounts = _amounts(values)
    labels = np.asarray(labels, dtype=int).ravel()
    if labels.size != amounts.size:
        raise ValueError("values and labels must have the same length")
    n_groups = int(labels.max()) + 1 if labels.size else 0
    return np.array([gini(amounts[labels == g]) for g in range(n_groups)], dtype=float)


@dataclass(frozen=True)
class ConcentrationFlags:
    """What stands out in how one group's rewards are spread.

    Attributes
    ----------
    top : int or None
        Index of the person who received the most value (the first on ties); None when
        the value received adds up to zero.
    share : float
        That person's share of the total value; NaN when the total is zero.
    concentrated : bool
        True when ``share`` exceeds the maximum share, the total is above zero and at
        least ``min_recipients`` people (and never fewer than two) received something:
        with one or two recipients someone always has half or more.
    left_out : tuple of int
        Indices of the people who received nothing, in order.
    recipients : int
        How many people received something.
    """

    top: int | None
    share: float
    concentrated: bool
    left_out: tuple[int, ...]
    recipients: int = 0


def concentration_flags(
    values: Sequence[float] | np.ndarray,
    counts: Sequence[int] | np.ndarray | None = None,
    *,
    max_share: float = MAX_SHARE,
    min_recipients: int = 2,
) -> ConcentrationFlags:
    """Flag one person receiving more than ``max_share`` of the value, and who got nothing.

    The share is taken of ``values`` only: when they add up to zero (every reward given
    was free) nobody is flagged, as a share of nothing means nothing. "Received nothing"
    means a count of zero when ``counts`` is given (a free reward is still a reward), else
    a value of zero.

    Parameters
    ----------
    values : array-like of float, shape (n_people,)
        Value of the rewards each person received.
    counts : array-like of int, shape (n_people,), optional
        Number of rewards each person received.
    max_share : float, default=0.4
        Share above which the top recipient is flagged.
    min_recipients : int, default=2
        Fewest people who must have received something before a share is flagged
        (two or more are always needed).

    Returns
    -------
    ConcentrationFlags

    Examples
    --------
    >>> flags = concentration_flags([500, 100, 50, 0], counts=[2, 1, 1, 0], min_recipients=3)
    >>> flags.top, round(flags.share, 3), flags.concentrated, flags.left_out
    (0, 0.769, True, (3,))
    """
    if not 0 < max_share <= 1:
        raise ValueError("max_share must lie in (0, 1]")
    if min_recipients < 1:
        raise ValueError("min_recipients must be 1 or more")
    amounts = _amounts(values)
    numbers = None if counts is None else _amounts(counts)
    if numbers is not None and numbers.size != amounts.size:
        raise ValueError("values and counts must have the same length")
    received = numbers if numbers is not None else amounts
    left_out = tuple(int(i) for i in np.flatnonzero(received == 0))
    recipients = int(np.count_nonzero(received))
    if amounts.size == 0 or amounts.sum() == 0:
        return ConcentrationFlags(
            top=None,
            share=float("nan"),
            concentrated=False,
            left_out=left_out,
            recipients=recipients,
        )
    top = int(np.argmax(amounts))
    share = float(amounts[top] / amounts.sum())
    return ConcentrationFlags(
        top=top,
        share=share,
        concentrated=recipients >= max(2, min_recipients) and share > max_share,
        left_out=left_out,
        recipients=recipients,
    )
