"""survey: instruments, waves, responses, answers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:05:07.128899
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version", name="uq_instrument_name_version"),
    )
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instrument_name"), ["name"], unique=False)

    op.create_table(
        "wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wave_instrument_id"), ["instrument_id"], unique=False)

    op.create_table(
        "surveyresponse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("page_seconds", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instrument.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["wave.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("wave_id", "person_id", name="uq_response_wave_person"),
    )
    with op.batch_alter_table("surveyresponse", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_surveyresponse_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_surveyresponse_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "waveteam",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["wave.id"],
        ),
        sa.PrimaryKeyConstraint("wave_id", "team_id"),
    )
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["surveyresponse.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("response_id", "item_code", name="uq_answer_item"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_response_id"), ["response_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_response_id"))

    op.drop_table("answer")
    op.drop_table("waveteam")
    with op.batch_alter_table("surveyresponse", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveyresponse_wave_id"))
        batch_op.drop_index(batch_op.f("ix_surveyresponse_person_id"))

    op.drop_table("surveyresponse")
    with op.batch_alter_table("wave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wave_instrument_id"))

    op.drop_table("wave")
    with op.batch_alter_table("instrument", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instrument_name"))

    op.drop_table("instrument")
