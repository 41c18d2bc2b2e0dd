"""Rate limits for integration tokens: requests counted per token and minute.

The count lives in ``ApiRateWindow``, so every worker process shares one count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.tables import ApiRateWindow, ApiToken, utcnow
from services.access import Actor
from services.audit import record_event
from services.errors import Throttled

DEFAULT_RATE_PER_MINUTE = 120


class RateLimited(Throttled):
    """Too many requests with one token in this minute (HTTP 429)."""

    def __init__(self, limit: int, retry_after: int):
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(
            f"More than {limit} requests in a minute with this token. "
            f"Try again in {retry_after} seconds."
        )


@dataclass(frozen=True)
class RateCount:
    limit: int
    used: int
    reset_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def count_request(
    *,
    session: Session,
    actor: Actor,
    token: ApiToken,
    limit: int,
    action: str,
    details: dict | None = None,
    now: datetime | None = None,
) -> RateCount:
    """Count one request against the token's minute, audit it as ``actor``, and commit.

    The counter is one atomic upsert, so concurrent workers never lose a count. Raises
    ``RateLimited`` (after committing the count and the audit row) above ``limit``.
    """
    now = now or utcnow()
    start = _window_start(now)
    table = ApiRateWindow.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(token_id=token.id, window_start=start, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.token_id, table.c.window_start],
        set_={"count": table.c.count + 1},
    ).returning(table.c.count)
    used = session.execute(stmt).scalar_one()
    if used == 1:
        # A new minute: earlier windows of this token are no longer needed.
        session.execute(
            table.delete().where(table.c.token_id == token.id, table.c.window_start < start)
        )
    token.last_used_at = now
    session.add(token)
    refused = used > limit
    record_event(
        session,
        actor=actor,
        action=action,
        target=f"token {token.id}",
        details={**(details or {}), "token": token.prefix, **({"refused": 429} if refused else {})},
    )
    session.commit()
    reset_at = start + timedelta(minutes=1)
    if refused:
        retry_after = max(1, math.ceil((reset_at - now).total_seconds()))
        raise RateLimited(limit, retry_after)
    return RateCount(limit=limit, used=used, reset_at=reset_at)
