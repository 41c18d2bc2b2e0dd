"""KPIs: importing sales figures per person and period (all or nothing), and their coverage.

The file has the columns ``person`` (the person's external_id), ``period`` (``2026-10`` for
a month or ``2026-Q4`` for a quarter), ``metric`` and ``value``. Every row is checked before
anything is written and every problem is reported as ``row N, column X: problem``.

Metrics
-------
``KNOWN_METRICS`` lists the metrics Motivo knows, with what each means. A file may only use
those, or metrics already stored by an earlier import, unless the import is told to allow
new ones (``allow_new_metrics``, ``motivo kpis import --allow-new-metrics``): a typo such as
``revnue`` would otherwise quietly become a metric of its own.

Re-importing the same file changes nothing (and writes no audit row); a changed value
replaces the stored one. Fifty thousand rows must import in seconds, so the database is read
a fixed number of times in chunks and written in bulk with one commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import Session, select

from models.queries import chunks, take_turn
from models.tables import KPI, Person, utcnow
from services.access import Actor, require
from services.audit import record_event
from services.errors import RowProblem, row_problem
from services.imports import (
    cell_text,
    missing_column,
    nothing_imported,
    table_input,
    unknown_column,
)
from services.quarters import parse_quarter
from services.tabular import Table


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    minimum: float | None  # None: any number, e.g. revenue after credit notes


KNOWN_METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("revenue", "Revenue closed in the period, in the organisation's currency", None),
        Metric("deals_won", "Deals won in the period", 0),
        Metric("conversion_rate", "Share of opportunities won (0 to 1)", 0),
        Metric("cycle_days", "Average days from first contact to a won deal (lower is faster)", 0),
        Metric("goal_attainment", "Share of the period's target reached (1.0 is 100%)", 0),
        Metric("activities", "Calls, emails and meetings together", 0),
        Metric("calls", "Sales calls made", 0),
        Metric("emails", "Sales emails sent", 0),
        Metric("meetings", "Customer meetings held", 0),
    )
}
KPI_COLUMNS = ("person", "period", "metric", "value")
IMPORT_SOURCE = "import"
WRITE_CHUNK = 10_000
_METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_EXTERNAL_ID_MAX = 64
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Larger than any KPI a sales team has, in any currency (a year's revenue in Iranian rials
# stays below it), and small enough that sums of millions of values stay exact to the unit:
# a bigger value is a mistake, and one of 1e308 made every summary of its metric infinite.
VALUE_MAX = 1e15


def parse_period(text: str) -> str | None:
    """The period in its stored form (``2026-10`` or ``2026-Q4``), or None if it is not one."""
    text = (text or "").strip()
    month = _MONTH.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        return f"{year:04d}-{number:02d}" if 1900 <= year <= 2999 and 1 <= number <= 12 else None
    return parse_quarter(text)


def period_kind(period: str) -> str:
    """``"month"`` or ``"quarter"`` for a stored period."""
    return "quarter" if "Q" in period else "month"


def period_months(period: str) -> tuple[int, int]:
    """First and last month of a stored period, counted as ``year * 12 + month - 1``."""
    year, rest = period.split("-")
    if rest.startswith("Q"):
        first = int(year) * 12 + (int(rest[1]) - 1) * 3
        return first, first + 2
    first = int(year) * 12 + int(rest) - 1
    return first, first


def period_order(period: str) -> tuple[int, int]:
    """Sort key: by first month, a month before the quarter that starts with it."""
    first, last = period_months(period)
    return first, last - first


@dataclass
class KpiImportSummary:
    """What an import did, counted in KPI values."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    periods: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    new_metrics: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "periods": self.periods,
            "metrics": self.metrics,
            "new_metrics": self.new_metrics,
        }

    @property
    def needs_confirmation(self) -> bool:
        """Replacing stored KPI values is confirmed with a count first."""
        return bool(self.updated)

    def describe(self) -> str:
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        text += " KPI value(s)"
        if self.new_metrics:
            text += f"; new metric(s): {', '.join(self.new_metrics)}"
        return text


@dataclass(frozen=True)
class _Row:
    number: int
    external_id: str
    period: str
    metric: str
    value: float


def stored_metrics(session: Session) -> list[str]:
    """Metrics that have at least one stored value."""
    return sorted(session.exec(select(KPI.metric).distinct()).all())


def metric_choices(session: Session) -> list[str]:
    """Every metric an experiment may use: the known ones, then others already stored."""
    stored = set(stored_metrics(session))
    return [*KNOWN_METRICS, *sorted(stored - set(KNOWN_METRICS))]


# Spaces that group thousands: plain, no-break and narrow no-break (Norwegian "1 234,5").
_GROUPING = str.maketrans("", "", " \u00a0\u202f")
# "1,234": a thousands comma in English, a decimal comma in Norwegian. Refused, not guessed.
_AMBIGUOUS = re.compile(r"^[-+\u2212]?\d{1,3},\d{3}$")


def _parse_value(text: str) -> float | None:
    """A number as people write it: ``1234.5``, or with a decimal comma and spaces between
    thousands as a spreadsheet in Norwegian saves it (``1 234,5``, ``12500,5``). A value
    that reads two ways (``1,234``) is None, so the row is refused with a message instead of
    stored a thousand times too small or too large."""
    compact = text.translate(_GROUPING).replace("\u2212", "-")
    if "," in compact:
        if "." in compact or compact.count(",") > 1 or _AMBIGUOUS.match(compact):
            return None
        compact = compact.replace(",", ".")
    # Python's float() also reads "1_000", other scripts' digits and "infinity": what no
    # spreadsheet writes is no number here.
    if not _PLAIN_NUMBER.fullmatch(compact):
        return None
    number = float(compact)
    return number if math.isfinite(number) else None


def _header_problems(header: Sequence[str]) -> list[str]:
    problems = [missing_column(column) for column in KPI_COLUMNS if column not in header]
    for column in header:
        if column not in KPI_COLUMNS:
            problems.append(unknown_column(column or "(blank)", KPI_COLUMNS))
    return problems


def _parse_rows(
    records: Sequence[Mapping[str, object]],
    people: Mapping[str, int],
    allowed: set[str],
    allow_new_metrics: bool,
) -> tuple[list[_Row], list[tuple[int, int, str]], set[str]]:
    rows: list[_Row] = []
    problems: list[tuple[int, int, RowProblem]] = []
    new_metrics: set[str] = set()
    seen: dict[tuple[str, str, str], int] = {}
    for offset, record in enumerate(records):
        number = offset + 2  # the header is row 1, as in a spreadsheet
        if not record:
            continue
        cells = {c: cell_text(record.get(c)) for c in KPI_COLUMNS}
        found: list[tuple[int, RowProblem]] = []

        def problem(
            order: int,
            column: str,
            code: str,
            message: str,
            *,
            found: list = found,
            number: int = number,
            **params: object,
        ) -> None:
            found.append((order, row_problem(number, column, code, message, **params)))

        external_id = cells["person"]
        if not external_id:
            problem(0, "person", "import.cell_empty", "empty")
        elif len(external_id) > _EXTERNAL_ID_MAX:
            problem(
                0,
                "person",
                "import.longer_than",
                f"longer than {_EXTERNAL_ID_MAX} characters",
                limit=_EXTERNAL_ID_MAX,
            )
        elif external_id not in people:
            problem(
                0,
                "person",
                "import.person_unknown_first",
                f"unknown person {external_id!r} (import people first)",
                person=external_id,
            )

        period = parse_period(cells["period"])
        if not cells["period"]:
            problem(1, "period", "import.cell_empty", "empty")
        elif period is None:
            problem(
                1,
                "period",
                "period.malformed_cell",
                f"{cells['period']!r} is not a period (use YYYY-MM or YYYY-Qn)",
                period=cells["period"],
            )

        metric = cells["metric"].lower()
        if not metric:
            problem(2, "metric", "import.cell_empty", "empty")
        elif not _METRIC_NAME.match(metric):
            problem(
                2,
                "metric",
                "kpi.metric_name_invalid",
                f"{cells['metric']!r} is not a metric name (lower-case letters, digits and _,"
                " starting with a letter, at most 40 characters)",
                metric=cells["metric"],
            )
        elif metric not in allowed:
            if allow_new_metrics:
                new_metrics.add(metric)
            else:
                known_names = ", ".join(sorted(allowed))
                problem(
                    2,
                    "metric",
                    "kpi.metric_unknown",
                    f"unknown metric {metric!r} (known: {known_names}; to add a new metric,"
                    " allow new metrics)",
                    metric=metric,
                    known=known_names,
                )

        value = _parse_value(cells["value"])
        if not cells["value"]:
            problem(3, "value", "import.cell_empty", "empty")
        elif value is None:
            problem(
                3,
                "value",
                "kpi.value_not_a_number",
                f"{cells['value']!r} is not a number (write e.g. 1234.5 or 1234,5)",
                value=cells["value"],
            )
        else:
            known = KNOWN_METRICS.get(metric)
            if abs(value) > VALUE_MAX:
                problem(
                    3,
                    "value",
                    "kpi.value_too_large",
                    f"{cells['value']} is more than 10^15 either side of zero",
                    value=cells["value"],
                    limit="10^15",
                )
            elif known is not None and known.minimum is not None and value < known.minimum:
                problem(
                    3,
                    "value",
                    "kpi.value_negative",
                    f"{metric} cannot be negative ({cells['value']})",
                    metric=metric,
                    value=cells["value"],
                )

        if external_id and period and metric:
            key = (external_id, period, metric)
            if key in seen:
                problem(
                    0,
                    "person",
                    "import.duplicate_of_row",
                    f"duplicate of row {seen[key]} ({external_id}, {period}, {metric})",
                    first=seen[key],
                    value=f"{external_id}, {period}, {metric}",
                )
            else:
                seen[key] = number
        problems.extend((number, order, found_problem) for order, found_problem in found)
        if not found:
            rows.append(_Row(number, external_id, period, metric, value))
    return rows, problems, new_metrics


def _person_ids(session: Session, external_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(list(external_ids)):
        stmt = select(Person.external_id, Person.id).where(Person.external_id.in_(chunk))
        found.update(session.exec(stmt).all())
    return found


def import_kpis(
    *,
    session: Session,
    table: Table | None = None,
    header: Sequence[str] | None = None,
    records: Sequence[Mapping[str, object]] | None = None,
    allow_new_metrics: bool = False,
    actor: Actor,
    source: str = "",
    dry_run: bool = False,
) -> KpiImportSummary:
    """Store KPI values from a table; any problem means nothing is written.

    Give either ``table`` (from ``services.tabular``) or ``header`` and ``records``.
    Re-importing the same file changes nothing; a changed value replaces the stored one.
    ``dry_run`` counts what would change and writes nothing (a page confirms replacements).
    """
    require(actor, "import_kpis")
    header, records, source = table_input(table, header, records, source, what="import_kpis")
    problems = _header_problems(header)
    if problems:
        raise nothing_imported(problems, source)

    allowed = set(KNOWN_METRICS) | set(stored_metrics(session))
    external_ids = {cell_text(r.get("person")) for r in records if r}
    people = _person_ids(session, sorted(external_ids - {""}))
    rows, found, new_metrics = _parse_rows(records, people, allowed, allow_new_metrics)
    if not rows and not found:
        found.append(
            (2, 0, row_problem(2, "", "kpi.none", "the file has a header but no KPI values"))
        )
    if found:
        found.sort(key=lambda p: (p[0], p[1]))
        raise nothing_imported([p[2] for p in found], source)

    summary = KpiImportSummary(
        periods=sorted({r.period for r in rows}, key=period_order),
        metrics=sorted({r.metric for r in rows}),
        new_metrics=sorted(new_metrics),
    )
    try:
        _write(
            session,
            rows=rows,
            people=people,
            summary=summary,
            actor=actor,
            source=source,
            dry_run=dry_run,
        )
    except Exception:
        session.rollback()
        raise
    return summary


def _stored(
    session: Session, person_ids: Sequence[int], periods: Sequence[str]
) -> dict[tuple[int, str, str], tuple[int, float]]:
    out: dict[tuple[int, str, str], tuple[int, float]] = {}
    for chunk in chunks(list(person_ids)):
        stmt = select(KPI.id, KPI.person_id, KPI.period, KPI.metric, KPI.value).where(
            KPI.person_id.in_(chunk), KPI.period.in_(list(periods))
        )
        for kpi_id, person_id, period, metric, value in session.exec(stmt):
            out[(person_id, period, metric)] = (kpi_id, value)
    return out


def _write(
    session: Session,
    *,
    rows: list[_Row],
    people: dict[str, int],
    summary: KpiImportSummary,
    actor: Actor,
    source: str,
    dry_run: bool = False,
) -> None:
    # Imports take turns: another one importing the same people's periods at this moment
    # would read the same stored rows and insert the same new ones.
    take_turn(session, "motivo.kpis.import", KPI)
    stored = _stored(session, sorted(set(people.values())), summary.periods)
    to_insert: list[tuple[int, str, str, float]] = []
    to_update: list[tuple[int, float]] = []
    for row in rows:
        person_id = people[row.external_id]
        existing = stored.get((person_id, row.period, row.metric))
        if existing is None:
            to_insert.append((person_id, row.period, row.metric, row.value))
        elif existing[1] != row.value:
            to_update.append((existing[0], row.value))
        else:
            summary.unchanged += 1
    if not to_insert and not to_update:
        # The same file again: nothing to write, not even an audit row. The turn is given
        # back now, not when the caller's session happens to end.
        session.rollback()
        return

    now = utcnow()
    _bulk_insert(session, to_insert, now)
    if to_update:
        table = KPI.__table__
        stmt = (
            update(table)
            .where(table.c.id == bindparam("kpi_id"))
            .values(value=bindparam("new_value"), source=IMPORT_SOURCE, updated_at=now)
        )
        for chunk in chunks(to_update, WRITE_CHUNK):
            session.execute(stmt, [{"kpi_id": i, "new_value": v} for i, v in chunk])
    summary.created = len(to_insert)
    summary.updated = len(to_update)
    record_event(
        session,
        actor=actor,
        action="kpis.import",
        target=source,
        details=summary.as_dict(),
    )
    if dry_run:
        session.rollback()
    else:
        session.commit()


def _bulk_insert(session: Session, values: list[tuple[int, str, str, float]], now) -> None:
    if not values:
        return
    table = KPI.__table__
    columns = ("person_id", "period", "metric", "value", "source", "updated_at")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # COPY streams the rows; a multi-row INSERT would make psycopg build huge statements.
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for person_id, period, metric, value in values:
                copy.write_row((person_id, period, metric, value, IMPORT_SOURCE, now))
        return
    for chunk in chunks(values, WRITE_CHUNK):
        session.execute(
            insert(table),
            [
                {
                    "person_id": person_id,
                    "period": period,
                    "metric": metric,
                    "value": value,
                    "source": IMPORT_SOURCE,
                    "updated_at": now,
                }
                for person_id, period, metric, value in chunk
            ],
        )


@dataclass(frozen=True)
class CoverageRow:
    period: str
    metric: str
    people: int


@dataclass(frozen=True)
class KpiCoverage:
    """How many people have a value, per period and metric (counts only, never values)."""

    periods: list[str]
    metrics: list[str]
    counts: dict[tuple[str, str], int]

    def rows(self) -> list[CoverageRow]:
        return [
            CoverageRow(p, m, self.counts[(p, m)])
            for p in self.periods
            for m in self.metrics
            if (p, m) in self.counts
        ]


def kpi_coverage(*, session: Session, viewer: Actor, metric: str | None = None) -> KpiCoverage:
    """People with a value per period and metric, periods in time order."""
    require(viewer, "run_hr")
    stmt = select(KPI.period, KPI.metric, func.count(KPI.id)).group_by(KPI.period, KPI.metric)
    if metric:
        stmt = stmt.where(KPI.metric == metric.strip().lower())
    counts = {(period, m): int(n) for period, m, n in session.exec(stmt)}
    periods = sorted({p for p, _ in counts}, key=period_order)
    metrics = [m for m in KNOWN_METRICS if any(k[1] == m for k in counts)]
    metrics += sorted({m for _, m in counts} - set(metrics))
    return KpiCoverage(periods=periods, metrics=metrics, counts=counts)
