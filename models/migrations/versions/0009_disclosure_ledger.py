"""disclosure ledger: frozen group membership on responses, released groups and releases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 00:50:00

Existing submitted responses get the team, sales role and manager their person has now:
the best that can be known, and from here on they never move with the roster.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("surveyresponse") as batch:
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "sales_role",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("groups_frozen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch.create_foreign_key("fk_surveyresponse_team_id", "team", ["team_id"], ["id"])
        batch.create_foreign_key("fk_surveyresponse_manager_id", "person", ["manager_id"], ["id"])
    op.execute(
        "UPDATE surveyresponse SET"
        " team_id = (SELECT person.team_id FROM person WHERE person.id = surveyresponse.person_id),"
        " sales_role = COALESCE((SELECT person.sales_role FROM person"
        " WHERE person.id = surveyresponse.person_id), ''),"
        " manager_id = (SELECT person.manager_id FROM person"
        " WHERE person.id = surveyresponse.person_id),"
        " groups_frozen_at = COALESCE(submitted_at, updated_at)"
        " WHERE status = 'submitted'"
    )
    with op.batch_alter_table("surveyresponse") as batch:
        batch.alter_column(
            "sales_role",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            server_default=None,
        )
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_release_wave_id"), "release", ["wave_id"], unique=False)
    op.create_table(
        "releasedgroup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("members", sa.LargeBinary(), nullable=False),
        sa.Column("first_release_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["first_release_id"], ["release.id"]),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wave_id", "digest", name="uq_releasedgroup_digest"),
    )
    op.create_index(op.f("ix_releasedgroup_wave_id"), "releasedgroup", ["wave_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_releasedgroup_wave_id"), table_name="releasedgroup")
    op.drop_table("releasedgroup")
    op.drop_index(op.f("ix_release_wave_id"), table_name="release")
    op.drop_table("release")
    with op.batch_alter_table("surveyresponse") as batch:
        batch.drop_constraint("fk_surveyresponse_manager_id", type_="foreignkey")
        batch.drop_constraint("fk_surveyresponse_team_id", type_="foreignkey")
        batch.drop_column("groups_frozen_at")
        batch.drop_column("manager_id")
        batch.drop_column("sales_role")
        batch.drop_column("team_id")
