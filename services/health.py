"""What the health check asks of the database."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session


def ping_database(*, session: Session) -> None:
    """One round trip; raises SQLAlchemy's error when the database cannot be reached."""
    session.exec(text("SELECT 1")).one()
