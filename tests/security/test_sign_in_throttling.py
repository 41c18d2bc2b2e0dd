"""Attacks on sign-in: parallel guessing, lock-outs through a shared proxy address, locking a
person out of their own account, and telling real accounts from unknown emails."""

from __future__ import annotations

import threading

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session

from services import accounts
from services.errors import Throttled
from tests.conftest import TEST_PASSWORD, csrf_token
from web import config as config_module


class CountingHasher(PasswordHasher):
    """The real argon2 hasher (cheap parameters), counting how often it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0
        self._lock = threading.Lock()

    def verify(self, hash, password):  # noqa: A002  (argon2's own parameter name)
        with self._lock:
            self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", counting)
    return counting


def _sign_in(client, email: str, password: str, client_ip: str | None = None):
    headers = {"X-Forwarded-For": client_ip} if client_ip else {}
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


def _app_behind(database_url: str, proxies: int | None):
    from web import create_app

    config = {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    if proxies is not None:
        config["MOTIVO_TRUSTED_PROXIES"] = proxies
    return create_app(config)


def test_a_parallel_burst_gets_no_more_than_the_allowed_guesses(engine, factory, hasher):
    rep = factory.person("rep")
    burst = 20
    start = threading.Barrier(burst)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        with Session(engine, expire_on_commit=False) as own:
            start.wait()
            try:
                accounts.authenticate(
                    session=own, email=rep.email, password=f"guess {n}", ip="198.51.100.1"
                )
                outcomes.append("signed in")
            except accounts.BadCredentials:
                outcomes.append("wrong")
            except Throttled:
                outcomes.append("throttled")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(burst)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == burst
    assert outcomes.count("wrong") == 5, outcomes
    assert outcomes.count("throttled") == burst - 5
    assert hasher.verified == 5  # only five passwords were ever tried


def test_behind_a_trusted_proxy_one_clients_typos_do_not_block_another(database_url, factory):
    typist, colleague = factory.person("rep"), factory.person("rep")
    app = _app_behind(database_url, proxies=1)
    try:
        proxy = {"REMOTE_ADDR": "10.0.0.2"}  # every request arrives from the proxy
        one = app.test_client()
        one.environ_base.update(proxy)
        for _ in range(5):
            assert _sign_in(one, typist.email, "typo typo typo", "203.0.113.5").status_code == 401
        assert _sign_in(one, colleague.email, TEST_PASSWORD, "203.0.113.5").status_code == 429
        other = app.test_client()
        other.environ_base.update(proxy)
        assert _sign_in(other, colleague.email, TEST_PASSWORD, "203.0.113.77").status_code == 302
    finally:
        app.extensions["motivo.engine"].dispose()


def test_a_forged_forwarded_for_does_not_dodge_the_limit(database_url, factory):
    rep, victim = factory.person("rep"), factory.person("rep")
    app = _app_behind(database_url, proxies=1)
    try:
        client = app.test_client()
        client.environ_base.update({"REMOTE_ADDR": "10.0.0.2"})
        for n in range(5):
            # The client prepends a made-up address; the proxy appends the real one.
            forged = f"192.0.2.{n}, 203.0.113.5"
            assert _sign_in(client, rep.email, "guessing", forged).status_code == 401
        forged = "192.0.2.99, 203.0.113.5"
        assert _sign_in(client, victim.email, "guessing", forged).status_code == 429
    finally:
        app.extensions["motivo.engine"].dispose()


def test_without_the_setting_forwarded_for_is_not_believed(database_url, factory):
    rep, other = factory.person("rep"), factory.person("rep")
    app = _app_behind(database_url, proxies=None)
    try:
        client = app.test_client()
        for n in range(5):
            assert _sign_in(client, rep.email, "guessing", f"192.0.2.{n}").status_code == 401
        assert _sign_in(client, other.email, TEST_PASSWORD, "192.0.2.200").status_code == 429
    finally:
        app.extensions["motivo.engine"].dispose()


def test_trusted_proxies_setting_is_read_and_checked(tmp_path):
    assert config_module.resolve(str(tmp_path), None, {})["MOTIVO_TRUSTED_PROXIES"] == 0
    env = {"MOTIVO_TRUSTED_PROXIES": "1"}
    assert config_module.resolve(str(tmp_path), None, env)["MOTIVO_TRUSTED_PROXIES"] == 1
    with pytest.raises(config_module.ConfigError, match="MOTIVO_TRUSTED_PROXIES"):
        config_module.resolve(str(tmp_path), None, {"MOTIVO_TRUSTED_PROXIES": "-1"})


def test_the_owner_signs_in_from_a_known_browser_while_the_account_is_attacked(app, factory):
    owner = factory.person("rep")
    browser = app.test_client()
    assert _sign_in(browser, owner.email, TEST_PASSWORD).status_code == 302
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/me/")})

    attacker = app.test_client()
    attacker.environ_base.update({"REMOTE_ADDR": "192.0.2.66"})
    for _ in range(5):
        assert _sign_in(attacker, owner.email, "guessing").status_code == 401
    assert _sign_in(attacker, owner.email, "still guessing").status_code == 429
    # A browser the account never signed in from waits, like the attacker...
    stranger = app.test_client()
    stranger.environ_base.update({"REMOTE_ADDR": "192.0.2.67"})
    assert _sign_in(stranger, owner.email, TEST_PASSWORD).status_code == 429
    # ...but the owner's own browser is not locked out.
    assert _sign_in(browser, owner.email, TEST_PASSWORD).status_code == 302


def test_a_known_browser_still_gets_only_a_few_guesses(app, factory):
    owner = factory.person("rep")
    browser = app.test_client()
    assert _sign_in(browser, owner.email, TEST_PASSWORD).status_code == 302
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/me/")})
    for _ in range(5):
        assert _sign_in(browser, owner.email, "forgotten it").status_code == 401
    assert _sign_in(browser, owner.email, TEST_PASSWORD).status_code == 429


def test_a_known_browser_for_one_account_does_not_help_against_another(app, factory):
    owner, target = factory.person("rep"), factory.person("rep")
    browser = app.test_client()
    assert _sign_in(browser, owner.email, TEST_PASSWORD).status_code == 302
    browser.post("/auth/logout", data={"csrf_token": csrf_token(browser, "/me/")})
    for _ in range(5):
        assert _sign_in(browser, target.email, "guessing").status_code == 401
    assert _sign_in(browser, target.email, "guessing").status_code == 429


@pytest.mark.parametrize("case", ["real account", "unknown email", "inactive", "no password"])
def test_every_sign_in_does_the_same_hashing_work(session, factory, hasher, case):
    real = factory.person("rep")
    emails = {
        "real account": real.email,
        "unknown email": "nobody@example.test",
        "inactive": factory.person("rep", active=False).email,
        "no password": factory.person("rep", password=None).email,
    }
    hasher.verified = 0
    with pytest.raises(accounts.BadCredentials):
        accounts.authenticate(
            session=session, email=emails[case], password="not the password", ip="192.0.2.1"
        )
    assert hasher.verified == 1


def test_a_spray_of_made_up_accounts_does_not_grow_the_throttle_table(session, factory):
    """Each failure under a new email or address adds a count; once its window has passed,
    the next sign-in attempt clears it, so the table holds only live counts."""
    from datetime import timedelta

    from sqlmodel import func, select

    from models.tables import LoginThrottle, utcnow

    policy = accounts.ThrottlePolicy()
    start = utcnow()
    for n in range(30):
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate(
                session=session,
                email=f"nobody{n}@example.org",
                password="guess",
                ip=f"203.0.113.{n}",
                policy=policy,
                now=start,
            )
    assert session.exec(select(func.count()).select_from(LoginThrottle)).one() == 60
    later = start + timedelta(seconds=policy.window_seconds + 1)
    rep = factory.person("rep")
    accounts.authenticate(
        session=session, email=rep.email, password=TEST_PASSWORD, ip="192.0.2.9", now=later
    )
    keys = set(session.exec(select(LoginThrottle.key)))
    assert keys == {f"account:{rep.email}", "ip:192.0.2.9"}
