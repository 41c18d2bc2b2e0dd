"""Organisation-wide aggregates that respect the minimum group size, and that size itself.

``min_group_size(session)`` is the one place every service reads the minimum group size
(``MOTIVO_MIN_GROUP_SIZE``). The app reads the setting from its configuration once, at
start-up, and every session it opens (page, API or CLI command, and so the training worker,
which is a CLI command) carries it; a session opened without the app (a script, a test)
gets the default of 5. The organisation's currency (``MOTIVO_CURRENCY``, default NOK)
travels the same way: ``currency(session)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Person, Team
from recommender.group_size import MIN_GROUP_SIZE, check_min_size

SESSION_KEY = "motivo.min_group_size"
CURRENCY_KEY = "motivo.currency"
DEFAULT_CURRENCY = "NOK"


def use_min_group_size(session: Session, size: int) -> Session:
    """Make ``size`` the minimum group size every service sees through ``session``."""
    session.info[SESSION_KEY] = check_min_size(int(size))
    return session


def min_group_size(session: Session) -> int:
    """The minimum group size: no figure about fewer people is ever shown."""
    return int(session.info.get(SESSION_KEY, MIN_GROUP_SIZE))


def group_floor(session: Session, asked: int | None = None) -> int:
    """The group size a service applies: the organisation's, or a larger one asked for.

    The configured size is a floor: a caller that passes a smaller size (or none) still gets
    nothing about fewer people than the organisation set. Raises ``ValueError`` for a size
    outside the allowed range.
    """
    configured = min_group_size(session)
    if asked is None:
        return configured
    return max(configured, check_min_size(int(asked)))


LOCAL_WEBHOOKS_KEY = "motivo.webhooks_allow_local"


def allow_local_webhooks(session: Session, allowed: bool) -> Session:
    """Let chat webhooks through ``session`` name this machine (``MOTIVO_WEBHOOK_ALLOW_LOCAL``:
    a relay on the same host, or the tests' local receiver); off by default."""
    session.info[LOCAL_WEBHOOKS_KEY] = bool(allowed)
    return session


def local_webhooks_allowed(session: Session) -> bool:
    return bool(session.info.get(LOCAL_WEBHOOKS_KEY, False))


def use_currency(session: Session, code: str) -> Session:
    """Make ``code`` (ISO 4217, checked by the app's configuration) the organisation's
    currency for every service that reads it through ``session``."""
    session.info[CURRENCY_KEY] = code.strip().upper()
    return session


def currency(session: Session) -> str:
    """The organisation's currency: budgets and reward costs are amounts in it."""
    return str(session.info.get(CURRENCY_KEY, DEFAULT_CURRENCY))


@dataclass(frozen=True)
class TeamCount:
    team: str
    n: int | None  # None when the group is below the minimum size
    suppressed: bool


def list_teams(*, session: Session) -> list[Team]:
    """Every team by name (names only are shown: they say nothing about a person)."""
    return list(session.exec(select(Team).order_by(Team.name)))


def headcount_by_team(*, session: Session) -> list[TeamCount]:
    """Active reps per team; teams under the minimum size show no figure."""
    k = min_group_size(session)
    stmt = (
        select(Team.name, func.count(Person.id))
        .join(Person, Person.team_id == Team.id)
        .where(Person.active.is_(True), Person.access == "rep")
        .group_by(Team.name)
        .order_by(Team.name)
    )
    rows = []
    for name, n in session.exec(stmt):
        small = n < k
        rows.append(TeamCount(team=name, n=None if small else n, suppressed=small))
    return rows
