"""Attacks on session lifetime: a copied cookie must stop working after the idle limit and
after the absolute limit, even when nobody signs out."""

from __future__ import annotations

import pytest

import web.auth_setup
from tests.conftest import login
from web.config import ConfigError, resolve


@pytest.fixture
def clock(monkeypatch):
    """Move time forward without waiting; every worker reads the same wall clock."""
    now = [1_900_000_000.0]
    monkeypatch.setattr(web.auth_setup, "clock", lambda: now[0])
    return now


def _stolen(app, client, email: str) -> str:
    assert login(client, email).status_code == 302
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/me/")


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_copied_cookie_dies_after_the_idle_limit(app, client, factory, clock):
    rep = factory.person("rep")
    saved = _stolen(app, client, rep.email)
    idle = app.config["MOTIVO_SESSION_IDLE_MINUTES"] * 60
    clock[0] += idle - 5
    assert _replay(app, saved).status_code == 200  # still within the idle limit
    clock[0] += idle + 5  # nothing refreshed the copied cookie's "last seen"
    response = _replay(app, saved)
    assert _sent_to_sign_in(response)


def test_activity_keeps_a_session_alive_until_the_absolute_limit(app, client, factory, clock):
    rep = factory.person("rep")
    assert login(client, rep.email).status_code == 302
    idle = app.config["MOTIVO_SESSION_IDLE_MINUTES"] * 60
    longest = app.config["MOTIVO_SESSION_MAX_HOURS"] * 3600
    elapsed = 0
    while elapsed + idle // 2 < longest:
        clock[0] += idle // 2
        elapsed += idle // 2
        assert client.get("/me/").status_code == 200, f"signed out after {elapsed} s of use"
    clock[0] += idle // 2 + 1  # past the absolute limit although active
    assert _sent_to_sign_in(client.get("/me/"))


def test_the_person_is_told_their_session_ended(app, client, factory, clock):
    rep = factory.person("rep")
    assert login(client, rep.email).status_code == 302
    clock[0] += app.config["MOTIVO_SESSION_IDLE_MINUTES"] * 60 + 1
    page = client.get("/me/", follow_redirects=True)
    assert "Your session has ended" in page.get_data(as_text=True)
    clock[0] += 1
    assert login(client, rep.email).status_code == 302  # signing in again works
    assert client.get("/me/").status_code == 200


def test_a_cookie_without_lifetime_stamps_signs_nobody_in(app, client, factory):
    rep = factory.person("rep")
    assert login(client, rep.email).status_code == 302
    with client.session_transaction() as cookie:
        cookie.pop("signed_in_at")
        cookie.pop("seen_at")
    assert _sent_to_sign_in(client.get("/me/"))


def test_the_lifetimes_are_settings_and_nonsense_is_refused(tmp_path):
    env = {"MOTIVO_SESSION_IDLE_MINUTES": "15", "MOTIVO_SESSION_MAX_HOURS": "8"}
    config = resolve(str(tmp_path), {}, env)
    assert (config["MOTIVO_SESSION_IDLE_MINUTES"], config["MOTIVO_SESSION_MAX_HOURS"]) == (15, 8)
    for bad in (
        {"MOTIVO_SESSION_IDLE_MINUTES": 0},
        {"MOTIVO_SESSION_IDLE_MINUTES": 600, "MOTIVO_SESSION_MAX_HOURS": 1},
    ):
        with pytest.raises(ConfigError, match="MOTIVO_SESSION_IDLE_MINUTES"):
            resolve(str(tmp_path), bad, {})
