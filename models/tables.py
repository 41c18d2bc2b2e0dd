"""The database tables. One module until it hurts; every change goes through a migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

ACCESS_ROLES = ("rep", "manager", "hr", "admin")
LOCALES = ("en", "nb")


def utcnow() -> datetime:
    """Aware UTC; SQLModel's UTC column type stores and returns it alike on both databases."""
    return datetime.now(UTC)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, unique=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    access: str = Field(default="rep", max_length=16)
    sales_role: str = Field(default="", max_length=64)
    locale: str = Field(default="en", max_length=8)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Credential(SQLModel, table=True):
    """A login password; people imported only as respondents have none."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = Field(default_factory=utcnow)


class PasswordToken(SQLModel, table=True):
    """A one-time link an admin hands out so a person can choose their own password."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Kept in the database so throttling holds across every worker process."""

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email", "at"),
        Index("ix_loginattempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    email: str = Field(max_length=254)
    ip: str = Field(max_length=64)
    success: bool = Field(default=False)


class AuditLog(SQLModel, table=True):
    """Who did what, when: every change and every export writes a row."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=80, index=True)
    target: str = Field(default="", max_length=200)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


__all__ = [
    "ACCESS_ROLES",
    "LOCALES",
    "AuditLog",
    "Credential",
    "LoginAttempt",
    "PasswordToken",
    "Person",
    "Team",
    "utcnow",
]
