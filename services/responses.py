"""Reading and writing answers: the one conversion between Answer rows and answer dicts.

An answer dict maps item code to value, as ``recommender`` expects: likert and attention
items an ``int``, a ranking a list of option codes (most preferred first), a best-worst task
the pair ``[best, worst]`` of its option codes, text a ``str``. In the database a ranking is
stored as its codes joined by ``>`` and a best-worst task likewise, as ``best>worst`` (most
wanted first, as in a ranking: ``time>exclusive`` means "time off most, exclusive access
least"), in the ``text`` column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import bindparam, delete, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models.tables import RESPONSE_IMPORTED, Answer, SurveyResponse
from recommender.instrument import Instrument, Item

RANKING_SEPARATOR = ">"
LISTED_TYPES = ("ranking", "best_worst")
"""Item types whose answer is a list of option codes, stored joined by ``>``."""
FETCH_BATCH = 100
"""Answer rows fetched from the database at a time when reading many responses."""


def answer_columns(item: Item, value: object) -> dict[str, object] | None:
    """The stored ``value`` and ``text`` of one item's answer, or None when it is empty."""
    if value is None or value == "" or value == [] or value == ():
        return None
    if item.type in LISTED_TYPES:
        codes = value if isinstance(value, list | tuple) else str(value).split(RANKING_SEPARATOR)
        return {"value": None, "text": RANKING_SEPARATOR.join(str(c).strip() for c in codes)}
    if item.type == "text":
        return {"value": None, "text": str(value).strip()}
    return {"value": float(value), "text": None}


def to_answer_row(response_id: int, item: Item, value: object) -> Answer | None:
    """The Answer row for one item's value, or None when the value is empty."""
    columns = answer_columns(item, value)
    if columns is None:
        return None
    return Answer(response_id=response_id, item_code=item.code, **columns)


def from_answer_row(item: Item, row) -> object:
    """The answer-dict value of a stored row (anything with ``.value`` and ``.text``)."""
    return answer_value(item, row.value, row.text)


def answer_value(item: Item, value: float | None, text: str | None) -> object:
    """The answer-dict value of a stored answer's ``value`` and ``text`` columns."""
    if item.type in LISTED_TYPES:
        return [c for c in (text or "").split(RANKING_SEPARATOR) if c]
    if item.type == "text":
        return text or ""
    return int(value) if value is not None else None


def _is_numeric(item: Item) -> bool:
    """Whether ``answer_value`` reads the item's number (likert, attention), not its text."""
    return item.type not in LISTED_TYPES and item.type != "text"


def answers_by_response(
    session: Session,
    instrument: Instrument,
    response_ids: Sequence[int],
    *,
    codes: Iterable[str] | None = None,
) -> dict[int, dict[str, object]]:
    """Answer dicts for many responses in one query per chunk (not one per response);
    only the answers to ``codes`` when given (scoring reads no text, for instance)."""
    items = {item.code: item for item in instrument.items}
    wanted = sorted(set(codes)) if codes is not None else None
    if wanted is not None:
        items = {code: items[code] for code in wanted if code in items}
    # Most answers are numbers: converted inline below, as ``answer_value`` would, since
    # a call per answer costs more than the conversion over thousands of them.
    numeric = {code for code, item in items.items() if _is_numeric(item)}
    out: dict[int, dict[str, object]] = defaultdict(dict)
    ids = list(response_ids)
    # Plain rows through the connection, not the ORM: at a million answers (training on
    # 20,000 responses) the ORM's per-row work, not the database, took most of the time.
    connection = session.connection()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        stmt = select(Answer.response_id, Answer.item_code, Answer.value, Answer.text).where(
            Answer.response_id.in_(chunk)
        )
        if wanted is not None:
            stmt = stmt.where(Answer.item_code.in_(wanted))
        # Rows in batches: iterating the result fetches them one at a time, which for
        # thousands of answers costs more than the query, and fetching them all at once
        # keeps thousands of rows alive for the garbage collector to promote and re-scan.
        for batch in connection.execute(stmt).partitions(FETCH_BATCH):
            for response_id, code, value, text in batch:
                if code in numeric:
                    out[response_id][code] = int(value) if value is not None else None
                elif code in items:
                    out[response_id][code] = answer_value(items[code], value, text)
    return {rid: out.get(rid, {}) for rid in ids}


def replace_answers(
    session: Session,
    response_id: int,
    instrument: Instrument,
    answers: Mapping[str, object],
    *,
    codes: Iterable[str] | None = None,
) -> None:
    """Set the answers of ``codes`` (default: all in ``answers``) on one response.

    One upsert statement for the given values and one delete for the emptied ones, so two
    saves of the same page at once (a double click) both succeed and leave one row per
    item. Rows are written in item-code order, so concurrent saves lock them in one order.
    """
    codes = sorted(set(answers if codes is None else codes))
    rows, emptied = [], []
    for code in codes:
        columns = answer_columns(instrument.item(code), answers.get(code))
        if columns is None:
            emptied.append(code)
        else:
            rows.append({"response_id": response_id, "item_code": code, **columns})
    table = Answer.__table__
    if rows and session.get_bind().dialect.name == "postgresql":
        # Three arrays in one short statement whose text never changes: the server plans it
        # once per connection (a prepared statement), and the driver does not re-parse a
        # long multi-row VALUES list on every save.
        session.execute(
            _PG_UPSERT,
            {
                "response_id": response_id,
                "codes": [row["item_code"] for row in rows],
                "numbers": [row["value"] for row in rows],
                "texts": [row["text"] for row in rows],
            },
        )
    elif rows:
        insert = dialect_insert(session)(table)
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.response_id, table.c.item_code],
            set_={"value": insert.excluded.value, "text": insert.excluded.text},
        ).returning(table.c.id)
        # With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT (its
        # "insertmanyvalues"), and the statement's compiled form is cached between calls.
        session.execute(upsert, rows).all()
    if emptied:
        session.execute(
            delete(table).where(table.c.response_id == response_id, table.c.item_code.in_(emptied))
        )


_PG_UPSERT = sql_text(
    f"INSERT INTO {Answer.__tablename__} (response_id, item_code, value, text) "
    "SELECT :response_id, u.item_code, u.value, u.text "
    "FROM unnest(CAST(:codes AS text[]), CAST(:numbers AS double precision[]), "
    "CAST(:texts AS text[])) AS u(item_code, value, text) "
    "ORDER BY u.item_code "
    "ON CONFLICT (response_id, item_code) "
    "DO UPDATE SET value = excluded.value, text = excluded.text"
)


def store_page(
    session: Session,
    response_id: int,
    instrument: Instrument,
    answers: Mapping[str, object],
    *,
    codes: Iterable[str],
    updated_at,
    page_seconds: Mapping[str, float],
) -> bool:
    """Store one page's answers on a response still in progress; False if it is not.

    The status test makes the write and a submission exclusive: a submission that got in
    first turns this save away instead of changing a submitted response. On PostgreSQL the
    test, the response's new times and the answers are one statement (one round trip, and
    the response row is locked before its answers, so two saves of one response queue on
    it); elsewhere they are :func:`replace_answers` and one update.
    """
    table = SurveyResponse.__table__
    if session.get_bind().dialect.name != "postgresql":
        replace_answers(session, response_id, instrument, answers, codes=codes)
        changed = session.execute(
            update(table)
            .where(table.c.id == response_id, table.c.status == "in_progress")
            .values(updated_at=updated_at, page_seconds=page_seconds)
        ).rowcount
        return changed == 1
    rows, emptied = [], []
    for code in sorted(set(codes)):
        columns = answer_columns(instrument.item(code), answers.get(code))
        if columns is None:
            emptied.append(code)
        else:
            rows.append((code, columns["value"], columns["text"]))
    changed = session.execute(
        _PG_STORE_PAGE,
        {
            "response_id": response_id,
            "updated_at": updated_at,
            "page_seconds": dict(page_seconds),
            "codes": [row[0] for row in rows],
            "numbers": [row[1] for row in rows],
            "texts": [row[2] for row in rows],
        },
    ).scalar_one()
    if changed != 1:
        return False
    if emptied:
        # Its own statement, so it sees answers another save committed meanwhile (a
        # statement's data-modifying parts share one snapshot).
        session.execute(
            delete(Answer.__table__).where(
                Answer.__table__.c.response_id == response_id,
                Answer.__table__.c.item_code.in_(emptied),
            )
        )
    return True


_PG_STORE_PAGE = sql_text(
    f"WITH saved AS ("
    f"UPDATE {SurveyResponse.__tablename__} "
    "SET updated_at = :updated_at, page_seconds = :page_seconds "
    "WHERE id = :response_id AND status = 'in_progress' RETURNING id"
    "), stored AS ("
    f"INSERT INTO {Answer.__tablename__} (response_id, item_code, value, text) "
    "SELECT saved.id, u.item_code, u.value, u.text "
    "FROM saved, unnest(CAST(:codes AS text[]), CAST(:numbers AS double precision[]), "
    "CAST(:texts AS text[])) AS u(item_code, value, text) "
    "ORDER BY u.item_code "
    "ON CONFLICT (response_id, item_code) "
    "DO UPDATE SET value = excluded.value, text = excluded.text"
    ") SELECT count(*) FROM saved"
).bindparams(
    bindparam("updated_at", type_=SurveyResponse.__table__.c.updated_at.type),
    bindparam("page_seconds", type_=SurveyResponse.__table__.c.page_seconds.type),
)


def dialect_insert(session: Session):
    """INSERT with ON CONFLICT for the session's database (both dialects spell it alike)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"no upsert for {name}")


def submitted_responses(
    session: Session, *, instrument_id: int | None = None, wave_id: int | None = None
) -> list[SurveyResponse]:
    stmt = select(SurveyResponse).where(SurveyResponse.status == "submitted")
    if instrument_id is not None:
        stmt = stmt.where(SurveyResponse.instrument_id == instrument_id)
    if wave_id is not None:
        stmt = stmt.where(SurveyResponse.wave_id == wave_id)
    return list(session.exec(stmt.order_by(SurveyResponse.id)))


def unknown_to_hr(responses: Sequence[SurveyResponse]) -> list[SurveyResponse]:
    """The responses whose answers HR does not hold, when there are any; else all of them.

    Answers HR imported are known to it. Item-level statistics over a few survey answers
    mixed with many imported ones can be solved for the few (the reliability report's
    item-total correlations on one survey response beside two made-up rows gave back
    every answer). A set that is all imported tells HR nothing it does not already have.
    """
    own = [r for r in responses if r.source != RESPONSE_IMPORTED]
    return own or list(responses)
