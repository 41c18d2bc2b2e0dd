"""A one-time password link opened in Chromium against gunicorn: the page carries the token
from the part after '#' into a form body, and gunicorn's access log never records it."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session

from models import migrate
from models.engine import make_engine
from models.tables import Person
from services import accounts
from tests.e2e.conftest import ROOT, go, shot
from tests.servers import free_port, running

pytestmark = pytest.mark.e2e
BIN = Path(sys.executable).parent


def test_password_link_in_the_browser_keeps_the_token_out_of_the_access_log(
    tmp_path, database_url, page_factory
):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            admin = Person(external_id="A1", name="Ada Admin", email="ada@example.test")
            rep = Person(external_id="R1", name="Rita Rep", email="rita@example.test")
            admin.access = "admin"
            session.add_all([admin, rep])
            session.commit()
            token = accounts.create_password_link(session=session, actor=admin, email=rep.email)
    finally:
        engine.dispose()

    log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=uuid.uuid4().hex * 2,
        MOTIVO_INSTANCE_PATH=str(tmp_path / "instance"),
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--access-logfile",
        str(log),
        "web:create_app()",
    ]
    with running(args, env=env, health_url=f"{base}/healthz", cwd=ROOT):
        page = page_factory()
        page.goto(f"{base}/auth/set-password#{token}")
        page.wait_for_selector("input[name=password]")
        assert "Rita Rep" in page.content()
        assert "#" not in page.url  # the script took the token off the address bar
        shot(page, "password-link")
        page.fill("input[name=password]", "chosen in the browser")
        page.fill("input[name=confirm]", "chosen in the browser")
        go(page.locator("input[type=submit][name=submit]"))
        assert page.url.endswith("/auth/login")
        assert "Your password is saved" in page.content()

    logged = log.read_text()
    assert "POST /auth/set-password" in logged
    assert token not in logged
