"""sales role keys: one key per role however it was typed, and a label table

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:10:00

People, submitted responses and reward eligibility stored sales roles as typed, so
"Closer" and "closer " were two groups. Each becomes its key (``closer``); the most common
spelling of each role is kept as its label in ``salesrole``.
"""

import json
import re
import unicodedata
from collections import Counter

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_NOT_KEY = re.compile(r"[\W_]+")


def _key(text: str | None) -> str:
    # A frozen copy of recommender.catalogue.role_key: a migration must not change meaning
    # when the application code moves on.
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return _NOT_KEY.sub("_", folded).strip("_")[:64].rstrip("_")


def _label(spellings: Counter) -> str:
    # The most common spelling; on a tie, one with capitals ("Closer" over "closer").
    best = sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0].islower(), kv[0]))
    return " ".join(best[0][0].split())


def upgrade() -> None:
    op.create_table(
        "salesrole",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    bind = op.get_bind()
    spellings: dict[str, Counter] = {}
    for table in ("person", "surveyresponse"):
        rows = bind.execute(
            sa.text(f"SELECT sales_role, COUNT(*) FROM {table} GROUP BY sales_role")
        ).all()
        for typed, count in rows:
            key = _key(typed)
            if key:
                spellings.setdefault(key, Counter())[typed.strip()] += count
            if typed != key:
                bind.execute(
                    sa.text(f"UPDATE {table} SET sales_role = :key WHERE sales_role = :typed"),
                    {"key": key, "typed": typed},
                )
    for reward_id, roles in bind.execute(sa.text("SELECT id, roles FROM reward")).all():
        values = json.loads(roles) if isinstance(roles, str) else list(roles or [])
        keys: list[str] = []
        for role in values:
            key = _key(role) if isinstance(role, str) else role
            if key and key not in keys:
                keys.append(key)
        if keys != values:
            bind.execute(
                sa.text("UPDATE reward SET roles = :roles WHERE id = :id").bindparams(
                    sa.bindparam("roles", type_=sa.JSON)
                ),
                {"roles": keys, "id": reward_id},
            )
    salesrole = sa.table("salesrole", sa.column("key"), sa.column("label"))
    labels = [{"key": k, "label": _label(c)} for k, c in sorted(spellings.items())]
    if labels:
        op.bulk_insert(salesrole, labels)


def downgrade() -> None:
    # The keys stay: the typed spellings they replaced are not kept anywhere.
    op.drop_table("salesrole")
