"""Who may see and do what. Every front end asks here; nothing else decides.

- a rep sees only themself;
- a manager sees themself and their direct reports;
- HR sees aggregates and runs HR functions (waves, reliability, summaries, imports);
- admin manages people, accounts and settings.
Item-level answers and free text are never shown to anyone but the rep who gave them.

Every service that reads or changes something takes the one acting as a required,
keyword-only ``viewer`` or ``actor``: there is no "no actor, no check". Three kinds of actor
exist:

- a :class:`~models.tables.Person` signed in to the pages, with their ``access`` role;
- :data:`SYSTEM`, the operator at the command line. Whoever can run ``motivo`` already holds
  the database and the secret key, so the system actor holds every capability and may grant
  any access (that is how the first admin is made). It is never a person: it owns no
  person's page and its audit rows carry no ``actor_id``, only ``"actor": "command line"``;
- a :class:`TokenActor`, an integration token acting for the organisation. It holds only
  the capabilities its scopes grant (:data:`SCOPE_CAPABILITIES`) and can never set access
  above ``manager``.

Role changes: only an admin (or the system actor) may grant or remove ``admin`` or ``hr``
access, or change the email of an admin or HR person; nobody changes their own access.
"""

from __future__ import annotations

from models.tables import Person
from services.actors import SYSTEM, SystemActor, TokenActor  # noqa: F401  (re-exported: services name the system actor through access)
from services.errors import NotAllowed, NotFound

# Capabilities are named after what a person can do, so pages and commands read naturally.
CAPABILITIES: dict[str, frozenset[str]] = {
    "view_own": frozenset({"rep", "manager", "hr", "admin"}),
    "view_team": frozenset({"manager"}),
    "run_hr": frozenset({"hr"}),
    "view_people": frozenset({"hr", "admin"}),
    "import_people": frozenset({"hr", "admin"}),
    "manage_people": frozenset({"admin"}),
    "manage_accounts": frozenset({"admin"}),
    "view_waves": frozenset({"hr"}),
    "import_responses": frozenset({"hr"}),
    "import_feedback": frozenset({"hr"}),
    "import_kpis": frozenset({"hr"}),
    "view_kpis": frozenset({"hr"}),
    # Chat webhooks (Slack, Microsoft Teams) that get counts-only messages.
    "manage_channels": frozenset({"hr", "admin"}),
    # Every person's suggestions at once; a person's own page goes through can_view_person.
    "view_suggestions": frozenset(),
}

# What an integration token may do with each of its scopes (see services.api_tokens.SCOPES).
SCOPE_CAPABILITIES: dict[str, frozenset[str]] = {
    "people:read": frozenset({"view_people"}),
    "people:write": frozenset({"import_people"}),
    "waves:read": frozenset({"view_waves"}),
    "responses:read": frozenset({"view_waves"}),
    "responses:write": frozenset({"import_responses"}),
    "recommendations:read": frozenset({"view_suggestions"}),
    "feedback:write": frozenset({"import_feedback"}),
    "kpis:write": frozenset({"import_kpis"}),
    "kpis:read": frozenset({"view_kpis"}),
}

# Access roles that only an admin may grant, remove, or whose email only an admin may change.
PRIVILEGED_ROLES = frozenset({"hr", "admin"})
# The highest access an integration token may give anyone.
TOKEN_ACCESS_CEILING = "manager"


Actor = Person | SystemActor | TokenActor


def actor_label(actor: Actor | None) -> str | None:
    """How an actor that is not a person is named in the audit log (None for a person)."""
    if isinstance(actor, SystemActor | TokenActor):
        return actor.label
    return None


def is_admin(actor: Actor) -> bool:
    """An active admin, or the system actor: those who may change admin and HR access."""
    if isinstance(actor, SystemActor):
        return True
    return isinstance(actor, Person) and actor.active and actor.access == "admin"


def can(viewer: Actor | None, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    if isinstance(viewer, SystemActor):
        return True
    if isinstance(viewer, TokenActor):
        return any(capability in SCOPE_CAPABILITIES.get(s, ()) for s in viewer.scopes)
    if not isinstance(viewer, Person) or not viewer.active:
        return False
    return viewer.access in CAPABILITIES[capability]


def require(viewer: Actor | None, capability: str) -> None:
    """Raise ``NotAllowed`` unless the viewer holds ``capability``."""
    if not can(viewer, capability):
        raise NotAllowed("You do not have access to this.", code="not_allowed")


def can_view_person(viewer: Actor | None, person: Person) -> bool:
    """A person's own page: themself, or their direct manager while they are active.

    A rep who has left keeps their manager link (their history stays as it was), but their
    former manager no longer reaches them: no card, and no reward charged to the team.

    The system actor sees everyone; a token sees a person's suggestions only with the
    ``recommendations:read`` scope.
    """
    if isinstance(viewer, SystemActor):
        return True
    if isinstance(viewer, TokenActor):
        return can(viewer, "view_suggestions")
    if not isinstance(viewer, Person) or not viewer.active:
        return False
    if viewer.id == person.id:
        return True
    return viewer.access == "manager" and person.active and person.manager_id == viewer.id


def ensure_can_view_person(viewer: Actor | None, person: Person | None) -> Person:
    """Return ``person`` or raise ``NotFound`` (not 403: we do not confirm who exists)."""
    if person is None or not can_view_person(viewer, person):
        raise NotFound("No such person.", code="person.not_found")
    return person


def landing_endpoint(person: Person) -> str:
    """The page each role starts on after signing in."""
    return {
        "rep": "me.home",
        "manager": "team.home",
        "hr": "hr.home",
        "admin": "admin.people",
    }.get(person.access, "me.home")
