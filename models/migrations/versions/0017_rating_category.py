"""a rating keeps the category its reward had when it was rated, and counts value changes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:20:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rating",
        sa.Column(
            "category",
            sqlmodel.sql.sqltypes.AutoString(length=20),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "rating",
        sa.Column("value_version", sa.Integer(), nullable=False, server_default="0"),
    )
    # Ratings given before this revision count in their reward's category of today.
    op.execute(
        "UPDATE rating SET category = "
        "(SELECT reward.category FROM reward WHERE reward.id = rating.reward_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("rating") as batch:
        batch.drop_column("value_version")
        batch.drop_column("category")
