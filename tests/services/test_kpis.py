"""KPI import: every kind of problem is reported and writes nothing; idempotent; counts."""

import pytest
from sqlmodel import func, select

from models.tables import KPI, AuditLog, Person
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed
from services.kpis import (
    KNOWN_METRICS,
    import_kpis,
    kpi_coverage,
    metric_choices,
    parse_period,
    period_order,
)
from services.tabular import read_table_bytes

GOOD = (
    "person,period,metric,value\n"
    "R1,2026-Q2,revenue,120000\n"
    "R1,2026-Q3,revenue,135000.5\n"
    "R2,2026-Q2,revenue,98000\n"
    "R2,2026-06,deals_won,4\n"
    "R1,2026-q3,calls,310\n"
)


@pytest.fixture
def people(session):
    rows = [
        Person(external_id=e, name=f"Rep {e}", email=f"{e.lower()}@example.test")
        for e in ("R1", "R2", "R3")
    ]
    session.add_all(rows)
    session.commit()
    return {p.external_id: p for p in rows}


def run(session, text: str, **kwargs):
    table = read_table_bytes(text.encode("utf-8"), name="kpis.csv")
    return import_kpis(session=session, table=table, **{"actor": SYSTEM, **kwargs})


def counts(session) -> tuple[int, int]:
    kpis = session.exec(select(func.count()).select_from(KPI)).one()
    audits = session.exec(
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "kpis.import")
    ).one()
    return kpis, audits


def stored(session) -> dict[tuple[str, str, str], float]:
    stmt = select(Person.external_id, KPI.period, KPI.metric, KPI.value).join(
        Person, Person.id == KPI.person_id
    )
    return {(e, p, m): v for e, p, m, v in session.exec(stmt)}


def test_happy_path_stores_every_value(session, people):
    summary = run(session, GOOD)
    assert (summary.created, summary.updated, summary.unchanged) == (5, 0, 0)
    assert summary.periods == ["2026-Q2", "2026-06", "2026-Q3"]
    assert stored(session) == {
        ("R1", "2026-Q2", "revenue"): 120000.0,
        ("R1", "2026-Q3", "revenue"): 135000.5,
        ("R2", "2026-Q2", "revenue"): 98000.0,
        ("R2", "2026-06", "deals_won"): 4.0,
        ("R1", "2026-Q3", "calls"): 310.0,  # 2026-q3 is stored as 2026-Q3
    }
    audit = session.exec(select(AuditLog).where(AuditLog.action == "kpis.import")).one()
    assert audit.target == "kpis.csv" and audit.details["created"] == 5


def test_a_file_saved_by_a_norwegian_spreadsheet_imports(session, people):
    """Semicolons between columns, a decimal comma and spaces between thousands: what a
    spreadsheet set to Norwegian saves as CSV is read as it is meant."""
    text = (
        "person;period;metric;value\n"
        "R1;2026-Q2;revenue;12500,5\n"
        "R2;2026-Q2;revenue;1 234 567,25\n"
        "R3;2026-Q2;conversion_rate;0,25\n"
        "R3;2026-Q3;revenue;\u2212300,5\n"
    )
    summary = run(session, text)
    assert summary.created == 4
    assert stored(session) == {
        ("R1", "2026-Q2", "revenue"): 12500.5,
        ("R2", "2026-Q2", "revenue"): 1234567.25,
        ("R3", "2026-Q2", "conversion_rate"): 0.25,
        ("R3", "2026-Q3", "revenue"): -300.5,
    }


@pytest.mark.parametrize("value", ["1,234", "1.234,5", "1,2,3"])
def test_a_number_that_reads_two_ways_is_refused_not_guessed(session, people, value):
    """'1,234' is 1234 to an English reader and 1.234 to a Norwegian one: refused with the
    row and column, and nothing is written."""
    with pytest.raises(InvalidInput) as refused:
        run(session, f"person;period;metric;value\nR1;2026-Q2;revenue;{value}\n")
    assert f"row 2, column value: '{value}' is not a number" in str(refused.value.problems)
    assert counts(session) == (0, 0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1_000", "'1_000' is not a number"),
        ("\u0661\u0662\u0663", "is not a number"),  # Arabic-Indic digits
        ("infinity", "'infinity' is not a number"),
        ("1e308", "is more than 10^15 either side of zero"),
        ("-2e15", "is more than 10^15 either side of zero"),
    ],
)
def test_a_value_only_python_reads_as_a_number_or_beyond_any_kpi_is_refused(
    session, people, value, message
):
    """Python's float() reads underscores, other scripts' digits and 1e308; one 1e308 made
    every summary of the metric infinite, which JSON cannot carry."""
    with pytest.raises(InvalidInput) as refused:
        run(session, f"person;period;metric;value\nR1;2026-Q2;deals_won;{value}\n")
    assert "row 2, column value: " in str(refused.value.problems)
    assert message in str(refused.value.problems)
    assert counts(session) == (0, 0)


@pytest.mark.parametrize(("value", "stored_as"), [("1e3", 1000.0), ("-12.5", -12.5), (".5", 0.5)])
def test_plain_and_scientific_numbers_are_read(session, people, value, stored_as):
    run(session, f"person;period;metric;value\nR1;2026-Q2;revenue;{value}\n")
    assert stored(session)[("R1", "2026-Q2", "revenue")] == stored_as


def test_reimporting_the_same_file_changes_nothing(session, people):
    run(session, GOOD)
    before = {k.id: (k.value, k.updated_at) for k in session.exec(select(KPI))}
    summary = run(session, GOOD)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 5)
    session.expire_all()
    assert {k.id: (k.value, k.updated_at) for k in session.exec(select(KPI))} == before
    assert counts(session) == (5, 1)  # no second audit row either


def test_changed_values_update_and_new_rows_are_added(session, people):
    run(session, GOOD)
    changed = GOOD.replace("R2,2026-Q2,revenue,98000", "R2,2026-Q2,revenue,99500")
    changed += "R3,2026-Q2,revenue,50000\n"
    summary = run(session, changed)
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 4)
    values = stored(session)
    assert values[("R2", "2026-Q2", "revenue")] == 99500.0
    assert values[("R3", "2026-Q2", "revenue")] == 50000.0
    assert counts(session) == (6, 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "person,period,value\nR1,2026-Q2,1\n",
            "row 1, column metric: missing column",
        ),
        (
            "person,period,metric,value,valeu\nR1,2026-Q2,revenue,1,2\n",
            "row 1, column valeu: unknown column (expected person, period, metric, value)",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,revenue,1\nR9,2026-Q2,revenue,2\n",
            "row 3, column person: unknown person 'R9' (import people first)",
        ),
        (
            "person,period,metric,value\nR1,2026-13,revenue,1\n",
            "row 2, column period: '2026-13' is not a period (use YYYY-MM or YYYY-Qn)",
        ),
        (
            "person,period,metric,value\nR1,Q2 2026,revenue,1\n",
            "row 2, column period: 'Q2 2026' is not a period (use YYYY-MM or YYYY-Qn)",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,revnue,1\n",
            "row 2, column metric: unknown metric 'revnue'",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,revenue,12k\n",
            "row 2, column value: '12k' is not a number (write e.g. 1234.5 or 1234,5)",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,revenue,\n",
            "row 2, column value: empty",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,deals_won,-2\n",
            "row 2, column value: deals_won cannot be negative (-2)",
        ),
        (
            "person,period,metric,value\nR1,2026-Q2,revenue,1\nR2,2026-Q2,revenue,2\n"
            "R1,2026-q2,Revenue,3\n",
            "row 4, column person: duplicate of row 2 (R1, 2026-Q2, revenue)",
        ),
        (
            "person,period,metric,value\n",
            "row 2: the file has a header but no KPI values",
        ),
    ],
)
def test_each_problem_is_reported_and_nothing_is_written(session, people, text, problem):
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert caught.value.args[0].startswith("Nothing was imported")
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert counts(session) == (0, 0)


def test_every_problem_in_the_file_is_listed_in_row_order(session, people):
    text = (
        "person,period,metric,value\n"
        "R1,2026-Q2,revenue,100\n"
        "R9,2026-Q5,revnue,abc\n"
        "R1,2026-Q2,revenue,200\n"
    )
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "row 3, column person",
        "row 3, column period",
        "row 3, column metric",
        "row 3, column value",
        "row 4, column person",
    ]
    assert counts(session) == (0, 0)


def test_a_bad_row_stops_the_good_ones_too(session, people):
    with pytest.raises(InvalidInput):
        run(session, GOOD + "R1,2026-Q4,revenue,lots\n")
    assert counts(session) == (0, 0)


def test_new_metrics_need_to_be_allowed_and_are_then_known(session, people):
    text = "person,period,metric,value\nR1,2026-Q2,demos_booked,7\n"
    with pytest.raises(InvalidInput, match="1 problem"):
        run(session, text)
    summary = run(session, text, allow_new_metrics=True)
    assert summary.new_metrics == ["demos_booked"]
    assert "demos_booked" in metric_choices(session)
    # Stored once on purpose, the metric is known from then on.
    assert run(session, text.replace(",7", ",8")).updated == 1


def test_a_new_metric_name_must_still_be_a_name(session, people):
    text = "person,period,metric,value\nR1,2026-Q2,win rate %,7\n"
    with pytest.raises(InvalidInput) as caught:
        run(session, text, allow_new_metrics=True)
    assert "is not a metric name" in caught.value.problems[0]


def test_only_hr_may_import(session, people, factory):
    rep = factory.person("rep")
    with pytest.raises(NotAllowed):
        run(session, GOOD, actor=rep)
    hr = factory.person("hr")
    assert run(session, GOOD, actor=hr).created == 5


def test_coverage_counts_people_per_period_and_metric(session, people):
    run(session, GOOD)
    coverage = kpi_coverage(session=session, viewer=SYSTEM)
    assert coverage.periods == ["2026-Q2", "2026-06", "2026-Q3"]
    assert coverage.metrics == ["revenue", "deals_won", "calls"]
    assert coverage.counts[("2026-Q2", "revenue")] == 2
    assert [
        (r.period, r.metric, r.people)
        for r in kpi_coverage(session=session, viewer=SYSTEM, metric="calls").rows()
    ] == [("2026-Q3", "calls", 1)]


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2026-10", "2026-10"),
        (" 2026-q4 ", "2026-Q4"),
        ("2026-Q1", "2026-Q1"),
        ("2026-00", None),
        ("2026-Q5", None),
        ("26-10", None),
        ("2026/10", None),
        ("", None),
    ],
)
def test_parse_period(text, period):
    assert parse_period(text) == period


def test_periods_sort_in_time_order():
    periods = ["2026-Q3", "2025-12", "2026-07", "2026-Q1", "2026-01"]
    assert sorted(periods, key=period_order) == [
        "2025-12",
        "2026-01",
        "2026-Q1",
        "2026-07",
        "2026-Q3",
    ]


def test_known_metrics_are_documented():
    assert {"revenue", "deals_won", "conversion_rate", "cycle_days", "goal_attainment"} <= set(
        KNOWN_METRICS
    )
    assert {"calls", "emails", "meetings"} <= set(KNOWN_METRICS)
    assert all(m.description for m in KNOWN_METRICS.values())


def test_a_dry_run_counts_replaced_values_and_writes_nothing(session, people):
    run(session, GOOD)
    before, audits = stored(session), counts(session)
    changed = GOOD.replace("R2,2026-Q2,revenue,98000", "R2,2026-Q2,revenue,99500")
    preview = run(session, changed + "R3,2026-Q2,revenue,50000\n", dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged) == (1, 1, 4)
    session.expire_all()
    assert stored(session) == before and counts(session) == audits


def test_a_value_of_zero_from_a_json_body_is_a_value_not_an_empty_cell(session, factory):
    """``{"value": 0}`` (a month without revenue, sent through the API) was refused as
    "row 2, column value: empty"."""
    seller = factory.person()
    summary = import_kpis(
        session=session,
        header=["person", "period", "metric", "value"],
        records=[
            {"person": seller.external_id, "period": "2025-01", "metric": "revenue", "value": 0}
        ],
        actor=SYSTEM,
    )
    assert summary.created == 1
    assert session.exec(select(KPI.value)).one() == 0
