"""Bearer tokens for integrations (HRIS, CRM): scopes, create, list, revoke, check.

A token acts for the organisation, not for a person, and carries a list of scopes. Only the
SHA-256 digest of the token is stored, with a short prefix so people can tell tokens apart;
the token itself is shown once, when it is created. ``authorise_request`` checks one API
request's token and scope and counts it (``services.rate_limits``); what a token may read
is in ``services.api_reads``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, select

from models.queries import get_by_id
from models.tables import ApiToken, Person, utcnow
from services.access import Actor, TokenActor, require
from services.audit import record_event
from services.errors import InvalidInput, NotAllowed, NotFound, Problem, ServiceError
from services.rate_limits import RateCount, count_request
from services.text import text_problems

# What each scope allows; the OpenAPI document and the admin page show these texts.
SCOPES: dict[str, str] = {
    "people:read": "List people with their roster fields (never survey answers).",
    "people:write": "Import the roster, all or nothing.",
    "waves:read": "List survey waves with participation counts (small counts withheld).",
    "responses:read": "Response status and dates per person; never answers or scale scores.",
    "responses:write": "Import answers collected with another survey tool.",
    "recommendations:read": "Read reward suggestions per person.",
    "feedback:write": "Import reps' ratings of rewards, and when they were given.",
    "kpis:write": "Import KPI figures per person and period.",
    "kpis:read": "Read KPIs aggregated over groups no smaller than the minimum group size.",
}
TOKEN_MARK = "mtv_"  # makes a leaked token easy to recognise in logs and secret scanners
PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 120
MAX_EXPIRY_DAYS = 3650


class TokenRefused(ServiceError):
    """No usable token: missing, unknown, expired or revoked (HTTP 401)."""

    def __init__(self, message: str, *, error: str | None = "invalid_token"):
        # ``error`` is the RFC 6750 code; None when the request carried no token at all.
        self.error = error
        super().__init__(message)


class ScopeMissing(NotAllowed):
    """The token is valid but lacks the scope this request needs (HTTP 403)."""

    def __init__(self, scope: str):
        self.scope = scope
        self.rate: RateCount | None = None
        super().__init__(f"This token does not have the scope {scope}.")


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def describe_token(token: ApiToken, now: datetime | None = None) -> dict:
    """A token as plain data for lists: never its digest, which is as good as a password."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "status": token_status(token, now),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


def _check_new_token(name: str, scopes: Iterable[str], expires_in_days: int | None) -> list[str]:
    problems = []
    known = ", ".join(SCOPES)
    if not name:
        problems.append(
            Problem(
                "name",
                "token.name_missing",
                "give the token a name (what uses it, e.g. 'HRIS sync')",
            )
        )
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(
            Problem(
                "name",
                "text.too_long",
                f"at most {MAX_NAME_LENGTH} characters",
                {"limit": MAX_NAME_LENGTH},
            )
        )
    scopes = list(scopes)
    if not scopes:
        problems.append(
            Problem(
                "scopes", "token.scope_missing", f"choose at least one of {known}", {"known": known}
            )
        )
    for scope in scopes:
        if scope not in SCOPES:
            problems.append(
                Problem(
                    "scopes",
                    "token.scope_unknown",
                    f"unknown scope {scope!r} (use {known})",
                    {"scope": scope, "known": known},
                )
            )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        problems.append(
            Problem(
                "expires",
                "token.expiry_range",
                f"give a number of days from 1 to {MAX_EXPIRY_DAYS}",
                {"maximum": MAX_EXPIRY_DAYS},
            )
        )
    return problems


def create_token(
    *,
    session: Session,
    actor: Actor,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the stored row and the token, which is never shown again."""
    require(actor, "manage_accounts")
    name = (name or "").strip()
    scopes = [s.strip() for s in scopes if s and s.strip()]
    problems = text_problems("name", name, one_line=True) + _check_new_token(
        name, scopes, expires_in_days
    )
    if problems:
        raise InvalidInput("The token was not created.", problems, code="token.not_created")
    now = now or utcnow()
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=digest(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes=[s for s in SCOPES if s in scopes],  # one order everywhere, no duplicates
        created_by_id=actor.id if isinstance(actor, Person) else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="api_token.create",
        target=f"token {token.id}",
        details={
            "name": name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    session.commit()
    return token, secret


def list_tokens(*, session: Session, viewer: Actor) -> list[ApiToken]:
    """Every token, newest first (revoked and expired ones too, for the record)."""
    require(viewer, "manage_accounts")
    return list(session.exec(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(
    *, session: Session, actor: Actor, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    require(actor, "manage_accounts")
    token = get_by_id(session, ApiToken, token_id)
    if token is None:
        raise NotFound(
            f"No token with id {token_id}.", code="token.not_found", params={"token": token_id}
        )
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.add(token)
        record_event(
            session,
            actor=actor,
            action="api_token.revoke",
            target=f"token {token.id}",
            details={"name": token.name, "prefix": token.prefix},
        )
        session.commit()
    return token


def token_for_revoking(*, session: Session, viewer: Actor, token_id: int) -> dict:
    """The token as :func:`describe_token` shows it, for the step that confirms a revocation."""
    require(viewer, "manage_accounts")
    token = get_by_id(session, ApiToken, token_id)
    if token is None:
        raise NotFound(
            f"No token with id {token_id}.", code="token.not_found", params={"token": token_id}
        )
    return describe_token(token)


def find_token(*, session: Session, secret: str | None) -> ApiToken | None:
    """The stored row a presented token belongs to, whatever its status."""
    if not secret:
        return None
    return session.exec(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()


def check_token(token: ApiToken | None, *, now: datetime | None = None) -> ApiToken:
    """Raise ``TokenRefused`` unless ``token`` exists and is active."""
    if token is None:
        raise TokenRefused("The token is not valid.")
    status = token_status(token, now)
    if status == "revoked":
        raise TokenRefused("The token has been revoked.")
    if status == "expired":
        raise TokenRefused("The token has expired.")
    return token


def check_scope(token: ApiToken, scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")  # a programming error, not a request's
    if scope not in token.scopes:
        raise ScopeMissing(scope)


def token_actor(token: ApiToken) -> TokenActor:
    """The actor a token's requests run as: the organisation, with its scopes' powers."""
    return TokenActor(
        token_id=token.id, prefix=token.prefix, name=token.name, scopes=frozenset(token.scopes)
    )


def authorise_request(
    *,
    session: Session,
    secret: str | None,
    scope: str,
    limit: int,
    method: str,
    path: str,
    now: datetime | None = None,
) -> tuple[TokenActor, RateCount]:
    """Check one API request's token and scope, count it against the rate limit, audit it.

    Raises ``TokenRefused`` (no usable token), ``RateLimited`` or ``ScopeMissing``; the
    last two carry the request's ``RateCount`` as ``rate`` when it was counted. Returns the
    actor the request's services run as.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if secret is None:
        raise TokenRefused(
            "Send a token in the header 'Authorization: Bearer <token>'.", error=None
        )
    token = check_token(find_token(session=session, secret=secret), now=now)
    allowed = scope in token.scopes
    details = {"method": method, "path": path, "scope": scope}
    if not allowed:
        details["refused"] = 403
    rate = count_request(
        session=session,
        actor=token_actor(token),
        token=token,
        limit=limit,
        action="api.request",
        details=details,
        now=now,
    )
    if not allowed:
        refused = ScopeMissing(scope)
        refused.rate = rate
        raise refused
    return token_actor(token), rate
