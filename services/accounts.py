"""Passwords, sign-in with throttling, and one-time password links."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, case, delete, or_, update
from sqlmodel import Session, select

from models.tables import (
    Credential,
    LoginAttempt,
    LoginThrottle,
    PasswordToken,
    Person,
    utcnow,
)
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


@dataclass(frozen=True)
class KnownDevice:
    """A browser that signed in to ``email`` before; the web layer checked its signed cookie."""

    email: str
    device_id: str


def new_device_id() -> str:
    return secrets.token_urlsafe(16)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.",
            code="password.too_short",
            params={"n": MIN_PASSWORD_LENGTH},
        )


def find_by_email(session: Session, email: str) -> Person | None:
    email = (email or "").strip().lower()
    return session.exec(select(Person).where(Person.email == email)).first()


@functools.cache
def _person_by_id():
    # Built once per process: every signed-in request runs it, and ``Session.get`` would
    # build the query and its cache key again on each call.
    return select(Person).where(Person.id == bindparam("person_id"))


def session_person(session: Session, person_id: int, version: int) -> Person | None:
    """The person a signed-in session names, or None when it no longer signs them in: they
    are gone or inactive, or the session carries an older version than the stored one (a
    sign-out, a new password or a deactivation since, see :func:`end_sessions`)."""
    person = session.execute(_person_by_id(), {"person_id": person_id}).scalar_one_or_none()
    if person is None or not person.active or person.session_version != version:
        return None
    return person


def end_sessions(session: Session, person: Person) -> None:
    """End every signed-in session of ``person``, on every worker; the caller commits.

    The user loader compares the version kept in the session with the stored one. The
    increment runs in SQL, so two at once cannot both write the same new value.
    """
    person.session_version = Person.session_version + 1
    session.add(person)


def sign_out(*, session: Session, person: Person) -> None:
    """Sign a person out of every browser and device they are signed in on."""
    end_sessions(session, person)
    session.commit()


_dummy: tuple[PasswordHasher, str] | None = None


def _dummy_hash() -> str:
    # Made with the hasher in use, so checking it costs what checking a real hash costs.
    global _dummy
    if _dummy is None or _dummy[0] is not _hasher:
        _dummy = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy[1]


def _verify(password_hash: str | None, password: str) -> bool:
    """Exactly one argon2 verification whether or not there is a real hash to check."""
    try:
        ok = _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        ok = False
    return ok and password_hash is not None


def _throttle_keys(email: str, ip: str, device: KnownDevice | None) -> list[str]:
    if device is not None and device.email == email and device.device_id:
        # A browser this account signed in from before has its own allowance, so strangers
        # failing on the account (or on a shared address) cannot lock the owner out.
        return [f"device:{device.device_id}"]
    return [f"account:{email}", f"ip:{ip}"]


def _insert_if_missing(session: Session, key: str, now: datetime) -> None:
    # The dialects are imported here: every command that names this module (most of them,
    # through ``services.people``) would otherwise load both at start-up.
    from sqlalchemy.dialects import postgresql, sqlite

    values = {"key": key, "window_started": now, "failures": 0}
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(LoginThrottle).values(**values)
    else:
        stmt = sqlite.insert(LoginThrottle).values(**values)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))


def _claim(session: Session, keys: list[str], policy: ThrottlePolicy, now: datetime) -> bool:
    """Count one more failure under every key, or under none if any is used up; commits.

    The attempt is counted before the password is checked and given back when it was
    right, so a parallel burst cannot have more guesses checked than the policy allows.
    """
    since = now - timedelta(seconds=policy.window_seconds)
    fresh = or_(LoginThrottle.window_started < since, LoginThrottle.failures <= 0)
    for key in sorted(keys):  # one order everywhere, so two claims never deadlock
        _insert_if_missing(session, key, now)
        result = session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.key == key,
                or_(fresh, LoginThrottle.failures < policy.max_failures),
            )
            .values(
                failures=case((fresh, 1), else_=LoginThrottle.failures + 1),
                window_started=case((fresh, now), else_=LoginThrottle.window_started),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            session.rollback()
            return False
    session.commit()
    return True


def _give_back(session: Session, keys: list[str]) -> None:
    for key in sorted(keys):
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1)
            .execution_options(synchronize_session=False)
        )


def authenticate(
    *,
    session: Session,
    email: str,
    password: str,
    ip: str,
    policy: ThrottlePolicy = ThrottlePolicy(),
    now: datetime | None = None,
    device: KnownDevice | None = None,
) -> Person:
    """Check a sign-in, throttled per account and per address (or per known browser).

    Records the attempt and commits. Raises ``Throttled`` before any password is checked
    when the allowance is used up, and ``BadCredentials`` for any wrong email or password.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    keys = _throttle_keys(email, ip, device)
    if not _claim(session, keys, policy, now):
        minutes = max(1, policy.window_seconds // 60)
        raise Throttled(
            f"Too many failed sign-in attempts. Wait {minutes} "
            f"{'minute' if minutes == 1 else 'minutes'} and try again.",
            code="signin.throttled",
            params={"n": minutes},
        )
    person = find_by_email(session, email)
    credential = session.get(Credential, person.id) if person is not None else None
    usable = person is not None and person.active and credential is not None
    ok = _verify(credential.password_hash if usable else None, password)
    session.add(LoginAttempt(at=now, email=email, ip=ip, success=ok))
    # Counts whose window has passed behave exactly like no row at all: delete them, so
    # a spray of made-up emails or addresses cannot grow the table without end.
    session.execute(
        delete(LoginThrottle)
        .where(LoginThrottle.window_started < now - timedelta(seconds=policy.window_seconds))
        .execution_options(synchronize_session=False)
    )
    if ok:
        _give_back(session, keys)
        if _hasher.check_needs_rehash(credential.password_hash):
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
        raise NotFound(
            f"No active person with email {email!r}.",
            code="person.no_active_email",
            params={"email": email},
        )
    store_password(session, person, password)
    end_sessions(session, person)
    record_event(session, actor=actor, action="account.set_password", target=person.external_id)
    session.commit()
    return person


_SPENT = "This link is not valid any more. Ask an administrator for a new one."


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_password_link(*, session: Session, actor: Actor, email: str, hours: int = 72) -> str:
    """Create a one-time token a person can use to choose a password; returns the token."""
    require(actor, "manage_accounts")
    person = find_by_email(session, email)
    if person is None or not person.active:
        raise NotFound(
            f"No active person with email {email!r}.",
            code="person.no_active_email",
            params={"email": email},
        )
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
        raise NotFound(_SPENT, code="password_link.spent")
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        raise NotFound(_SPENT, code="password_link.spent")
    return person


def use_password_link(*, session: Session, token: str, password: str) -> Person:
    """Set the password through a one-time link and spend the link; ends the person's sessions.

    The link is claimed with one conditional UPDATE, so of two requests racing with the same
    link exactly one succeeds.
    """
    person = password_link_person(session=session, token=token)
    check_password_policy(password)
    digest = hash_password(password)  # before the claim: no lock is held while hashing
    now = utcnow()
    claimed = session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.token_hash == _token_digest(token),
            PasswordToken.used_at.is_(None),
            PasswordToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise NotFound(_SPENT, code="password_link.spent")
    store_password(session, person, password, password_hash=digest)
    end_sessions(session, person)
    record_event(
        session, actor=person, action="account.password_link_used", target=person.external_id
    )
    session.commit()
    return person
