"""The reward catalogue as plain frozen dataclasses, plus parsing and validation.

Ids are stable slugs; the recommender maps them to matrix columns through
``RewardIndex`` (see ``recommender.reward_index``), so the estimator never sees database ids.

Two record shapes are accepted, so the seed file, JSON exports and spreadsheet imports all
go through :func:`parse_catalogue`:

* the TOML/JSON shape, with ``name = {en = ..., nb = ...}``, ``roles`` as a list and
  ``active`` as a boolean (:func:`reward_to_dict` writes it);
* the flat CSV shape of :data:`CSV_COLUMNS`, with ``name_en``/``name_nb``, roles joined by
  ``;`` and ``active`` as ``true``/``false`` (:func:`reward_to_row` writes it).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
SALES_ROLES = ("presales", "sdr", "closer", "account_manager", "customer_success")
_NOT_KEY = re.compile(r"[\W_]+")


def role_key(text: str) -> str:
    """A sales role as a stable key: ``"Account Manager "`` and ``"account-manager"`` are
    both ``account_manager``, so one role never splits into groups by how it was typed.

    Case is folded, and every run of spaces, punctuation or underscores becomes one ``_``.
    """
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _NOT_KEY.sub("_", folded).strip("_")


ALL_ROLES = "all"
"""The ``roles`` value for a reward that suits every sales role."""
LANGUAGES = ("en", "nb")
COST_BAND_LIMITS = (500.0, 2000.0, 6000.0)
# Above any non-monetary reward's cost, and within what money formatting and budgets can
# add up; a cooldown of ten years is as good as once.
COST_MAX = 10_000_000.0
COOLDOWN_MAX_DAYS = 3650
"""Highest cost in NOK of bands 1, 2 and 3; band 4 is anything above the last limit."""

FIELDS = (
    "id",
    "name",
    "description",
    "category",
    "visibility",
    "scope",
    "roles",
    "cost_band",
    "cost",
    "horizon",
    "cooldown_days",
    "active",
)
"""Keys of the TOML/JSON shape, in the order :func:`reward_to_dict` writes them."""

CSV_COLUMNS = (
    "id",
    "name_en",
    "name_nb",
    "description_en",
    "description_nb",
    "category",
    "visibility",
    "scope",
    "roles",
    "cost_band",
    "cost",
    "horizon",
    "cooldown_days",
    "active",
)
"""Columns of the flat CSV shape, in the order :func:`reward_to_row` writes them."""

_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_ID_MAX_LENGTH = 64
_INT_PATTERN = re.compile(r"^[+-]?\d+$")
_ROLE_SEPARATORS = re.compile(r"[;,|]")
# Spreadsheets group thousands with (non-breaking or thin) spaces, e.g. "12 000".
_DIGIT_GROUPING = re.compile(r"[\s\u00a0\u202f']")
_TRUE = frozenset({"true", "yes", "1", "ja"})
_FALSE = frozenset({"false", "no", "0", "nei"})
_TEXT_FIELDS = ("name", "description")
_KNOWN_COLUMNS = frozenset(FIELDS) | frozenset(CSV_COLUMNS)


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


class CatalogueProblem(str):
    """One problem as ``"row N, column X: message"`` text, with its ``row``, ``column`` and
    ``message`` kept apart so a front end can place and word it (``column`` may be "")."""

    row: int
    column: str
    message: str

    def __new__(cls, row: int, column: str, message: str) -> CatalogueProblem:
        where = f"row {row}, column {column}" if column else f"row {row}"
        self = super().__new__(cls, f"{where}: {message}")
        self.row, self.column, self.message = row, column, message
        return self


class CatalogueError(ValueError):
    """A catalogue that does not validate.

    Attributes
    ----------
    problems : list of str
        Every problem found, each as ``"row N, column X: problem"`` (or ``"row N: problem"``
        when it concerns the whole record), in row order.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            shown += f"\n  ... and {more} more"
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the catalogue:\n{shown}")


def cost_band_for(cost: float) -> int:
    """Return the cost band (1-4) that an indicative cost in NOK falls in.

    Parameters
    ----------
    cost : float
        Indicative cost in NOK, 0 or more.

    Returns
    -------
    int
        1 up to 500, 2 up to 2000, 3 up to 6000, 4 above.
    """
    for band, limit in enumerate(COST_BAND_LIMITS, start=1):
        if cost <= limit:
            return band
    return len(COST_BAND_LIMITS) + 1


def parse_catalogue(
    records: Sequence[Mapping[str, Any]], *, first_row: int | None = None
) -> list[Reward]:
    """Validate catalogue records and build the rewards.

    Every record is checked and every problem collected before anything is raised, so one
    import shows the whole list.

    Parameters
    ----------
    records : sequence of mappings
        One mapping per reward, either in the TOML/JSON shape or as flat CSV rows (see the
        module docstring); the two shapes may be mixed. Records whose values are all empty
        (blank spreadsheet rows) are skipped. ``active`` may be left out and defaults to true.
    first_row : int, optional
        The row number of ``records[0]`` in messages. By default rows are counted from 1,
        except when every record is a flat row of text (``str`` or ``None`` values, as
        ``seed.loaders.read_table_file`` returns): then the numbering is the one a
        spreadsheet shows, with the header as row 1 and the first record as row 2.

    Returns
    -------
    list of Reward
        In input order.

    Raises
    ------
    CatalogueError
        With ``problems`` as ``"row N, column X: problem"`` for each missing column, unknown
        column, empty value, unknown category/visibility/scope/horizon/role, cost band
        outside 1-4, cost that is not a number or is negative, cooldown that is not a
        whole number of days, ``active`` that is not a boolean, malformed or duplicate id.
    """
    if isinstance(records, Mapping | str | bytes):
        raise TypeError("records must be a sequence of mappings, one per reward")
    if first_row is None:
        first_row = 2 if records and all(_is_text_row(r) for r in records) else 1
    problems: list[str] = []
    rewards: list[Reward] = []
    seen_ids: dict[str, int] = {}
    for offset, record in enumerate(records):
        row = first_row + offset
        if isinstance(record, Mapping) and _is_blank(record):
            continue
        reward = _RecordParser(row, problems).parse(record)
        if reward is None:
            continue
        if reward.id in seen_ids:
            problems.append(
                CatalogueProblem(
                    row,
                    "id",
                    f"duplicate id '{reward.id}' (also in row {seen_ids[reward.id]})",
                )
            )
            continue
        seen_ids[reward.id] = row
        rewards.append(reward)
    if problems:
        raise CatalogueError(problems)
    return rewards


def reward_to_dict(reward: Reward) -> dict[str, Any]:
    """Return the reward in the TOML/JSON shape.

    ``parse_catalogue([reward_to_dict(r)]) == [r]`` for every valid reward ``r``.
    """
    return {
        "id": reward.id,
        "name": dict(reward.name),
        "description": dict(reward.description),
        "category": reward.category,
        "visibility": reward.visibility,
        "scope": reward.scope,
        "roles": list(reward.roles),
        "cost_band": reward.cost_band,
        "cost": reward.cost,
        "horizon": reward.horizon,
        "cooldown_days": reward.cooldown_days,
        "active": reward.active,
    }


def reward_to_row(reward: Reward) -> dict[str, str]:
    """Return the reward as a flat CSV row keyed by :data:`CSV_COLUMNS`, every value text.

    ``parse_catalogue([reward_to_row(r)]) == [r]`` for every valid reward ``r``.
    """
    return {
        "id": reward.id,
        "name_en": reward.name.get("en", ""),
        "name_nb": reward.name.get("nb", ""),
        "description_en": reward.description.get("en", ""),
        "description_nb": reward.description.get("nb", ""),
        "category": reward.category,
        "visibility": reward.visibility,
        "scope": reward.scope,
        "roles": ";".join(reward.roles),
        "cost_band": str(reward.cost_band),
        "cost": _format_number(reward.cost),
        "horizon": reward.horizon,
        "cooldown_days": str(reward.cooldown_days),
        "active": "true" if reward.active else "false",
    }


def _format_number(value: float) -> str:
    # Whole kroner are written without ".0" so the cell reads naturally in a spreadsheet.
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _is_text_row(record: object) -> bool:
    return isinstance(record, Mapping) and all(
        value is None or isinstance(value, str) for value in record.values()
    )


def _is_blank(record: Mapping[str, Any]) -> bool:
    return all(
        value is None or (isinstance(value, str) and not value.strip()) for value in record.values()
    )


def _slug_hint(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return f", for example '{slug[:_ID_MAX_LENGTH]}'" if slug else ""


class _RecordParser:
    """Reads one record, appending a message to ``problems`` for each thing that is wrong."""

    def __init__(self, row: int, problems: list[str]) -> None:
        self.row = row
        self.problems = problems
        self.ok = True

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.problems.append(CatalogueProblem(self.row, column, message))

    def parse(self, record: object) -> Reward | None:
        if not isinstance(record, Mapping):
            self.problems.append(
                CatalogueProblem(
                    self.row, "", f"expected a table of columns, got {type(record).__name__}"
                )
            )
            return None
        flat = any(f"{f}_{lang}" in record for f in _TEXT_FIELDS for lang in LANGUAGES) or (
            _is_text_row(record)
        )
        expected = ", ".join(CSV_COLUMNS if flat else FIELDS)
        for key in record:
            if key not in _KNOWN_COLUMNS:
                self.problem(str(key), f"unknown column (expected {expected})")
        values = {
            "id": self.reward_id(record),
            "name": self.texts(record, "name", flat, allow_empty=False),
            "description": self.texts(record, "description", flat, allow_empty=True),
            "category": self.choice(record, "category", CATEGORIES),
            "visibility": self.choice(record, "visibility", VISIBILITIES),
            "scope": self.choice(record, "scope", SCOPES),
            "roles": self.roles(record),
            "cost_band": self.whole_number(record, "cost_band", low=1, high=4),
            "cost": self.cost(record),
            "horizon": self.choice(record, "horizon", HORIZONS),
            "cooldown_days": self.whole_number(
                record, "cooldown_days", low=0, high=COOLDOWN_MAX_DAYS
            ),
            "active": self.active(record),
        }
        if not self.ok:
            return None
        return Reward(**values)

    def required(self, record: Mapping[str, Any], column: str) -> tuple[bool, Any]:
        """Return (present, value); an absent column or an empty cell is a problem."""
        if column not in record:
            self.problem(column, "missing column")
            return False, None
        value = record[column]
        if value is None or (isinstance(value, str) and not value.strip()):
            self.problem(column, "missing value")
            return False, None
        return True, value

    def reward_id(self, record: Mapping[str, Any]) -> str:
        present, value = self.required(record, "id")
        if not present:
            return ""
        if not isinstance(value, str):
            self.problem("id", f"expected text, got {value!r}")
            return ""
        value = value.strip()
        if len(value) > _ID_MAX_LENGTH:
            self.problem("id", f"'{value}' is longer than {_ID_MAX_LENGTH} characters")
        elif not _ID_PATTERN.match(value):
            self.problem(
                "id",
                f"'{value}' is not a valid id: use lowercase letters, digits and hyphens"
                f"{_slug_hint(value)}",
            )
        return value

    def texts(
        self, record: Mapping[str, Any], field: str, flat: bool, *, allow_empty: bool
    ) -> dict[str, str]:
        flat_columns = [f"{field}_{lang}" for lang in LANGUAGES]
        has_nested = field in record
        has_flat = any(column in record for column in flat_columns)
        if has_nested and has_flat:
            self.problem(field, f"give either {field} or {'/'.join(flat_columns)}, not both")
            return {}
        if has_nested:
            value = record[field]
            if not isinstance(value, Mapping):
                self.problem(field, f"expected a table with {' and '.join(LANGUAGES)} texts")
                return {}
            for lang in value:
                if lang not in LANGUAGES:
                    self.problem(
                        f"{field}.{lang}", f"unknown language (expected {', '.join(LANGUAGES)})"
                    )
            cells = {
                lang: (f"{field}.{lang}", value.get(lang), lang in value) for lang in LANGUAGES
            }
        elif flat:
            cells = {
                lang: (
                    f"{field}_{lang}",
                    record.get(f"{field}_{lang}"),
                    f"{field}_{lang}" in record,
                )
                for lang in LANGUAGES
            }
        else:
            self.problem(field, "missing column")
            return {}
        result: dict[str, str] = {}
        for lang, (column, text, present) in cells.items():
            if not present:
                self.problem(column, "missing column" if not has_nested else f"missing {lang} text")
            elif text is not None and not isinstance(text, str):
                self.problem(column, f"expected text, got {text!r}")
            elif not allow_empty and (text is None or not text.strip()):
                self.problem(column, "missing value")
            else:
                result[lang] = (text or "").strip()
        return result

    def choice(self, record: Mapping[str, Any], column: str, allowed: Sequence[str]) -> str:
        present, value = self.required(record, column)
        if not present:
            return ""
        normalised = value.strip().lower() if isinstance(value, str) else value
        if normalised not in allowed:
            self.problem(
                column, f"unknown {column} {value!r} (expected one of: {', '.join(allowed)})"
            )
            return ""
        return normalised

    def roles(self, record: Mapping[str, Any]) -> tuple[str, ...]:
        present, value = self.required(record, "roles")
        if not present:
            return ()
        if isinstance(value, str):
            parts = _ROLE_SEPARATORS.split(value)
        elif isinstance(value, list | tuple):
            parts = list(value)
        else:
            self.problem("roles", f"expected a list of roles or '{ALL_ROLES}', got {value!r}")
            return ()
        roles: list[str] = []
        bad = False
        for part in parts:
            if not isinstance(part, str):
                self.problem("roles", f"expected role names as text, got {part!r}")
                bad = True
                continue
            role = role_key(part)
            if not role:
                continue
            if role != ALL_ROLES and role not in SALES_ROLES:
                self.problem(
                    "roles",
                    f"unknown role {part.strip()!r} (expected '{ALL_ROLES}' or any of: "
                    f"{', '.join(SALES_ROLES)})",
                )
                bad = True
            elif role not in roles:
                roles.append(role)
        if not roles:
            if not bad:
                self.problem("roles", f"missing value (use '{ALL_ROLES}' for every role)")
            return ()
        if ALL_ROLES in roles and len(roles) > 1:
            self.problem("roles", f"'{ALL_ROLES}' cannot be combined with specific roles")
        return tuple(roles)

    def whole_number(
        self, record: Mapping[str, Any], column: str, *, low: int, high: int | None
    ) -> int:
        present, value = self.required(record, column)
        if not present:
            return 0
        number = _as_int(value)
        expected = (
            f"a whole number from {low} to {high}"
            if high is not None
            else (f"a whole number of {low} or more")
        )
        if number is None:
            self.problem(column, f"expected {expected}, got {value!r}")
            return 0
        if number < low or (high is not None and number > high):
            self.problem(column, f"expected {expected}, got {number}")
            return 0
        return number

    def cost(self, record: Mapping[str, Any]) -> float:
        present, value = self.required(record, "cost")
        if not present:
            return 0.0
        number, why = _as_number(value)
        if number is None:
            self.problem("cost", f"not a number: {value!r}{why}")
            return 0.0
        if number < 0:
            self.problem("cost", f"must not be negative, got {_format_number(number)}")
            return 0.0
        if number > COST_MAX:
            self.problem(
                "cost",
                f"must be at most {_format_number(COST_MAX)}, got {number:.6g}",
            )
            return 0.0
        return number

    def active(self, record: Mapping[str, Any]) -> bool:
        value = record.get("active")
        if value is None or (isinstance(value, str) and not value.strip()):
            return True
        parsed = _as_bool(value)
        if parsed is None:
            self.problem("active", f"expected true or false, got {value!r}")
            return True
        return parsed


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and _INT_PATTERN.match(value.strip()):
        return int(value.strip())
    return None


def _as_number(value: object) -> tuple[float | None, str]:
    """Return (number, "") or (None, reason); accepts "12 000" and a decimal comma."""
    if isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = _DIGIT_GROUPING.sub("", value.strip())
        if "," in text and "." not in text:
            # "1500,50" is a Norwegian decimal; "1,500" could be either, so refuse to guess.
            whole, _, decimals = text.partition(",")
            if len(decimals) == 3 or "," in decimals:
                return None, " (write it without a thousands separator, e.g. 1500)"
            text = f"{whole}.{decimals}"
        try:
            number = float(text)
        except ValueError:
            return None, ""
    else:
        return None, ""
    if not math.isfinite(number):
        return None, ""
    return number, ""


def _as_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None
