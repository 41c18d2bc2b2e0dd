"""The one reader for every CSV import: people, responses, feedback, KPIs, rewards.

UTF-8 with or without a byte-order mark; comma or semicolon separated (whichever the header
line uses). Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class TableError(ValueError):
    """The file cannot be read as a table at all; the message says why."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[dict[str, str]]
    name: str = ""


def read_table_bytes(data: bytes, *, name: str = "the file") -> Table:
    """Decode and parse CSV bytes; raises ``TableError`` with a row number where it can."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise TableError(
            f"{name}: row {row}: not valid UTF-8; save the file as UTF-8 CSV and try again"
        ) from exc
    if not text.strip():
        raise TableError(f"{name}: the file is empty")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_header = next(reader)
        header = [h.strip().lower() for h in raw_header]
        if not any(header):
            raise TableError(f"{name}: row 1: the header row is empty")
        rows: list[dict[str, str]] = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue  # blank lines are common at the end of exported files
            if len(values) > len(header):
                raise TableError(
                    f"{name}: row {reader.line_num}: {len(values)} cells but the header has"
                    f" {len(header)} columns"
                )
            values = values + [""] * (len(header) - len(values))
            rows.append(dict(zip(header, values, strict=True)))
    except csv.Error as exc:
        raise TableError(f"{name}: row {reader.line_num}: {exc}") from exc
    return Table(header=header, rows=rows, name=name)


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
