"""End-to-end speed and memory of the ``motivo`` console script on a 20,000-rep database.

Run ``python bench/bench_cli.py`` (about three minutes on two cores). It builds a SQLite
database in a temporary folder through the same services an organisation would use, then
runs the real console script as a child process and times it from start to exit:

* the database: a roster of 20,000 reps under 200 managers (``import_people``), every rep's
  answers to the default survey (``import_responses``; answers from ``seed/simulate.py``),
  about 50,000 ratings of rewards given over the last year (``import_feedback``) and the
  simulated "not for me" dismissals (``dismiss_reward``), the seed catalogue
  (``ensure_seed_catalogue``), and a model trained with ``train_model``;
* ``motivo train`` and ``motivo recommend --all --format csv > file``, three runs each
  (p50), with each run's peak resident size (``os.wait4``: the per-child form of
  ``getrusage(RUSAGE_CHILDREN)``, read by a small launcher process, see ``LAUNCHER``);
* floors for the same work: the least any program must do. For ``recommend --all``, a
  plain numpy score matrix and argpartition of the same shapes, reading the same rows from
  the database with the bare ``sqlite3`` module, writing a CSV of the same size, and a
  floor program doing all three in a fresh Python process. For ``train``, reading the same
  answer and rating rows and one normal-equation solve of the ranker's width, in a fresh
  process. Ratios say how far above its floor the real command sits.

Writes ``bench/results/cli.md`` and prints it.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

N_REPS = 20_000
N_TEAMS = 200
RATINGS_PER_REP = 2.5
K = 5
RUNS = 3
TARGET_RECOMMEND_S = 10.0
RESULTS = ROOT / "bench" / "results" / "cli.md"


# --------------------------------------------------------------------------- database


def build_database(url: str) -> dict[str, float | int]:
    """Create the schema and the organisation through the services; return counts and times."""
    from sqlmodel import Session, select

    from models import migrate
    from models.engine import make_engine
    from models.tables import Person
    from seed.loaders import load_catalogue, load_default_instrument
    from seed.simulate import simulate_organisation, simulate_ratings
    from services.access import SYSTEM
    from services.catalogue import ensure_seed_catalogue
    from services.feedback import dismiss_reward, import_feedback
    from services.instruments import ensure_default_instrument
    from services.people import import_people
    from services.responses import RANKING_SEPARATOR
    from services.responses_import import import_responses
    from services.training import train_model

    facts: dict[str, float | int] = {}
    engine = make_engine(url)
    migrate.upgrade(engine)
    instrument = load_default_instrument()
    rewards = load_catalogue()
    org = simulate_organisation(instrument, rewards, N_REPS, random_state=0)
    sim = simulate_ratings(org, rewards, mean_per_person=RATINGS_PER_REP, random_state=1)
    reps = [f"R{i:05d}" for i in range(N_REPS)]
    with Session(engine, expire_on_commit=False) as session:
        ensure_default_instrument(session=session)
        ensure_seed_catalogue(session=session)

        start = time.perf_counter()
        roster = [
            {
                "external_id": f"M{t:03d}",
                "name": f"Manager {t}",
                "email": f"manager{t}@bench.test",
                "team": f"Team {t:03d}",
                "manager_email": "",
                "access": "manager",
                "sales_role": "",
            }
            for t in range(N_TEAMS)
        ]
        roster += [
            {
                "external_id": external_id,
                "name": f"Rep {i}",
                "email": f"rep{i}@bench.test",
                "team": f"Team {i % N_TEAMS:03d}",
                "manager_email": f"manager{i % N_TEAMS}@bench.test",
                "access": "rep",
                "sales_role": org.roles[i],
            }
            for i, external_id in enumerate(reps)
        ]
        header = ["external_id", "name", "email", "team", "manager_email", "access", "sales_role"]
        import_people(
            session=session, actor=SYSTEM, header=header, records=roster, source="roster.csv"
        )
        facts["people_s"] = time.perf_counter() - start

        start = time.perf_counter()
        records = []
        for external_id, answers in zip(reps, org.answers, strict=True):
            record: dict[str, object] = {"person": external_id}
            for code, value in answers.items():
                record[code] = RANKING_SEPARATOR.join(value) if isinstance(value, list) else value
            records.append(record)
        header = ["person", *(item.code for item in instrument.items)]
        import_responses(
            session=session, actor=SYSTEM, header=header, records=records, source="wave.csv"
        )
        facts["responses_s"] = time.perf_counter() - start

        start = time.perf_counter()
        today = date.today()
        feedback, dismissals = [], []
        for p, j, value, days in zip(sim.person, sim.reward, sim.rating, sim.days_ago, strict=True):
            if np.isnan(value):
                dismissals.append((reps[p], rewards[j].id))
            else:
                feedback.append(
                    {
                        "person": reps[p],
                        "reward_id": rewards[j].id,
                        "rating": str(int(value)),
                        "given_at": (today - timedelta(days=int(days))).isoformat(),
                    }
                )
        header = ["person", "reward_id", "rating", "given_at"]
        import_feedback(
            session=session, actor=SYSTEM, header=header, records=feedback, source="ratings.csv"
        )
        facts["feedback_s"] = time.perf_counter() - start

        start = time.perf_counter()
        people = dict(session.exec(select(Person.external_id, Person)).all())
        for external_id, slug in dismissals:
            dismiss_reward(session=session, person=people[external_id], reward_slug=slug)
        facts["dismissals_s"] = time.perf_counter() - start

        start = time.perf_counter()
        result = train_model(session=session, actor=SYSTEM)
        facts["train_in_process_s"] = time.perf_counter() - start
        facts["n_flagged"] = result.card["n_flagged"]
        facts["n_profiles"] = (result.card.get("profiles") or {}).get("n_profiles") or 0
    engine.dispose()
    facts["n_ratings"] = len(feedback)
    facts["n_dismissals"] = len(dismissals)
    facts["n_rewards"] = len(rewards)
    return facts


# Arrays with one entry per training response (``model.person_profiles`` is the only one a
# current model stores; the rest are in models stored by earlier releases).
PER_PERSON_ARRAYS = (
    "model.person_profiles",
    "ranker.person_features_",
    "ranker.person_profiles_",
    "ranker.person_effects_",
    "ranker.person_bias_",
    "ranker.person_n_ratings_",
    "ranker.rated_indptr_",
    "ranker.rated_items_",
)


def artefact_facts(path: Path) -> dict[str, float | int]:
    """Size of the newest stored model (arrays, of them the per-person ones, and metadata)
    and how many versions are kept."""
    with sqlite3.connect(path) as db:
        blob, meta = db.execute(
            "SELECT blob, length(meta) FROM modelartefact ORDER BY version DESC LIMIT 1"
        ).fetchone()
        versions = db.execute("SELECT count(*) FROM modelartefact").fetchone()[0]
    with zipfile.ZipFile(io.BytesIO(blob)) as arrays:
        per_person = sum(
            entry.compress_size
            for entry in arrays.infolist()
            if entry.filename.removesuffix(".npy") in PER_PERSON_ARRAYS
        )
    return {
        "blob_mb": len(blob) / 1e6,
        "per_person_kb": per_person / 1e3,
        "meta_kb": meta / 1e3,
        "versions": versions,
    }


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("person", "surveyresponse", "answer", "reward_grant", "rating")
        }


# --------------------------------------------------------------------------- child processes


# A child's peak resident size counts the memory of the process it was forked from, until
# it runs the new program. Forking from this process (hundreds of MB after building the
# database) would put that into every figure, so each command is started by this small
# launcher instead, which reports the wall time, the peak and the exit status.
LAUNCHER = """
import os, sys, time
out, err, *command = sys.argv[1:]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 1)
    os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
    os.execv(command[0], command)
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_child(args: list[str], env: dict[str, str], stdout: Path) -> tuple[float, float]:
    """Run a command to completion; its wall time (s) and peak resident size (MB)."""
    stderr = stdout.with_suffix(".err")
    launched = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-S", "-c", LAUNCHER, str(stdout), str(stderr), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, peak_kib, status = launched.stdout.split()
    if int(status) != 0:
        errors = stderr.read_text(errors="replace")
        raise RuntimeError(f"{' '.join(args)} failed ({status}):\n{errors}")
    return float(seconds), int(peak_kib) / 1024  # ru_maxrss is in KiB on Linux


def p50_of_runs(args: list[str], env: dict[str, str], stdout: Path) -> tuple[float, float]:
    """Median wall time and the largest peak resident size over ``RUNS`` runs."""
    runs = [run_child(args, env, stdout) for _ in range(RUNS)]
    return statistics.median(t for t, _ in runs), max(m for _, m in runs)


# --------------------------------------------------------------------------- floors


def read_suggestion_rows(path: str) -> tuple[list, list, list, list, bytes]:
    """The rows ``recommend --all`` needs, read with the bare sqlite3 module."""
    with sqlite3.connect(path) as db:
        people = db.execute(
            "SELECT id, external_id, sales_role, personalise FROM person "
            "WHERE active AND access = 'rep' ORDER BY external_id"
        ).fetchall()
        rewards = db.execute("SELECT id, slug, active, cooldown_days, roles FROM reward").fetchall()
        grants = db.execute("SELECT person_id, reward_id, given_on FROM reward_grant").fetchall()
        ratings = db.execute("SELECT person_id, reward_id, rating FROM rating").fetchall()
        blob = db.execute(
            "SELECT blob FROM modelartefact ORDER BY version DESC LIMIT 1"
        ).fetchone()[0]
    return people, rewards, grants, ratings, blob


def stored_ranker(blob: bytes, n_people: int) -> tuple[np.ndarray, ...]:
    """Weights, reward attributes and item biases of a stored model, and a feature row per
    person of the model's width. The stored model keeps no training rows (the command
    scores everyone from their answers), so the floor's rows are numbers of that shape."""
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        W = arrays["ranker.weights_"]
        A = arrays["ranker.item_attributes_"]
        bias = arrays["ranker.item_bias_"]
    X = np.random.default_rng(0).normal(size=(n_people, W.shape[0]))
    return X, W, A, bias


def numpy_top_k(X: np.ndarray, W: np.ndarray, A: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Score every reward for every person and take the top k, nothing else."""
    S = X @ W @ A.T + bias
    return np.argpartition(-S, K, axis=1)[:, :K]


def write_rows_csv(n_rows: int, out) -> None:
    writer = csv.writer(out)
    writer.writerow(["person", "rank", "reward_id", "score", "reasons"])
    for i in range(n_rows):
        writer.writerow([f"R{i // K:05d}", i % K + 1, "some-reward-id", "4.1234", "A reason"])


def floor_recommend(path: str, out_path: str) -> None:
    """The floor program for ``recommend --all``: read, score, pick, write."""
    people, _rewards, _grants, _ratings, blob = read_suggestion_rows(path)
    numpy_top_k(*stored_ranker(blob, len(people)))
    with open(out_path, "w", newline="", encoding="utf-8") as out:
        write_rows_csv(K * len(people), out)


def read_training_rows(path: str) -> tuple[list, list]:
    with sqlite3.connect(path) as db:
        answers = db.execute("SELECT response_id, item_code, value, text FROM answer").fetchall()
        ratings = db.execute(
            "SELECT person_id, reward_id, rating, dismissed FROM rating"
        ).fetchall()
    return answers, ratings


def normal_equations(n_rows: int, width: int) -> np.ndarray:
    """One pass over a design of the ranker's width and one solve: the least a fit does."""
    design = np.random.default_rng(0).normal(size=(n_rows, width))
    gram = design.T @ design + np.eye(width)
    return np.linalg.solve(gram, design.T @ np.ones(n_rows))


def floor_train(path: str, width: str) -> None:
    """The floor program for ``motivo train``: read answers and ratings, one solve."""
    _answers, ratings = read_training_rows(path)
    normal_equations(len(ratings), int(width))


def best_of(fn, repeat: int = RUNS) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --------------------------------------------------------------------------- report


def check_output(path: Path) -> tuple[int, int]:
    """Rows written, and rows without reasons."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return len(rows), sum(1 for row in rows if not row["reasons"].strip())


def machine() -> str:
    return (
        f"{platform.platform()}, {os.cpu_count()} CPUs, python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def main() -> str:
    motivo = Path(sys.executable).with_name("motivo")
    if not motivo.exists():
        raise SystemExit(f"the motivo console script is not next to {sys.executable}")
    with tempfile.TemporaryDirectory(prefix="motivo-bench-") as tmp:
        folder = Path(tmp)
        db_path = folder / "motivo.db"
        url = f"sqlite:///{db_path}"
        print(f"building a database of {N_REPS:,} reps in {folder} ...", flush=True)
        start = time.perf_counter()
        facts = build_database(url)
        build_s = time.perf_counter() - start
        counts = table_counts(db_path)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_hex(16),
            "MOTIVO_INSTANCE_PATH": str(folder / "instance"),
        }
        out_csv = folder / "suggestions.csv"
        scratch = folder / "scratch.out"

        print("timing motivo --help (start-up) ...", flush=True)
        startup_s, startup_mb = p50_of_runs([str(motivo), "--help"], env, scratch)
        bare_s, bare_mb = p50_of_runs([sys.executable, "-c", "pass"], env, scratch)

        print("timing motivo train ...", flush=True)
        train_s, train_mb = p50_of_runs([str(motivo), "train"], env, scratch)
        artefact = artefact_facts(db_path)

        print("timing motivo recommend --all ...", flush=True)
        recommend_args = [str(motivo), "recommend", "--all", "--k", str(K), "--format", "csv"]
        recommend_s, recommend_mb = p50_of_runs(recommend_args, env, out_csv)
        n_rows, without_reasons = check_output(out_csv)
        csv_mb = out_csv.stat().st_size / 1e6

        print("floors ...", flush=True)
        here = str(Path(__file__).resolve())
        floor_rec_s, floor_rec_mb = p50_of_runs(
            [sys.executable, here, "--floor", "recommend", str(db_path), str(scratch)], env, scratch
        )
        people, _rewards, _grants, _ratings, blob = read_suggestion_rows(str(db_path))
        read_s = best_of(lambda: read_suggestion_rows(str(db_path)))
        X, W, A, bias = stored_ranker(blob, len(people))
        numpy_s = best_of(lambda: numpy_top_k(X, W, A, bias))
        write_s = best_of(lambda: write_rows_csv(K * len(people), io.StringIO()))
        width = W.size + 5  # every feature-by-attribute weight and the link-group scales
        floor_train_s, floor_train_mb = p50_of_runs(
            [sys.executable, here, "--floor", "train", str(db_path), str(width)], env, scratch
        )
        _answers, rating_rows = read_training_rows(str(db_path))
        read_train_s = best_of(lambda: read_training_rows(str(db_path)))
        solve_s = best_of(lambda: normal_equations(len(rating_rows), width))

    # Each command, then the floors it is compared with: (name, seconds, peak MB or None).
    groups = [
        (
            (f"`motivo recommend --all --k {K} --format csv`", recommend_s, recommend_mb),
            [
                ("floor program: read + score + top 5 + write", floor_rec_s, floor_rec_mb),
                ("floor: numpy scores + argpartition, same shapes", numpy_s, None),
                ("floor: read the same rows (sqlite3)", read_s, None),
                ("floor: write a CSV of as many rows", write_s, None),
            ],
        ),
        (
            ("`motivo train`", train_s, train_mb),
            [
                (
                    "floor program: read answers + ratings + one solve",
                    floor_train_s,
                    floor_train_mb,
                ),
                ("floor: read the same answer and rating rows (sqlite3)", read_train_s, None),
                ("floor: one normal-equation solve of the ranker's width", solve_s, None),
            ],
        ),
        (
            ("`motivo --help` (imports and app factory)", startup_s, startup_mb),
            [("floor: `python -c pass`", bare_s, bare_mb)],
        ),
    ]
    lines = [
        "# Command-line benchmark",
        "",
        f"- date (UTC): {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- machine: {machine()}",
        f"- data: SQLite, {N_REPS:,} reps under {N_TEAMS} managers, {counts['answer']:,} "
        f"answers ({facts['n_flagged']:,} responses flagged), {facts['n_rewards']} rewards, "
        f"{facts['n_ratings']:,} ratings with {counts['reward_grant']:,} grants, "
        f"{facts['n_dismissals']:,} dismissals; {facts['n_profiles']} profiles",
        f"- built through the services in {build_s:.0f} s (people {facts['people_s']:.0f} s, "
        f"answers {facts['responses_s']:.0f} s, ratings {facts['feedback_s']:.0f} s, "
        f"dismissals {facts['dismissals_s']:.0f} s, train_model in process "
        f"{facts['train_in_process_s']:.1f} s)",
        f"- `recommend --all` wrote {n_rows:,} rows ({csv_mb:.1f} MB); {without_reasons:,} "
        "without reasons: suggestions for careless (flagged) responses, which carry no survey "
        "signal, where no rating summary or taste clears the threshold either; `--person` "
        "gives them none too",
        "",
        f"Times are the median of {RUNS} runs from process start to exit, memory the largest "
        "peak resident size of those runs. Ratios are the command's figure over the floor's.",
        "",
        "| measurement | time | time ratio | peak RSS | RSS ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for (name, seconds, mb), floors in groups:
        lines.append(f"| {name} | {seconds:.2f} s | | {mb:.0f} MB | |")
        for floor_name, floor_s, floor_mb in floors:
            memory = f"{floor_mb:.0f} MB" if floor_mb is not None else ""
            memory_ratio = f"{mb / floor_mb:.1f}x" if floor_mb else ""
            lines.append(
                f"| &nbsp;&nbsp;{floor_name} | {floor_s:.3f} s | {seconds / floor_s:.0f}x "
                f"| {memory} | {memory_ratio} |"
            )
    met = recommend_s < TARGET_RECOMMEND_S and n_rows == K * N_REPS
    lines += [
        "",
        f"Target: `recommend --all` for {N_REPS:,} reps, {K} suggestions each with reasons, under "
        f"{TARGET_RECOMMEND_S:.0f} s end to end: {'met' if met else 'MISSED'} "
        f"({recommend_s:.1f} s, of which {recommend_s - startup_s:.1f} s after start-up).",
        "",
        "Start-up (imports and the app factory) is part of every command; the last rows",
        "measure it alone (`bench_startup.py` measures it against `import flask, sqlalchemy`).",
        "",
        f"Stored model after these {1 + RUNS} trainings: {artefact['blob_mb'] * 1000:,.0f} kB "
        f"of compressed arrays (of which {artefact['per_person_kb']:,.0f} kB hold one entry "
        f"per rep) and {artefact['meta_kb']:,.0f} kB of metadata per version; "
        f"{artefact['versions']} versions kept (`MOTIVO_MODEL_RETENTION`, default 5).",
        "",
    ]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        what, *args = sys.argv[2:]
        {"recommend": floor_recommend, "train": floor_train}[what](*args)
        sys.exit(0)
    began = time.perf_counter()
    print(main())
    print(f"(benchmark took {time.perf_counter() - began:.0f} s; written to {RESULTS})")
