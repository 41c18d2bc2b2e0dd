"""One survey save in process: the CPU a ``POST`` of the first survey page costs the app.

Run ``python bench/bench_save.py`` (about a minute). For SQLite and PostgreSQL (a fresh
schema in ``MOTIVO_BENCH_POSTGRES_URL``, as ``bench_load.py`` makes) it builds the same
organisation as the load benchmark (the demo people, the default instrument and an open
wave), signs every rep in through Flask's test client, and then replays each rep's save of
the first survey page (their session, their CSRF token, every item answered), the reps
taken in turn, ``ROUNDS`` times over.

Each save is timed twice: the CPU this process spent on it (``time.process_time``, which
other work on the machine disturbs less than the clock, though a busy machine still slows
it) and the time from request to response (which includes the database server's work). The
report gives the median and p95 of each, after a warm-up round that is not counted, and the
number of Python function calls one save makes (counted with ``cProfile`` in one more
round): a figure no other work on the machine changes. ``--profile`` prints a profile of
the saves as well (``cProfile`` on CPU time, by cumulative and by own time).

Writes ``bench/results/save.md`` and prints it.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_load import PASSWORD, build, postgres_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "save.md"
ROUNDS = 10
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def signed_in_clients(app, org) -> list[tuple[object, dict[str, str]]]:
    """A test client per rep, signed in, with the first page's form filled in."""
    page = f"/survey/{org.wave_id}/page/{org.page_key}"
    clients = []
    for email in org.emails:
        client = app.test_client()
        html = client.get("/auth/login").get_data(as_text=True)
        token = _CSRF.search(html).group(1)
        client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        got = client.get(page)
        if got.status_code != 200:
            raise RuntimeError(f"{email} could not open the survey ({got.status_code})")
        token = _CSRF.search(got.get_data(as_text=True)).group(1)
        clients.append((client, dict(org.fields, csrf_token=token, shown_at=f"{time.time()}")))
    return clients


def saves(url: str, rounds: int, profile: bool) -> tuple[list[float], list[float], float, float]:
    from sqlalchemy import event

    from web import create_app

    org = build(url)
    with tempfile.TemporaryDirectory(prefix="motivo-save-") as tmp:
        os.environ["MOTIVO_INSTANCE_PATH"] = tmp
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench" * 8})
        clients = signed_in_clients(app, org)
        page = f"/survey/{org.wave_id}/page/{org.page_key}"

        def post(client, fields) -> None:
            done = client.post(page, data=fields)
            if done.status_code != 302:
                raise RuntimeError(f"a save was refused ({done.status_code})")

        for client, fields in clients:  # warm-up: the first save creates each response
            post(client, fields)
        cpu, wall = [], []
        profiler = cProfile.Profile(time.process_time) if profile else None
        for _ in range(rounds):
            for client, fields in clients:
                if profiler:
                    profiler.enable()
                c0, w0 = time.process_time(), time.perf_counter()
                post(client, fields)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
                if profiler:
                    profiler.disable()
        # One more round under a profiler, to count the Python function calls a save makes,
        # and the round trips to the database (statements, BEGIN and COMMIT): unlike
        # times, the counts do not depend on what else the machine is doing.
        engine = app.extensions["motivo.engine"]
        trips = []

        def count(*_args) -> None:
            trips.append(1)

        events = ("before_cursor_execute", "begin", "commit", "rollback")
        for name in events:
            event.listen(engine, name, count)
        counter = cProfile.Profile()
        counter.enable()
        for client, fields in clients:
            post(client, fields)
        counter.disable()
        for name in events:
            event.remove(engine, name, count)
        calls = pstats.Stats(counter).total_calls / len(clients)
        round_trips = len(trips) / len(clients)
        engine.dispose()
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    return cpu, wall, calls, round_trips


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--profile", action="store_true", help="print a profile instead")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="motivo-save-db-") as tmp:
        if args.database in ("sqlite", "both"):
            url = f"sqlite:///{Path(tmp) / 'motivo.db'}"
            rows.append(("SQLite", *saves(url, args.rounds, args.profile)))
        if args.database in ("postgresql", "both"):
            made = postgres_database()
            if made is not None:
                url, drop = made
                try:
                    rows.append(("PostgreSQL", *saves(url, args.rounds, args.profile)))
                finally:
                    drop()
    lines = [
        "# One survey save in process",
        "",
        f"- date (UTC): {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
        f"- `POST` of the first survey page (every item answered) through Flask's test client, "
        f"each demo rep in turn, {args.rounds} rounds after a warm-up round",
        "- round trips: statements sent, with each BEGIN and COMMIT, counted with SQLAlchemy's "
        "events (on SQLite these are calls into the library, in the same process)",
        "",
        "| database | saves | CPU p50 | CPU p95 | request to response p50 | p95 "
        "| Python calls per save | round trips per save |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, cpu, wall, calls, round_trips in rows:
        lines.append(
            f"| {name} | {len(cpu)} | {1000 * statistics.median(cpu):.2f} ms "
            f"| {1000 * p95(cpu):.2f} ms | {1000 * statistics.median(wall):.2f} ms "
            f"| {1000 * p95(wall):.2f} ms | {calls:,.0f} | {round_trips:.1f} |"
        )
    lines.append("")
    report = "\n".join(lines)
    if not args.profile:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
