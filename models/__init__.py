"""Persistence: SQLModel tables, the engine factory, migrations and small query helpers."""

from models.engine import make_engine, session_scope
from models.tables import (
    ACCESS_ROLES,
    AuditLog,
    Credential,
    LoginAttempt,
    PasswordToken,
    Person,
    Team,
)

__all__ = [
    "ACCESS_ROLES",
    "AuditLog",
    "Credential",
    "LoginAttempt",
    "PasswordToken",
    "Person",
    "Team",
    "make_engine",
    "session_scope",
]
