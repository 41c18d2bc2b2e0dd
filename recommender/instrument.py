"""The instrument: a versioned questionnaire definition, as plain frozen dataclasses.

Parsing and validation of the TOML/JSON structure live here too (see ``parse_instrument``),
so the CLI, the HR page and the seed loader all accept exactly the same format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ITEM_TYPES = ("likert", "ranking", "text", "attention")
CONSTRUCT_GROUPS = ("motivation", "reward_preference")


@dataclass(frozen=True)
class Option:
    """One option of a ranking item; ``construct`` is the scale it feeds."""

    code: str
    construct: str
    text: dict[str, str]


@dataclass(frozen=True)
class Construct:
    """What a scale measures, for example ``autonomy`` or ``pref_time``."""

    key: str
    group: str
    label: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """One question. ``code`` is its stable column name in imports and exports."""

    code: str
    type: str
    text: dict[str, str]
    construct: str | None = None
    reverse: bool = False
    min: int = 1
    max: int = 5
    options: tuple[Option, ...] = ()
    expected: int | None = None
    required: bool = True


@dataclass(frozen=True)
class Instrument:
    """A versioned questionnaire: constructs and the items that measure them."""

    name: str
    version: int
    title: dict[str, str]
    scale_min: int
    scale_max: int
    scale_labels: dict[str, list[str]]
    constructs: tuple[Construct, ...]
    items: tuple[Item, ...]
