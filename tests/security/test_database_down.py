"""With the database unreachable, every page is a translated 503 that needs no database.

Two real ways a database goes away: a PostgreSQL URL whose port nobody listens on (a stopped
server), and a SQLite path that cannot be opened. A signed-in person's cookie comes from a
working app with the same secret key, as it would after the database stopped.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login
from tests.security.headers import header_problems
from tests.servers import free_port
from tests.web.test_route_matrix import _routes, _url

NB_TITLE = "Motivo er ikke tilgjengelig akkurat nå"
EN_TITLE = "Motivo is not available right now"
SECRET = "test-secret-key"
VALUES = {
    "external_id": "P0001",
    "wave_id": 1,
    "page_key": "motivation",
    "grant_id": 1,
    "slug": "anything",
    "token_id": 1,
    "experiment_id": 1,
    "fmt": "csv",
    "response_id": 1,
}


def _unreadable_sqlite(tmp_path) -> str:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    return f"sqlite:///{blocker / 'motivo.db'}"


@pytest.fixture(params=["postgresql-stopped", "sqlite-unreadable"])
def down(request, tmp_path):
    """(app, reason) for an app whose database cannot be reached."""
    from web import create_app

    if request.param == "postgresql-stopped":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
        reason = "connection refused"
    else:
        url = _unreadable_sqlite(tmp_path)
        reason = "cannot open"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET})
    yield app, reason
    app.extensions["motivo.engine"].dispose()


def test_healthz_says_what_is_wrong(down):
    app, reason = down
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "unreachable"
    assert reason in body["reason"]
    assert "127.0.0.1" not in body["reason"] and "not-a-folder" not in body["reason"]


def test_healthz_says_when_the_tables_are_missing(tmp_path):
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
            "SECRET_KEY": SECRET,
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "not initialised"
    assert "motivo init" in body["reason"]
    app.extensions["motivo.engine"].dispose()


def _signed_in_client(app_down, client, person):
    """A client of the broken app holding the cookie a working app gave ``person``."""
    assert login(client, person.email).status_code == 302
    token = csrf_token(client, "/me/")
    broken = app_down.test_client()
    broken.set_cookie("session", client.get_cookie("session").value)
    return broken, token


@pytest.mark.parametrize("access", ["rep", "hr"])
def test_every_page_is_a_translated_503_for_a_signed_in_person(down, client, factory, access):
    app_down, _reason = down
    person = factory.person(access)
    broken, token = _signed_in_client(app_down, client, person)
    problems = []
    for rule, method in _routes(app_down):
        url = _url(rule, VALUES)
        headers = {"Accept-Language": "nb"}
        if method == "GET":
            response = broken.get(url, headers=headers)
        else:
            response = broken.post(url, data={"csrf_token": token}, headers=headers)
        html = response.get_data(as_text=True)
        if response.status_code != 503 or NB_TITLE not in html:
            problems.append(f"{method} {url}: {response.status_code}")
        elif response.headers.get("Retry-After") is None:
            problems.append(f"{method} {url}: no Retry-After")
        problems += header_problems(response, url)
    assert not problems, "\n".join(problems)


def test_signing_in_is_a_503_not_a_wrong_password(down, client):
    app_down, _reason = down
    anonymous = app_down.test_client()
    page = anonymous.get("/auth/login")
    assert page.status_code == 200  # the form itself needs no database
    token = csrf_token(anonymous)
    response = anonymous.post(
        "/auth/login",
        data={"email": "someone@example.test", "password": "x", "csrf_token": token},
    )
    assert response.status_code == 503
    assert EN_TITLE in response.get_data(as_text=True)


def test_the_api_answers_503_in_json(down):
    app_down, _reason = down
    response = app_down.test_client().get(
        "/api/v1/people", headers={"Authorization": "Bearer mtv_not-checked-yet"}
    )
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 503
    assert response.headers.get("Retry-After")
