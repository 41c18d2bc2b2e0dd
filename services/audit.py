"""The audit log: every change and every export leaves a row."""

from __future__ import annotations

from sqlmodel import Session, select

from models.tables import AuditLog, Person


def record_event(
    session: Session,
    *,
    actor: Person | None,
    action: str,
    target: str = "",
    details: dict | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction (the caller commits with its change)."""
    row = AuditLog(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target=target,
        details=details or {},
    )
    session.add(row)
    return row


def recent_events(*, session: Session, limit: int = 100) -> list[AuditLog]:
    return list(session.exec(select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)))
