"""The reward catalogue as plain frozen dataclasses, plus parsing and validation.

Ids are stable slugs; the recommender maps them to matrix columns through
``RewardIndex`` (see ``recommender.ranker``), so the estimator never sees database ids.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORIES = (
    "recognition",
    "development",
    "experience",
    "wellness",
    "exclusive",
    "personal",
    "time",
)
VISIBILITIES = ("public", "private")
SCOPES = ("individual", "team")
HORIZONS = ("short", "long")


@dataclass(frozen=True)
class Reward:
    """One non-monetary reward in the organisation's catalogue."""

    id: str
    name: dict[str, str]
    description: dict[str, str]
    category: str
    visibility: str
    scope: str
    roles: tuple[str, ...]
    cost_band: int
    cost: float
    horizon: str
    cooldown_days: int
    active: bool = True
