"""Rating feedback as parallel arrays, the form the ranker learns from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ratings:
    """Feedback as parallel arrays: person row, reward column, rating.

    ``rating`` is 1-5, or NaN for a dismissal ("not for me").
    """

    person: np.ndarray
    item: np.ndarray
    rating: np.ndarray

    def __post_init__(self) -> None:
        person = np.asarray(self.person, dtype=np.int64).ravel()
        item = np.asarray(self.item, dtype=np.int64).ravel()
        rating = np.asarray(self.rating, dtype=float).ravel()
        if not person.shape == item.shape == rating.shape:
            raise ValueError("person, item and rating must have the same length")
        present = rating[~np.isnan(rating)]
        if present.size and (present.min() < 1 or present.max() > 5):
            raise ValueError("ratings must lie in 1..5 (NaN marks a dismissal)")
        object.__setattr__(self, "person", person)
        object.__setattr__(self, "item", item)
        object.__setattr__(self, "rating", rating)

    @classmethod
    def empty(cls) -> Ratings:
        """No feedback at all."""
        return cls(np.empty(0), np.empty(0), np.empty(0))

    @classmethod
    def from_records(cls, records: Iterable[tuple[int, int, float | None]]) -> Ratings:
        """Build from (person row, reward column, rating or None for a dismissal)."""
        rows = [(p, i, np.nan if r is None else float(r)) for p, i, r in records]
        if not rows:
            return cls.empty()
        p, i, r = zip(*rows, strict=True)
        return cls(np.asarray(p), np.asarray(i), np.asarray(r, dtype=float))

    def __len__(self) -> int:
        return int(self.person.size)

    @property
    def dismissed(self) -> np.ndarray:
        """True where the feedback is a dismissal."""
        return np.isnan(self.rating)

    def subset(self, mask: np.ndarray) -> Ratings:
        """The ratings where ``mask`` is true."""
        return Ratings(self.person[mask], self.item[mask], self.rating[mask])
