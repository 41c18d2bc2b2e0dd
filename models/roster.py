"""The roster read on SQLAlchemy Core alone, without the ORM's table classes.

``motivo users list`` is a start-up-bound command: building the SQLModel classes (pydantic
schemas and mappers for every table) costs more than the query. This module names the few
columns it reads with lightweight ``table()``/``column()`` constructs instead; a test checks
them against ``models.tables`` so the two cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Connection, DateTime, column, insert, select, table

person = table(
    "person",
    column("id"),
    column("external_id"),
    column("name"),
    column("email"),
    column("access"),
    column("team_id"),
    column("manager_id"),
    column("sales_role"),
    column("active"),
)
team = table("team", column("id"), column("name"))
auditlog = table(
    "auditlog",
    # What the ORM's UTC column binds (an aware UTC time), without importing SQLModel.
    column("at", DateTime(timezone=True)),
    column("actor_id"),
    column("action"),
    column("target"),
    column("details", JSON()),
)

ROSTER_FIELDS = (
    "external_id",
    "name",
    "email",
    "access",
    "team",
    "manager_email",
    "sales_role",
    "active",
)


def roster_rows(connection: Connection, *, include_inactive: bool = False) -> list[dict]:
    """Everyone (or every active person), ordered by external id, with their team's name and
    their manager's e-mail: one statement."""
    manager = person.alias("manager")
    query = (
        select(
            person.c.external_id,
            person.c.name,
            person.c.email,
            person.c.access,
            team.c.name.label("team"),
            manager.c.email.label("manager_email"),
            person.c.sales_role,
            person.c.active,
        )
        .select_from(
            person.outerjoin(team, team.c.id == person.c.team_id).outerjoin(
                manager, manager.c.id == person.c.manager_id
            )
        )
        .order_by(person.c.external_id)
    )
    if not include_inactive:
        query = query.where(person.c.active.is_(True))
    return [
        {**row, "active": bool(row["active"])}
        for row in (dict(r._mapping) for r in connection.execute(query))
    ]


def audit_row(connection: Connection, *, action: str, details: dict) -> None:
    """Add the audit row ``services.audit.record_event`` would add for an actor who is not
    a person (``details`` names it), on this connection; the caller commits."""
    connection.execute(
        insert(auditlog).values(
            at=datetime.now(UTC), actor_id=None, action=action, target="", details=details
        )
    )
