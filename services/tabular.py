"""Every CSV import reads through here: people, responses, feedback, KPIs, rewards.

The parsing itself is ``seed.loaders.parse_table`` (UTF-8 with or without a byte-order mark;
comma, semicolon or tab separated; rows numbered as a spreadsheet shows them, header = row 1).
This module adds what imports need: lower-case column names, blank rows marked for skipping,
a size limit, and a refusal of cells no import can store safely (control characters, bidi
overrides, text longer than any column). It also writes CSV that spreadsheets open safely.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from seed.loaders import TableFileError, is_blank_row, parse_table
from services.errors import RowProblem, row_problem
from services.text import refused_character

TableError = TableFileError

DEFAULT_MAX_UPLOAD_MB = 16
# The longest text any import stores is a free-text answer or a comment (2,000 characters).
MAX_CELL_CHARS = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


class TooLarge(TableFileError):
    """A file over the upload limit, refused before it is parsed."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[dict[str, str]]  # rows[i] is spreadsheet row i + 2; blank rows are {} here
    name: str = ""


def table_digest(table: Table) -> str:
    """A fingerprint of a table's content (not its file name), to tell one upload from another."""
    payload = json.dumps([table.header, table.rows], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cell_problems(
    header: Sequence[str], records: Sequence[Mapping[str, object]], *, first_row: int = 2
) -> list[str]:
    """``row N, column X: ...`` for every cell with a refused character or too much text."""
    problems: list[str] = []
    for column in header:
        text = str(column)
        code = refused_character(text)
        if code:
            problems.append(
                RowProblem(
                    1,
                    repr(text),
                    "import.control_character",
                    f"contains the control character {code}",
                    {"character": code},
                )
            )
    for number, record in enumerate(records, start=first_row):
        for column, value in (record or {}).items():
            if not isinstance(value, str):
                continue
            code = refused_character(value)
            if code:
                problems.append(
                    row_problem(
                        number,
                        column,
                        "import.control_character_remove",
                        f"contains the control character {code}; remove it and import again",
                        character=code,
                    )
                )
            if len(value) > MAX_CELL_CHARS:
                problems.append(
                    row_problem(
                        number,
                        column,
                        "import.cell_too_long",
                        f"{len(value)} characters, more than the {MAX_CELL_CHARS} any column holds",
                        length=len(value),
                        limit=MAX_CELL_CHARS,
                    )
                )
    return problems


def check_cells(
    header: Sequence[str], records: Sequence[Mapping[str, object]], source: str
) -> None:
    """Raise the all-or-nothing refusal when any cell is refused (see :func:`cell_problems`)."""
    problems = cell_problems(header, records)
    if problems:
        from services.imports import nothing_imported

        raise nothing_imported(problems, source)


def check_size(size: int, *, max_bytes: int, name: str) -> None:
    """Refuse a file over ``max_bytes`` before anything reads it."""
    if size > max_bytes:
        raise TooLarge(
            f"{name} is {size / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB (MOTIVO_MAX_UPLOAD_MB). Split the file and import"
            " the parts."
        )


def read_table_bytes(data: bytes, *, name: str = "the file") -> Table:
    """Parse uploaded CSV bytes; raises ``TableError`` naming the row where it can, and
    ``InvalidInput`` listing every cell with a control character or too much text."""
    header, records = parse_table(data, source=name)
    lowered = [h.lower() for h in header]
    if lowered == header:  # the usual case: keep the parsed rows rather than copy them all
        rows = [{} if is_blank_row(r) else r for r in records]
    else:
        rows = [{} if is_blank_row(r) else {k.lower(): v for k, v in r.items()} for r in records]
    del records
    table = Table(header=lowered, rows=rows, name=name)
    check_cells(table.header, table.rows, name)
    return table


def read_table_file(path: str | Path, *, max_bytes: int | None = None) -> Table:
    """Read a CSV file from disk; a missing file, or one over ``max_bytes``, is a
    ``TableError`` too."""
    path = Path(path)
    try:
        if max_bytes is not None:
            check_size(path.stat().st_size, max_bytes=max_bytes, name=str(path))
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TableError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise TableError(f"{path}: is a folder, not a file") from exc
    return read_table_bytes(data, name=str(path))


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would read as a formula; other values pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV a spreadsheet opens without running anything.

    Text cells are neutralised (see :func:`safe_cell`) and every one is quoted, so a
    spreadsheet that splits on ``;`` or tabs still sees ``a;=HYPERLINK(...)`` as one text
    cell, never a formula in a cell of its own. Numbers stay unquoted numbers.
    """
    out = io.StringIO()
    out.write(",".join(_header_cell(str(c)) for c in header) + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return out.getvalue()


def _header_cell(name: str) -> str:
    # Column names are code's own words (``key``, ``aut1``) and stay bare, as readers of the
    # header expect; anything else is neutralised and quoted like a text cell.
    if _PLAIN.fullmatch(name):
        return name
    return '"' + str(safe_cell(name)).replace('"', '""') + '"'


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return safe_cell(str(value))
