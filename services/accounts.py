"""Passwords, sign-in with throttling, and one-time password links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Credential, LoginAttempt, PasswordToken, Person, utcnow
from services.access import Actor, require
from services.audit import record_event
from services.errors import InvalidInput, NotFound, ServiceError, Throttled

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


class BadCredentials(ServiceError):
    """Email or password did not match (deliberately vague)."""


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window_seconds: int = 300


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")


def find_by_email(session: Session, email: str) -> Person | None:
    email = (email or "").strip().lower()
    return session.exec(select(Person).where(Person.email == email)).first()


def _recent_failures(session: Session, column, value: str, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    )
    return session.exec(stmt).one()


def authenticate(
    *,
    session: Session,
    email: str,
    password: str,
    ip: str,
    policy: ThrottlePolicy = ThrottlePolicy(),
    now: datetime | None = None,
) -> Person:
    """Check a sign-in, throttled per account and per IP address; commits the attempt."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    since = now - timedelta(seconds=policy.window_seconds)
    if (
        _recent_failures(session, LoginAttempt.email, email, since) >= policy.max_failures
        or _recent_failures(session, LoginAttempt.ip, ip, since) >= policy.max_failures
    ):
        minutes = max(1, policy.window_seconds // 60)
        raise Throttled(f"Too many failed sign-in attempts. Wait {minutes} minutes and try again.")
    person = find_by_email(session, email)
    credential = session.get(Credential, person.id) if person is not None else None
    ok = False
    if person is not None and person.active and credential is not None:
        try:
            ok = _hasher.verify(credential.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    session.add(LoginAttempt(at=now, email=email, ip=ip, success=ok))
    if ok and _hasher.check_needs_rehash(credential.password_hash):
        credential.password_hash = hash_password(password)
    session.commit()
    if not ok:
        raise BadCredentials("Email or password is not right.")
    return person


def store_password(
    session: Session, person: Person, password: str, *, password_hash: str | None = None
) -> None:
    """Write the hash without the length policy (the demo and tests; people use set_password).

    ``password_hash`` lets the demo hash its one shared password once instead of per person.
    """
    digest = password_hash or hash_password(password)
    credential = session.get(Credential, person.id)
    if credential is None:
        credential = Credential(person_id=person.id, password_hash=digest)
    else:
        credential.password_hash = digest
        credential.updated_at = utcnow()
    session.add(credential)


def set_password(*, session: Session, email: str, password: str, actor: Actor) -> Person:
    """Set a person's password (CLI or admin); the person must exist and be active."""
    require(actor, "manage_accounts")
    check_password_policy(password)
    person = find_by_email(session, email)
    if person is None or not person.active:
        raise NotFound(f"No active person with email {email!r}.")
    store_password(session, person, password)
    record_event(session, actor=actor, action="account.set_password", target=person.external_id)
    session.commit()
    return person


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_password_link(*, session: Session, actor: Actor, email: str, hours: int = 72) -> str:
    """Create a one-time token a person can use to choose a password; returns the token."""
    require(actor, "manage_accounts")
    person = find_by_email(session, email)
    if person is None or not person.active:
        raise NotFound(f"No active person with email {email!r}.")
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordToken(
            person_id=person.id,
            token_hash=_token_digest(token),
            created_by_id=actor.id if isinstance(actor, Person) else None,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    record_event(session, actor=actor, action="account.password_link", target=person.external_id)
    session.commit()
    return token


def password_link_person(*, session: Session, token: str) -> Person:
    """The person a valid, unused, unexpired token belongs to."""
    row = session.exec(
        select(PasswordToken).where(PasswordToken.token_hash == _token_digest(token))
    ).first()
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise NotFound("This link is not valid any more. Ask an administrator for a new one.")
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        raise NotFound("This link is not valid any more. Ask an administrator for a new one.")
    return person


def use_password_link(*, session: Session, token: str, password: str) -> Person:
    """Set the password through a one-time link and spend the link."""
    person = password_link_person(session=session, token=token)
    check_password_policy(password)
    row = session.exec(
        select(PasswordToken).where(PasswordToken.token_hash == _token_digest(token))
    ).one()
    row.used_at = utcnow()
    session.add(row)
    store_password(session, person, password)
    record_event(
        session, actor=person, action="account.password_link_used", target=person.external_id
    )
    session.commit()
    return person
