"""The database tables. One module until it hurts; every change goes through a migration."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
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
    locale: str = Field(default="", max_length=8)  # "" follows the browser
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


class Instrument(SQLModel, table=True):
    """One version of a questionnaire; never changed once stored (a change is a new version)."""

    __table_args__ = (UniqueConstraint("name", "version", name="uq_instrument_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    version: int
    title: str = Field(default="", max_length=200)
    definition: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")


WAVE_STATUSES = ("open", "closed")


class Wave(SQLModel, table=True):
    """One round of a survey that HR opens and closes."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    opens_on: date
    closes_on: date
    status: str = Field(default="open", max_length=16)
    audience: str = Field(default="all", max_length=16)  # all | teams
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class WaveTeam(SQLModel, table=True):
    """The teams a wave is meant for, when its audience is not everyone."""

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)


class SurveyResponse(SQLModel, table=True):
    """One person's submission in a wave; partial until submitted."""

    __table_args__ = (UniqueConstraint("wave_id", "person_id", name="uq_response_wave_person"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    instrument_id: int = Field(foreign_key="instrument.id")
    status: str = Field(default="in_progress", max_length=16)  # in_progress | submitted
    source: str = Field(default="web", max_length=16)  # web | import | demo
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    page_seconds: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Answer(SQLModel, table=True):
    """One item's value in a response: a number, or text (a ranking is codes joined by '>')."""

    __table_args__ = (UniqueConstraint("response_id", "item_code", name="uq_answer_item"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="surveyresponse.id", index=True)
    item_code: str = Field(max_length=64)
    value: float | None = None
    text: str | None = None


__all__ = [
    "ACCESS_ROLES",
    "LOCALES",
    "Answer",
    "AuditLog",
    "Credential",
    "Instrument",
    "LoginAttempt",
    "PasswordToken",
    "Person",
    "SurveyResponse",
    "Team",
    "WAVE_STATUSES",
    "Wave",
    "WaveTeam",
    "utcnow",
]
