"""A request body sent in chunks (no Content-Length) is held to the upload limit whole.

Werkzeug stops reading a chunked body at ``MAX_CONTENT_LENGTH`` without a word, so a roster
over the limit was read as its first megabytes: the people after the cut were deactivated as
leavers, and a KPI row cut in half was stored with the wrong value. Through real gunicorn,
as a client that streams its upload sends it.
"""

from __future__ import annotations

import http.client
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, running

BIN = Path(sys.executable).parent
HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"


def roster(*people: str, padding: int = 0) -> bytes:
    rows = [f"{p},{p.title()},{p.lower()}@example.test,North,,rep,closer\n" for p in people]
    # Blank lines are skipped by every import: they make the file large, not different.
    return (HEADER + rows[0] + "\n" * padding + "".join(rows[1:])).encode()


@pytest.fixture
def server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '')}",
        MOTIVO_INSTANCE_PATH=str(tmp_path / "instance"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'motivo.db'}",
        SECRET_KEY="c" * 64,
        MOTIVO_MAX_UPLOAD_MB="1",
    )
    subprocess.run([str(BIN / "motivo"), "init"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [str(BIN / "motivo"), "tokens", "create", "hris", "--scope", "people:write"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = free_port()
    args = [str(BIN / "motivo"), "serve", "--port", str(port), "--workers", "1"]
    with running(args, env=env, health_url=f"http://127.0.0.1:{port}/healthz"):
        yield {"port": port, "token": token, "db": tmp_path / "motivo.db"}


def post_in_chunks(server, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
    pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
    connection.request(
        "POST",
        "/api/v1/people/import?keep_missing=true",
        body=pieces,
        headers={"Authorization": f"Bearer {server['token']}", "Content-Type": "text/csv"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    status, payload = response.status, response.read()
    connection.close()
    return status, json.loads(payload) if payload.startswith(b"{") else {}


def people(server) -> list[str]:
    with sqlite3.connect(server["db"]) as db:
        return sorted(r[0] for r in db.execute("select external_id from person"))


def test_a_chunked_body_within_the_limit_is_imported(server):
    status, payload = post_in_chunks(server, roster("ADA", "BO", padding=300_000))
    assert status == 200, payload
    assert people(server) == ["ADA", "BO"]


def test_a_chunked_body_over_the_limit_is_refused_whole_and_writes_nothing(server):
    status, payload = post_in_chunks(server, roster("ADA", "BO", padding=1_200_000))
    assert status == 413, payload
    assert payload["error"]["code"] == "too_large"
    assert people(server) == []
