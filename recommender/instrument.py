"""The instrument: a versioned questionnaire definition, as plain frozen dataclasses.

Parsing and validation of the TOML/JSON structure live here too (see ``parse_instrument``),
so the CLI, the HR page and the seed loader all accept exactly the same format::

    name = "motivation"          # stable key
    version = 1
    title = { en = "...", nb = "..." }
    [scale]                      # default for likert items; an item may override min/max
    min = 1
    max = 5
    labels = { en = ["...", "..."], nb = ["...", "..."] }
    [[constructs]]
    key = "autonomy"
    group = "motivation"         # motivation | reward_preference
    label = { en = "...", nb = "..." }
    description = { en = "...", nb = "..." }
    [[items]]
    code = "aut1"                # unique, stable; the CSV column name
    construct = "autonomy"
    type = "likert"              # likert | ranking | best_worst | text | attention
    reverse = false
    text = { en = "...", nb = "..." }

A ranking item lists ``options = [{ code, construct, text }, ...]``; an attention item states
the answer it ``expected``; any item may set ``min``, ``max`` and ``required`` (text items
default to not required). Every text needs English (``en``); Norwegian (``nb``) is optional
so that English-only instruments can be imported.

A likert item may name its two ends instead of using the agreement labels:
``poles = { en = ["Thanked in private", "Thanked in front of others"], nb = [...] }``. Such a
bipolar item asks "which of two things, and how strongly" (the high end is the construct),
so agreeing with everything cannot move it.

A ``best_worst`` item is one task of best-worst scaling: it lists ``options`` (3 or more,
like a ranking item's) and the rep picks the one they want most and the one they want
least. Each option feeds its construct; an option code means the same construct in every
task. The tasks of an instrument are scored together (see ``recommender.scoring``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ITEM_TYPES = ("likert", "ranking", "best_worst", "text", "attention")
OPTION_TYPES = ("ranking", "best_worst")
"""Item types that list options (each option feeds a construct)."""
MIN_BEST_WORST_OPTIONS = 3
"""A best-worst task with two options is a forced choice: best and worst say the same thing."""
CONSTRUCT_GROUPS = ("motivation", "reward_preference")
OPEN_PAGE = "open"
"""Key of the final survey page that holds the free-text items."""
MAX_ITEMS_PER_PAGE = 12
"""A construct group with more questions than this is split over several pages (attention
checks are not counted: they stay with the item before them). Long pages tire people and
on a phone they scroll for metres; the order of the items never changes."""

REQUIRED_LANGUAGE = "en"
_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TOP_FIELDS = frozenset({"name", "version", "title", "scale", "constructs", "items"})
_SCALE_FIELDS = frozenset({"min", "max", "labels"})
_CONSTRUCT_FIELDS = frozenset({"key", "group", "label", "description"})
_ITEM_FIELDS = frozenset(
    {
        "code",
        "construct",
        "type",
        "reverse",
        "text",
        "options",
        "expected",
        "min",
        "max",
        "required",
        "poles",
    }
)
_OPTION_FIELDS = frozenset({"code", "construct", "text"})


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
    poles: dict[str, tuple[str, str]] = field(default_factory=dict)


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

    def expected_minutes(self) -> int:
        """About how long a median respondent takes, in whole minutes (at least 1).

        From response-time findings for web surveys: an agree/disagree item about 6 s, a
        bipolar one (two ends to read) 8 s, a best-worst task 12 s, a ranking 4 s per
        option, an optional free-text item 5 s (most skip it or write a few words) and a
        page change 3 s. ``seed/instruments/motivation-v2.toml`` explains the figures.
        """
        seconds = 3.0 * len(self.pages())
        for item in self.items:
            if item.type == "best_worst":
                seconds += 12
            elif item.type == "ranking":
                seconds += 4 * len(item.options)
            elif item.type == "text":
                seconds += 5 if not item.required else 30
            else:
                seconds += 8 if item.poles else 6
        return max(1, round(seconds / 60))

    def likert_items(self) -> tuple[Item, ...]:
        """Return the likert items in instrument order."""
        return tuple(item for item in self.items if item.type == "likert")

    def items_for(self, construct_key: str) -> tuple[Item, ...]:
        """Return the likert items that make up the scale of ``construct_key``."""
        return tuple(item for item in self.likert_items() if item.construct == construct_key)

    def construct(self, key: str) -> Construct:
        """Return the construct called ``key``; raise ``KeyError`` if there is none."""
        for construct in self.constructs:
            if construct.key == key:
                return construct
        raise KeyError(key)

    def item(self, code: str) -> Item:
        """Return the item with ``code``; raise ``KeyError`` if there is none."""
        by_code = self._memo("by_code", lambda: {i.code: i for i in reversed(self.items)})
        try:
            return by_code[code]
        except KeyError:
            raise KeyError(code) from None

    def _memo(self, name: str, compute):
        # The instance is frozen, so derived structures are computed once and kept beside
        # the fields (outside them: equality, hashing and ``replace`` ignore them).
        key = f"_memo_{name}"
        if key not in self.__dict__:
            self.__dict__[key] = compute()
        return self.__dict__[key]

    def ranking_item(self) -> Item | None:
        """Return the ranking item, or ``None`` if the instrument has none."""
        return next((item for item in self.items if item.type == "ranking"), None)

    def best_worst_items(self) -> tuple[Item, ...]:
        """Return the best-worst tasks in instrument order."""
        return tuple(item for item in self.items if item.type == "best_worst")

    def construct_measures(self) -> dict[str, frozenset]:
        """What each scored construct's score is made of: every item that feeds it, by
        code, format (agree/disagree or bipolar, best-worst), keying and wording.

        Two versions measure a construct the same way only when these are equal: scores
        from other items, or from the same items in another format, share the 1-5 metric
        but not what it measures, so a difference between them is no change in people.
        """
        measures: dict[str, set] = {}
        for item in self.likert_items():
            kind = "bipolar" if item.poles else "likert"
            text = item.text.get("en", "")
            measures.setdefault(item.construct or "", set()).add(
                (item.code, kind, item.reverse, text)
            )
        for item in self.best_worst_items():
            options = tuple(sorted(option.code for option in item.options))
            for option in item.options:
                measures.setdefault(option.construct, set()).add(
                    (item.code, "best_worst", option.code, options)
                )
        return {key: frozenset(parts) for key, parts in measures.items()}

    def pages(self) -> list[tuple[str, tuple[Item, ...]]]:
        """Split the items into survey pages.

        Returns
        -------
        list of (page key, items)
            One page per construct group, in order of first appearance. A likert item
            goes on its construct's group page, a ranking item on the group page of its
            options' constructs, an attention item on the page of the item before it, and
            text items on a final page keyed ``"open"``.
        """
        return list(self._memo("pages", self._pages))

    def _pages(self) -> tuple[tuple[str, tuple[Item, ...]], ...]:
        groups = {construct.key: construct.group for construct in self.constructs}
        keys: list[str | None] = []
        for item in self.items:
            if item.type == "text":
                keys.append(OPEN_PAGE)
            elif item.type in OPTION_TYPES:
                keys.append(groups.get(item.options[0].construct) if item.options else None)
            elif item.type == "attention":
                keys.append(keys[-1] if keys else None)
            else:
                keys.append(groups.get(item.construct or ""))
        # An attention item at the very start has no item before it: it joins the next page.
        following = None
        for index in range(len(keys) - 1, -1, -1):
            if keys[index] is None:
                keys[index] = following
            else:
                following = keys[index]

        order: list[str] = []
        members: dict[str, list[Item]] = {}
        for key, item in zip(keys, self.items, strict=True):
            page = key or OPEN_PAGE
            if page not in members:
                members[page] = []
                if page != OPEN_PAGE:
                    order.append(page)
            members[page].append(item)
        if OPEN_PAGE in members:
            order.append(OPEN_PAGE)
        pages: list[tuple[str, tuple[Item, ...]]] = []
        for page in order:
            if page == OPEN_PAGE:
                pages.append((page, tuple(members[page])))
            else:
                pages.extend(_split_page(page, members[page]))
        return tuple(pages)

    def page_group(self, page_key: str) -> str:
        """The construct group a page belongs to (``reward_preference-2`` -> its group)."""
        return self._memo("page_groups", self._page_groups).get(page_key, page_key)

    def _page_groups(self) -> dict[str, str]:
        groups: dict[str, str] = {}
        for key, _items in self.pages():
            base, sep, number = key.rpartition(PAGE_PART)
            groups[key] = base if sep and number.isdigit() else key
        return groups

    def fingerprint(self) -> str:
        """Return a hash of the content, ignoring ``version``.

        Two instruments with the same fingerprint ask the same questions in the same way,
        so importing one over the other need not create a new version.
        """
        content = instrument_to_dict(self)
        del content["version"]
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def option_order(item: Item, key: str) -> tuple[Option, ...]:
    """The options of ``item`` in the order one response sees them.

    Position in a list sways choices (the first option is picked more often), so every
    response gets its own order. ``key`` names the response (for example its wave and
    person) so the order is the same each time the page is shown; it is derived from a
    hash, not from a global random state.
    """
    if len(item.options) < 2:
        return item.options
    digest = hashlib.sha256(f"{key}:{item.code}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    options = list(item.options)
    rng.shuffle(options)
    return tuple(options)


PAGE_PART = "-"
"""Joins a construct group and the number of its continuation page: ``reward_preference-2``."""


def _split_page(key: str, items: list[Item]) -> list[tuple[str, tuple[Item, ...]]]:
    """One group's items over as few pages as keep each within ``MAX_ITEMS_PER_PAGE``.

    The pages are as even as they can be and keep the items' order; the first page keeps
    the group's key (links and timings stored before the split still name it), the next
    ones are ``key-2``, ``key-3`` and so on.
    """
    counted = [i for i, item in enumerate(items) if item.type != "attention"]
    n_pages = max(1, math.ceil(len(counted) / MAX_ITEMS_PER_PAGE))
    if n_pages == 1:
        return [(key, tuple(items))]
    # Page p starts at the counted item with this rank; attention items ride along with
    # the item before them (or the first page, if one opens the group).
    starts = [counted[(len(counted) * p) // n_pages] for p in range(1, n_pages)]
    bounds = [0, *starts, len(items)]
    return [
        (key if p == 0 else f"{key}{PAGE_PART}{p + 1}", tuple(items[bounds[p] : bounds[p + 1]]))
        for p in range(n_pages)
    ]


class InstrumentError(ValueError):
    """An instrument definition that does not validate.

    Attributes
    ----------
    problems : list of str
        Every problem found, each naming where it is, for example
        ``"items[12] (code 'aut3'), field 'construct': unknown construct 'autonmy'"``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        summary = "; ".join(self.problems[:5])
        more = len(self.problems) - 5
        if more > 0:
            summary += f"; and {more} more"
        super().__init__(f"invalid instrument: {summary}")


def content_equal(a: Instrument, b: Instrument) -> bool:
    """Return whether two instruments are identical apart from their ``version``."""
    return dataclasses.replace(a, version=b.version) == b


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument from a ``.toml`` or ``.json`` file.

    Raises
    ------
    InstrumentError
        If the file cannot be parsed or the instrument does not validate.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InstrumentError([f"{path.name}: expected a .toml or .json file"])
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InstrumentError([f"{path.name}: cannot be read: {exc}"]) from exc
    if not isinstance(data, Mapping):
        raise InstrumentError([f"{path.name}: the top level must be a table"])
    return parse_instrument(data)


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """Return the instrument in its file format, ready for ``json.dumps`` or TOML.

    ``parse_instrument(instrument_to_dict(x)) == x`` for every valid instrument ``x``.
    Item ``min``/``max`` and ``required`` are written only where they differ from the
    defaults, so exports stay as short as the files people write by hand.
    """
    scale: dict[str, Any] = {"min": instrument.scale_min, "max": instrument.scale_max}
    if instrument.scale_labels:
        scale["labels"] = {lang: list(labels) for lang, labels in instrument.scale_labels.items()}
    constructs = []
    for construct in instrument.constructs:
        entry: dict[str, Any] = {
            "key": construct.key,
            "group": construct.group,
            "label": dict(construct.label),
        }
        if construct.description:
            entry["description"] = dict(construct.description)
        constructs.append(entry)
    items = []
    for item in instrument.items:
        entry = {"code": item.code, "type": item.type}
        if item.construct is not None:
            entry["construct"] = item.construct
        if item.type == "likert":
            entry["reverse"] = item.reverse
        entry["text"] = dict(item.text)
        if item.poles:
            entry["poles"] = {lang: list(ends) for lang, ends in item.poles.items()}
        if item.options:
            entry["options"] = [
                {"code": o.code, "construct": o.construct, "text": dict(o.text)}
                for o in item.options
            ]
        if item.expected is not None:
            entry["expected"] = item.expected
        if item.min != instrument.scale_min:
            entry["min"] = item.min
        if item.max != instrument.scale_max:
            entry["max"] = item.max
        if item.required != _default_required(item.type):
            entry["required"] = item.required
        items.append(entry)
    return {
        "name": instrument.name,
        "version": instrument.version,
        "title": dict(instrument.title),
        "scale": scale,
        "constructs": constructs,
        "items": items,
    }


def parse_instrument(data: Mapping[str, Any]) -> Instrument:
    """Validate a decoded TOML/JSON mapping and build the ``Instrument``.

    Every problem is collected before anything is raised, so one import shows the
    author the whole list.

    Parameters
    ----------
    data : Mapping
        The decoded file, in the format shown in this module's docstring.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        With ``problems`` listing each place that is wrong.
    """
    return _Parser().parse(data)


def _default_required(item_type: str) -> bool:
    return item_type != "text"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Parser:
    """Walks the mapping once, recording problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, where: str, name: str, message: str) -> None:
        prefix = f"{where}, field '{name}'" if where else f"field '{name}'"
        self.problems.append(f"{prefix}: {message}")

    def parse(self, data: Mapping[str, Any]) -> Instrument:
        if not isinstance(data, Mapping):
            raise InstrumentError(["the instrument must be a table (a mapping)"])
        self.unknown_fields("", data, _TOP_FIELDS)

        name = data.get("name")
        if not isinstance(name, str) or not _CODE_PATTERN.match(name):
            self.problem("", "name", self.describe_code_problem(name))
        version = data.get("version")
        if not _is_int(version) or version < 1:
            self.problem("", "version", f"must be a whole number of 1 or more, got {version!r}")
        title = self.text("", "title", data.get("title"))

        scale_min, scale_max, labels = self.scale(data.get("scale"))
        constructs = self.constructs(data.get("constructs"))
        items = self.items(data.get("items"), constructs, scale_min, scale_max)

        if self.problems:
            raise InstrumentError(self.problems)
        return Instrument(
            name=name,
            version=version,
            title=title,
            scale_min=scale_min,
            scale_max=scale_max,
            scale_labels=labels,
            constructs=tuple(constructs.values()),
            items=tuple(items),
        )

    @staticmethod
    def describe_code_problem(value: object) -> str:
        if value is None:
            return "missing"
        return (
            f"must be letters, digits, '_', '.' or '-' (starting with a letter or digit), "
            f"got {value!r}"
        )

    def unknown_fields(self, where: str, entry: Mapping[str, Any], known: frozenset[str]) -> None:
        for key in entry:
            if key not in known:
                allowed = ", ".join(sorted(known))
                self.problem(where, str(key), f"unknown field (allowed: {allowed})")

    def text(self, where: str, name: str, value: object, *, required: bool = True) -> dict:
        if value is None:
            if required:
                self.problem(where, name, "missing")
            return {}
        if not isinstance(value, Mapping):
            self.problem(where, name, f"must be a table of language -> text, got {value!r}")
            return {}
        result: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(text, str) or not text.strip():
                self.problem(where, f"{name}.{lang}", "must be a non-empty text")
            else:
                result[str(lang)] = text
        if REQUIRED_LANGUAGE not in value:
            self.problem(where, name, f"needs an English ('{REQUIRED_LANGUAGE}') text")
        return result

    def scale(self, value: object) -> tuple[int, int, dict[str, list[str]]]:
        if value is None:
            self.problem("", "scale", "missing")
            return 1, 5, {}
        if not isinstance(value, Mapping):
            self.problem("", "scale", f"must be a table, got {value!r}")
            return 1, 5, {}
        where = "scale"
        self.unknown_fields(where, value, _SCALE_FIELDS)
        lo, hi = value.get("min"), value.get("max")
        ok = True
        for name, bound in (("min", lo), ("max", hi)):
            if not _is_int(bound):
                self.problem(where, name, f"must be a whole number, got {bound!r}")
                ok = False
        if ok and lo >= hi:
            self.problem(where, "max", f"must be greater than min ({lo}), got {hi}")
            ok = False
        if not ok:
            lo, hi = 1, 5
        labels: dict[str, list[str]] = {}
        raw = value.get("labels")
        if raw is not None:
            if not isinstance(raw, Mapping):
                self.problem(where, "labels", "must be a table of language -> list of texts")
            else:
                points = hi - lo + 1
                for lang, texts in raw.items():
                    if (
                        not isinstance(texts, list | tuple)
                        or not all(isinstance(t, str) and t.strip() for t in texts)
                        or len(texts) not in (2, points)
                    ):
                        self.problem(
                            where,
                            f"labels.{lang}",
                            f"must list {points} texts (one per point) or 2 (the end points)",
                        )
                    else:
                        labels[str(lang)] = list(texts)
                if REQUIRED_LANGUAGE not in raw:
                    self.problem(where, "labels", f"needs English ('{REQUIRED_LANGUAGE}') labels")
        return lo, hi, labels

    def entries(self, name: str, value: object) -> list[Mapping[str, Any]]:
        if value is None:
            self.problem("", name, "missing")
            return []
        if not isinstance(value, list | tuple) or not value:
            self.problem("", name, "must be a non-empty list")
            return []
        return list(value)

    def constructs(self, value: object) -> dict[str, Construct]:
        result: dict[str, Construct] = {}
        for index, entry in enumerate(self.entries("constructs", value)):
            if not isinstance(entry, Mapping):
                self.problems.append(f"constructs[{index}]: must be a table")
                continue
            key = entry.get("key")
            where = f"constructs[{index}]" + (f" (key '{key}')" if isinstance(key, str) else "")
            self.unknown_fields(where, entry, _CONSTRUCT_FIELDS)
            valid_key = isinstance(key, str) and bool(_CODE_PATTERN.match(key))
            if not valid_key:
                self.problem(where, "key", self.describe_code_problem(key))
            elif key in result:
                self.problem(where, "key", f"duplicate construct key '{key}'")
                valid_key = False
            group = entry.get("group")
            if group not in CONSTRUCT_GROUPS:
                self.problem(
                    where, "group", f"must be one of {', '.join(CONSTRUCT_GROUPS)}, got {group!r}"
                )
            label = self.text(where, "label", entry.get("label"))
            description = self.text(where, "description", entry.get("description"), required=False)
            if valid_key:
                result[key] = Construct(
                    key=key, group=str(group), label=label, description=description
                )
        return result

    def items(
        self,
        value: object,
        constructs: Mapping[str, Construct],
        scale_min: int,
        scale_max: int,
    ) -> list[Item]:
        result: list[Item] = []
        codes: set[str] = set()
        ranking_seen = False
        option_constructs: dict[str, str] = {}
        for index, entry in enumerate(self.entries("items", value)):
            if not isinstance(entry, Mapping):
                self.problems.append(f"items[{index}]: must be a table")
                continue
            code = entry.get("code")
            where = f"items[{index}]" + (f" (code '{code}')" if isinstance(code, str) else "")
            self.unknown_fields(where, entry, _ITEM_FIELDS)
            if not isinstance(code, str) or not _CODE_PATTERN.match(code):
                self.problem(where, "code", self.describe_code_problem(code))
            elif code in codes:
                self.problem(where, "code", f"duplicate item code '{code}'")
            else:
                codes.add(code)

            item_type = entry.get("type")
            if item_type not in ITEM_TYPES:
                self.problem(
                    where, "type", f"must be one of {', '.join(ITEM_TYPES)}, got {item_type!r}"
                )
                self.text(where, "text", entry.get("text"))
                continue
            if item_type == "ranking":
                if ranking_seen:
                    self.problem(where, "type", "an instrument may have only one ranking item")
                ranking_seen = True

            text = self.text(where, "text", entry.get("text"))
            construct = self.item_construct(where, item_type, entry.get("construct"), constructs)
            reverse = entry.get("reverse", False)
            if not isinstance(reverse, bool):
                self.problem(where, "reverse", f"must be true or false, got {reverse!r}")
                reverse = False
            elif reverse and item_type != "likert":
                self.problem(where, "reverse", "only likert items can be reverse-keyed")
            lo, hi = self.item_range(where, entry, scale_min, scale_max)
            expected = self.expected(where, item_type, entry.get("expected"), lo, hi)
            options = self.options(where, item_type, entry.get("options"), constructs)
            self.same_option_constructs(where, options, option_constructs)
            poles = self.poles(where, item_type, entry.get("poles"))
            required = entry.get("required", _default_required(item_type))
            if not isinstance(required, bool):
                self.problem(where, "required", f"must be true or false, got {required!r}")
                required = _default_required(item_type)
            result.append(
                Item(
                    code=str(code),
                    type=item_type,
                    text=text,
                    construct=construct,
                    reverse=reverse,
                    min=lo,
                    max=hi,
                    options=options,
                    expected=expected,
                    required=required,
                    poles=poles,
                )
            )
        return result

    def same_option_constructs(
        self, where: str, options: tuple[Option, ...], seen: dict[str, str]
    ) -> None:
        # Best-worst tasks are scored together by option, so an option code must mean one
        # construct wherever it appears.
        for index, option in enumerate(options):
            known = seen.setdefault(option.code, option.construct)
            if known != option.construct:
                self.problem(
                    where,
                    f"options[{index}].construct",
                    f"option '{option.code}' feeds '{known}' elsewhere, got '{option.construct}'",
                )

    def poles(self, where: str, item_type: str, value: object) -> dict[str, tuple[str, str]]:
        if value is None:
            return {}
        if item_type != "likert":
            self.problem(where, "poles", "only likert items can name their two ends")
            return {}
        if not isinstance(value, Mapping):
            self.problem(where, "poles", "must be a table of language -> [low end, high end]")
            return {}
        result: dict[str, tuple[str, str]] = {}
        for lang, ends in value.items():
            if (
                not isinstance(ends, list | tuple)
                or len(ends) != 2
                or not all(isinstance(t, str) and t.strip() for t in ends)
            ):
                self.problem(where, f"poles.{lang}", "must list 2 texts (the low and high end)")
            else:
                result[str(lang)] = (ends[0], ends[1])
        if REQUIRED_LANGUAGE not in value:
            self.problem(where, "poles", f"needs English ('{REQUIRED_LANGUAGE}') ends")
        return result

    def item_construct(
        self,
        where: str,
        item_type: str,
        construct: object,
        constructs: Mapping[str, Construct],
    ) -> str | None:
        if construct is None:
            if item_type == "likert":
                self.problem(where, "construct", "missing (a likert item must measure a construct)")
            return None
        if item_type in OPTION_TYPES:
            self.problem(
                where, "construct", f"a {item_type} item takes its constructs from its options"
            )
            return None
        if not isinstance(construct, str) or construct not in constructs:
            self.problem(where, "construct", f"unknown construct {construct!r}")
            return None
        return construct

    def item_range(
        self, where: str, entry: Mapping[str, Any], scale_min: int, scale_max: int
    ) -> tuple[int, int]:
        lo, hi = entry.get("min", scale_min), entry.get("max", scale_max)
        ok = True
        for name, bound in (("min", lo), ("max", hi)):
            if not _is_int(bound):
                self.problem(where, name, f"must be a whole number, got {bound!r}")
                ok = False
        if ok and lo >= hi:
            self.problem(where, "max", f"must be greater than min ({lo}), got {hi}")
            ok = False
        return (lo, hi) if ok else (scale_min, scale_max)

    def expected(self, where: str, item_type: str, value: object, lo: int, hi: int) -> int | None:
        if item_type != "attention":
            if value is not None:
                self.problem(where, "expected", "only attention items have an expected answer")
            return None
        if value is None:
            self.problem(where, "expected", "missing (an attention item needs its right answer)")
            return None
        if not _is_int(value) or not lo <= value <= hi:
            self.problem(
                where, "expected", f"must be a whole number from {lo} to {hi}, got {value!r}"
            )
            return None
        return value

    def options(
        self,
        where: str,
        item_type: str,
        value: object,
        constructs: Mapping[str, Construct],
    ) -> tuple[Option, ...]:
        if item_type not in OPTION_TYPES:
            if value is not None:
                self.problem(where, "options", "only ranking and best_worst items have options")
            return ()
        least = MIN_BEST_WORST_OPTIONS if item_type == "best_worst" else 2
        if not isinstance(value, list | tuple) or len(value) < least:
            self.problem(
                where, "options", f"a {item_type} item needs a list of at least {least} options"
            )
            return ()
        result: list[Option] = []
        codes: set[str] = set()
        groups: set[str] = set()
        for index, entry in enumerate(value):
            name = f"options[{index}]"
            if not isinstance(entry, Mapping):
                self.problem(where, name, "must be a table")
                continue
            for key in entry:
                if key not in _OPTION_FIELDS:
                    allowed = ", ".join(sorted(_OPTION_FIELDS))
                    self.problem(where, f"{name}.{key}", f"unknown field (allowed: {allowed})")
            code = entry.get("code")
            valid = True
            if not isinstance(code, str) or not _CODE_PATTERN.match(code):
                self.problem(where, f"{name}.code", self.describe_code_problem(code))
                valid = False
            elif code in codes:
                self.problem(where, f"{name}.code", f"duplicate option code '{code}'")
                valid = False
            else:
                codes.add(code)
            construct = entry.get("construct")
            if not isinstance(construct, str) or construct not in constructs:
                self.problem(where, f"{name}.construct", f"unknown construct {construct!r}")
                valid = False
            else:
                groups.add(constructs[construct].group)
            text = self.text(where, f"{name}.text", entry.get("text"))
            if valid:
                result.append(Option(code=code, construct=construct, text=text))
        if len(groups) > 1:
            # The item sits on one page, so its options must share a construct group.
            self.problem(
                where, "options", f"options mix construct groups ({', '.join(sorted(groups))})"
            )
        return tuple(result)
