"""PDF reports on a server that lacks Pango: a clear 503 naming the library, never a 500.

The library is made genuinely unloadable: the test runs in its own mount namespace where
the shared object is covered by an empty file, so WeasyPrint's real import fails as it would
on a machine without the Debian packages.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from sqlmodel import Session, SQLModel
import models.tables
from models.engine import make_engine
from models.tables import Person
from services.accounts import store_password
from web import create_app

url = sys.argv[1]
engine = make_engine(url)
SQLModel.metadata.create_all(engine)
with Session(engine) as session:
    hr = Person(external_id="H1", name="Hedda", email="hr@example.test", access="hr")
    session.add(hr)
    session.commit()
    store_password(session, hr, "correct horse battery")
    session.commit()
app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "k",
                  "WTF_CSRF_ENABLED": False})
client = app.test_client()
client.post("/auth/login", data={"email": "hr@example.test",
                                 "password": "correct horse battery"})
html = client.get("/hr/insights/report")
pdf = client.get("/hr/insights/report.pdf")
print("STATUS", html.status_code, pdf.status_code)
print(pdf.get_data(as_text=True))
"""


def _pango_path() -> Path | None:
    name = ctypes.util.find_library("pango-1.0")
    if not name:
        return None
    for folder in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        if (Path(folder) / name).exists():
            return Path(folder) / name
    return None


def test_pdf_report_names_the_missing_library(tmp_path):
    pango = _pango_path()
    if pango is None:
        pytest.skip("Pango is not installed here, so there is nothing to hide")
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("hiding a system library needs root and unshare (CI has both)")
    url = f"sqlite:///{tmp_path / 'motivo.db'}"
    command = f'mount --bind /dev/null {pango} && exec {sys.executable} -c "$SCRIPT" {url}'
    env = {**os.environ, "SCRIPT": SCRIPT, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # WeasyPrint prints its own notice to stdout before ours.
    _, _, reply = result.stdout.partition("STATUS ")
    statuses, _, page = reply.partition("\n")
    assert statuses == "200 503"  # the HTML report still works
    assert "libpango-1.0-0" in page
    assert "requirements/debian-runtime.txt" in page
    assert "Traceback" not in page
