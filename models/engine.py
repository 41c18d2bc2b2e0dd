"""Engine construction for SQLite (the embedded default) and PostgreSQL."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from sqlmodel import Session

SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class DatabaseUrlError(ValueError):
    """The configured database URL cannot be used."""


def _check_url(url: str):
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(
            f"DATABASE_URL {url!r} is not a database URL; use sqlite:///path/to/motivo.db "
            "or postgresql+psycopg://user@host:5432/dbname"
        ) from exc
    if parsed.drivername not in SUPPORTED_SCHEMES:
        raise DatabaseUrlError(
            f"DATABASE_URL scheme {parsed.drivername!r} is not supported; use sqlite:/// "
            "or postgresql+psycopg://"
        )
    return parsed


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = _check_url(url)
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        in_memory = parsed.database in (None, "", ":memory:")
        kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": 15}}
        if in_memory:
            # One connection shared by every session, or each would see its own empty database.
            kwargs["poolclass"] = StaticPool
        engine = create_engine(parsed, echo=echo, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping (a round trip on every checkout, the price of one more query per
    # request): a connection is checked without one when the pool lends it, and
    # connections are renewed hourly, before a firewall can drop them silently.
    engine = create_engine(parsed, echo=echo, pool_recycle=3600)
    event.listen(engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection, _record, _proxy) -> None:
    """Refuse a PostgreSQL connection the server has closed; the pool then opens another.

    A connection at rest in the pool has nothing to read: when its socket is readable the
    server has hung up (a restart, ``pg_terminate_backend``, an idle timeout) or sent a
    notice that it is about to. Either way a fresh connection is the safe choice. The check
    is one non-blocking ``poll``, no round trip to the server.
    """
    if dbapi_connection.closed:
        raise DisconnectionError("the connection was closed")
    try:
        fd = dbapi_connection.fileno()
    except Exception as exc:  # noqa: BLE001 - a broken connection has no socket
        raise DisconnectionError("the connection has no socket") from exc
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that is closed afterwards; services decide when to commit."""
    from sqlmodel import Session  # SQLModel (and pydantic) load only where the ORM is used

    with Session(engine, expire_on_commit=False) as session:
        yield session
