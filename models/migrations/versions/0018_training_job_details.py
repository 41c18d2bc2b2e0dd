"""a training job keeps why it ran and how it ended as data, worded in the reader's language

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Jobs recorded before this revision keep only their English sentences.
    op.add_column("trainingjob", sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trainingjob") as batch:
        batch.drop_column("details")
