"""a grant keeps what it cost and which team paid; one rating without a grant per reward

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 21:45:00

Spend was the catalogue's cost now, charged to the recipient's team now: editing a cost or
moving a person rewrote past quarters. Each grant now records both when it is given;
existing grants get today's values (the best the data holds).

A "not for me" has no grant, and NULLs never collide in ``uq_rating``, so two at once
stored two rows on PostgreSQL; duplicates are merged (the newest kept) before the new
unique index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reward_grant") as batch:
        batch.add_column(sa.Column("cost", sa.Float(), nullable=True))
        batch.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE reward_grant SET
          cost = (SELECT reward.cost FROM reward WHERE reward.id = reward_grant.reward_id),
          team_id = COALESCE(
            (SELECT person.team_id FROM person WHERE person.id = reward_grant.person_id),
            (SELECT person.team_id FROM person WHERE person.id = reward_grant.given_by_id)
          )
        """
    )
    with op.batch_alter_table("reward_grant") as batch:
        batch.alter_column("cost", existing_type=sa.Float(), nullable=False)
        batch.create_foreign_key("fk_reward_grant_team_id_team", "team", ["team_id"], ["id"])
        batch.create_index("ix_reward_grant_team_id", ["team_id"])
    op.execute(
        """
        DELETE FROM rating WHERE grant_id IS NULL AND id NOT IN (
          SELECT MAX(id) FROM rating WHERE grant_id IS NULL GROUP BY person_id, reward_id
        )
        """
    )
    op.create_index(
        "uq_rating_no_grant",
        "rating",
        ["person_id", "reward_id"],
        unique=True,
        sqlite_where=sa.text("grant_id IS NULL"),
        postgresql_where=sa.text("grant_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_rating_no_grant", table_name="rating")
    with op.batch_alter_table("reward_grant") as batch:
        batch.drop_index("ix_reward_grant_team_id")
        batch.drop_constraint("fk_reward_grant_team_id_team", type_="foreignkey")
        batch.drop_column("team_id")
        batch.drop_column("cost")
