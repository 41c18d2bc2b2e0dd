"""Reward catalogue, feedback, training, suggestions and the offline evaluation."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import (
    db_session,
    echo_err,
    format_option,
    handle_errors,
    locale_option,
    upload_limit,
    write_csv,
    write_json,
)


@click.group()
def rewards() -> None:
    """Manage the reward catalogue."""


@rewards.command("export")
@format_option("json", "csv", default="json")
@with_appcontext
@handle_errors
def rewards_export(fmt: str) -> None:
    """Write the whole catalogue (active and inactive) to stdout as JSON or CSV."""
    from recommender.catalogue import CSV_COLUMNS, reward_to_dict, reward_to_row
    from services.catalogue import export_rewards

    with db_session() as session:
        items = export_rewards(session=session, actor=SYSTEM, fmt=fmt)
    if fmt == "json":
        write_json([reward_to_dict(r) for r in items])
    else:
        write_csv([reward_to_row(r) for r in items], CSV_COLUMNS)


@rewards.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@handle_errors
def rewards_import(file: str) -> None:
    """Create or update rewards from a TOML, JSON or CSV file, all or nothing.

    Rewards are matched by id, so history stays attached; set `active = false` to retire
    one. Rewards missing from the file are left as they are.
    """
    from services.catalogue import import_rewards
    from services.errors import InvalidInput
    from services.tabular import check_size, read_table_file

    path = Path(file)
    if not path.is_file():
        raise InvalidInput(f"{file}: no such file")
    check_size(path.stat().st_size, max_bytes=upload_limit(), name=file)
    if path.suffix.lower() == ".csv":
        # Blank rows stay in (the parser skips them) so messages keep the spreadsheet's
        # row numbers.
        records = read_table_file(path).rows
    elif path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{file}: not valid JSON ({exc})") from exc
        records = data.get("rewards") if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise InvalidInput(
                f"{file}: expected a list of rewards, or an object with a list under 'rewards'"
            )
    else:
        import tomllib

        try:
            records = tomllib.loads(path.read_text(encoding="utf-8")).get("rewards", [])
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{file}: not valid TOML ({exc})") from exc
    with db_session() as session:
        summary = import_rewards(session=session, actor=SYSTEM, records=records, source=file)
    echo_err(f"Imported {file}: {summary.describe()}.")


@click.group()
def feedback() -> None:
    """Ratings of rewards people received."""


@feedback.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
@handle_errors
def feedback_import(file: str) -> None:
    """Import ratings: person,reward_id,rating[,given_at,comment] (all or nothing).

    `person` is the external id, `rating` a whole number 1-5, `given_at` YYYY-MM-DD (the
    reward is then recorded as given that day). Importing the same file again changes nothing.
    """
    from services.feedback import import_feedback
    from services.tabular import read_table_file

    table = read_table_file(file, max_bytes=upload_limit())
    with db_session() as session:
        summary = import_feedback(session=session, actor=SYSTEM, table=table, source=file)
    echo_err(f"Imported {file}: {summary.describe()}.")


def _policy():
    from services.retraining import RetrainPolicy

    return RetrainPolicy.from_settings(current_app.config)


def _report(outcome) -> None:
    echo_err(outcome.message)
    if outcome.action == "failed":
        sys.exit(1)


@click.command()
@click.option("--job", type=int, help="Run a training job queued from the HR page.")
@click.option(
    "--if-stale",
    "if_stale",
    is_flag=True,
    help="Run the queued job, or train only if the retraining policy says the model is "
    "stale; otherwise say why not and exit 0 (for cron).",
)
@click.option("--seed", type=int, default=None, help="Random state (default: fixed).")
@with_appcontext
@handle_errors
def train(job: int | None, if_stale: bool, seed: int | None) -> None:
    """Fit motivation profiles and the ranker, and store the model as a new version.

    One training runs at a time: while another is queued or running this stops with
    "a training is already running" and exit code 1, and changes nothing. With
    --if-stale a training that is already running is not an error: the command says so
    and exits 0.
    """
    from services.training import DEFAULT_RANDOM_STATE, run_job, train_model

    retention = int(current_app.config["MOTIVO_MODEL_RETENTION"])
    with db_session() as session:
        if if_stale:
            from services.retraining import run_due_training

            _report(
                run_due_training(
                    session=session, actor=SYSTEM, policy=_policy(), retention=retention
                )
            )
            return
        if job is not None:
            result = run_job(session=session, job_id=job, retention=retention)
            echo_err(f"Job {result.id}: {result.status}. {result.message}")
            if result.status != "done":
                sys.exit(1)
            return
        echo_err("Training…")
        result = train_model(
            session=session,
            actor=SYSTEM,
            random_state=DEFAULT_RANDOM_STATE if seed is None else seed,
            retention=retention,
        )
    echo_err(f"Stored {result.describe()}.")


@click.command()
@click.option(
    "--interval",
    type=click.IntRange(1, 86400),
    default=None,
    help="Seconds between looks (default: MOTIVO_WORKER_INTERVAL, 60).",
)
@click.option("--once", is_flag=True, help="Look once and exit (what `train --if-stale` does).")
@with_appcontext
@handle_errors
def worker(interval: int | None, once: bool) -> None:
    """Run queued training jobs and retrain when the model is stale, until stopped.

    Every interval it runs the job HR queued from the model page, or trains if the
    retraining policy finds the model stale: enough new responses or ratings
    (MOTIVO_RETRAIN_*), or a reward the model has not seen as it is now (a new one, or a
    changed category, visibility, scope, horizon, cost band, roles or cooldown). Stop it with SIGTERM or
    Ctrl-C; a training in progress finishes first. Run one, under a process manager.
    """
    import signal
    import threading

    from services.retraining import run_due_training
    from web.errors import DATABASE_DOWN

    seconds = interval or int(current_app.config["MOTIVO_WORKER_INTERVAL"])
    retention = int(current_app.config["MOTIVO_MODEL_RETENTION"])
    stop = threading.Event()

    def _stop(_signum, _frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    echo_err(f"Worker started: looking every {seconds} s; {_policy().describe()}.")
    last = None
    try:
        while not stop.is_set():
            try:
                with db_session() as session:
                    outcome = run_due_training(
                        session=session, actor=SYSTEM, policy=_policy(), retention=retention
                    )
            except DATABASE_DOWN as exc:
                if once:
                    raise
                # A database restarting must not end the worker: nothing would start it
                # again under `motivo serve --training-worker`.
                first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else exc
                echo_err(
                    f"The database could not be reached ({first_line}); looking again in "
                    f"{seconds} s."
                )
                stop.wait(seconds)
                continue
            # A quiet model is reported once, not every interval.
            if outcome.action != "fresh" or outcome.message != last:
                echo_err(outcome.message)
            last = outcome.message
            if once:
                if outcome.action == "failed":
                    sys.exit(1)
                break
            stop.wait(seconds)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo_err("Worker stopped.")


@click.command()
@click.option("--person", "external_id", help="External id of one person.")
@click.option("--all", "everyone", is_flag=True, help="Every active rep.")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@locale_option("Language of the reasons.")
@format_option("csv", "json", default="csv")
@with_appcontext
@handle_errors
def recommend(external_id: str | None, everyone: bool, k: int, locale: str, fmt: str) -> None:
    """Write suggestions: person,rank,reward_id,score,reasons (reasons joined by " | ")."""
    from services.errors import InvalidInput
    from services.people import find_person
    from services.recommendations import recommend_for_all, recommendation_rows

    if bool(external_id) == everyone:
        raise InvalidInput("Give either --person EXTERNAL_ID or --all.")
    with db_session() as session:
        if everyone:
            with click.progressbar(length=1, label="Ranking", file=sys.stderr) as bar:
                rows = recommend_for_all(session=session, viewer=SYSTEM, k=k, locale=locale)
                bar.update(1)
        else:
            person = find_person(session=session, viewer=SYSTEM, external_id=external_id)
            rows = recommendation_rows(
                session=session, viewer=SYSTEM, person=person, k=k, locale=locale
            )
    if fmt == "json":
        write_json(rows)
        return
    from services.tabular import csv_text

    # Reasons quote names and free text: every text cell is quoted and neutralised, so no
    # spreadsheet, whatever separator it splits on, runs one as a formula.
    sys.stdout.write(
        csv_text(
            ["person", "rank", "reward_id", "score", "reasons"],
            (
                [
                    row["person"],
                    row["rank"],
                    row["reward_id"],
                    None if row["score"] is None else f"{row['score']:.4f}",
                    " | ".join(row["reasons"]),
                ]
                for row in rows
            ),
        )
    )


WORLDS = {
    "profiles": "latent motivation profiles (seed/simulate.py)",
    "additive": "additive tastes, graded-response answers, few noisy ratings "
    "(seed/world_additive.py)",
}


@click.command()
@click.option("--people", default=1200, show_default=True, type=click.IntRange(100, 50000))
@click.option("--seed", default=3, show_default=True, type=int)
@click.option(
    "--world",
    "worlds",
    type=click.Choice(list(WORLDS)),
    multiple=True,
    help="Simulated world to evaluate on (repeatable; default: every world).",
)
@click.option(
    "--instrument-version",
    type=click.IntRange(1),
    default=None,
    help="Version of the seed motivation instrument the simulated reps answer "
    "(default: the current one).",
)
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def evaluate(
    people: int, seed: int, worlds: tuple[str, ...], instrument_version: int | None, fmt: str
) -> None:
    """Offline evaluation on simulated organisations with known true utilities.

    For each simulated world (two, built on different assumptions) reports NDCG@5,
    precision@5, catalogue coverage and intra-list diversity for cold reps (no ratings)
    and warm reps (3 or more), beside references from the same run: random, popularity,
    the naive rule "rank by the rep's own preference score for the reward's category",
    the survey ceiling and the oracle.
    """
    from recommender.evaluate import render_markdown, targets_met, world_targets_met
    from recommender.instrument import InstrumentError
    from seed.loaders import load_catalogue, load_seed_instrument
    from seed.simulate import run_simulated_evaluation
    from seed.world_additive import run_additive_evaluation

    run = {"profiles": run_simulated_evaluation, "additive": run_additive_evaluation}
    chosen = [w for w in WORLDS if w in worlds] if worlds else list(WORLDS)
    try:
        instrument = load_seed_instrument(instrument_version)
    except (InstrumentError, FileNotFoundError) as exc:
        raise click.BadParameter(
            f"no seed instrument version {instrument_version}", param_hint="--instrument-version"
        ) from exc
    catalogue = load_catalogue()
    results = {}
    for world in chosen:
        echo_err(
            f"Simulating {people} reps answering {instrument.name} v{instrument.version} in the "
            f"{world} world and evaluating (seed {seed})…"
        )
        results[world] = run[world](instrument, catalogue, people, random_state=seed)
    if fmt == "json":
        write_json(results)
    else:
        click.echo(
            "\n".join(
                f"## World: {world}, {WORLDS[world]}\n\n{render_markdown(result)}"
                for world, result in results.items()
            ),
            nl=False,
        )
    for world, result in results.items():
        met = targets_met(result) if world == "profiles" else world_targets_met(result)
        echo_err(
            f"Targets ({world}): "
            + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items())
        )
