"""Small query helpers shared by the services."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import false, func, select, update

T = TypeVar("T")

# SQLite's smallest build allows 999 bound parameters in one statement; an ``IN`` list of
# at most this many values stays below it with room for the statement's other parameters.
IN_CHUNK = 900


# Every id column is a 32-bit INTEGER on PostgreSQL (SQLite refuses more than 64 bits): a
# larger number names no row, and asking the database for it fails instead of finding none.
MAX_ID = 2**31 - 1


def as_id(value: object) -> int | None:
    """``value`` as a row id if it can be one (an int, or ASCII digits), else None.

    "²" passes ``str.isdigit`` and "99999999999999999999" overflows the column: both name
    no row, so a lookup by them finds nothing rather than failing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def get_by_id(session, model, value: object):
    """The ``model`` row whose id is ``value``, or None (also for ids no row can have)."""
    number = as_id(value)
    return session.get(model, number) if number is not None else None


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """``values`` in consecutive lists of at most ``size`` (none for an empty sequence)."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def take_turn(session, name: str, model) -> None:
    """Wait until no other transaction holds the turn called ``name``, then hold it until
    this one ends: for writes that read what is stored and then insert (two imports of the
    same rows at once would otherwise both read "not there" and both insert).

    PostgreSQL: a transaction-level advisory lock. SQLite: a write that changes no row of
    ``model`` takes the database's write lock now, before anything is read (as
    ``lock_rows`` does), so the next writer waits for this one to commit.
    """
    if session.get_bind().dialect.name == "sqlite":
        key = model.__table__.primary_key.columns[0]
        session.execute(update(model).where(false()).values({key.name: key}))
        return
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))


def lock_rows(session, model, *where, key_share: bool = False) -> list:
    """The rows of ``model`` that ``where`` selects, locked until the transaction ends.

    PostgreSQL locks them (``FOR UPDATE``). SQLite has no row locks: a no-op update of the
    same rows takes the database's write lock now, before anything is read, so no other
    writer can commit in between (``SELECT ... FOR UPDATE`` alone would lock nothing).

    ``key_share`` takes PostgreSQL's weaker ``FOR NO KEY UPDATE``: it still makes two
    lockers of the row wait for each other, but lets rows that merely refer to it (a grant
    the person gives, a notification for them) be inserted meanwhile, so locking a person
    neither blocks their other work nor deadlocks with a give they make.
    """
    if session.get_bind().dialect.name == "sqlite":
        key = model.__table__.primary_key.columns[0]
        session.execute(update(model).where(*where).values({key.name: key}))
        return list(session.execute(select(model).where(*where)).scalars())
    stmt = select(model).where(*where).with_for_update(key_share=key_share)
    return list(session.execute(stmt).scalars())


def lock_person(session, person) -> None:
    """Hold ``person``'s row until the transaction ends: what one person is given, rates,
    dismisses or achieves is then written one request at a time, so a double click finds
    the first request's row instead of writing a second (``lock_rows`` with ``key_share``)."""
    from models.tables import Person

    lock_rows(session, Person, Person.id == person.id, key_share=True)
