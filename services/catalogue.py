"""The reward catalogue: seed it, import and export it (all-or-nothing), read it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.tables import Reward as RewardRow
from models.tables import utcnow
from recommender.catalogue import CatalogueError, Reward, parse_catalogue, reward_to_dict
from services.access import SYSTEM, Actor, require
from services.audit import record_event
from services.imports import nothing_imported

_FIELDS = (
    "name",
    "description",
    "category",
    "visibility",
    "scope",
    "roles",
    "cost_band",
    "cost",
    "horizon",
    "cooldown_days",
    "active",
)


def to_reward(row: RewardRow) -> Reward:
    """The pure ``recommender`` view of a stored reward."""
    return Reward(
        id=row.slug,
        name=dict(row.name),
        description=dict(row.description),
        category=row.category,
        visibility=row.visibility,
        scope=row.scope,
        roles=tuple(row.roles),
        cost_band=row.cost_band,
        cost=float(row.cost),
        horizon=row.horizon,
        cooldown_days=row.cooldown_days,
        active=row.active,
    )


def _values(reward: Reward) -> dict[str, object]:
    data = reward_to_dict(reward)
    data["roles"] = list(reward.roles)
    return {k: data[k] for k in _FIELDS}


@dataclass
class CatalogueImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def import_rewards(
    *,
    session: Session,
    records: Sequence[Mapping],
    actor: Actor,
    source: str = "",
) -> CatalogueImport:
    """Create or update rewards by id; any bad record means nothing is written.

    Rewards missing from the file are left as they are (deactivate one with ``active =
    false``), so grants and ratings keep their history.
    """
    require(actor, "run_hr")
    try:
        rewards = parse_catalogue(records)
    except CatalogueError as exc:
        raise nothing_imported(exc.problems, source) from exc
    summary = CatalogueImport()
    existing = {r.slug: r for r in session.exec(select(RewardRow))}
    for reward in rewards:
        values = _values(reward)
        row = existing.get(reward.id)
        if row is None:
            session.add(RewardRow(slug=reward.id, **values))
            summary.created.append(reward.id)
        elif _values(to_reward(row)) != values:
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            session.add(row)
            summary.updated.append(reward.id)
        else:
            summary.unchanged.append(reward.id)
    if summary.created or summary.updated:
        record_event(
            session,
            actor=actor,
            action="rewards.import",
            target=source,
            details={"created": len(summary.created), "updated": len(summary.updated)},
        )
    session.commit()
    return summary


def ensure_seed_catalogue(*, session: Session) -> CatalogueImport | None:
    """Load ``seed/rewards.toml`` into an empty catalogue; an existing one is left alone."""
    if session.exec(select(RewardRow.id).limit(1)).first() is not None:
        return None
    from seed.loaders import load_catalogue

    records = [reward_to_dict(r) for r in load_catalogue()]
    return import_rewards(
        session=session, actor=SYSTEM, records=records, source="seed/rewards.toml"
    )


def catalogue_rows(*, session: Session, active_only: bool = False) -> list[RewardRow]:
    stmt = select(RewardRow).order_by(RewardRow.category, RewardRow.slug)
    if active_only:
        stmt = stmt.where(RewardRow.active.is_(True))
    return list(session.exec(stmt))


def find_reward(*, session: Session, slug: str) -> RewardRow | None:
    """One reward of the catalogue by its slug, active or not."""
    return session.exec(select(RewardRow).where(RewardRow.slug == slug)).first()


def export_rewards(*, session: Session, actor: Actor, fmt: str = "") -> list[Reward]:
    """Every reward, active or not, in a stable order (export then import round-trips)."""
    require(actor, "run_hr")
    rewards = [to_reward(row) for row in catalogue_rows(session=session)]
    record_event(
        session,
        actor=actor,
        action="rewards.export",
        target=fmt,
        details={"rewards": len(rewards)},
    )
    session.commit()
    return rewards
