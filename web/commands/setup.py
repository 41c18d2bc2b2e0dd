"""Setting Motivo up: schema, seed data, the demo organisation, and the server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import db_session, echo_err, handle_errors
from web.config import ConfigError, check_secret_key


@click.command()
@click.option("--demo", is_flag=True, help="Also load the demo organisation (about 60 reps).")
@click.option(
    "--demo-password",
    default="demo",
    show_default=True,
    help="Password for every demo login (only used with --demo).",
)
@with_appcontext
@handle_errors
def init(demo: bool, demo_password: str) -> None:
    """Create or upgrade the schema and load the seed data; with --demo, the demo organisation.

    Safe to run again: existing data is kept and nothing is loaded twice.
    """
    from models import migrate
    from services.catalogue import ensure_seed_catalogue
    from services.instruments import ensure_current_instrument

    engine = current_app.extensions["motivo.engine"]
    migrate.upgrade(engine)
    echo_err(f"Schema is at revision {migrate.current_revision(engine)}.")
    with db_session() as session:
        loaded = ensure_current_instrument(session=session)
        if loaded.created:
            echo_err(
                f"Loaded the default instrument, version {loaded.row.version} "
                f"({len(loaded.instrument.items)} items)."
            )
        catalogue = ensure_seed_catalogue(session=session)
        if catalogue is not None:
            echo_err(f"Loaded the reward catalogue ({len(catalogue.created)} rewards).")
    if not demo:
        return
    from seed.demo_org import demo_experiment, demo_people
    from services.demo import (
        load_demo_experiment,
        load_demo_kpis,
        load_demo_people,
        load_demo_survey,
    )
    from services.training import latest_artefact, train_model

    with db_session() as session:
        load_demo_people(session=session, people=demo_people(), password=demo_password)
        survey = load_demo_survey(session=session)
        if survey["responses"]:
            echo_err(
                f"Simulated {survey['responses']} survey responses in two waves, "
                f"{survey['grants']} rewards given, {survey['ratings']} ratings."
            )
        load_demo_kpis(session=session)
        if latest_artefact(session) is None:
            result = train_model(session=session, actor=SYSTEM)
            echo_err(f"Trained {result.describe()}.")
        experiment = load_demo_experiment(session=session, spec=demo_experiment())
        echo_err(f"The experiment {experiment.name!r} runs until {experiment.period_after} ends.")
        # What the daily cron job would have told the demo's managers by now.
        from services.notifications import recognition_due_notices

        days = int(current_app.config["MOTIVO_RECOGNITION_DUE_DAYS"])
        told = recognition_due_notices(session=session, days=days)
        if told:
            echo_err(f"Told {len(told)} managers who is due for recognition.")
        logins = load_demo_people(session=session, people=demo_people(), password=demo_password)
    click.echo(f"Demo organisation ready. Sign in with any of these (password: {demo_password!r}):")
    for login in logins:
        click.echo(f"  {login.access:<8} {login.email:<40} {login.name}")


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
@handle_errors
def db_upgrade(revision: str) -> None:
    """Apply schema migrations (creates the schema on an empty database)."""
    from models import migrate  # Alembic: loaded only by the commands that migrate

    engine = current_app.extensions["motivo.engine"]
    migrate.upgrade(engine, revision)
    echo_err(f"Schema is at revision {migrate.current_revision(engine)}.")


# Chosen with bench/bench_load.py: on two cores, 2 workers of 4 threads (gunicorn's gthread
# worker) saved more survey pages per second on PostgreSQL than 4 single-threaded workers in
# most runs (a thread waiting for the database leaves the core to another, and kept-alive
# connections are not reopened), though with a wider spread of waits (README, Speed).
SERVE_WORKERS = 2
SERVE_THREADS = 4


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=SERVE_WORKERS,
    show_default=True,
    type=int,
    help="Gunicorn worker processes.",
)
@click.option(
    "--threads",
    default=SERVE_THREADS,
    show_default=True,
    type=int,
    help="Threads per worker (more than 1 uses gunicorn's gthread worker).",
)
@click.option(
    "--training-worker",
    "training_worker",
    is_flag=True,
    help="Also run the training worker (`motivo worker`) beside the web server, stopped "
    "with it (on Linux even when only gunicorn is signalled): one command for a machine "
    "without a process manager (`make demo` uses it). Nothing restarts it; under a process "
    "manager run `motivo worker` as a service of its own.",
)
@with_appcontext
def serve(host: str, port: int, workers: int, threads: int, training_worker: bool) -> None:
    """Serve Motivo with gunicorn (``web:create_app()``); needs SECRET_KEY set.

    Training runs outside the web server: run `motivo worker` beside it under a process
    manager, or pass --training-worker.
    """
    try:
        check_secret_key(current_app.config)
    except ConfigError as exc:
        echo_err(f"Error: {exc}")
        sys.exit(1)
    if shutil.which("gunicorn") is None and not os.path.exists(
        os.path.join(os.path.dirname(sys.executable), "gunicorn")
    ):
        echo_err("Error: gunicorn is not installed; run `pip install motivo`.")
        sys.exit(1)
    echo_err(f"Serving Motivo on http://{host}:{port} with {workers} worker(s). Ctrl+C stops it.")
    args = gunicorn_command(host=host, port=port, workers=workers, threads=threads)
    if training_worker:
        start_training_worker()
    os.execv(sys.executable, args)


def start_training_worker() -> subprocess.Popen:
    """``motivo worker`` as a child of this process, which then becomes gunicorn.

    On Linux the worker is told to stop when its parent does (``PR_SET_PDEATHSIG``), so a
    process manager stopping gunicorn, or gunicorn dying, stops it too; Ctrl+C at a
    terminal reaches both anyway.
    """
    parent = os.getpid()

    def stop_with_parent() -> None:
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the line above took effect
            os._exit(0)

    return subprocess.Popen(
        [sys.executable, "-m", "web.cli", "worker"],
        preexec_fn=stop_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
    )


def gunicorn_command(
    *, host: str, port: int, workers: int, threads: int = 1, app: str = "web:create_app()"
) -> list[str]:
    """The gunicorn command line ``motivo serve`` runs (the load benchmark runs it too)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        *_no_control_socket(),
        app,
    ]


def _no_control_socket() -> list[str]:
    """Gunicorn 25.1 and later open a control socket at one path per user account
    (``$XDG_RUNTIME_DIR/gunicorn.ctl`` or ``~/.gunicorn/gunicorn.ctl``): a second Motivo on
    the same machine, or any other gunicorn, would take it over, and it writes outside the
    instance folder. Motivo is managed by signals and its process manager, so it is off."""
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    return ["--no-control-socket"] if "control_socket_disable" in known else []
