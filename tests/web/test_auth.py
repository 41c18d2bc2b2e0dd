"""Signing in and out, CSRF, throttling, cookies and one-time password links."""

import re

import pytest
from sqlmodel import select

from models.tables import AuditLog
from services import accounts
from tests.conftest import TEST_PASSWORD, csrf_token, login


def test_sign_in_and_out(client, factory):
    rep = factory.person("rep")
    response = login(client, rep.email)
    assert response.status_code == 302
    assert rep.name in client.get("/me/").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    assert client.get("/me/").status_code == 302


def test_wrong_password_rerenders_with_a_message(client, factory):
    rep = factory.person("rep")
    response = login(client, rep.email, "wrong password!")
    assert response.status_code == 401
    assert "Email or password is not right." in response.get_data(as_text=True)


def test_inactive_person_cannot_sign_in(client, factory):
    gone = factory.person("rep", active=False)
    assert login(client, gone.email).status_code == 401


def test_post_without_csrf_token_is_rejected(client, factory):
    rep = factory.person("rep")
    response = client.post("/auth/login", data={"email": rep.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "expired or was not sent from Motivo" in response.get_data(as_text=True)
    assert client.get("/me/").status_code == 302  # not signed in


def test_logout_without_token_keeps_the_session(client, factory):
    rep = factory.person("rep")
    login(client, rep.email)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/me/").status_code == 200


def test_five_failures_lock_the_account_for_a_while(client, factory):
    rep = factory.person("rep")
    for _ in range(5):
        assert login(client, rep.email, "wrong password!").status_code == 401
    response = login(client, rep.email)  # even the right password is refused now
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Wait 5 minutes" in response.get_data(as_text=True)


def test_failures_from_one_address_throttle_other_accounts(session, factory):
    rep, other = factory.person("rep"), factory.person("rep")
    for _ in range(5):
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(session=session, email=rep.email, password="x", ip="10.0.0.9")
    with pytest.raises(accounts.Throttled):
        accounts.authenticate(
            session=session, email=other.email, password=TEST_PASSWORD, ip="10.0.0.9"
        )
    person = accounts.authenticate(
        session=session, email=other.email, password=TEST_PASSWORD, ip="10.0.0.10"
    )
    assert person.id == other.id


def test_session_cookie_is_httponly_and_lax(client, factory):
    rep = factory.person("rep")
    response = login(client, rep.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_open_redirect_is_ignored(client, factory):
    rep = factory.person("rep")
    token = csrf_token(client)
    response = client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": rep.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/me/")


def test_one_time_password_link(client, factory, session):
    admin = factory.person("admin")
    rep = factory.person("rep", password=None)
    login(client, admin.email)
    page = client.post(
        f"/admin/people/{rep.external_id}/password-link",
        data={"csrf_token": csrf_token(client, "/admin/people")},
    ).get_data(as_text=True)
    link, token = re.search(r"http://localhost(/auth/set-password)#([\w-]+)", page).groups()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})

    opened = client.post(link, data={"token": token, "csrf_token": csrf_token(client, link)})
    assert rep.name in opened.get_data(as_text=True)
    short = client.post(
        link,
        data={
            "token": token,
            "password": "short",
            "confirm": "short",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert short.status_code == 200
    assert "at least 10 characters" in short.get_data(as_text=True)
    new = "a new long password"
    done = client.post(
        link,
        data={
            "token": token,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, link),
        },
    )
    assert done.status_code == 302
    assert login(client, rep.email, new).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    spent = client.post(link, data={"token": token, "csrf_token": csrf_token(client, link)})
    assert spent.status_code == 404
    actions = [a.action for a in session.exec(select(AuditLog))]
    assert "account.password_link" in actions and "account.password_link_used" in actions


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_html_404_is_friendly(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_healthz_reports_database(client):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
