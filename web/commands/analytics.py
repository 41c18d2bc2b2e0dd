"""KPI and experiment commands: does the programme work?"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import (
    db_session,
    echo_err,
    format_option,
    handle_errors,
    min_group_size,
    upload_limit,
    write_csv,
    write_json,
)

COVERAGE_COLUMNS = ("period", "metric", "people")
EXPERIMENT_COLUMNS = (
    "name",
    "metric",
    "period_before",
    "period_after",
    "assignment",
    "status",
    "arms",
    "people",
)
ARM_COLUMNS = ("arm", "control", "assigned", "n", "mean_before", "mean_after", "mean_change")


def _print_table(rows: list[dict], columns: tuple[str, ...]) -> None:
    def cell(value: object) -> str:
        return "" if value is None else str(value)

    widths = {c: max([len(c)] + [len(cell(r.get(c))) for r in rows]) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        click.echo("  ".join(cell(row.get(c)).ljust(widths[c]) for c in columns).rstrip())


@click.group()
def kpis() -> None:
    """Import KPIs (sales figures per person and period) and see what is stored."""


@kpis.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--allow-new-metrics",
    is_flag=True,
    help="Accept metrics Motivo does not know yet (otherwise they are errors, to catch typos).",
)
@with_appcontext
@handle_errors
def kpis_import(file: str, allow_new_metrics: bool) -> None:
    """Import a KPI CSV FILE with the columns person,period,metric,value.

    person is the person's external_id; period is YYYY-MM or YYYY-Qn; value is a number.
    Known metrics: revenue, deals_won, conversion_rate, cycle_days, goal_attainment,
    activities, calls, emails, meetings (and any metric imported before). All or nothing:
    every problem is listed as `row N, column X: problem` and nothing is written.
    Importing the same file again changes nothing; changed values replace stored ones.
    """
    from services.kpis import import_kpis
    from services.tabular import read_table_file

    table = read_table_file(file, max_bytes=upload_limit())
    with db_session() as session:
        summary = import_kpis(
            session=session,
            actor=SYSTEM,
            table=table,
            allow_new_metrics=allow_new_metrics,
            source=file,
        )
    echo_err(f"Imported {file}: {summary.describe()}.")


@kpis.command("list")
@click.option("--metric", help="Only this metric.")
@format_option("table", "json", "csv", default="table")
@with_appcontext
@handle_errors
def kpis_list(metric: str | None, fmt: str) -> None:
    """Count the people with a value per period and metric (counts only, never values)."""
    from services.audit import record_export
    from services.kpis import kpi_coverage

    with db_session() as session:
        coverage = kpi_coverage(session=session, viewer=SYSTEM, metric=metric)
        record_export(
            session, actor=SYSTEM, kind="kpi_coverage", fmt=fmt, filters={"metric": metric}
        )
    rows = [{"period": r.period, "metric": r.metric, "people": r.people} for r in coverage.rows()]
    if fmt == "json":
        write_json(rows)
    elif fmt == "csv":
        write_csv(rows, COVERAGE_COLUMNS)
    else:
        _print_table(rows, COVERAGE_COLUMNS)
    if not rows:
        echo_err("No KPI values stored yet.")


@kpis.command("metrics")
@with_appcontext
def kpis_metrics() -> None:
    """List the metrics Motivo knows and what each means."""
    from services.kpis import KNOWN_METRICS

    for metric in KNOWN_METRICS.values():
        click.echo(f"{metric.key:<16} {metric.description}")


@kpis.command("change")
@click.option("--metric", required=True, help="The KPI, e.g. revenue.")
@click.option("--before", "period_before", required=True, help="Period before, e.g. 2026-Q2.")
@click.option("--after", "period_after", required=True, help="Period after, e.g. 2026-Q4.")
@click.option("--team", "teams", multiple=True, help="Only this team (repeat for more).")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def kpis_change(
    metric: str, period_before: str, period_after: str, teams: tuple[str, ...], fmt: str
) -> None:
    """Before/after change of a KPI for all active reps: a description, not a causal effect.

    Without a control group a change may come from the season, the market or anything
    else; run an experiment to learn what rewards cause. Reps in a team with fewer active
    reps than the minimum group size are left out of every run, and a run is shown only when
    every rep who counts has a value in both periods. Audited.
    """
    from services.experiments import format_figure, precision, programme_change

    with db_session() as session:
        change = programme_change(
            session=session,
            viewer=SYSTEM,
            metric=metric,
            period_before=period_before,
            period_after=period_after,
            team_names=teams,
            min_group_size=min_group_size(session),
        )
    if fmt == "json":
        write_json(change.as_dict())
        return
    s = change.summary
    if change.missing:
        rep_s = "rep has" if change.missing == 1 else "reps have"
        click.echo(
            f"Not shown: {change.missing} {rep_s} no {change.metric} value in one of the "
            "periods. The change is shown when every rep who counts has both (otherwise two "
            "runs could be subtracted to read one rep's values)."
        )
        return
    if s is None or s.change is None:
        click.echo(f"Too few people with {change.metric} in both periods to show.")
        return
    places = precision(s.change.high - s.change.estimate)
    click.echo(
        f"{change.metric}: {change.period_before} -> {change.period_after}, {s.n} reps: "
        f"mean change {format_figure(s.change.estimate, places)} (95% CI "
        f"{format_figure(s.change.low, places)} to {format_figure(s.change.high, places)})."
    )
    if change.left_out:
        reps = "rep" if change.left_out == 1 else "reps"
        click.echo(
            f"Left out: {change.left_out} {reps} in teams with fewer active reps than the "
            "minimum group size (in every run, so no two runs can be subtracted to show them)."
        )
    click.echo("Before/after only, no control group: not evidence of what caused the change.")


@click.group()
def experiments() -> None:
    """Incentive experiments: arms, random assignment and results."""


@experiments.command("create")
@click.argument("name")
@click.option("--metric", required=True, help="The KPI to compare, e.g. revenue.")
@click.option("--before", "period_before", required=True, help="Period before, e.g. 2026-Q2.")
@click.option("--after", "period_after", required=True, help="Period after, e.g. 2026-Q4.")
@click.option(
    "--arm",
    "arms",
    multiple=True,
    required=True,
    help="An arm as key:label[:category], e.g. recognition:Recognition rewards:recognition.",
)
@click.option("--control", required=True, help="The key of the control arm.")
@click.option("--team", "teams", multiple=True, help="Only this team's reps (repeat for more).")
@click.option(
    "--stratified",
    is_flag=True,
    help="Balance the arms within each motivation profile (by sales role until a model exists).",
)
@click.option("--seed", type=int, help="Random seed (default: a new one, stored either way).")
@click.option("--description", default="", help="What the experiment tests.")
@click.option(
    "--starts-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the arms start (YYYY-MM-DD): today by default, never earlier.",
)
@click.option(
    "--retrospective",
    is_flag=True,
    help="Compare periods that are over: observational, not an experiment (labelled so).",
)
@with_appcontext
@handle_errors
def experiments_create(
    name: str,
    metric: str,
    period_before: str,
    period_after: str,
    arms: tuple[str, ...],
    control: str,
    teams: tuple[str, ...],
    stratified: bool,
    seed: int | None,
    description: str,
    starts_on,
    retrospective: bool,
) -> None:
    """Create experiment NAME and assign the active reps (or the chosen teams') to its arms."""
    from services.experiments import create_experiment, parse_arm

    specs = [parse_arm(text) for text in arms]
    with db_session() as session:
        experiment = create_experiment(
            session=session,
            actor=SYSTEM,
            name=name,
            metric=metric,
            period_before=period_before,
            period_after=period_after,
            arms=specs,
            control=control,
            team_names=teams,
            stratified=stratified,
            seed=seed,
            description=description,
            starts_on=starts_on.date() if starts_on else None,
            retrospective=retrospective,
        )
    echo_err(
        f"Created experiment {experiment.name!r} ({experiment.assignment} assignment, "
        f"seed {experiment.random_seed})."
    )


@experiments.command("list")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def experiments_list(fmt: str) -> None:
    """List experiments with their metric, periods, arms and number of people."""
    from services.audit import record_export
    from services.experiments import list_experiments

    with db_session() as session:
        rows = [e.as_dict() for e in list_experiments(session=session, viewer=SYSTEM)]
        record_export(session, actor=SYSTEM, kind="experiments", fmt=fmt, filters={})
    if fmt == "json":
        write_json(rows)
    else:
        _print_table(rows, EXPERIMENT_COLUMNS)


@experiments.command("finish")
@click.argument("name")
@with_appcontext
@handle_errors
def experiments_finish(name: str) -> None:
    """Finish experiment NAME: managers stop seeing its arms; assignments and results stay."""
    from services.experiments import finish_experiment

    with db_session() as session:
        experiment = finish_experiment(session=session, actor=SYSTEM, ref=name)
        click.echo(f"Experiment {experiment.name!r} is finished.")


@experiments.command("results")
@click.argument("name")
@click.option("--bootstrap", is_flag=True, help="Add percentile bootstrap intervals.")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def experiments_results(name: str, bootstrap: bool, fmt: str) -> None:
    """Compare each arm's KPI change with the control arm (aggregates only).

    Arms with fewer people than MOTIVO_MIN_GROUP_SIZE show no figures.
    """
    from services.experiments import LABEL, experiment_results, format_figure, precision

    with db_session() as session:
        results = experiment_results(
            session=session,
            viewer=SYSTEM,
            ref=name,
            min_group_size=min_group_size(session),
            bootstrap=bootstrap,
            export=True,
        )
    if fmt == "json":
        write_json(results.as_dict())
        return
    if results.observational:
        click.echo(f"{LABEL}.")
    if not results.ready:
        e = results.experiment
        click.echo(f"{e.name}: {e.metric}, {e.period_before} -> {e.period_after}")
        for note in results.notes:
            click.echo(note)
        return
    rows = []
    for arm in results.arms:
        s = arm.summary
        places = precision(2 * s.sd_change / s.n**0.5) if s and s.sd_change and s.n else 2
        rows.append(
            {
                "arm": arm.label,
                "control": "yes" if arm.is_control else "",
                "assigned": arm.assigned,
                "n": "too few to show" if arm.hidden else s.n,
                **{
                    k: format_figure(getattr(s, k), places)
                    for k in ("mean_before", "mean_after", "mean_change")
                    if s is not None and getattr(s, k) is not None
                },
            }
        )
    e = results.experiment
    click.echo(f"{e.name}: {e.metric}, {e.period_before} -> {e.period_after}")
    _print_table(rows, ARM_COLUMNS)
    for c in results.comparisons:
        click.echo("")
        click.echo(c.sentence)
        for warning in c.warnings:
            click.echo(f"  warning: {warning}")
        if c.stats and c.stats.bootstrap:
            b = c.stats.bootstrap
            click.echo(
                f"  bootstrap {b.confidence:.0%} CI: {format_figure(b.low, c.places)} to "
                f"{format_figure(b.high, c.places)}"
            )
    click.echo("")
    overall = results.overall
    if overall is not None and overall.change is not None:
        places = precision(overall.change.high - overall.change.estimate)
        click.echo(
            f"All participants, before/after ({overall.n} people, not causal): mean change "
            f"{format_figure(overall.change.estimate, places)} (95% CI "
            f"{format_figure(overall.change.low, places)} to "
            f"{format_figure(overall.change.high, places)})."
        )
    for note in results.notes:
        click.echo(note)


ANALYTICS_COMMANDS = [kpis, experiments]
