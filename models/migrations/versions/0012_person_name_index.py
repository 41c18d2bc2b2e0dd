"""person name index: the people page reads the roster in name order, a page at a time

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 04:40:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_person_name_external_id", "person", ["name", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_person_name_external_id", table_name="person")
