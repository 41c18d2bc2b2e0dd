"""Start-up of the ``motivo`` console script: what every command and every worker pays.

Run ``python bench/bench_startup.py`` (under a minute). It creates a small SQLite database
(the schema and the demo roster of about 60 people, through the services), then runs, each
as a child process timed from start to exit (median of ``RUNS`` runs):

* ``motivo --help``: imports and the app factory, nothing else;
* ``motivo users list``: the same plus one query and a short table;
* floor: ``python -c "import flask, sqlalchemy"``, the two libraries no command can do
  without; and ``python -c pass`` for the interpreter alone.

It also reports which heavy libraries (scikit-learn, SciPy, pandas, WeasyPrint, openpyxl)
creating the app loads: none should, they load inside the commands and pages that use them.
Target: both commands under 0.6 s.

Writes ``bench/results/startup.md`` and prints it.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 7
TARGET_S = 0.6
HEAVY = ("sklearn", "scipy", "pandas", "weasyprint", "openpyxl")
RESULTS = ROOT / "bench" / "results" / "startup.md"

LOADED = f"""
import json, sys
from web import create_app
create_app()
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def build(url: str) -> None:
    from sqlmodel import Session

    from models.engine import make_engine
    from models.migrate import upgrade
    from seed.demo_org import demo_people
    from services.demo import load_demo_people

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        load_demo_people(session=session, people=demo_people(), password="bench")
    engine.dispose()


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    return time.perf_counter() - start


def p50(args: list[str], env: dict[str, str]) -> float:
    run(args, env)  # warm the file cache; not counted
    return statistics.median(run(args, env) for _ in range(RUNS))


def main() -> str:
    motivo = Path(sys.executable).with_name("motivo")
    if not motivo.exists():
        raise SystemExit(f"the motivo console script is not next to {sys.executable}")
    with tempfile.TemporaryDirectory(prefix="motivo-startup-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'motivo.db'}"
        build(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(16),
            "MOTIVO_INSTANCE_PATH": str(Path(tmp) / "instance"),
        }
        rows = [
            ("`motivo --help`", p50([str(motivo), "--help"], env)),
            ("`motivo users list`", p50([str(motivo), "users", "list"], env)),
        ]
        floor = p50([sys.executable, "-c", "import flask, sqlalchemy"], env)
        bare = p50([sys.executable, "-c", "pass"], env)
        loaded = subprocess.run(  # noqa: S603
            [sys.executable, "-c", LOADED], env=env, cwd=ROOT, check=True, capture_output=True
        )
        heavy = json.loads(loaded.stdout.decode().strip().splitlines()[-1])

    lines = [
        "# Start-up",
        "",
        f"- date (UTC): {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}",
        f"- median of {RUNS} runs of each child process, from start to exit; SQLite database "
        "with the demo roster",
        "",
        "| measurement | time | ratio to floor | target |",
        "|---|---:|---:|---|",
    ]
    for name, seconds in rows:
        verdict = "met" if seconds < TARGET_S else "MISSED"
        lines.append(
            f"| {name} | {seconds:.3f} s | {seconds / floor:.1f}x | < {TARGET_S} s: {verdict} |"
        )
    lines += [
        f'| floor: `python -c "import flask, sqlalchemy"` | {floor:.3f} s | 1.0x | |',
        f"| `python -c pass` | {bare:.3f} s | {bare / floor:.1f}x | |",
        "",
        "Heavy libraries loaded by creating the app: "
        + (", ".join(heavy) if heavy else "none")
        + " (scikit-learn, SciPy, pandas, WeasyPrint and openpyxl load only where used).",
        "",
    ]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
