"""The real server: the container entrypoint and `motivo serve`, both through gunicorn."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.servers import free_port, running

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env["PATH"] = f"{BIN}:{env.get('PATH', '')}"
    env["MOTIVO_INSTANCE_PATH"] = str(tmp_path / "instance")
    env.update(extra)
    return env


def test_entrypoint_migrates_then_serves_with_gunicorn(tmp_path):
    port = free_port()
    env = _env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'container.db'}",
        SECRET_KEY="x" * 64,
        MOTIVO_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    health = f"http://127.0.0.1:{port}/healthz"
    with running(
        ["sh", str(ROOT / "docker" / "entrypoint.sh")], env=env, health_url=health
    ) as proc:
        body = json.loads(urllib.request.urlopen(health).read())
        assert body["database"] == "ok"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/login").read().decode()
        assert "Sign in to Motivo" in page
        # /proc gives the whole command line whatever the checkout's path length (ps cuts
        # it at the terminal width). The entrypoint exec'd gunicorn, whose workers serve.
        master = _command_line(proc.pid)
        workers = [_command_line(pid) for pid in _children(proc.pid)]
    assert (tmp_path / "container.db").exists()
    assert "gunicorn" in master
    assert len(workers) == 2
    assert all("gunicorn" in worker for worker in workers)


def _command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task").iterdir()
    return [int(c) for t in tasks for c in (t / "children").read_text().split()]


def test_serve_refuses_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [str(BIN / "motivo"), "serve", "--port", str(free_port())],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr


def test_motivo_serve_runs_gunicorn(tmp_path):
    port = free_port()
    env = _env(tmp_path, SECRET_KEY="y" * 64)
    subprocess.run([str(BIN / "motivo"), "init"], env=env, check=True, capture_output=True)
    health = f"http://127.0.0.1:{port}/healthz"
    args = [str(BIN / "motivo"), "serve", "--port", str(port), "--workers", "1"]
    with running(args, env=env, health_url=health):
        response = urllib.request.urlopen(f"http://127.0.0.1:{port}/")
        assert response.url.endswith("/auth/login")


def test_two_servers_on_one_machine_leave_the_home_folder_alone(tmp_path):
    """Newer gunicorn opens a control socket at one path per user account, which a second
    server (another Motivo, the container's entrypoint) would take over: neither ``motivo
    serve`` nor the entrypoint opens one, so nothing is written outside the instance."""
    home = tmp_path / "home"
    home.mkdir()
    env = _env(tmp_path, SECRET_KEY="y" * 64, HOME=str(home))
    env.pop("XDG_RUNTIME_DIR", None)
    subprocess.run([str(BIN / "motivo"), "init"], env=env, check=True, capture_output=True)
    first, second = free_port(), free_port()
    serve = [str(BIN / "motivo"), "serve", "--workers", "1", "--port"]
    container = dict(env, MOTIVO_BIND=f"127.0.0.1:{second}", WEB_CONCURRENCY="1")
    with (
        running([*serve, str(first)], env=env, health_url=f"http://127.0.0.1:{first}/healthz"),
        running(
            ["sh", str(ROOT / "docker" / "entrypoint.sh")],
            env=container,
            health_url=f"http://127.0.0.1:{second}/healthz",
        ),
    ):
        for port in (first, second):
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz").status == 200
        assert list(home.iterdir()) == []


def test_serve_with_the_training_worker_trains_what_hr_queues_and_stops_with_gunicorn(tmp_path):
    """`make demo` is one command: HR's "Train the model now" must not wait for a worker
    nobody started, and stopping the server (as a process manager does, by signalling
    gunicorn alone) must not leave the worker running."""
    from sqlmodel import Session, create_engine, select

    from models.tables import Person, TrainingJob
    from services.training import queue_training

    url = f"sqlite:///{tmp_path / 'motivo.db'}"
    env = _env(tmp_path, SECRET_KEY="z" * 64, DATABASE_URL=url, MOTIVO_WORKER_INTERVAL="1")
    subprocess.run(
        [str(BIN / "motivo"), "init", "--demo", "--demo-password", "demo"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    args = [str(BIN / "motivo"), "serve", "--port", str(port), "--workers", "1"]
    engine = create_engine(url)
    with running(
        [*args, "--training-worker"], env=env, health_url=f"http://127.0.0.1:{port}/healthz"
    ) as proc:
        worker = [pid for pid in _children(proc.pid) if "web.cli worker" in _command_line(pid)]
        assert len(worker) == 1, [_command_line(pid) for pid in _children(proc.pid)]
        with Session(engine) as session:
            hr = session.exec(select(Person).where(Person.access == "hr")).first()
            job_id = queue_training(session=session, actor=hr).id
        deadline = time.monotonic() + 240  # only stops a broken run hanging
        while time.monotonic() < deadline:
            with Session(engine) as session:
                status = session.get(TrainingJob, job_id).status
            if status in ("done", "failed"):
                break
            time.sleep(0.5)
        with Session(engine) as session:
            finished = session.get(TrainingJob, job_id)
        assert finished.status == "done", finished.message
        os.kill(proc.pid, signal.SIGTERM)  # gunicorn alone, not its process group
        proc.wait(timeout=60)
        deadline = time.monotonic() + 60
        while Path(f"/proc/{worker[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{worker[0]}").exists(), "the worker outlived the server"
    engine.dispose()
