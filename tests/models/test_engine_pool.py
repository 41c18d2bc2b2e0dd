"""A pooled connection the database server has closed is never handed out.

The pool checks a connection when it lends it without a round trip to the server (a
connection at rest that has something to read, or nothing at all, was closed by the
server); a request after a server restart, or after an administrator ended the sessions,
gets a fresh connection instead of an error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.engine import make_engine
from tests.conftest import PG_URL


def _end_backends(pids: set[int]) -> None:
    admin = make_engine(PG_URL)
    try:
        with admin.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            # Wait until the server has really closed them (termination is asynchronous).
            for _ in range(200):
                left = conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(pids)},
                ).scalar()
                if not left:
                    break
                conn.execute(text("SELECT pg_sleep(0.05)"))
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_connections_the_server_closed_are_replaced_not_lent():
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    engine = make_engine(PG_URL)
    try:
        # Three connections at rest in the pool.
        held = [engine.connect() for _ in range(3)]
        pids = {conn.execute(text("SELECT pg_backend_pid()")).scalar() for conn in held}
        for conn in held:
            conn.close()
        _end_backends(pids)
        for _ in range(3):
            with engine.connect() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                assert pid not in pids
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_healthy_pooled_connection_is_reused():
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == first
    finally:
        engine.dispose()
