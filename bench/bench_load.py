"""Survey saves under load: Motivo through gunicorn, beside a bare Flask endpoint.

Run ``python bench/bench_load.py`` (about a minute; needs ``wrk``: ``apt-get install -y wrk``).
For SQLite (a file in a temporary folder) and PostgreSQL (a fresh schema, dropped afterwards,
in ``MOTIVO_BENCH_POSTGRES_URL``, default the local server's ``postgres`` database)
it builds the demo organisation with an open wave, starts ``motivo serve``'s gunicorn command
on a free loopback port, signs every demo rep in over HTTP, and replays each rep's real save
of the first survey page (their session cookie, their CSRF token, every item answered) with
``wrk``: 50 connections for 10 seconds after a short warm-up, the reps taken in turn.

Beside it, the same gunicorn command serves a bare Flask endpoint that parses the same form
and answers with the same redirect, on the same port type and with the same requests: the
ceiling this machine gives a Flask app, measured in the same run.

Afterwards every rep must have one response holding exactly the page's answers, with the
values posted, and every save must have been acknowledged with the redirect; anything else
fails the benchmark. Writes ``bench/results/load.md`` and prints it.
"""

from __future__ import annotations

import concurrent.futures
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "load.md"
CONNECTIONS = 50
WRK_THREADS = 2
DURATION_S = 10
WARMUP_S = 2
PASSWORD = "demo"
USER_AGENT = "motivo-bench-load"
TARGET_RATE = 600.0
TARGET_P95_MS = 100.0
TARGET_SHARE = 0.10
PG_ADMIN_URL = os.environ.get(
    "MOTIVO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

LUA = r"""
-- One request per call, the reps of this thread taken in turn; counts the answers.
local reps = %(reps)s
local path = "%(path)s"
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  mine = {}
  for i, rep in ipairs(reps) do
    if (i - 1) %% %(nthreads)d == index then table.insert(mine, rep) end
  end
  turn = 0
  acknowledged = 0
  refused = 0
end

function request()
  turn = turn + 1
  local rep = mine[(turn %% #mine) + 1]
  return wrk.format("POST", path, {
    ["Cookie"] = rep.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "%(agent)s",
  }, rep.body)
end

function response(status, headers, body)
  if status == 302 then acknowledged = acknowledged + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("acknowledged")
    bad = bad + thread:get("refused")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "acknowledged": %%d, "refused": %%d, ' ..
    '"socket_errors": %%d, "p50": %%d, "p95": %%d, "p99": %%d}\n',
    summary.requests, summary.duration, ok, bad,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def bare_app():
    """The ceiling: a Flask app that parses the survey form and redirects, nothing else."""
    from flask import Flask, redirect, request

    app = Flask("bare")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/survey/<int:wave_id>/page/<page_key>")
    def save(wave_id: int, page_key: str):
        fields = sum(1 for _ in request.form.items(multi=True))
        return redirect(f"/survey/{wave_id}/page/{page_key}-next?fields={fields}")

    return app


@dataclass
class Run:
    app: str
    requests: int
    seconds: float
    acknowledged: int
    refused: int
    socket_errors: int
    p50: float
    p95: float
    p99: float

    @property
    def rate(self) -> float:
        return self.acknowledged / self.seconds


@dataclass
class Organisation:
    wave_id: int
    page_key: str
    emails: list[str]
    fields: dict[str, str]
    answers: dict[str, object]


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A free loopback port; within ``MOTIVO_BENCH_PORTS`` (``8100-8199``) when that is set,
    for machines where each user has a range of ports."""
    wanted = os.environ.get("MOTIVO_BENCH_PORTS", "")
    low, _, high = wanted.partition("-")
    candidates = range(int(low), int(high or low) + 1) if wanted else [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in {wanted}")


def build(url: str) -> Organisation:
    """The demo people, the default instrument and an open wave nobody has answered yet."""
    from sqlmodel import Session, select

    from models.engine import make_engine
    from models.migrate import upgrade
    from models.tables import Person
    from seed.demo_org import demo_people
    from services.actors import SYSTEM
    from services.catalogue import ensure_seed_catalogue
    from services.demo import load_demo_people
    from services.instruments import definition, ensure_default_instrument
    from services.waves import open_wave
    from web.survey.forms import RANK_SEPARATOR

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        instrument = definition(ensure_default_instrument(session=session).row)
        ensure_seed_catalogue(session=session)
        load_demo_people(session=session, people=demo_people(), password=PASSWORD)
        wave = open_wave(session=session, actor=SYSTEM, name="Load check-in")
        reps = session.exec(
            select(Person.email).where(Person.access == "rep").order_by(Person.id)
        ).all()
        wave_id = wave.id
    engine.dispose()
    page_key, items = instrument.pages()[0]
    fields: dict[str, str] = {"nav": "next"}
    answers: dict[str, object] = {}
    for n, item in enumerate(items):
        if item.type == "ranking":
            for place, option in enumerate(item.options, start=1):
                fields[f"{item.code}{RANK_SEPARATOR}{option.code}"] = str(place)
            answers[item.code] = [o.code for o in item.options]
        elif item.type == "attention":
            fields[item.code] = str(item.expected)
            answers[item.code] = item.expected
        elif item.type == "likert":
            value = item.min + n % (item.max - item.min + 1)
            fields[item.code] = str(value)
            answers[item.code] = value
        elif item.type == "text":
            fields[item.code] = "More time with customers, fewer internal meetings."
            answers[item.code] = fields[item.code]
    return Organisation(wave_id, page_key, list(reps), fields, answers)


def check_stored(url: str, org: Organisation) -> list[str]:
    """Every rep: one response, holding exactly the first page's answers as posted."""
    from sqlmodel import Session, select

    from models.engine import make_engine
    from models.tables import Answer, Person, SurveyResponse

    problems = []
    engine = make_engine(url)
    with Session(engine) as session:
        for email in org.emails:
            person = session.exec(select(Person).where(Person.email == email)).one()
            responses = session.exec(
                select(SurveyResponse).where(
                    SurveyResponse.person_id == person.id, SurveyResponse.wave_id == org.wave_id
                )
            ).all()
            if len(responses) != 1:
                problems.append(f"{email}: {len(responses)} responses")
                continue
            rows = session.exec(select(Answer).where(Answer.response_id == responses[0].id)).all()
            stored = {}
            for row in rows:
                stored[row.item_code] = row.text.split(">") if row.text else row.value
            expected = {
                code: (value if isinstance(value, list | str) else float(value))
                for code, value in org.answers.items()
            }
            if len(rows) != len(expected) or stored != expected:
                problems.append(f"{email}: stored {stored!r}")
    engine.dispose()
    return problems


class Server:
    """A gunicorn process group on a loopback port, stopped when the block ends."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.out = self.log.open("w")
        self.process = subprocess.Popen(
            self.args,
            env=self.env,
            cwd=ROOT,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def wait_ready(self, url: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.out.close()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def sign_in(base: str, email: str, org: Organisation) -> dict[str, str]:
    """Sign one rep in over HTTP; their cookie and a filled-in first page with its token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/auth/login").read().decode()
    token = _CSRF.search(html).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/auth/login", data=data.encode()).read()
    page = opener.open(f"{base}/survey/{org.wave_id}/page/{org.page_key}")
    html = page.read().decode()
    if page.url != f"{base}/survey/{org.wave_id}/page/{org.page_key}":
        raise RuntimeError(f"{email} could not open the survey (landed on {page.url})")
    fields = dict(org.fields, csrf_token=_CSRF.search(html).group(1), shown_at=f"{time.time()}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return {"cookie": cookie, "body": urllib.parse.urlencode(fields)}


def lua_table(reps: list[dict[str, str]]) -> str:
    def quote(value: str) -> str:
        return json.dumps(value)  # a JSON string of ASCII is a valid Lua string

    rows = [f"{{cookie = {quote(r['cookie'])}, body = {quote(r['body'])}}}" for r in reps]
    return "{\n" + ",\n".join(rows) + "\n}"


def wrk(base: str, script: Path, seconds: int) -> dict:
    out = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def sign_in_all(base: str, org: Organisation, script: Path) -> None:
    """Sign every rep in and write the wrk script carrying their cookies and forms."""
    progress(f"signing {len(org.emails)} reps in")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        reps = list(pool.map(lambda email: sign_in(base, email, org), org.emails))
    script.write_text(
        LUA
        % {
            "reps": lua_table(reps),
            "path": f"/survey/{org.wave_id}/page/{org.page_key}",
            "nthreads": WRK_THREADS,
            "agent": USER_AGENT,
        }
    )


def load(app: str, args: list[str], env: dict, folder: Path, org: Organisation) -> Run:
    """Start one server, warm up, then measure (signing the reps in on the first run).

    Sessions are signed cookies, so one sign-in serves every later server of the same
    database and secret key; the bare endpoint ignores them and parses the same bodies.
    """
    port = int(args[args.index("--bind") + 1].rsplit(":", 1)[1])
    base = f"http://127.0.0.1:{port}"
    script = folder / "save.lua"
    with Server(args, env, folder / "server.log") as server:
        server.wait_ready(f"{base}/healthz")
        if not script.exists():
            sign_in_all(base, org, script)
        progress(f"{app}: warm-up, then {DURATION_S} s of saves")
        wrk(base, script, WARMUP_S)
        result = wrk(base, script, DURATION_S)
    run = Run(
        app=app,
        requests=result["requests"],
        seconds=result["duration_us"] / 1e6,
        acknowledged=result["acknowledged"],
        refused=result["refused"],
        socket_errors=result["socket_errors"],
        p50=result["p50"] / 1000,
        p95=result["p95"] / 1000,
        p99=result["p99"] / 1000,
    )
    progress(f"{app}: {run.rate:.0f} saves/s, p95 {run.p95:.0f} ms")
    return run


def interpreter(python: str) -> str:
    """The interpreter's version, path and how libpython is linked, for comparing rows: a
    plain source build (pyenv's default: no profile-guided optimisation, libpython a shared
    library) runs Python code noticeably slower than an optimised one (Debian's ``python3``,
    the official container images)."""
    probe = (
        "import platform, sys\n"
        "maps = open('/proc/self/maps').read() if sys.platform == 'linux' else ''\n"
        "shared = 'libpython' in maps\n"
        "print(platform.python_version(), 'libpython shared' if shared else 'libpython built in')"
    )
    out = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split(maxsplit=1)
    return f"python {out[0]} at {os.path.realpath(python)}, {out[1].strip()}"


def measure(
    database: str,
    url: str,
    folder: Path,
    servers: list[tuple[int, int]],
    pythons: list[str] | None = None,
) -> list[Run]:
    """Motivo with each (workers, threads), checked for lost saves, then the bare endpoint.

    ``pythons`` are other interpreters (each in an environment installed from the lock) that
    serve the first setting again, for comparison; the bare endpoint runs on this one.
    """
    from web.commands.setup import gunicorn_command

    progress(f"{database}: building the demo organisation")
    org = build(url)
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY=uuid.uuid4().hex * 2,
        MOTIVO_INSTANCE_PATH=str(folder / "instance"),
        # Every rep signs in from this one address at once: on a busy machine more than five
        # attempts can be in flight together, and the throttle would turn them away.
        MOTIVO_LOGIN_MAX_FAILURES="1000",
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    )
    runs = []
    settings = [(w, t, sys.executable) for w, t in servers]
    settings += [(*servers[0], python) for python in pythons or []]
    for workers, threads, python in settings:
        motivo = gunicorn_command(
            host="127.0.0.1", port=free_port(), workers=workers, threads=threads
        )
        motivo[0] = python
        label = f"Motivo ({workers} workers × {threads} threads)"
        if pythons:
            label += f", {interpreter(python)}"
        runs.append(load(label, motivo, env, folder, org))
        problems = check_stored(url, org)
        if problems:
            raise SystemExit(f"{database}: saves lost or doubled:\n" + "\n".join(problems[:10]))
    workers, threads = servers[0]
    bare = gunicorn_command(
        host="127.0.0.1",
        port=free_port(),
        workers=workers,
        threads=threads,
        app="bench_load:bare_app()",
    )
    runs.append(load("bare Flask endpoint", bare, env, folder, org))
    return runs


def postgres_database() -> tuple[str, callable] | None:
    """A fresh PostgreSQL schema and the function that drops it; None when unreachable.

    A schema, not a database: dropping a database waits for a checkpoint, which on a busy
    machine took minutes.
    """
    from sqlalchemy import text

    from models.engine import make_engine

    schema = f"motivo_load_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - reported, and the SQLite figures still stand
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        admin.dispose()
        return None

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in PG_ADMIN_URL else "?"
    return f"{PG_ADMIN_URL}{sep}options={urllib.parse.quote(f'-csearch_path={schema}')}", drop


def main(argv: list[str] | None = None) -> str:
    import argparse

    from web.commands.setup import SERVE_THREADS, SERVE_WORKERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", choices=["sqlite", "postgresql"], action="append", help="default: both"
    )
    parser.add_argument(
        "--server",
        action="append",
        metavar="WORKERS:THREADS",
        help=f"gunicorn settings to compare (default: motivo serve's, "
        f"{SERVE_WORKERS}:{SERVE_THREADS}); the first one also serves the bare endpoint",
    )
    parser.add_argument(
        "--python",
        action="append",
        metavar="PATH",
        help="another interpreter to serve Motivo with, beside this one, in an environment "
        "installed from the lock (e.g. .venv-other/bin/python after "
        "`python3.11 -m venv .venv-other && .venv-other/bin/pip install --require-hashes "
        "-r requirements.txt`); default: the paths in MOTIVO_BENCH_PYTHONS, separated by "
        f"{os.pathsep!r}, so `make bench` can compare too",
    )
    args = parser.parse_args(argv)
    if args.python is None:
        args.python = [p for p in os.environ.get("MOTIVO_BENCH_PYTHONS", "").split(os.pathsep) if p]
    databases = args.database or ["sqlite", "postgresql"]
    servers = [tuple(int(n) for n in s.split(":")) for s in args.server or []] or [
        (SERVE_WORKERS, SERVE_THREADS)
    ]
    if shutil.which("wrk") is None:
        raise SystemExit("bench_load needs wrk: apt-get install -y wrk")
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in databases:
            folder = Path(tmp) / "sqlite"
            folder.mkdir()
            url = f"sqlite:///{folder / 'motivo.db'}"
            results["SQLite"] = measure("SQLite", url, folder, servers, args.python)
        created = postgres_database() if "postgresql" in databases else None
        if created is not None:
            url, drop = created
            folder = Path(tmp) / "postgresql"
            folder.mkdir()
            try:
                results["PostgreSQL"] = measure("PostgreSQL", url, folder, servers, args.python)
            finally:
                drop()
    report = render(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return report


def render(results: dict[str, list[Run]]) -> str:
    lines = [
        "# Survey saves under load",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.platform()}, "
        f"{os.cpu_count()} CPUs, {interpreter(sys.executable)}.",
        "",
        f"`POST` of the first survey page (every item answered, real session and CSRF token) "
        f"by {CONNECTIONS} connections for {DURATION_S} s (`wrk`), through `motivo serve`'s "
        "gunicorn command on the same machine. The bare endpoint is "
        "a Flask app that parses the same form and redirects, served the same way: the "
        "ceiling. A save counts when it is acknowledged with the redirect; afterwards each "
        "rep's stored answers are checked against what was posted.",
        "",
        "| database | app | saves/s | p50 | p95 | p99 | not acknowledged | share of bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    verdicts = []
    for database, runs in results.items():
        motivo, bare = runs[0], runs[-1]
        for run in runs:
            share = f"{run.rate / bare.rate:.0%}" if run is not bare else ""
            lines.append(
                f"| {database} | {run.app} | {run.rate:.0f} | {run.p50:.1f} ms | "
                f"{run.p95:.1f} ms | {run.p99:.1f} ms | {run.refused + run.socket_errors} | "
                f"{share} |"
            )
        if database == "PostgreSQL":
            met = (
                motivo.rate >= TARGET_SHARE * bare.rate
                and motivo.p95 < TARGET_P95_MS
                and motivo.refused + motivo.socket_errors == 0
            )
            verdicts.append(
                f"Target on PostgreSQL (first row): >= {TARGET_SHARE:.0%} of the bare ceiling "
                f"(>= {TARGET_RATE:.0f} saves/s where the ceiling is ~6,000/s), p95 < "
                f"{TARGET_P95_MS:.0f} ms, nothing lost: {'met' if met else 'MISSED'}."
            )
    lines += ["", *verdicts, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
