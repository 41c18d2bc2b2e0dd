"""What every all-or-nothing import shares: its input shape and its refusal."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from services.errors import InvalidInput

if TYPE_CHECKING:  # the CSV reader loads the seed loaders; listing people needs none of it
    from services.tabular import Table

_ROW = re.compile(r"row (\d+)")
# A refusal lists this many problems and counts the rest: a 10,000-problem file gives a
# readable page, not a hundred megabytes of HTML.
MAX_PROBLEMS = 100


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


def column_length(model: type, column: str) -> int:
    """The most characters the database column ``model.column`` holds (its VARCHAR length)."""
    return int(model.__table__.c[column].type.length)


def length_problems(number: int, values: Mapping[str, str], limits: Mapping[str, int]) -> list[str]:
    """``row N, column X: ...`` for each value longer than its column's limit."""
    return [
        f"row {number}, column {column}: {len(values[column])} characters, more than the"
        f" {limit} this column holds"
        for column, limit in limits.items()
        if values.get(column) and len(values[column]) > limit
    ]


def nothing_imported(
    problems: Sequence[str], source: str = "", *, default: str = "the file"
) -> InvalidInput:
    """The error for a refused import: a summary line and the problems, one per line, in
    row order (a problem without a row, such as a missing file column, comes first).

    Only the first ``MAX_PROBLEMS`` are listed; a last line counts the rest.
    """
    return InvalidInput(
        f"Nothing was imported: {len(problems)} problem(s) in {source or default}.",
        capped(sorted(problems, key=_row_number)),
    )


def capped(problems: Sequence[str]) -> list[str]:
    """The first ``MAX_PROBLEMS`` problems and a last line counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], f"… and {rest} more problem(s) not listed"]


def _row_number(problem: str) -> int:
    match = _ROW.match(problem)
    return int(match.group(1)) if match else 0
