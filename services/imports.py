"""What every all-or-nothing import shares: its input shape and its refusal."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from services.errors import InvalidInput
from services.tabular import Table

_ROW = re.compile(r"row (\d+)")


def table_input(
    table: Table | None,
    header: Sequence[str] | None,
    records: Sequence[Mapping[str, object]] | None,
    source: str,
    *,
    what: str,
) -> tuple[list[str], list[dict[str, object]], str]:
    """A ``Table`` or a header and records, with column names lower-cased and trimmed."""
    if table is not None:
        header, records = table.header, table.rows
        source = source or table.name
    if header is None or records is None:
        raise TypeError(f"{what} needs a table, or a header and records")
    columns = [str(column).strip().lower() for column in header]
    rows = [
        {str(k).strip().lower(): v for k, v in record.items()} if record else {}
        for record in records
    ]
    return columns, rows, source


def nothing_imported(
    problems: Sequence[str], source: str = "", *, default: str = "the file"
) -> InvalidInput:
    """The error for a refused import: a summary line and every problem, one per line,
    in row order (a problem without a row, such as a missing file column, comes first)."""
    ordered = sorted(problems, key=_row_number)
    return InvalidInput(
        f"Nothing was imported: {len(problems)} problem(s) in {source or default}.", ordered
    )


def _row_number(problem: str) -> int:
    match = _ROW.match(problem)
    return int(match.group(1)) if match else 0
