"""Security headers, caching and error replies on the routes the route matrix does not walk.

The route matrix (tests/web/test_route_matrix.py) checks the same headers on every page and
form action for every role; here: sign-in pages, static files, the health check, error
pages, HSTS behind ``MOTIVO_SECURE_COOKIES``, and the ``Allow`` header on 405 replies.
"""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.security.headers import csp_directives, header_problems


@pytest.mark.parametrize(
    "path",
    [
        "/auth/login",
        "/auth/login?next=/me/",
        "/auth/set-password/not-a-token",
        "/static/motivo.css",
        "/static/print.css",
        "/healthz",
        "/no-such-page",
        "/api/v1/me",
        "/api/v1/no-such-thing",
    ],
)
def test_public_responses_carry_the_headers(client, path):
    with client.get(path) as response:
        assert not header_problems(response, path.split("?")[0])


def test_static_files_may_be_cached_but_pages_may_not(client, factory):
    with client.get("/static/motivo.css") as response:
        assert "no-store" not in response.headers.get("Cache-Control", "")
    person = factory.person("rep")
    assert login(client, person.email).status_code == 302
    for path in ("/me/", "/me/settings", "/no-such-page"):
        assert "no-store" in client.get(path).headers["Cache-Control"], path


def test_the_policy_allows_no_inline_script_and_forbids_framing(client):
    csp = csp_directives(client.get("/auth/login").headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("script-src", [])
    assert "'unsafe-inline'" not in csp.get("style-src", [])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["base-uri"] == ["'none'"]


def test_hsts_only_when_cookies_are_secure(monkeypatch, database_url, engine):
    from web import create_app

    base = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    plain = create_app(base).test_client().get("/auth/login")
    assert "Strict-Transport-Security" not in plain.headers
    monkeypatch.setenv("MOTIVO_SECURE_COOKIES", "1")
    secure_app = create_app(base)
    for path in ("/auth/login", "/static/motivo.css", "/healthz", "/no-such-page"):
        with secure_app.test_client().get(path, base_url="https://motivo.test") as response:
            assert not header_problems(response, path, secure=True)
    secure_app.extensions["motivo.engine"].dispose()


def test_method_not_allowed_pages_keep_the_allow_header(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert "POST" not in response.headers["Allow"]
    assert not header_problems(response, "/healthz-post")
    page = client.delete("/auth/login")
    assert page.status_code == 405
    assert "POST" in page.headers["Allow"] and "GET" in page.headers["Allow"]
    assert page.mimetype == "text/html"


def test_method_not_allowed_json_under_api_keeps_the_allow_header(client):
    response = client.post("/api/v1/me")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 405
    assert "GET" in response.headers["Allow"]
    assert "POST" not in response.headers["Allow"]
