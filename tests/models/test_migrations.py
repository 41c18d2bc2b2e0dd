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


def test_upgrade_folds_typed_sales_roles_into_keys_with_labels(database_url):
    """0013: "Closer" and "closer " become one role, on people, responses and rewards."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0009")
        with engine.begin() as conn:
            for n, role in enumerate(["Closer", "closer ", "Closer", "Account Manager", ""]):
                conn.execute(
                    text(
                        "INSERT INTO person (external_id, name, access, sales_role, locale,"
                        " active, personalise, created_at, updated_at) VALUES (:eid, 'P', 'rep',"
                        " :role, '', true, true, '2026-01-01', '2026-01-01')"
                    ),
                    {"eid": f"E{n}", "role": role},
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
                    " source, started_at, updated_at, submitted_at, page_seconds, flags,"
                    " sales_role) SELECT wave.id, person.id, wave.instrument_id, 'submitted',"
                    " 'web', '2026-01-02', '2026-01-02', '2026-01-02', '{}', '[]',"
                    " person.sales_role FROM wave, person"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reward (slug, name, description, category, visibility, scope,"
                    " roles, cost_band, cost, horizon, cooldown_days, active, created_at,"
                    " updated_at) VALUES ('r', '{}', '{}', 'time', 'private', 'individual',"
                    ' \'["Account Manager", "closer ", "closer"]\', 1, 10, \'short\', 0, true,'
                    " '2026-01-01', '2026-01-01')"
                )
            )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            people = conn.execute(text("SELECT sales_role FROM person ORDER BY external_id"))
            responses = conn.execute(
                text(
                    "SELECT sales_role, COUNT(*) FROM surveyresponse"
                    " GROUP BY sales_role ORDER BY sales_role"
                )
            ).all()
            labels = dict(conn.execute(text("SELECT key, label FROM salesrole")).all())
            roles = conn.execute(text("SELECT roles FROM reward")).scalar_one()
        assert [r[0] for r in people] == ["closer", "closer", "closer", "account_manager", ""]
        assert [tuple(r) for r in responses] == [("", 1), ("account_manager", 1), ("closer", 3)]
        assert labels == {"closer": "Closer", "account_manager": "Account Manager"}
        if isinstance(roles, str):
            import json

            roles = json.loads(roles)
        assert roles == ["account_manager", "closer"]
    finally:
        engine.dispose()


def test_grants_that_ratings_and_achievements_point_at_keep_them_through_0015(database_url):
    """0015 rebuilds the grant table; on SQLite, with foreign keys enforced, dropping the old
    one was refused as soon as a rating or an achievement named a grant, so no organisation
    with feedback could upgrade. The grants also get the cost and team they were charged."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    day = "'2026-11-02'"
    stamp = "'2026-11-02 09:00:00+00'"
    try:
        migrate.upgrade(engine, "0014")
        with engine.begin() as conn:
            for sql in (
                f"INSERT INTO team (id, name, created_at) VALUES (1, 'North', {stamp})",
                "INSERT INTO person (id, external_id, name, access, sales_role, locale, active,"
                " personalise, team_id, session_version, created_at, updated_at) VALUES"
                f" (1, 'M1', 'Boss', 'manager', '', '', true, true, 1, 0, {stamp}, {stamp}),"
                f" (2, 'R1', 'Rep', 'rep', '', '', true, true, NULL, 0, {stamp}, {stamp})",
                "INSERT INTO reward (id, slug, name, description, category, visibility, scope,"
                " roles, cost_band, cost, horizon, cooldown_days, active, created_at, updated_at)"
                " VALUES (1, 'lunch', '{}', '{}', 'recognition', 'private', 'individual',"
                f" '[\"all\"]', 1, 300, 'short', 0, true, {stamp}, {stamp})",
                "INSERT INTO reward_grant (id, reward_id, person_id, given_by_id, occasion, note,"
                f" given_on, status, source, created_at) VALUES (1, 1, 2, 1, 'other', '', {day},"
                f" 'given', 'web', {stamp})",
                "INSERT INTO rating (person_id, reward_id, grant_id, rating, dismissed, comment,"
                f" source, created_at, updated_at) VALUES (2, 1, 1, 5, false, '', 'web', {stamp},"
                f" {stamp}), (2, 1, NULL, NULL, true, '', 'web', {stamp}, {stamp}),"
                f" (2, 1, NULL, NULL, true, '', 'web', {stamp}, {stamp})",
                "INSERT INTO achievement (person_id, recorded_by_id, title, achieved_on, grant_id,"
                f" created_at) VALUES (2, 1, 'Deal', {day}, 1, {stamp})",
            ):
                conn.execute(text(sql))
        migrate.upgrade(engine)
        with engine.connect() as conn:
            grant = conn.execute(text("SELECT cost, team_id FROM reward_grant")).one()
            ratings = conn.execute(text("SELECT grant_id FROM rating ORDER BY id")).all()
            achievement = conn.execute(text("SELECT grant_id FROM achievement")).one()
            stamped = conn.execute(text("SELECT category, value_version FROM rating")).all()
        # 0017: ratings given before it count in their reward's category of the day.
        assert {tuple(row) for row in stamped} == {("recognition", 0)}
        # The rep is in no team: the giver's team paid, as it did before.
        assert (grant.cost, grant.team_id) == (300, 1)
        assert [r.grant_id for r in ratings] == [1, None]  # one "not for me" is kept
        assert achievement.grant_id == 1
    finally:
        engine.dispose()
