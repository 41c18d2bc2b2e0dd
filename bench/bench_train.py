"""``motivo train`` end to end on 20,000 responses and about 50,000 ratings, and where its
time goes.

Run ``python bench/bench_train.py``. The database is the one ``bench_cli.py`` builds (the
same organisation, through the same services); building it takes minutes, so it is kept in
``bench/.cache/train-20k.db`` (ignored by git) and reused while it exists. Delete the file
to build it again.

It runs ``motivo train`` as a child process (median of ``RUNS``, start to exit, on a copy of
the database so every run starts alike, with the CPU time it used), then the same training in
process and splits its CPU time into phases: reading the responses, reading and scoring their
answers, fitting, serialising the artefact and pruning old versions. Target: the command under 10 s. The report also gives
the size of the stored model and how many versions are kept (``MOTIVO_MODEL_RETENTION``).

Writes ``bench/results/train.md`` and prints it.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_cli import artefact_facts, build_database  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "train-20k.db"
RESULTS = ROOT / "bench" / "results" / "train.md"
RUNS = 3
TARGET_S = 10.0
PHASES = {
    # label: (module, attribute) timed around each call during one training
    "read the latest responses": ("services.training", "latest_response_keys"),
    "read and score their answers": ("services.training", "score_stored"),
    "fit (profiles and ranker)": ("recommender.artefact", "MotivoModel.fit"),
    "serialise the artefact": ("recommender.artefact", "to_artefact"),
    "prune old versions": ("services.training", "prune_models"),
}


def cached_database() -> Path:
    if not CACHE.exists():
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        building = CACHE.with_suffix(".building.db")
        building.unlink(missing_ok=True)
        print(f"building {CACHE} (minutes) ...", flush=True)
        build_database(f"sqlite:///{building}")
        building.rename(CACHE)
    # A database cached by an older checkout gets this checkout's schema (nothing to do when
    # it is current), so the timed runs never fail on a missing column.
    from models import migrate
    from models.engine import make_engine

    engine = make_engine(f"sqlite:///{CACHE}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    return CACHE


def run_train(db: Path, folder: Path) -> tuple[float, float]:
    copy = folder / "train.db"
    shutil.copyfile(db, copy)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{copy}",
        "SECRET_KEY": secrets.token_hex(16),
        "MOTIVO_INSTANCE_PATH": str(folder / "instance"),
    }
    motivo = Path(sys.executable).with_name("motivo")
    start = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own console script
        [str(motivo), "train"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise RuntimeError(f"motivo train failed (status {status})")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def phases(db: Path, folder: Path) -> tuple[float, dict[str, float]]:
    """``train_model`` in this process, with the CPU time of each phase (process time, which
    a busy machine disturbs less than the clock; a profiler would distort the per-row work)."""
    import importlib

    from sqlmodel import Session

    from models.engine import make_engine
    from services.actors import SYSTEM
    from services.training import train_model

    spent: dict[str, float] = dict.fromkeys(PHASES, 0.0)
    restore = []
    for label, (module_name, attribute) in PHASES.items():
        owner = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - start

        setattr(owner, name, timed)
        restore.append((owner, name, original))
    copy = folder / "phases.db"
    shutil.copyfile(db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        with Session(engine) as session:
            start = time.process_time()
            train_model(session=session, actor=SYSTEM)
            total = time.process_time() - start
    finally:
        for owner, name, original in restore:
            setattr(owner, name, original)
        engine.dispose()
    return total, spent


def main() -> str:
    db = cached_database()
    with tempfile.TemporaryDirectory(prefix="motivo-train-") as tmp:
        folder = Path(tmp)
        runs = [run_train(db, folder) for _ in range(RUNS)]
        in_process, split = phases(db, folder)
        facts = artefact_facts(folder / "train.db")
    seconds = statistics.median(wall for wall, _cpu in runs)
    cpu = statistics.median(cpu for _wall, cpu in runs)
    verdict = "met" if seconds < TARGET_S else "MISSED"
    lines = [
        "# Training end to end",
        "",
        f"- date (UTC): {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"python {platform.python_version()}, load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "- data: the `bench_cli.py` organisation (20,000 reps, about 50,000 ratings), SQLite",
        "",
        "| measurement | time |",
        "|---|---:|",
        f"| `motivo train`, start to exit (median of {RUNS}) | {seconds:.2f} s |",
        f"| `motivo train`, CPU (user + system) | {cpu:.2f} s |",
        f"| `train_model` in process, CPU | {in_process:.2f} s |",
    ]
    lines += [f"| &nbsp;&nbsp;{label} | {value:.2f} s |" for label, value in split.items()]
    lines += [
        "",
        f"Target: `motivo train` under {TARGET_S:.0f} s: {verdict}.",
        "",
        f"Stored model: {facts['blob_mb'] * 1000:,.0f} kB of compressed arrays (of which "
        f"{facts['per_person_kb']:,.0f} kB hold one entry per rep), {facts['meta_kb']:,.0f} kB "
        f"of metadata; {facts['versions']} version(s) kept (`MOTIVO_MODEL_RETENTION`).",
        "",
    ]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
