"""Every import names each problem's row and column, with a code and params for the pages,
while its text stays the English line the command line and the API print."""

import pytest

from services.access import SYSTEM
from services.errors import InvalidInput, Problem, RowProblem, row_problem
from services.imports import MAX_PROBLEMS, nothing_imported
from services.kpis import import_kpis
from services.people import PEOPLE_COLUMNS, import_people


def refused(call, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(**kwargs)
    return caught.value


def test_a_row_problem_is_its_english_line_with_its_place_kept():
    problem = row_problem(
        4, "email", "people.email_invalid", "'x' is not an email address", email="x"
    )
    assert problem == "row 4, column email: 'x' is not an email address"
    assert (problem.row, problem.column, problem.code) == (4, "email", "people.email_invalid")
    assert problem.params == {"email": "x", "row": 4, "column": "email"}
    assert problem.field == ""  # a file's column is not a form field
    assert row_problem(2, "", "people.none", "no people") == "row 2: no people"


def test_a_bad_roster_row_gives_coded_problems_with_row_and_column(session):
    records = [
        dict(zip(PEOPLE_COLUMNS, ["R1", "", "not-an-email", "", "", "chief", ""], strict=True))
    ]
    exc = refused(
        import_people,
        session=session,
        header=list(PEOPLE_COLUMNS),
        records=records,
        actor=SYSTEM,
        source="roster.csv",
    )
    assert exc.code == "import.nothing_imported"
    assert exc.params == {"count": 3, "source": "roster.csv"}
    assert all(isinstance(p, RowProblem) for p in exc.problems)
    by_column = {p.column: p for p in exc.problems}
    assert by_column["email"] == "row 2, column email: 'not-an-email' is not an email address"
    assert by_column["email"].code == "people.email_invalid"
    assert by_column["email"].params["email"] == "not-an-email"
    assert by_column["name"].code == "import.cell_empty" and by_column["name"].row == 2
    assert by_column["access"].params["access"] == "chief"
    # The command line and the API still read the same English text.
    assert str(exc).startswith("Nothing was imported: 3 problems in roster.csv.\n")
    assert "  row 2, column name: empty" in str(exc)


def test_kpi_problems_are_row_problems_too(session, factory):
    person = factory.person()
    exc = refused(
        import_kpis,
        session=session,
        header=["person", "period", "metric", "value"],
        records=[{"person": person.external_id, "period": "2026-Q9", "metric": "x", "value": "a"}],
        actor=SYSTEM,
    )
    assert exc.code == "import.nothing_imported_here"
    texts = {p.column: (str(p), p.code) for p in exc.problems}
    assert texts["period"] == (
        "row 2, column period: '2026-Q9' is not a period (use YYYY-MM or YYYY-Qn)",
        "period.malformed_cell",
    )
    assert texts["value"] == (
        "row 2, column value: 'a' is not a number (write e.g. 1234.5 or 1234,5)",
        "kpi.value_not_a_number",
    )


def test_a_long_refusal_counts_the_rest_with_a_code():
    problems = [row_problem(n, "name", "import.cell_empty", "empty") for n in range(2, 108)]
    exc = nothing_imported(problems, "big.csv")
    last = exc.problems[-1]
    assert len(exc.problems) == MAX_PROBLEMS + 1
    assert isinstance(last, Problem) and last.code == "import.more_problems"
    assert last == "… and 6 more problems not listed" and last.params == {"count": 6}
