"""The suite's own databases: a lent schema or a template copy is as empty as a new one."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select

from models.engine import make_engine
from models.tables import Team, utcnow
from tests.conftest import PG_URL, _pg_schema_url
from tests.databases import PostgresSchemas, SqliteTemplate


def _add_team(engine, name: str) -> int:
    with Session(engine) as session:
        team = Team(name=name, created_at=utcnow())
        session.add(team)
        session.commit()
        return team.id


def _teams(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Team.name)))


def _with_tables(schemas: PostgresSchemas):
    schema = schemas.fresh()
    engine = make_engine(_pg_schema_url(PG_URL, schema))
    schemas.give_tables(schema, engine)
    return schema, engine


def _schema_exists(schemas: PostgresSchemas, schema: str) -> bool:
    with schemas.admin.connect() as conn:
        found = conn.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
        )
        return found.scalar_one() == 1


@pytest.fixture
def schemas():
    """A pool of its own, apart from the one the suite's other tests use."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    schemas = PostgresSchemas(PG_URL)
    yield schemas
    schemas.close()


@pytest.mark.postgres
def test_a_lent_schema_has_every_table_empty_and_ids_from_one(schemas):
    first, engine = _with_tables(schemas)
    assert _add_team(engine, "Oslo") == 1 and _add_team(engine, "Bergen") == 2
    engine.dispose()
    schemas.release(first)
    assert not _schema_exists(schemas, first)  # renamed, to be lent again

    second, engine = _with_tables(schemas)
    assert schemas._spare == []  # the first one was lent, not built anew
    assert set(inspect(engine).get_table_names()) == set(SQLModel.metadata.tables)
    assert _teams(engine) == []
    assert _add_team(engine, "Trondheim") == 1
    engine.dispose()
    schemas.release(second)


@pytest.mark.postgres
def test_a_schema_whose_structure_a_test_changed_is_dropped_not_lent(schemas):
    first, engine = _with_tables(schemas)
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX team_name_twice ON team (name)"))
    engine.dispose()
    schemas.release(first)
    assert not _schema_exists(schemas, first)
    assert schemas._spare == []

    # An untouched one is kept for the next test.
    second, engine = _with_tables(schemas)
    engine.dispose()
    schemas.release(second)
    assert len(schemas._spare) == 1
    schemas.close()
    # Closing drops the spare: nothing is left behind in the database.
    admin = make_engine(PG_URL)
    with admin.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_namespace WHERE nspname = ANY(:names)"),
            {"names": [first, second]},
        ).scalar_one()
    admin.dispose()
    assert left == 0


def test_a_sqlite_database_from_the_template_has_every_table_empty(tmp_path):
    template = SqliteTemplate(tmp_path)
    for name in ("a.db", "b.db"):
        template.copy_to(tmp_path / name)
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        assert set(inspect(engine).get_table_names()) == set(SQLModel.metadata.tables)
        assert _teams(engine) == []
        assert _add_team(engine, "Oslo") == 1  # what one copy holds, the next does not
        engine.dispose()
