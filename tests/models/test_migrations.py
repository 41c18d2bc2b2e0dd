"""Migrations build the schema from empty on both databases and match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from models import migrate
from models.engine import make_engine


def test_upgrade_from_empty_creates_every_table_and_matches_models(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


def test_upgrade_twice_is_harmless(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_upgrade_keeps_existing_people_and_defaults_consent_on(database_url):
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0003")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO person (external_id, name, access, sales_role, locale, active,"
                    " created_at, updated_at) VALUES ('E1', 'Kari', 'rep', '', '', true,"
                    " '2026-01-01', '2026-01-01')"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT external_id, personalise FROM person")).one()
        assert row[0] == "E1" and bool(row[1]) is True
    finally:
        engine.dispose()


def test_upgrade_freezes_the_groups_of_existing_submitted_responses(database_url):
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO team (name, created_at) VALUES ('North', '2026-01-01')"))
            team = conn.execute(text("SELECT id FROM team")).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO person (external_id, name, access, sales_role, locale, active,"
                    " personalise, team_id, created_at, updated_at) VALUES ('E1', 'Kari', 'rep',"
                    " 'closer', '', true, true, :team, '2026-01-01', '2026-01-01')"
                ),
                {"team": team},
            )
            conn.execute(
                text(
                    "INSERT INTO instrument (name, version, title, definition, fingerprint,"
                    " created_at) VALUES ('m', 1, '', '{}', 'x', '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO wave (name, instrument_id, opens_on, closes_on, status, audience,"
                    " created_at) SELECT 'W1', id, '2026-01-01', '2026-02-01', 'open', 'all',"
                    " '2026-01-01' FROM instrument"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO surveyresponse (wave_id, person_id, instrument_id, status,"
                    " source, started_at, updated_at, submitted_at, page_seconds, flags)"
                    " SELECT wave.id, person.id, wave.instrument_id, 'submitted', 'web',"
                    " '2026-01-02', '2026-01-02', '2026-01-02', '{}', '[]' FROM wave, person"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT team_id, sales_role, groups_frozen_at FROM surveyresponse")
            ).one()
        assert row[0] == team and row[1] == "closer" and row[2] is not None
    finally:
        engine.dispose()
