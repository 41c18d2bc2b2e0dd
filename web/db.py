"""One database session per request, from the engine kept in ``app.extensions``."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlmodel import Session


def get_engine() -> Engine:
    return current_app.extensions["motivo.engine"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
