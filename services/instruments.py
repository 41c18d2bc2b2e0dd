"""Instruments: stored versions, import (a changed definition becomes the next version), export."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Instrument as InstrumentRow
from recommender.instrument import (
    Instrument,
    InstrumentError,
    instrument_to_dict,
    parse_instrument,
)
from services.access import SYSTEM, Actor, require
from services.audit import record_event
from services.errors import NotFound
from services.imports import PERSON_COLUMN, nothing_imported

DEFAULT_INSTRUMENT = "motivation"


@dataclasses.dataclass(frozen=True)
class ImportedInstrument:
    row: InstrumentRow
    instrument: Instrument
    created: bool


# Parsed definitions per process; a stored version never changes, so this never goes stale.
_PARSED: dict[tuple[int, int, str], Instrument] = {}


def definition(row: InstrumentRow) -> Instrument:
    """The parsed instrument of a stored version (parsed once per process)."""
    key = (row.id, row.version, row.fingerprint)
    if key not in _PARSED:
        _PARSED[key] = parse_instrument(row.definition)
    return _PARSED[key]


def definition_of(
    session: Session, instrument_id: int, version: int, fingerprint: str
) -> Instrument:
    """The parsed instrument of a stored version, reading its definition only on a miss.

    For callers that already know the version's key from a join (the survey pages), so a
    request costs no instrument read at all once the process has parsed it.
    """
    parsed = _PARSED.get((instrument_id, version, fingerprint))
    if parsed is not None:
        return parsed
    row = session.get(InstrumentRow, instrument_id)
    if row is None:
        raise NotFound(
            f"No instrument with id {instrument_id}.",
            code="instrument.not_found",
            params={"instrument": str(instrument_id)},
        )
    return definition(row)


def latest_row(session: Session, name: str) -> InstrumentRow | None:
    stmt = (
        select(InstrumentRow)
        .where(InstrumentRow.name == name)
        .order_by(InstrumentRow.version.desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def latest_definition(session: Session, name: str) -> Instrument | None:
    """The parsed newest version of ``name``, reading its definition only on a miss."""
    key = session.exec(
        select(InstrumentRow.id, InstrumentRow.version, InstrumentRow.fingerprint)
        .where(InstrumentRow.name == name)
        .order_by(InstrumentRow.version.desc())
        .limit(1)
    ).first()
    return definition_of(session, *key) if key is not None else None


def definitions_of(session: Session, instrument_ids: Iterable[int]) -> dict[int, Instrument]:
    """Parsed versions by id: one query for their keys, definitions read only on a miss."""
    ids = sorted(set(instrument_ids))
    if not ids:
        return {}
    keys = session.exec(
        select(InstrumentRow.id, InstrumentRow.version, InstrumentRow.fingerprint).where(
            InstrumentRow.id.in_(ids)
        )
    ).all()
    return {key[0]: definition_of(session, *key) for key in keys}


def get_instrument_row(
    *, session: Session, name: str | None = None, version: int | None = None
) -> InstrumentRow:
    """A stored version: the newest of ``name`` (default instrument) unless ``version`` is given."""
    name = name or DEFAULT_INSTRUMENT
    if version is None:
        row = latest_row(session, name)
    else:
        row = session.exec(
            select(InstrumentRow).where(
                InstrumentRow.name == name, InstrumentRow.version == version
            )
        ).first()
    if row is None:
        which = f"{name} version {version}" if version is not None else name
        raise NotFound(
            f"No instrument {which!r}. Import it with `motivo instrument import FILE`.",
            code="instrument.not_found",
            params={"instrument": which},
        )
    return row


def import_instrument(
    *, session: Session, data: Mapping, actor: Actor, source: str = ""
) -> ImportedInstrument:
    """Store an instrument; an unchanged definition is not stored twice.

    A stored version is never altered: a changed definition under an existing name becomes
    the next version, whatever version number the file states.
    """
    require(actor, "run_hr")
    try:
        parsed = parse_instrument(data)
    except InstrumentError as exc:
        raise nothing_imported(exc.problems, source, default="the instrument") from exc
    # An item code is a column of an answers file, whose headers are read case-insensitively
    # beside its person column: an item called that could never be imported. Checked here,
    # for new versions only; a stored version is read as it was stored.
    reserved = [
        f"items[{index}] (code '{item.code}'), field 'code': '{item.code}' names the person "
        "column of an answers file; choose another code"
        for index, item in enumerate(parsed.items)
        if item.code.lower() == PERSON_COLUMN
    ]
    if reserved:
        raise nothing_imported(reserved, source, default="the instrument")
    latest = latest_row(session, parsed.name)
    if latest is not None and latest.fingerprint == parsed.fingerprint():
        return ImportedInstrument(latest, definition(latest), created=False)
    version = 1 if latest is None else latest.version + 1
    stored = dataclasses.replace(parsed, version=version)
    row = InstrumentRow(
        name=stored.name,
        version=version,
        title=stored.title.get("en", stored.name),
        definition=instrument_to_dict(stored),
        fingerprint=stored.fingerprint(),
        created_by_id=actor.id if actor else None,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="instrument.import",
        target=f"{stored.name} v{version}",
        details={"source": source, "items": len(stored.items)},
    )
    session.commit()
    return ImportedInstrument(row, stored, created=True)


def ensure_default_instrument(*, session: Session) -> ImportedInstrument:
    """Load version 1 of the default instrument from ``seed/`` when it is not stored yet."""
    from seed.loaders import load_default_instrument

    return _ensure_seed(session, load_default_instrument())


def ensure_current_instrument(*, session: Session) -> ImportedInstrument:
    """Store every seed version of the default instrument that is not stored yet, oldest
    first, and return the current one (what new waves use)."""
    from seed.loaders import CURRENT_INSTRUMENT_VERSION, load_seed_instrument

    imported = None
    for version in range(1, CURRENT_INSTRUMENT_VERSION + 1):
        imported = _ensure_seed(session, load_seed_instrument(version))
    return imported


def _ensure_seed(session: Session, seed: Instrument) -> ImportedInstrument:
    # A definition stored under any version is there already: importing an older seed
    # version after a newer one must not store it again as the next version.
    stored = session.exec(
        select(InstrumentRow).where(
            InstrumentRow.name == seed.name, InstrumentRow.fingerprint == seed.fingerprint()
        )
    ).first()
    if stored is not None:
        return ImportedInstrument(stored, definition(stored), created=False)
    return import_instrument(
        session=session, actor=SYSTEM, data=instrument_to_dict(seed), source="seed/instruments"
    )


def export_instrument(
    *, session: Session, name: str | None = None, version: int | None = None
) -> dict:
    """The stored definition in the import format (export then import round-trips)."""
    row = get_instrument_row(session=session, name=name, version=version)
    return instrument_to_dict(definition(row))


def list_instruments(*, session: Session) -> list[dict]:
    from models.tables import SurveyResponse

    counts = dict(
        session.exec(
            select(SurveyResponse.instrument_id, func.count()).group_by(
                SurveyResponse.instrument_id
            )
        ).all()
    )
    rows = session.exec(
        select(InstrumentRow).order_by(InstrumentRow.name, InstrumentRow.version)
    ).all()
    return [
        {
            "name": r.name,
            "version": r.version,
            "title": r.title,
            "items": len(r.definition.get("items", [])),
            "responses": counts.get(r.id, 0),
            "created_at": r.created_at,
        }
        for r in rows
    ]
