"""Small query helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# SQLite's smallest build allows 999 bound parameters in one statement; an ``IN`` list of
# at most this many values stays below it with room for the statement's other parameters.
IN_CHUNK = 900


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """``values`` in consecutive lists of at most ``size`` (none for an empty sequence)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]
