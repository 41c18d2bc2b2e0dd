"""The roster as plain rows: ``motivo users list``, the API's people list and the services.

Kept apart from ``services.people`` (which loads the ORM, the import rules and the audit log)
so that listing people from the command line starts as fast as the framework itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.roster import audit_row, roster_rows
from services.actors import SystemActor

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from services.access import Actor


def list_people(
    *, connection: Connection, viewer: Actor | None, include_inactive: bool = False
) -> list[dict]:
    """Everyone with their access role, team, manager's e-mail and sales role, ordered by
    external id; deactivated people only when asked."""
    if not isinstance(viewer, SystemActor):
        # The operator at the command line holds every capability (services.access.can), so
        # only people and tokens need the full check, which loads the table classes.
        from services.access import require

        require(viewer, "view_people")
    return roster_rows(connection, include_inactive=include_inactive)


def record_listing(
    connection: Connection, *, viewer: SystemActor, fmt: str, inactive: bool
) -> None:
    """Audit a listing of the roster (every email leaves Motivo), as every export is, on the
    listing's own connection: the command starts without the ORM."""
    details = {"format": fmt, "inactive": inactive, "actor": viewer.label}
    audit_row(connection, action="export.people", details=details)
    connection.commit()
