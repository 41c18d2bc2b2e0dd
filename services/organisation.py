"""Organisation-wide aggregates that respect the minimum group size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Person, Team


@dataclass(frozen=True)
class TeamCount:
    team: str
    n: int | None  # None when the group is below the minimum size
    suppressed: bool


def list_teams(*, session: Session) -> list[Team]:
    """Every team by name (names only are shown: they say nothing about a person)."""
    return list(session.exec(select(Team).order_by(Team.name)))


def headcount_by_team(*, session: Session, min_group_size: int) -> list[TeamCount]:
    """Active reps per team; teams under the minimum size show no figure."""
    stmt = (
        select(Team.name, func.count(Person.id))
        .join(Person, Person.team_id == Team.id)
        .where(Person.active.is_(True), Person.access == "rep")
        .group_by(Team.name)
        .order_by(Team.name)
    )
    rows = []
    for name, n in session.exec(stmt):
        small = n < min_group_size
        rows.append(TeamCount(team=name, n=None if small else n, suppressed=small))
    return rows
