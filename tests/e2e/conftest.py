"""Browser tests: Debian's Chromium driven by Playwright, against gunicorn serving the demo.

Each test module gets its own demo organisation, on SQLite and (when configured) PostgreSQL.
Screenshots go to test-artifacts/screenshots/ so people can look at the pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from models.engine import make_engine
from tests.conftest import PG_URL, _pg_schema_url
from tests.servers import free_port, running

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo"

pytestmark = pytest.mark.e2e


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt install chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("browser tests need the playwright package (pip install -e '.[test]')")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo_database(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'demo.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    admin = make_engine(PG_URL)
    schema = f"e2e_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True)
class LiveServer:
    base: str
    database_url: str
    logins: dict[str, str]  # access role -> email, as `motivo init --demo` printed them


@pytest.fixture(scope="module")
def live_server(demo_database, tmp_path_factory):
    """gunicorn serving a freshly initialised demo organisation; yields its base URL."""
    _need_chromium()
    instance = tmp_path_factory.mktemp("instance")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=demo_database,
        SECRET_KEY=uuid.uuid4().hex * 2,
        MOTIVO_INSTANCE_PATH=str(instance),
        PATH=f"{BIN}:{env.get('PATH', '')}",
        # The tests' chat-webhook receiver runs on this machine; a real channel never does.
        MOTIVO_WEBHOOK_ALLOW_LOCAL="1",
    )
    init = subprocess.run(
        [str(BIN / "motivo"), "init", "--demo", "--demo-password", DEMO_PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    logins = {
        line.split()[0]: line.split()[1]
        for line in init.stdout.splitlines()
        if line.startswith("  ")
    }
    port = free_port()
    args = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "web:create_app()",
    ]
    base = f"http://127.0.0.1:{port}"
    # The training worker runs beside the web server, as in production: it runs the jobs
    # HR queues from the model page (and, with these thresholds, never retrains alone).
    worker_env = {
        **env,
        "MOTIVO_RETRAIN_NEW_RESPONSES": "1000000",
        "MOTIVO_RETRAIN_NEW_RATINGS": "1000000",
        "MOTIVO_RETRAIN_MAX_AGE_DAYS": "100000",
    }
    worker = subprocess.Popen(
        [str(BIN / "motivo"), "worker", "--interval", "1"],
        env=worker_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with running(args, env=env, health_url=f"{base}/healthz", cwd=ROOT):
            yield LiveServer(base=base, database_url=demo_database, logins=logins)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.fixture(scope="session")
def browser():
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser):
    """New pages in fresh contexts (separate cookies), closed after the test."""
    contexts = []

    def make(
        *, locale: str = "en-GB", width: int = 1280, height: int = 900, javascript: bool = True
    ):
        context = browser.new_context(
            locale=locale,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def go(locator) -> None:
    """Click something that loads a new page, and wait until it has loaded."""
    with locator.page.expect_navigation():
        locator.click()


def sign_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    go(page.locator("input[type=submit][name=submit]"))
