"""The audit log: every change and every export leaves a row."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from models.tables import AuditLog, Person
from services.access import Actor, actor_label, require


def record_event(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    target: str = "",
    details: dict | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction (the caller commits with its change).

    A person is recorded by id; the command line and API tokens, which are not people, by
    name under ``details["actor"]``. ``actor`` None is an event nobody caused (a request
    that was refused before anyone was known).
    """
    details = dict(details or {})
    label = actor_label(actor)
    if label is not None:
        details.setdefault("actor", label)
    row = AuditLog(
        actor_id=actor.id if isinstance(actor, Person) else None,
        action=action,
        target=target,
        details=details,
    )
    session.add(row)
    return row


def record_export(session: Session, *, actor: Actor, kind: str, fmt: str, filters: Mapping) -> None:
    """Write an export (``export.<kind>``) to the audit log and commit."""
    record_event(
        session,
        actor=actor,
        action=f"export.{kind}",
        target=str(filters.get("wave") or ""),
        details={"format": fmt, "filters": dict(filters)},
    )
    session.commit()


def recent_events(*, session: Session, viewer: Actor, limit: int = 100) -> list[AuditLog]:
    """The newest audit rows, for those who manage accounts."""
    require(viewer, "manage_accounts")
    return list(session.exec(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))
