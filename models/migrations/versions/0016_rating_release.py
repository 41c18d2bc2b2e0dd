"""rating figures per reward category as they were shown, so they change only in steps

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 08:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Float(), nullable=False),
        sa.Column("dismissed", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("raters", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("category", "previous_id", name="uq_rating_release_previous"),
    )
    with op.batch_alter_table("rating_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_release_category"), ["category"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rating_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_release_category"))
    op.drop_table("rating_release")
