"""What every all-or-nothing import shares: its input shape and its refusal."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from services.errors import InvalidInput, Problem, RowProblem, row_problem
from services.text import invisible

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


PERSON_COLUMN = "person"
"""The column of an answers file that names each person (by external id)."""


def cell_text(value: object) -> str:
    """One cell of an imported record as text: None is empty; a number from a JSON body,
    0 included, is its digits (``value or ""`` read a KPI of 0 as an empty cell)."""
    return "" if value is None else str(value).strip()


def missing_column(column: str) -> RowProblem:
    """``row 1, column X: missing column``."""
    return row_problem(1, column, "import.column_missing", "missing column")


def unknown_column(column: str, known: Sequence[str]) -> RowProblem:
    """``row 1, column X: unknown column (expected a, b, c)``."""
    expected = ", ".join(known)
    return row_problem(
        1,
        column,
        "import.column_unknown",
        f"unknown column (expected {expected})",
        expected=expected,
    )


def column_length(model: type, column: str) -> int:
    """The most characters the database column ``model.column`` holds (its VARCHAR length)."""
    return int(model.__table__.c[column].type.length)


def external_id_problem(number: int, column: str, external_id: str) -> RowProblem | None:
    """``row N, column X: ...`` when a new person's id holds a character that shows as nothing
    or as a space other than the ordinary one: "M1" with a zero-width space looks like M1
    everywhere, yet would be someone else. Ids already in Motivo are left as they are, so a
    roster sync never stops on an id stored before the rule."""
    found = next((c for c in external_id if invisible(c)), None)
    if found is None:
        return None
    code = f"U+{ord(found):04X}"
    return row_problem(
        number,
        column,
        "people.external_id_invisible",
        f"holds {code}, a character that shows as nothing or as a space; write a new id in "
        "visible characters and ordinary spaces",
        character=code,
    )


def id_key(external_id: str) -> str:
    """What makes two ids look alike to a reader: letter case and character width (the
    full-width "Ｅ1002" reads as E1002), by Unicode's compatibility normalisation."""
    return unicodedata.normalize("NFKC", external_id).casefold()


def new_external_id_problems(
    new: Iterable[tuple[int, str]], column: str, stored: Iterable[str]
) -> list[RowProblem]:
    """``row N, column X: ...`` for each id a file would give a new person that a reader
    could take for another: one holding an invisible character (``external_id_problem``),
    or one that differs from a stored id, or from another new id in the file, only in case
    or character width ("e1002" beside E1002 would be listed as a second Kristoffer Lie).

    ``new`` holds (row number, id) of the rows whose id is not stored yet.
    """
    taken: dict[str, str] = {}
    for external_id in stored:
        taken.setdefault(id_key(external_id), external_id)
    problems = []
    for number, external_id in new:
        if problem := external_id_problem(number, column, external_id):
            problems.append(problem)
            continue
        other = taken.setdefault(id_key(external_id), external_id)
        if other != external_id:
            problems.append(
                row_problem(
                    number,
                    column,
                    "people.external_id_lookalike",
                    f"{external_id!r} differs from the id {other!r} only in case or character "
                    f"width; use {other!r} for that person, or an id that differs in more",
                    value=external_id,
                    other=other,
                )
            )
    return problems


def line_break_problems(number: int, values: Mapping[str, str]) -> list[str]:
    """``row N, column X: ...`` for each value that holds a line break or a tab.

    For files whose every column is one line (a name, an email, a team): a line break in a
    name would end an email's header, and it shows on no page as it was meant.
    """
    return [
        row_problem(
            number,
            column,
            "import.line_break",
            "holds a line break or a tab; keep it on one line",
        )
        for column, value in values.items()
        if isinstance(value, str) and any(c in value for c in "\r\n\t")
    ]


def length_problems(number: int, values: Mapping[str, str], limits: Mapping[str, int]) -> list[str]:
    """``row N, column X: ...`` for each value longer than its column's limit."""
    return [
        row_problem(
            number,
            column,
            "import.too_long",
            f"{len(values[column])} characters, more than the {limit} this column holds",
            length=len(values[column]),
            limit=limit,
        )
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
    code = "import.nothing_imported" if source else "import.nothing_imported_here"
    if not source and default != "the file":
        code = ""  # another default (the instrument) keeps its English words
    return InvalidInput(
        f"Nothing was imported: {_problems(len(problems))} in {source or default}.",
        capped(sorted(problems, key=_row_number)),
        code=code,
        params={"count": len(problems), "source": source},
    )


def _problems(n: int, more: str = "") -> str:
    return f"{n} {more}problem" if n == 1 else f"{n} {more}problems"


def capped(problems: Sequence[str]) -> list[str]:
    """The first ``MAX_PROBLEMS`` problems and a last line counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    rest = len(problems) - MAX_PROBLEMS
    more = Problem(
        "",
        "import.more_problems",
        f"… and {_problems(rest, 'more ')} not listed",
        {"count": rest},
    )
    return [*problems[:MAX_PROBLEMS], more]


def _row_number(problem: str) -> int:
    match = _ROW.match(problem)
    return int(match.group(1)) if match else 0
