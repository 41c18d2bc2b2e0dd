"""The minimum group size: its default, its allowed range and its check.

Apart from ``recommender.anonymity`` (which needs numpy) so that every session can carry the
setting without loading numpy: a command such as ``motivo users list`` never does.
"""

from __future__ import annotations

from numbers import Integral

MIN_GROUP_SIZE = 5
"""Default smallest group whose aggregates may be shown."""
MIN_GROUP_SIZE_RANGE = (3, 10)


def check_min_size(min_size: int) -> int:
    """Validate a minimum group size.

    Parameters
    ----------
    min_size : int
        A whole number (Python or numpy integer).

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
    if not isinstance(min_size, Integral) or not low <= min_size <= high:
        raise ValueError(f"the minimum group size must be a whole number from {low} to {high}")
    return int(min_size)
