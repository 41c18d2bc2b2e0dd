"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set MOTIVO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run every
database test on PostgreSQL too; each test gets its own schema there, dropped afterwards.
Set MOTIVO_STRICT_SKIPS=1 (CI does) to turn every skip into a failure.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, SQLModel

import models.tables  # noqa: F401  (registers tables)
from models.engine import make_engine
from models.tables import Grant, Person, Rating, Team, utc_today, utcnow
from services import accounts
from services.accounts import store_password
from tests.databases import PostgresSchemas, SqliteTemplate

# Cheap hashing parameters keep the suite fast; the hashing code path is the real one.
accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("MOTIVO_TEST_DATABASE_URL", "")
STRICT = os.environ.get("MOTIVO_STRICT_SKIPS") == "1"
TEST_PASSWORD = "correct horse battery"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped, and MOTIVO_STRICT_SKIPS=1 forbids skips: {reason}"


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


_SCHEMA_OF: dict[str, str] = {}  # each PostgreSQL test database's URL -> its schema


@pytest.fixture(scope="session")
def _postgres_schemas():
    schemas = PostgresSchemas(PG_URL)
    yield schemas
    schemas.close()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    return SqliteTemplate(tmp_path_factory.mktemp("template"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """The URL of a fresh, empty database (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'motivo-test.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    schemas = request.getfixturevalue("_postgres_schemas")
    try:
        schema = schemas.fresh()
    except Exception as exc:  # noqa: BLE001
        message = f"PostgreSQL at {PG_URL} is unreachable: {exc.__class__.__name__}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    url = _pg_schema_url(PG_URL, schema)
    _SCHEMA_OF[url] = schema
    try:
        yield url
    finally:
        del _SCHEMA_OF[url]
        schemas.release(schema)


@pytest.fixture
def engine(request, database_url):
    """An engine on ``database_url`` with Motivo's tables, empty (see ``tests.databases``)."""
    engine = make_engine(database_url)
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        if path.exists():
            SQLModel.metadata.create_all(engine)
        else:
            request.getfixturevalue("_sqlite_template").copy_to(path)
    else:
        schemas = request.getfixturevalue("_postgres_schemas")
        schemas.give_tables(_SCHEMA_OF[database_url], engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(engine, database_url):
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "MOTIVO_LOGIN_MAX_FAILURES": 5,
        }
    )
    yield app
    app.extensions["motivo.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Factory:
    """Small builders for the rows most tests need."""

    def __init__(self, session: Session):
        self.session = session
        self._n = 0

    def team(self, name: str | None = None) -> Team:
        self._n += 1
        team = Team(name=name or f"Team {self._n}")
        self.session.add(team)
        self.session.commit()
        return team

    def person(
        self,
        access: str = "rep",
        *,
        team: Team | None = None,
        manager: Person | None = None,
        name: str | None = None,
        sales_role: str = "closer",
        password: str | None = TEST_PASSWORD,
        active: bool = True,
    ) -> Person:
        self._n += 1
        person = Person(
            external_id=f"P{self._n:04d}",
            name=name or f"Person {self._n}",
            email=f"person{self._n}@example.test",
            access=access,
            team_id=team.id if team else None,
            manager_id=manager.id if manager else None,
            sales_role=sales_role,
            active=active,
        )
        self.session.add(person)
        self.session.flush()
        if password is not None:
            store_password(self.session, person, password)
        self.session.commit()
        return person


def rated_grant(session, person: Person, reward, stars: int, *, days_ago: int = 10) -> Rating:
    """A reward given to ``person`` ``days_ago`` days ago and rated ``stars``: a rating as
    the product stores it (one per grant; a second rating of a reward needs a second grant).
    The caller commits."""
    from datetime import timedelta

    grant = Grant(
        reward_id=reward.id,
        person_id=person.id,
        given_on=utc_today() - timedelta(days=days_ago),
        cost=reward.cost,
        team_id=person.team_id,
    )
    session.add(grant)
    session.flush()
    rating = Rating(person_id=person.id, reward_id=reward.id, grant_id=grant.id, rating=stars)
    session.add(rating)
    return rating


@pytest.fixture
def factory(session) -> Factory:
    return Factory(session)


_TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, path: str = "/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = TEST_PASSWORD):
    token = csrf_token(client)
    return client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )


@pytest.fixture
def today() -> date:
    """The test's own today, read when the test starts rather than when the
    module was imported: a run that crosses midnight must not compare one
    day's constant with the next day's clock."""
    return utcnow().date()


@pytest.fixture
def quarter(today) -> str:
    """The budget quarter that contains the test's today, e.g. "2026-Q4"."""
    from services.budgets import current_quarter

    return current_quarter(today)
