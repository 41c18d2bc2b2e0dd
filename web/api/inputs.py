"""Reading what an API client sends: paging parameters, flags, and import bodies.

Imports take either JSON, ``{"rows": [{"external_id": "...", ...}, ...]}``, or a CSV body
(``text/csv``) read by ``services.tabular`` exactly as an uploaded file would be. Both give
the same header and records, so every import service sees one shape whatever the client
sent, and row numbers in problems mean the same thing (the first row is row 2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import request

from services.imports import capped
from services.tabular import check_cells, read_table_bytes
from web.api.auth import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_VERSION = 10_000  # instrument versions; the document states the same maximum
MAX_OFFSET = 1_000_000_000
MAX_TEXT = 200  # a text query parameter (a wave's or metric's name, a source)
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int

    def of(self, items: list) -> dict:
        """One page of ``items`` with the paging facts a client needs for the next call."""
        return self.counted(items[self.offset : self.offset + self.limit], len(items))

    def counted(self, page_items: list, total: int) -> dict:
        """This page's items, already cut in the database, and the total counted there."""
        end = self.offset + self.limit
        return {
            "items": page_items,
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": end if end < total else None,
        }


def _whole(name: str, default: int | None, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    # An empty value (``k=``) is refused like any other non-number: the document says these
    # are integers, and a client that sends nothing should leave the parameter out.
    # Plain ASCII digits only: int() would also take spaces, signs, underscores and other
    # scripts' digits, which the document does not allow.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 20 else None
    if value is None or value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise ApiError(
            400,
            "A query parameter could not be used.",
            code="invalid_parameter",
            problems=[f"{name}: give a whole number {bound}, not {raw!r}"],
        )
    return value


def page() -> Page:
    return Page(
        limit=_whole("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_whole("offset", 0, 0, MAX_OFFSET),
    )


def whole_number(name: str, default: int | None, low: int, high: int) -> int | None:
    """A whole-number query parameter within bounds; ``default`` when it is not given."""
    return _whole(name, default, low, high)


def flag(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiError(
        400,
        "A query parameter could not be used.",
        code="invalid_parameter",
        problems=[f"{name}: give true or false, not {raw!r}"],
    )


def documented_query_only() -> None:
    """Refuse a query parameter the operation's document does not list, or one given twice:
    a misspelt ``keep_missing`` was ignored, and the roster was read as a full one."""
    from web.api.openapi import query_parameters

    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", request.url_rule.rule)
    allowed = query_parameters(path, request.method)
    if allowed is None:
        return
    takes = ", ".join(sorted(allowed)) or "none"
    problems = [
        f"{name}: not a parameter of this operation (it takes {takes})"
        for name in request.args
        if name not in allowed
    ]
    problems += [
        f"{name}: given more than once"
        for name in request.args
        if name in allowed and len(request.args.getlist(name)) > 1
    ]
    if problems:
        raise ApiError(
            400, "A query parameter could not be used.", code="invalid_parameter", problems=problems
        )


def text(name: str) -> str | None:
    """A text query parameter, trimmed; None when it is not given. An empty value, or one
    longer than ``MAX_TEXT``, is refused with 400, as the document says."""
    raw = request.args.get(name)
    if raw is None:
        return None
    value = raw.strip()
    if not value or len(value) > MAX_TEXT:
        raise ApiError(
            400,
            "A query parameter could not be used.",
            code="invalid_parameter",
            problems=[f"{name}: give 1 to {MAX_TEXT} characters, or leave {name} out"],
        )
    return value


@dataclass(frozen=True)
class Rows:
    header: list[str]
    records: list[dict[str, object]]


def _cell(value: object) -> object:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError


class _KeyTwice(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _one_of_each_key(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise _KeyTwice(key)
        out[key] = value
    return out


def _from_json(source: str) -> Rows:
    try:
        # Read with every object's keys in hand: Python's parser keeps the last of a key
        # given twice, and {"value": 2, "value": 7} would store 7 without a word.
        body = json.loads(request.get_data(cache=True), object_pairs_hook=_one_of_each_key)
    except RecursionError:
        # Python's parser gives up on deep nesting with this, not a JSON error.
        raise ApiError(
            400, "The body is not valid JSON: it is nested too deeply.", code="invalid_body"
        ) from None
    except _KeyTwice as twice:
        raise ApiError(
            400,
            f"The body gives the key {twice.key!r} more than once in one object.",
            code="invalid_body",
        ) from None
    except ValueError:  # not JSON, or not text in a Unicode encoding
        raise ApiError(400, "The body is not valid JSON.", code="invalid_body") from None
    rows = body.get("rows") if isinstance(body, dict) else None
    extra = sorted(str(k) for k in body if k != "rows") if isinstance(body, dict) else []
    if extra:
        # Silently ignored, {"keep_missing": true} beside the rows deactivated everyone
        # missing from them: an option is refused where it is not read.
        raise ApiError(
            400,
            'The body holds keys other than "rows"; options go in the query string.',
            code="invalid_body",
            problems=[f"{key}: not read from the body; send ?{key}=... instead" for key in extra],
        )
    if not isinstance(rows, list) or not rows:
        raise ApiError(
            400,
            'Send {"rows": [...]}, a list of objects with one key per column.',
            code="invalid_body",
        )
    header: dict[str, None] = {}  # keeps the order columns first appear in
    records: list[dict[str, object]] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        if not isinstance(row, dict):
            problems.append(f"row {number}: not an object")
            continue
        record: dict[str, object] = {}
        given_as: dict[str, str] = {}
        for key, value in row.items():
            column = str(key).strip().lower()
            if column in given_as:
                problems.append(
                    f"row {number}, column {column}: given more than once "
                    f"({given_as[column]!r} and {key!r})"
                )
                continue
            given_as[column] = key
            header.setdefault(column)
            try:
                record[column] = _cell(value)
            except TypeError:
                problems.append(
                    f"row {number}, column {column}: give text, a number, true/false or null"
                )
        # A row of blanks is a blank spreadsheet row, which every import skips.
        blank = all(v is None or str(v).strip() == "" for v in record.values())
        records.append({} if blank else record)
    if problems:
        raise ApiError(
            400, "The rows could not be read.", code="invalid_body", problems=capped(problems)
        )
    check_cells(list(header), records, source)
    return Rows(header=list(header), records=records)


def import_rows(source: str) -> Rows:
    """The header and records of a JSON or CSV import body."""
    kind = request.mimetype
    if kind == "application/json":
        return _from_json(source)
    if kind in ("text/csv", "text/plain", "application/csv"):
        table = read_table_bytes(request.get_data(cache=False), name=source)
        return Rows(header=table.header, records=table.rows)
    raise ApiError(
        415,
        "Send the rows as application/json or text/csv.",
        code="unsupported_media_type",
    )
