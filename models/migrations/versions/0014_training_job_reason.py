"""why a training job ran: "requested by <name>", "stale: 12 new responses", ...

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "trainingjob",
        sa.Column(
            "reason",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("trainingjob") as batch:
        batch.drop_column("reason")
