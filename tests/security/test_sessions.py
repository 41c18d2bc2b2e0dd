"""Attacks on sessions: a saved cookie replayed after the session should have ended, and
one-time password links claimed twice or leaked through the address."""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from sqlmodel import Session

from services import accounts
from services.access import SYSTEM
from services.errors import NotFound
from services.people import import_people
from tests.conftest import csrf_token, login

ROSTER_HEADER = ["external_id", "name", "email", "team", "manager_email", "access", "sales_role"]


def _signed_in_cookie(client, email: str) -> str:
    assert login(client, email).status_code == 302
    assert client.get("/me/").status_code == 200
    return client.get_cookie("session").value


def _replay(app, cookie: str):
    """A fresh browser with the stolen cookie (same User-Agent as the test client)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/me/")


def _sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_saved_cookie_is_refused_after_logout(app, client, factory):
    rep = factory.person("rep")
    saved = _signed_in_cookie(client, rep.email)
    assert _replay(app, saved).status_code == 200  # the cookie works while signed in
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    assert _sent_to_sign_in(_replay(app, saved))


def test_logout_ends_the_persons_other_sessions_too(app, factory):
    rep = factory.person("rep")
    laptop, phone = app.test_client(), app.test_client()
    phone_cookie = _signed_in_cookie(phone, rep.email)
    _signed_in_cookie(laptop, rep.email)
    laptop.post("/auth/logout", data={"csrf_token": csrf_token(laptop, "/me/")})
    assert _sent_to_sign_in(phone.get("/me/"))
    assert _sent_to_sign_in(_replay(app, phone_cookie))


def test_one_persons_logout_leaves_another_signed_in(app, factory):
    rep, colleague = factory.person("rep"), factory.person("rep")
    mine, theirs = app.test_client(), app.test_client()
    _signed_in_cookie(mine, rep.email)
    their_cookie = _signed_in_cookie(theirs, colleague.email)
    mine.post("/auth/logout", data={"csrf_token": csrf_token(mine, "/me/")})
    assert theirs.get("/me/").status_code == 200
    assert _replay(app, their_cookie).status_code == 200


def test_saved_cookie_is_refused_after_a_password_change(app, client, runner, factory):
    rep = factory.person("rep")
    saved = _signed_in_cookie(client, rep.email)
    result = runner.invoke(args=["users", "set-password", rep.email], input="a brand new secret\n")
    assert result.exit_code == 0, result.output
    assert _sent_to_sign_in(_replay(app, saved))
    assert _sent_to_sign_in(client.get("/me/"))


def test_saved_cookie_is_refused_after_a_reset_through_a_link(app, client, session, factory):
    admin, rep = factory.person("admin"), factory.person("rep")
    saved = _signed_in_cookie(client, rep.email)
    token = accounts.create_password_link(session=session, actor=admin, email=rep.email)
    accounts.use_password_link(session=session, token=token, password="reset by the owner")
    assert _sent_to_sign_in(_replay(app, saved))


def _roster(*people) -> list[dict]:
    return [
        {
            "external_id": p.external_id,
            "name": p.name,
            "email": p.email,
            "team": "",
            "manager_email": "",
            "access": p.access,
            "sales_role": p.sales_role,
        }
        for p in people
    ]


def test_saved_cookie_stays_dead_after_deactivation_and_return(app, client, session, factory):
    rep, stays = factory.person("rep"), factory.person("rep")
    saved = _signed_in_cookie(client, rep.email)
    import_people(session=session, header=ROSTER_HEADER, records=_roster(stays), actor=SYSTEM)
    assert _sent_to_sign_in(_replay(app, saved))
    # Back on the roster: the old session must not come back to life with them.
    import_people(session=session, header=ROSTER_HEADER, records=_roster(stays, rep), actor=SYSTEM)
    assert _sent_to_sign_in(_replay(app, saved))
    assert login(app.test_client(), rep.email).status_code == 302  # signing in again works


def _race_for_link(engine, token: str, passwords: list[str]) -> list[str]:
    """Each password is submitted by its own request, all at once, with the same link."""
    start = threading.Barrier(len(passwords))
    outcomes: list[str] = []

    def claim(password: str) -> None:
        with Session(engine, expire_on_commit=False) as own:
            # Every request has shown the form: the link looked valid to each of them.
            accounts.password_link_person(session=own, token=token)
            start.wait()
            try:
                accounts.use_password_link(session=own, token=token, password=password)
                outcomes.append(password)
            except NotFound:
                outcomes.append("refused")

    threads = [threading.Thread(target=claim, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_racing_claims_of_one_link_let_exactly_one_through(engine, session, factory):
    admin = factory.person("admin")
    for round_ in range(4):
        rep = factory.person("rep")
        token = accounts.create_password_link(session=session, actor=admin, email=rep.email)
        passwords = [f"attacker's choice {round_}", f"owner's own choice {round_}"]
        outcomes = _race_for_link(engine, token, passwords)
        assert len(outcomes) == 2 and outcomes.count("refused") == 1, outcomes
        winner = next(o for o in outcomes if o != "refused")
        assert accounts.authenticate(
            session=session, email=rep.email, password=winner, ip=f"10.9.0.{round_}"
        )


def test_password_link_keeps_its_token_out_of_every_address(client, factory, session):
    """Access logs (gunicorn's, the proxy's) record request lines: never one with the token."""
    admin, rep = factory.person("admin"), factory.person("rep", password=None)
    login(client, admin.email)
    page = client.post(
        f"/admin/people/{rep.external_id}/password-link",
        data={"csrf_token": csrf_token(client, "/admin/people")},
    ).get_data(as_text=True)
    link = urlsplit(re.search(r"http://localhost/auth/set-password[^\s<\"]*", page).group(0))
    token = link.fragment  # browsers never send the part after '#'
    assert token and accounts.password_link_person(session=session, token=token).id == rep.id
    assert token not in link.path + link.query
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})

    # What the page's script does: post the token from the fragment in the form body.
    assert client.get(link.path).status_code == 200
    form = client.post(
        link.path, data={"token": token, "csrf_token": csrf_token(client, link.path)}
    )
    assert rep.name in form.get_data(as_text=True)
    new = "chosen through the link"
    done = client.post(
        link.path,
        data={
            "token": token,
            "password": new,
            "confirm": new,
            "csrf_token": csrf_token(client, link.path),
        },
    )
    assert done.status_code == 302
    assert login(client, rep.email, new).status_code == 302
