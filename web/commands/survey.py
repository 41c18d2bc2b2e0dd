"""Survey commands: instruments, imported responses, reliability, validity and waves."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from services.text import counted
from web.commands.common import (
    db_session,
    echo_err,
    format_option,
    handle_errors,
    upload_limit,
    write_csv,
    write_json,
)

RELIABILITY_COLUMNS = (
    "construct",
    "n",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "omega",
    "item",
    "item_total_r",
    "alpha_if_deleted",
    "warnings",
    "n_unflagged",
    "alpha_unflagged",
    "alpha_unflagged_ci_low",
    "alpha_unflagged_ci_high",
    "omega_unflagged",
    "missing_data_policy",
)
INSTRUMENT_COLUMNS = ("name", "version", "title", "items", "responses", "created_at")
WAVE_COLUMNS = (
    "id",
    "name",
    "instrument",
    "status",
    "audience",
    "opens_on",
    "closes_on",
    "invited",
    "submitted",
    "in_progress",
)
DAY = click.DateTime(formats=["%Y-%m-%d"])


def _print_table(rows: list[dict], columns: tuple[str, ...]) -> None:
    def cell(value: object) -> str:
        return "" if value is None else str(value)

    widths = {c: max([len(c)] + [len(cell(r[c])) for r in rows]) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        click.echo("  ".join(cell(row[c]).ljust(widths[c]) for c in columns).rstrip())


def _read_instrument_file(file: str) -> dict:
    from services.errors import InvalidInput

    path = Path(file)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InvalidInput(f"{file}: expected a .toml or .json instrument file.")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"{file}: no such file.") from exc
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{file}: cannot be read as UTF-8 text.") from exc
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{file}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{file}: the top level must be a table.")
    return data


@click.group()
def instrument() -> None:
    """Import, export and list survey instruments."""


@instrument.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@handle_errors
def instrument_import(file: str) -> None:
    """Import an instrument from a .toml or .json FILE.

    A changed definition under an existing name becomes that instrument's next version;
    an unchanged one is not stored again. Every problem in the file is listed at once.
    """
    from services.instruments import import_instrument

    data = _read_instrument_file(file)
    with db_session() as session:
        result = import_instrument(session=session, actor=SYSTEM, data=data, source=file)
    row = result.row
    if result.created:
        echo_err(f"Imported {row.name} version {row.version}")
    else:
        echo_err(f"unchanged: {row.name} version {row.version}")


@instrument.command("export")
@click.argument("name", required=False)
@click.option("--version", "version", type=int, help="Version to export (default: newest).")
@format_option("json", default="json")
@with_appcontext
@handle_errors
def instrument_export(name: str | None, version: int | None, fmt: str) -> None:
    """Print an instrument (default: motivation) as JSON that `instrument import` reads back."""
    from services.audit import record_export
    from services.instruments import export_instrument

    with db_session() as session:
        data = export_instrument(session=session, name=name, version=version)
        filters = {"instrument": data["name"], "version": data.get("version")}
        record_export(session, actor=SYSTEM, kind="instrument", fmt=fmt, filters=filters)
    write_json(data)


@instrument.command("list")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def instrument_list(fmt: str) -> None:
    """List every stored instrument version with its item and response counts."""
    from services.instruments import list_instruments

    with db_session() as session:
        rows = list_instruments(session=session)
    rows = [{**r, "created_at": r["created_at"].isoformat(timespec="seconds")} for r in rows]
    if fmt == "json":
        write_json(rows)
    else:
        _print_table(rows, INSTRUMENT_COLUMNS)


@click.group()
def responses() -> None:
    """Survey responses collected elsewhere."""


@responses.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--instrument", "instrument_name", help="Instrument name (default: motivation).")
@click.option("--wave", help="Existing wave (name or id) to import into.")
@click.option(
    "--create-people",
    is_flag=True,
    help="Create unknown people as respondents without a login.",
)
@click.option(
    "--replace-survey-answers",
    "replace_survey",
    is_flag=True,
    help="Replace responses people gave through the survey (recorded in the audit log).",
)
@with_appcontext
@handle_errors
def responses_import(
    file: str,
    instrument_name: str | None,
    wave: str | None,
    create_people: bool,
    replace_survey: bool,
) -> None:
    """Import submitted responses from a CSV FILE: a person column, then one column per item.

    The person column holds each person's external_id; a blank cell is a missing answer;
    a ranking cell lists option codes joined by '>', most preferred first. All or nothing:
    every problem is listed as `row N, column X: problem` and nothing is written. Without
    --wave the responses go into a closed wave named "Imported from <file name>".
    Importing the same file again changes nothing. A response a person gave through the
    survey is never replaced (it is listed as a conflict) without --replace-survey-answers.
    """
    from services.responses_import import import_responses
    from services.tabular import read_table_file

    table = read_table_file(file, max_bytes=upload_limit())
    with db_session() as session:
        summary = import_responses(
            session=session,
            actor=SYSTEM,
            table=table,
            instrument_name=instrument_name,
            wave=wave,
            create_people=create_people,
            source=file,
            replace_survey_responses=replace_survey,
        )
    echo_err(f"Imported {file}: {summary.describe()}.")


def _reliability_rows(report: dict) -> list[dict]:
    rows = []
    for scale in report["scales"]:
        low, high = scale["alpha_ci"] or (None, None)
        unflagged = scale.get("unflagged") or {}
        u_low, u_high = unflagged.get("alpha_ci") or (None, None)
        for item in scale["items"]:
            rows.append(
                {
                    "construct": scale["construct"],
                    "n": scale["n"],
                    "alpha": scale["alpha"],
                    "alpha_ci_low": low,
                    "alpha_ci_high": high,
                    "omega": scale["omega"],
                    "item": item["code"],
                    "item_total_r": item["item_total_r"],
                    "alpha_if_deleted": item["alpha_if_deleted"],
                    "warnings": " | ".join(scale["warnings"]),
                    "n_unflagged": unflagged.get("n"),
                    "alpha_unflagged": unflagged.get("alpha"),
                    "alpha_unflagged_ci_low": u_low,
                    "alpha_unflagged_ci_high": u_high,
                    "omega_unflagged": unflagged.get("omega"),
                    "missing_data_policy": report["missing_data_policy"],
                }
            )
    return rows


@click.command("reliability")
@click.option("--instrument", "instrument_name", help="Instrument name (default: motivation).")
@click.option("--wave", help="Only this wave (name or id), with the wave's instrument.")
@click.option(
    "--missing",
    type=click.Choice(["listwise", "median"]),
    default="listwise",
    show_default=True,
    help="Missing answers: drop incomplete responses per scale, or use the item median.",
)
@click.option(
    "--exclude-flagged",
    is_flag=True,
    help="Leave responses with quality flags out of the main figures and the warnings.",
)
@click.option(
    "--include-flagged",
    is_flag=True,
    hidden=True,
    help="Kept for old scripts: flagged responses are included by default.",
)
@format_option("json", "csv", default="json")
@with_appcontext
@handle_errors
def reliability_command(
    instrument_name: str | None,
    wave: str | None,
    missing: str,
    exclude_flagged: bool,
    include_flagged: bool,
    fmt: str,
) -> None:
    """Report scale reliability: alpha with its 95% interval, omega and item analysis.

    Uses the submitted responses to the newest version of the instrument, or to one wave.
    Figures and warnings are on all responses; the figures without flagged responses
    stand beside them ("unflagged" in json, *_unflagged columns in csv). The csv format
    has one row per item, its scale's figures repeated on each row. Missing answers are
    handled listwise (a response counts for a scale only when it answered all its items)
    unless --missing median; every output says which (missing_data_policy). While the
    wave is open no flagged count and no figure without the flagged responses is given;
    once closed, a count below MOTIVO_MIN_GROUP_SIZE is given only as "fewer than".
    Every run is recorded in the audit log.
    """
    from services.errors import InvalidInput
    from services.reliability import export_reliability

    if exclude_flagged and include_flagged:
        raise InvalidInput("Choose --exclude-flagged or --include-flagged, not both.")
    with db_session() as session:
        report = export_reliability(
            session=session,
            actor=SYSTEM,
            fmt=fmt,
            instrument_name=instrument_name,
            wave=wave,
            missing=missing,
            include_flagged=not exclude_flagged,
        )
    if fmt == "json":
        write_json(report)
    else:
        write_csv(_reliability_rows(report), RELIABILITY_COLUMNS)
    policy, incomplete = report["missing_data_policy"], report["n_incomplete"]
    treatment = policy
    if incomplete and policy == "listwise":
        treatment += (
            f" ({counted(incomplete, 'response')} with a missing answer left out of the scales they"
            " did not answer in full)"
        )
    elif incomplete:
        treatment += (
            f" ({counted(incomplete, 'response')} with a missing answer filled with item medians)"
        )
    if report["flagged_pending"]:
        flagged = "flagged count shown when the wave closes"
    elif report["flagged_fewer_than"] is not None:
        flagged = f"fewer than {report['flagged_fewer_than']} flagged"
    else:
        flagged = f"{report['n_flagged']} flagged"
    echo_err(
        f"{report['instrument']} version {report['version']}: "
        f"{counted(report['n_responses'], 'response')} ({flagged}, {report['n_flagged_excluded']} left "
        f"out), figures and warnings on {report['basis']}, missing answers: {treatment}."
    )


VALIDITY_COLUMNS = ("section", "name", "construct", "measure", "value")


def _validity_rows(report: dict) -> list[dict]:
    """The report as one long table: one row per figure, warnings as rows of their own."""
    rows: list[dict] = []

    def add(section: str, name: str, construct: str, measure: str, value: object) -> None:
        rows.append(
            {
                "section": section,
                "name": name,
                "construct": construct,
                "measure": measure,
                "value": value,
            }
        )

    add("sample", "", "", "n", report["n"])
    for key, value in report["fit"].items():
        add("fit", "", "", key, value)
    for entry in report["loadings"]:
        add("loading", entry["item"], entry["construct"], "loading", entry["loading"])
    for construct, value in report["omega"].items():
        add("omega", "", construct, "omega", value)
    for text in report["warnings"]:
        add("warning", "", "", "cfa", text)
    invariance = report["invariance"]
    for language, n in invariance["groups"].items():
        add("invariance", language, "", "n", n)
    for step in invariance["steps"]:
        for key in ("chi2", "df", "cfi", "tli", "rmsea", "srmr", "delta_cfi", "delta_rmsea"):
            add("invariance", step["step"], "", key, step[key])
        add("invariance", step["step"], "", "holds", step["holds"])
    for text in invariance["warnings"]:
        add("warning", "", "", "invariance", text)
    retest = report["retest"]
    add("retest", retest["form"], "", "n", retest["n"])
    add("retest", retest["form"], "", "weeks", retest["weeks"])
    for construct, scale in retest["scales"].items():
        add("retest", retest["form"], construct, "n", scale["n"])
        add("retest", retest["form"], construct, "icc", scale["icc"])
    for text in retest["warnings"]:
        add("warning", "", "", "retest", text)
    return rows


@click.command("validate")
@click.option("--instrument", "instrument_name", help="Instrument name (default: motivation).")
@click.option("--wave", help="Only this wave (name or id), with the wave's instrument.")
@click.option(
    "--include-flagged",
    is_flag=True,
    help="Keep responses with quality flags (left out by default: careless answers are noise).",
)
@click.option(
    "--retest-weeks",
    type=click.IntRange(1, 52),
    default=8,
    show_default=True,
    help="Test-retest pairs: two waves answered at most this many weeks apart.",
)
@format_option("json", "csv", default="json")
@with_appcontext
@handle_errors
def validate_command(
    instrument_name: str | None,
    wave: str | None,
    include_flagged: bool,
    retest_weeks: int,
    fmt: str,
) -> None:
    """Check the survey's construct validity: factor analysis, invariance, test-retest.

    A confirmatory factor analysis of every construct with 3 or more Likert items (one
    factor each, complete responses only) gives chi2, df, CFI, TLI, RMSEA, SRMR,
    standardised loadings and omega per construct, with plain warnings where CFI/TLI fall
    below .95 (good) or .90 (acceptable), RMSEA exceeds .06, SRMR exceeds .08 or a loading
    is under .50. Invariance across the languages people answered in (configural, metric,
    scalar; a step fails when CFI drops by more than .010 and RMSEA rises by more than
    .015) is tested when every language has 200 or more complete responses. Test-retest
    is ICC(A,1) per scale for people who answered two waves within --retest-weeks.
    Nothing is reported on fewer people than MOTIVO_MIN_GROUP_SIZE. json has the keys
    instrument, version, n, fit, loadings, omega, warnings, invariance and retest; csv is
    one row per figure (section, name, construct, measure, value). Every run is recorded
    in the audit log.
    """
    from services.actors import SYSTEM
    from services.validity import export_validity

    with db_session() as session:
        report = export_validity(
            session=session,
            actor=SYSTEM,
            fmt=fmt,
            instrument_name=instrument_name,
            wave=wave,
            include_flagged=include_flagged,
            retest_weeks=retest_weeks,
        )
    if fmt == "json":
        write_json(report)
    else:
        write_csv(_validity_rows(report), VALIDITY_COLUMNS)
    if report["basis"] == "all responses":
        flagged = "included"
        if not include_flagged:
            # The wave is open, or fewer than the minimum were flagged: leaving them out
            # would show how many there were.
            flagged += " (leaving them out would show how many there are, which HR may not see)"
    else:
        flagged = "left out"
    echo_err(
        f"{report['instrument']} version {report['version']}: "
        f"{counted(report['n'], 'complete response')} in the factor analysis, responses with "
        f"quality flags {flagged}."
    )


@click.group()
def waves() -> None:
    """Open, close and list survey waves."""


@waves.command("open")
@click.argument("name")
@click.option("--opens", type=DAY, help="First day, YYYY-MM-DD (default: today).")
@click.option("--closes", type=DAY, help="Last day, YYYY-MM-DD (default: 21 days later).")
@click.option("--instrument", "instrument_name", help="Instrument name (default: motivation).")
@click.option(
    "--team", "teams", multiple=True, help="Only this team (repeat for several; default: all)."
)
@click.option(
    "--allow-overlap",
    is_flag=True,
    help="Open it even if an open wave on some of the same days asks some of the same reps "
    "(they get two surveys at once); without it that is refused.",
)
@click.option(
    "--already-held",
    "already_held",
    is_flag=True,
    help="Allow days that have passed: the wave records a survey already held (e.g. on "
    "paper), whose answers you then import; without it a wave must close today or later.",
)
@with_appcontext
@handle_errors
def waves_open(
    name: str,
    opens: datetime | None,
    closes: datetime | None,
    instrument_name: str | None,
    teams: tuple[str, ...],
    allow_overlap: bool,
    already_held: bool,
) -> None:
    """Open a wave called NAME for everyone, or only for the teams given with --team."""
    from services.waves import open_wave

    with db_session() as session:
        wave = open_wave(
            session=session,
            actor=SYSTEM,
            name=name,
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else None,
            instrument_name=instrument_name,
            team_names=teams,
            confirm_overlap=allow_overlap,
            allow_past=already_held,
        )
    audience = ", ".join(teams) if teams else "everyone"
    echo_err(
        f"Opened wave {wave.name!r} (id {wave.id}) for {audience}, "
        f"{wave.opens_on.isoformat()} to {wave.closes_on.isoformat()}."
    )


@waves.command("close")
@click.argument("wave")
@with_appcontext
@handle_errors
def waves_close(wave: str) -> None:
    """Close WAVE (name or id); closing a closed wave does nothing."""
    from services.waves import close_wave

    with db_session() as session:
        closed = close_wave(session=session, actor=SYSTEM, wave_id=wave)
    echo_err(f"Wave {closed.name!r} is closed.")


@waves.command("list")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def waves_list(fmt: str) -> None:
    """List every wave with its instrument and participation counts."""
    from services.audit import record_export
    from services.waves import list_waves

    with db_session() as session:
        summaries = list_waves(session=session, viewer=SYSTEM)
        record_export(session, actor=SYSTEM, kind="waves", fmt=fmt, filters={})
    rows = [
        {
            "id": s.wave.id,
            "name": s.wave.name,
            "instrument": s.instrument,
            "status": s.state,
            "audience": s.wave.audience,
            "opens_on": s.wave.opens_on.isoformat(),
            "closes_on": s.wave.closes_on.isoformat(),
            "invited": s.invited,
            "submitted": s.submitted,
            "in_progress": s.in_progress,
            "answerable": s.answerable,
        }
        for s in summaries
    ]
    if fmt == "json":
        write_json(rows)
    else:
        _print_table(rows, WAVE_COLUMNS)


SURVEY_COMMANDS = [instrument, responses, reliability_command, validate_command, waves]
