"""One database session per request, from the engine kept in ``app.extensions``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, g
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from sqlmodel import Session


def get_engine() -> Engine:
    return current_app.extensions["motivo.engine"]


def open_session() -> Session:
    """A new session that carries this app's settings the services read (the minimum
    group size, the currency, whether chat webhooks may name this machine): pages, the API
    and CLI commands all open theirs
    here, so they agree."""
    from sqlmodel import Session  # loaded by the first session, not by every command

    from services.organisation import allow_local_webhooks, use_currency, use_min_group_size

    session = Session(get_engine(), expire_on_commit=False)
    use_currency(session, str(current_app.config["MOTIVO_CURRENCY"]))
    allow_local_webhooks(session, bool(current_app.config["MOTIVO_WEBHOOK_ALLOW_LOCAL"]))
    return use_min_group_size(session, int(current_app.config["MOTIVO_MIN_GROUP_SIZE"]))


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = open_session()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
