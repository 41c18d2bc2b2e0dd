"""Who may see and do what. Every front end asks here; nothing else decides.

- a rep sees only themself;
- a manager sees themself and their direct reports;
- HR sees aggregates and runs HR functions (waves, reliability, summaries, imports);
- admin manages people, accounts and settings.
Item-level answers and free text are never shown to anyone but the rep who gave them.
"""

from __future__ import annotations

from models.tables import Person
from services.errors import NotAllowed, NotFound

# Capabilities are named after what a person can do, so pages and commands read naturally.
CAPABILITIES: dict[str, frozenset[str]] = {
    "view_own": frozenset({"rep", "manager", "hr", "admin"}),
    "view_team": frozenset({"manager"}),
    "run_hr": frozenset({"hr"}),
    "import_people": frozenset({"hr", "admin"}),
    "manage_people": frozenset({"admin"}),
    "manage_accounts": frozenset({"admin"}),
}


def can(viewer: Person | None, capability: str) -> bool:
    if viewer is None or not viewer.active:
        return False
    return viewer.access in CAPABILITIES[capability]


def require(viewer: Person | None, capability: str) -> None:
    """Raise ``NotAllowed`` unless the viewer holds ``capability``."""
    if not can(viewer, capability):
        raise NotAllowed("You do not have access to this.")


def can_view_person(viewer: Person | None, person: Person) -> bool:
    """A person's own page: themself, or their direct manager."""
    if viewer is None or not viewer.active:
        return False
    if viewer.id == person.id:
        return True
    return viewer.access == "manager" and person.manager_id == viewer.id


def ensure_can_view_person(viewer: Person | None, person: Person | None) -> Person:
    """Return ``person`` or raise ``NotFound`` (not 403: we do not confirm who exists)."""
    if person is None or not can_view_person(viewer, person):
        raise NotFound("No such person.")
    return person


def landing_endpoint(person: Person) -> str:
    """The page each role starts on after signing in."""
    return {
        "rep": "me.home",
        "manager": "team.home",
        "hr": "hr.home",
        "admin": "admin.people",
    }.get(person.access, "me.home")
