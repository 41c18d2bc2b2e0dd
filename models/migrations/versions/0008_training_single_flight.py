"""one training at a time: a claim on the training job, unique while it is active

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 01:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "trainingjob",
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    )
    # The newest job still queued or running keeps the claim; older ones can never finish
    # alone (only one training may run), so they are closed as failed.
    job = sa.table(
        "trainingjob",
        sa.column("id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("message", sa.String()),
        sa.column("claim", sa.String()),
    )
    connection = op.get_bind()
    active = connection.execute(
        sa.select(job.c.id).where(job.c.status.in_(("queued", "running"))).order_by(job.c.id)
    ).all()
    if active:
        newest = active[-1][0]
        connection.execute(sa.update(job).where(job.c.id == newest).values(claim="model"))
        connection.execute(
            sa.update(job)
            .where(job.c.status.in_(("queued", "running")), job.c.id != newest)
            .values(status="failed", message="Superseded by a newer training job.")
        )
    op.create_index("uq_trainingjob_claim", "trainingjob", ["claim"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_trainingjob_claim", table_name="trainingjob")
    with op.batch_alter_table("trainingjob") as batch:
        batch.drop_column("claim")
