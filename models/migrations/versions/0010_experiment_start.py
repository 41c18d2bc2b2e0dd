"""experiments start when they are created: a start day, and retrospective comparisons marked

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 04:20:00

Existing experiments start on the day they were created. One whose after period had begun
by then compared periods that were (partly) over: it is marked retrospective, so its
results carry the "observational, not an experiment" label from now on.
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _first_day(period: str) -> date:
    year, rest = period.split("-")
    month = (int(rest[1]) - 1) * 3 + 1 if rest.startswith("Q") else int(rest)
    return date(int(year), month, 1)


def upgrade() -> None:
    with op.batch_alter_table("experiment") as batch:
        batch.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("retrospective", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    bind = op.get_bind()
    experiment = sa.table(
        "experiment",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime),
        sa.column("period_before", sa.String),
        sa.column("period_after", sa.String),
        sa.column("starts_on", sa.Date),
        sa.column("retrospective", sa.Boolean),
    )
    rows = bind.execute(
        sa.select(experiment.c.id, experiment.c.created_at, experiment.c.period_after)
    ).all()
    for row in rows:
        created = row.created_at
        created_on = (
            created.date() if hasattr(created, "date") else date.fromisoformat(str(created)[:10])
        )
        late = _first_day(row.period_after) < created_on
        bind.execute(
            experiment.update()
            .where(experiment.c.id == row.id)
            .values(starts_on=None if late else created_on, retrospective=late)
        )


def downgrade() -> None:
    with op.batch_alter_table("experiment") as batch:
        batch.drop_column("retrospective")
        batch.drop_column("starts_on")
