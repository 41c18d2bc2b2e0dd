"""The reward catalogue: seed it, import and export it (all-or-nothing), edit it, read it.

The editor and the import share one rule book, ``recommender.catalogue.parse_catalogue``:
a reward the editor saves is exactly a record the import would accept, and each change
leaves an audit row per reward with the fields' values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, func, select

from models.tables import AuditLog, Grant, Person, utcnow
from models.tables import Reward as RewardRow
from recommender.catalogue import (
    CatalogueError,
    CatalogueProblem,
    Reward,
    parse_catalogue,
    reward_to_dict,
)
from services.access import SYSTEM, Actor, require
from services.audit import record_event
from services.errors import CATALOGUE_RULE, InvalidInput, NotFound, Problem, RowProblem
from services.imports import nothing_imported
from services.tabular import cell_problems

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
    text = _text_problems(records, first_row=1)
    try:
        rewards = parse_catalogue(records)
    except CatalogueError as exc:
        raise nothing_imported([*text, *(_located(p) for p in exc.problems)], source) from exc
    if text:
        raise nothing_imported(text, source)
    summary = CatalogueImport()
    existing = {r.slug: r for r in session.exec(select(RewardRow))}
    for reward in rewards:
        values = _values(reward)
        row = existing.get(reward.id)
        if row is None:
            session.add(RewardRow(slug=reward.id, **values))
            summary.created.append(reward.id)
            _record_change(session, actor, "reward.import", reward.id, {}, values, source)
        elif _values(to_reward(row)) != values:
            before = _values(to_reward(row))
            if not _write_unless_changed(session, row, values):
                # All or nothing: what this import wrote so far went with the rollback.
                changed = Problem(
                    "",
                    "reward.changed_during_import",
                    f"Someone changed the reward '{reward.id}' while this file was being "
                    "imported: import the file again.",
                    {"reward": reward.id},
                )
                raise nothing_imported([changed], source)
            summary.updated.append(reward.id)
            _record_change(session, actor, "reward.import", reward.id, before, values, source)
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


def export_catalogue_csv(*, session: Session, actor: Actor):
    """The whole catalogue as a CSV download in the shape the import reads (audited)."""
    from recommender.catalogue import CSV_COLUMNS, reward_to_row
    from services.exports import MIMETYPES, Export, to_csv

    rewards = export_rewards(session=session, actor=actor, fmt="csv")
    content = to_csv(CSV_COLUMNS, [reward_to_row(r) for r in rewards])
    return Export(filename="rewards.csv", mimetype=MIMETYPES["csv"], content=content)


# --- the editor -----------------------------------------------------------------------

REWARD_ACTIONS = (
    "reward.create",
    "reward.update",
    "reward.retire",
    "reward.reactivate",
    "reward.import",
)
"""Audit actions that make up one reward's history."""


def _record_change(
    session: Session,
    actor: Actor,
    action: str,
    slug: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    source: str = "",
) -> None:
    """One audit row per changed reward, holding only the fields that changed."""
    changed = [key for key in _FIELDS if before.get(key) != after.get(key)]
    details: dict[str, object] = {
        "before": {key: before[key] for key in changed if key in before},
        "after": {key: after[key] for key in changed if key in after},
    }
    if source:
        details["source"] = source
    record_event(session, actor=actor, action=action, target=slug, details=details)


def reward_record(row: RewardRow) -> dict[str, object]:
    """A stored reward in the TOML/JSON shape the editor and the import both accept."""
    return reward_to_dict(to_reward(row))


def _text_cells(record: Mapping) -> dict[str, object]:
    """A record's text as the cells a CSV file would hold it (``name.en``, ...)."""
    cells: dict[str, object] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            cells.update({f"{key}.{lang}": text for lang, text in value.items()})
        else:
            cells[str(key)] = value
    return cells


def _text_problems(records: Sequence[Mapping], first_row: int) -> list[str]:
    """Control characters and over-long text, as every CSV import refuses them: the same
    rule for a file of any format and for the editor's form."""
    cells = [_text_cells(r) if isinstance(r, Mapping) else {} for r in records]
    header = sorted({c for row in cells for c in row})
    return cell_problems(header, cells, first_row=first_row) if header else []


def _parse_one(record: Mapping) -> Reward:
    """Validate one record with the import's rules; problems read ``"field: message"``."""
    text = [
        Problem(p.column, p.code, p.message, p.params)
        for p in _text_problems([record], first_row=1)
        if isinstance(p, RowProblem)
    ]
    try:
        [reward] = parse_catalogue([record], first_row=1)
    except CatalogueError as exc:
        # The import says "row 1, column X: ..."; a form has no rows, only fields.
        problems = [
            Problem(p.column, CATALOGUE_RULE, p.message) if isinstance(p, CatalogueProblem) else p
            for p in exc.problems
        ]
        raise InvalidInput(
            "The reward was not saved.", [*text, *problems], code="reward.not_saved"
        ) from exc
    if text:
        raise InvalidInput("The reward was not saved.", text, code="reward.not_saved")
    return reward


def _located(problem: str) -> str:
    """A catalogue rule's problem as a row problem of the import (worded by the rule's text)."""
    if not isinstance(problem, CatalogueProblem):
        return problem
    return RowProblem(problem.row, problem.column, CATALOGUE_RULE, problem.message)


def _stored(session: Session, slug: str) -> RewardRow:
    row = find_reward(session=session, slug=slug)
    if row is None:
        raise NotFound(f"No reward {slug!r}.", code="reward.not_found")
    return row


def create_reward(*, session: Session, actor: Actor, record: Mapping) -> RewardRow:
    """Add one reward to the catalogue; its id must be new."""
    require(actor, "run_hr")
    reward = _parse_one(record)
    if find_reward(session=session, slug=reward.id) is not None:
        raise InvalidInput(
            "The reward was not saved.",
            [
                Problem(
                    "id",
                    "reward.id_taken",
                    f"another reward already has the id '{reward.id}'",
                    {"value": reward.id},
                )
            ],
            code="reward.not_saved",
        )
    values = _values(reward)
    row = RewardRow(slug=reward.id, **values)
    session.add(row)
    _record_change(session, actor, "reward.create", reward.id, {}, values)
    session.commit()
    return row


def reward_version(row: RewardRow) -> str:
    """A token for the stored state of a reward; a form sends it back with its changes."""
    return row.updated_at.isoformat()


def update_reward(
    *, session: Session, actor: Actor, slug: str, record: Mapping, version: str | None = None
) -> RewardRow:
    """Change one reward's texts and facts; its id and whether it is retired stay as they are.

    With ``version`` (from :func:`reward_version` when the form was opened), a reward someone
    changed in the meantime is refused rather than overwritten.
    """
    require(actor, "run_hr")
    row = _stored(session, slug)
    # An empty version is a form that lost it: refused like a stale one, never a way past.
    if version is not None and version != reward_version(row):
        raise _changed_meanwhile()
    reward = _parse_one({**record, "id": slug, "active": row.active})
    before, after = _values(to_reward(row)), _values(reward)
    if before != after:
        if not _write_unless_changed(session, row, after):
            raise _changed_meanwhile()
        _record_change(session, actor, "reward.update", slug, before, after)
        session.commit()
    return row


def _changed_meanwhile() -> InvalidInput:
    return InvalidInput(
        "The reward was not saved.",
        [
            Problem(
                "",
                "reward.changed_meanwhile",
                "Someone changed this reward since you opened it. Your changes are still "
                "in the form: compare them with its history below, then save again.",
            )
        ],
        code="reward.not_saved",
    )


def _write_unless_changed(session: Session, row: RewardRow, values: Mapping) -> bool:
    """Store ``values`` (and a new ``updated_at``) only if the reward is still as ``row`` was
    read; False, with nothing written, when someone saved it in between.

    One conditional UPDATE: comparing versions first and writing afterwards let two HR people
    who saved the same reward at the same moment both pass the comparison, and the second
    overwrote the first without a word.
    """
    changed = {**values, "updated_at": utcnow()}
    table = RewardRow.__table__
    result = session.execute(
        table.update()
        .where(table.c.id == row.id, table.c.updated_at == row.updated_at)
        .values(**changed)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    for key, value in changed.items():
        set_committed_value(row, key, value)
    return True


def set_reward_active(*, session: Session, actor: Actor, slug: str, active: bool) -> RewardRow:
    """Retire a reward (never suggested or given again; its grants and ratings stay) or bring it back."""
    require(actor, "run_hr")
    row = _stored(session, slug)
    if row.active != active:
        if not _write_unless_changed(session, row, {"active": active}):
            raise _changed_meanwhile()
        action = "reward.reactivate" if active else "reward.retire"
        _record_change(session, actor, action, slug, {"active": not active}, {"active": active})
        session.commit()
    return row


@dataclass(frozen=True)
class RetirementEffects:
    """What retiring a reward changes, for the confirmation step."""

    reward: RewardRow
    grants: int
    people: int


def retirement_effects(*, session: Session, viewer: Actor, slug: str) -> RetirementEffects:
    """How many grants (and people) keep this reward in their history when it is retired."""
    require(viewer, "run_hr")
    row = _stored(session, slug)
    grants, people = session.exec(
        select(func.count(Grant.id), func.count(func.distinct(Grant.person_id))).where(
            Grant.reward_id == row.id
        )
    ).one()
    return RetirementEffects(reward=row, grants=grants, people=people)


@dataclass(frozen=True)
class RewardChange:
    """One entry of a reward's history: who changed which fields, from what to what."""

    at: datetime
    action: str
    actor_id: int | None
    who: str
    before: dict
    after: dict
    source: str


def reward_history(*, session: Session, viewer: Actor, slug: str) -> list[RewardChange]:
    """Every change to one reward, newest first: who, when, and each field before and after."""
    require(viewer, "run_hr")
    stmt = (
        select(AuditLog, Person.name)
        .join(Person, Person.id == AuditLog.actor_id, isouter=True)
        .where(AuditLog.target == slug, AuditLog.action.in_(REWARD_ACTIONS))
        .order_by(AuditLog.id.desc())
    )
    return [
        RewardChange(
            at=event.at,
            action=event.action,
            actor_id=event.actor_id,
            who=name or str(event.details.get("actor", "")),
            before=dict(event.details.get("before", {})),
            after=dict(event.details.get("after", {})),
            source=str(event.details.get("source", "")),
        )
        for event, name in session.exec(stmt)
    ]
