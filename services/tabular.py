"""Every CSV import reads through here: people, responses, feedback, KPIs, rewards.

The parsing itself is ``seed.loaders.parse_table`` (UTF-8 with or without a byte-order mark;
comma, semicolon or tab separated; rows numbered as a spreadsheet shows them, header = row 1).
This module adds what imports need: lower-case column names and blank rows marked for skipping.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seed.loaders import TableFileError, is_blank_row, parse_table

TableError = TableFileError


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[dict[str, str]]  # rows[i] is spreadsheet row i + 2; blank rows are {} here
    name: str = ""


def read_table_bytes(data: bytes, *, name: str = "the file") -> Table:
    """Parse uploaded CSV bytes; raises ``TableError`` naming the row where it can."""
    header, records = parse_table(data, source=name)
    rows = [{} if is_blank_row(r) else {k.lower(): v for k, v in r.items()} for r in records]
    return Table(header=[h.lower() for h in header], rows=rows, name=name)


def read_table_file(path: str | Path) -> Table:
    """Read a CSV file from disk; a missing file is a ``TableError`` too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TableError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise TableError(f"{path}: is a folder, not a file") from exc
    return read_table_bytes(data, name=str(path))
