"""Bearer tokens for integrations (HRIS, CRM): create, list, revoke, check, rate-limit.

A token acts for the organisation, not for a person, and carries a list of scopes. Only the
SHA-256 digest of the token is stored, with a short prefix so people can tell tokens apart;
the token itself is shown once, when it is created. Requests are counted per token and
minute in ``ApiRateWindow``, so every worker process shares one count.

The second half of the module is what a token may read: counts and aggregates with the
minimum group size applied, and suggestions without the reasons drawn from answers.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models.tables import KPI, ApiRateWindow, ApiToken, Person, SurveyResponse, Team, utcnow
from models.tables import Reward as RewardRow
from recommender.anonymity import suppress_cells, total_visible
from services.access import Actor, TokenActor, require
from services.audit import record_event
from services.errors import InvalidInput, NotAllowed, NotFound, ServiceError, Throttled
from services.kpis import parse_period, period_order
from services.recommendations import count_reps, recommend_for_all, suggest_rewards
from services.waves import WaveSummary, list_waves, wave_team_ids

# What each scope allows; the OpenAPI document and the admin page show these texts.
SCOPES: dict[str, str] = {
    "people:read": "List people with their roster fields (never survey answers).",
    "people:write": "Import the roster, all or nothing.",
    "waves:read": "List survey waves with participation counts (small counts withheld).",
    "responses:read": "Response status and dates per person; never answers or scale scores.",
    "responses:write": "Import answers collected with another survey tool.",
    "recommendations:read": "Read reward suggestions per person.",
    "feedback:write": "Import reps' ratings of rewards, and when they were given.",
    "kpis:write": "Import KPI figures per person and period.",
    "kpis:read": "Read KPIs aggregated over groups no smaller than the minimum group size.",
}
TOKEN_MARK = "mtv_"  # makes a leaked token easy to recognise in logs and secret scanners
PREFIX_LENGTH = 12
DEFAULT_RATE_PER_MINUTE = 120
MAX_NAME_LENGTH = 120
MAX_EXPIRY_DAYS = 3650
RESPONSE_STATUSES = ("submitted", "in_progress")
MAX_SUGGESTIONS = 20


class TokenRefused(ServiceError):
    """No usable token: missing, unknown, expired or revoked (HTTP 401)."""

    def __init__(self, message: str, *, error: str | None = "invalid_token"):
        # ``error`` is the RFC 6750 code; None when the request carried no token at all.
        self.error = error
        super().__init__(message)


class ScopeMissing(NotAllowed):
    """The token is valid but lacks the scope this request needs (HTTP 403)."""

    def __init__(self, scope: str):
        self.scope = scope
        self.rate: RateCount | None = None
        super().__init__(f"This token does not have the scope {scope}.")


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


def digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def describe_token(token: ApiToken, now: datetime | None = None) -> dict:
    """A token as plain data for lists: never its digest, which is as good as a password."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "status": token_status(token, now),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


def _check_new_token(name: str, scopes: Iterable[str], expires_in_days: int | None) -> list[str]:
    problems = []
    if not name:
        problems.append("name: give the token a name (what uses it, e.g. 'HRIS sync')")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"name: at most {MAX_NAME_LENGTH} characters")
    scopes = list(scopes)
    if not scopes:
        problems.append(f"scopes: choose at least one of {', '.join(SCOPES)}")
    for scope in scopes:
        if scope not in SCOPES:
            problems.append(f"scopes: unknown scope {scope!r} (use {', '.join(SCOPES)})")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        problems.append(f"expires: give a number of days from 1 to {MAX_EXPIRY_DAYS}")
    return problems


def create_token(
    *,
    session: Session,
    actor: Actor,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the stored row and the token, which is never shown again."""
    require(actor, "manage_accounts")
    name = (name or "").strip()
    scopes = [s.strip() for s in scopes if s and s.strip()]
    problems = _check_new_token(name, scopes, expires_in_days)
    if problems:
        raise InvalidInput("The token was not created.", problems)
    now = now or utcnow()
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=digest(secret),
        prefix=secret[:PREFIX_LENGTH],
        scopes=[s for s in SCOPES if s in scopes],  # one order everywhere, no duplicates
        created_by_id=actor.id if isinstance(actor, Person) else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="api_token.create",
        target=f"token {token.id}",
        details={
            "name": name,
            "prefix": token.prefix,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    session.commit()
    return token, secret


def list_tokens(*, session: Session, viewer: Actor) -> list[ApiToken]:
    """Every token, newest first (revoked and expired ones too, for the record)."""
    require(viewer, "manage_accounts")
    return list(session.exec(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(
    *, session: Session, actor: Actor, token_id: int, now: datetime | None = None
) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    require(actor, "manage_accounts")
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.add(token)
        record_event(
            session,
            actor=actor,
            action="api_token.revoke",
            target=f"token {token.id}",
            details={"name": token.name, "prefix": token.prefix},
        )
        session.commit()
    return token


def find_token(*, session: Session, secret: str | None) -> ApiToken | None:
    """The stored row a presented token belongs to, whatever its status."""
    if not secret:
        return None
    return session.exec(select(ApiToken).where(ApiToken.token_hash == digest(secret))).first()


def check_token(token: ApiToken | None, *, now: datetime | None = None) -> ApiToken:
    """Raise ``TokenRefused`` unless ``token`` exists and is active."""
    if token is None:
        raise TokenRefused("The token is not valid.")
    status = token_status(token, now)
    if status == "revoked":
        raise TokenRefused("The token has been revoked.")
    if status == "expired":
        raise TokenRefused("The token has expired.")
    return token


def check_scope(token: ApiToken, scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")  # a programming error, not a request's
    if scope not in token.scopes:
        raise ScopeMissing(scope)


def token_actor(token: ApiToken) -> TokenActor:
    """The actor a token's requests run as: the organisation, with its scopes' powers."""
    return TokenActor(
        token_id=token.id, prefix=token.prefix, name=token.name, scopes=frozenset(token.scopes)
    )


def authorise_request(
    *,
    session: Session,
    secret: str | None,
    scope: str,
    limit: int,
    method: str,
    path: str,
    now: datetime | None = None,
) -> tuple[TokenActor, RateCount]:
    """Check one API request's token and scope, count it against the rate limit, audit it.

    Raises ``TokenRefused`` (no usable token), ``RateLimited`` or ``ScopeMissing``; the
    last two carry the request's ``RateCount`` as ``rate`` when it was counted. Returns the
    actor the request's services run as.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    if secret is None:
        raise TokenRefused(
            "Send a token in the header 'Authorization: Bearer <token>'.", error=None
        )
    token = check_token(find_token(session=session, secret=secret), now=now)
    allowed = scope in token.scopes
    details = {"method": method, "path": path, "scope": scope}
    if not allowed:
        details["refused"] = 403
    rate = count_request(
        session=session, token=token, limit=limit, action="api.request", details=details, now=now
    )
    if not allowed:
        refused = ScopeMissing(scope)
        refused.rate = rate
        raise refused
    return token_actor(token), rate


def _window_start(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def count_request(
    *,
    session: Session,
    token: ApiToken,
    limit: int,
    action: str,
    details: dict | None = None,
    now: datetime | None = None,
) -> RateCount:
    """Count one request against the token's minute, audit it, and commit.

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
        actor=token_actor(token),
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


# What a token may read. A token acts for the organisation, not for a person, so it sees
# what HR's pages show and no more: counts, never who answered, never answers, free text or
# scale scores, and no count below the minimum group size.


def withhold_small(counts: dict[str, int], min_group_size: int) -> tuple[dict, list[str]]:
    """Counts with each one of 1 to ``min_group_size - 1`` people replaced by None.

    For counts that do not add up to a shown total; a breakdown of a shown total goes
    through :func:`withhold_breakdown`, which also hides what subtraction would reveal.
    """
    withheld = [key for key, n in counts.items() if 0 < n < min_group_size]
    return {k: (None if k in withheld else n) for k, n in counts.items()}, withheld


def withhold_breakdown(counts: dict[str, int], min_group_size: int) -> tuple[dict, list[str]]:
    """A breakdown of a total with small cells and their complements hidden."""
    keys = list(counts)
    hidden = suppress_cells([counts[k] for k in keys], min_group_size) if keys else []
    withheld = [k for k, h in zip(keys, hidden, strict=True) if h]
    return {k: (None if k in withheld else counts[k]) for k in keys}, withheld


def _wave_facts(summary: WaveSummary, min_group_size: int) -> dict:
    wave = summary.wave
    raw = {
        "invited": summary.invited,
        "submitted": summary.submitted,
        "in_progress": summary.in_progress,
    }
    if 0 < summary.invited < min_group_size:
        # A wave meant for a handful of people says too much about each of them.
        counts, withheld = dict.fromkeys(raw), list(raw)
    else:
        counts, withheld = withhold_small(raw, min_group_size)
    rate = None
    if counts["invited"] and counts["submitted"] is not None:
        rate = round(counts["submitted"] / counts["invited"], 3)
    return {
        "id": wave.id,
        "name": wave.name,
        "instrument": summary.instrument,
        "status": wave.status,
        "answerable": summary.answerable,
        "opens_on": wave.opens_on.isoformat(),
        "closes_on": wave.closes_on.isoformat(),
        "audience": wave.audience,
        **counts,
        "response_rate": rate,
        "withheld": withheld,
        "min_group_size": min_group_size,
    }


def wave_participation(*, session: Session, viewer: Actor, min_group_size: int) -> list[dict]:
    """Every wave, newest first, with participation counts (small counts withheld)."""
    require(viewer, "view_waves")
    return [_wave_facts(s, min_group_size) for s in list_waves(session=session, viewer=viewer)]


def wave_details(*, session: Session, viewer: Actor, wave_id: int, min_group_size: int) -> dict:
    """One wave's participation counts and the teams it was meant for."""
    require(viewer, "view_waves")
    waves = list_waves(session=session, viewer=viewer)
    summary = next((s for s in waves if s.wave.id == wave_id), None)
    if summary is None:
        raise NotFound(f"No wave with id {wave_id}.")
    facts = _wave_facts(summary, min_group_size)
    team_ids = wave_team_ids(session, summary.wave)
    names = session.exec(select(Team.name).where(Team.id.in_(team_ids))) if team_ids else []
    facts["teams"] = sorted(names)
    return facts


def response_counts(*, session: Session, viewer: Actor, wave_id: int, min_group_size: int) -> dict:
    """A wave's responses counted by status, by source and by quality flags.

    Never per person: the pages do not show who answered, so neither does a token.
    """
    require(viewer, "view_waves")
    waves = list_waves(session=session, viewer=viewer)
    summary = next((s for s in waves if s.wave.id == wave_id), None)
    if summary is None:
        raise NotFound(f"No wave with id {wave_id}.")
    rows = session.exec(
        select(SurveyResponse.status, SurveyResponse.source, SurveyResponse.flags).where(
            SurveyResponse.wave_id == wave_id
        )
    ).all()
    by_status = Counter(status for status, _, _ in rows)
    submitted = [(source, flags) for status, source, flags in rows if status == "submitted"]
    by_source = Counter(source for source, _ in submitted)
    flagged = sum(1 for _, flags in submitted if flags)
    # The total of all responses is not shown, so only small counts need hiding here.
    statuses, withheld_status = withhold_small(
        {s: by_status.get(s, 0) for s in RESPONSE_STATUSES}, min_group_size
    )
    sources, withheld_source = withhold_breakdown(dict(sorted(by_source.items())), min_group_size)
    quality, withheld_quality = withhold_small({"flagged": flagged}, min_group_size)
    return {
        "wave_id": wave_id,
        "wave": summary.wave.name,
        "by_status": statuses,
        "submitted_by_source": sources,
        "flagged": quality["flagged"],
        "withheld": [
            *(f"by_status.{k}" for k in withheld_status),
            *(f"submitted_by_source.{k}" for k in withheld_source),
            *withheld_quality,
        ],
        "min_group_size": min_group_size,
    }


KPI_GROUPINGS = ("team", "sales_role", "none")
NO_GROUP = "(none)"


def _kpi_stats(values: list[float]) -> dict:
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "mean": round(mean, 6), "std": round(std, 6)}


def kpi_summary(
    *,
    session: Session,
    viewer: Actor,
    metric: str,
    min_group_size: int,
    period: str | None = None,
    by: str = "team",
) -> dict:
    """One metric in one period (default: the latest), aggregated over groups of people.

    Each group is a team or a sales role (people without one form a group of their own).
    Groups of 1 to ``min_group_size - 1`` people, and what subtraction from the total would
    reveal, show no figures; the total shows none below the minimum either.
    """
    require(viewer, "view_kpis")
    metric = (metric or "").strip().lower()
    problems = []
    if by not in KPI_GROUPINGS:
        problems.append(f"by: use one of {', '.join(KPI_GROUPINGS)}, not {by!r}")
    periods = sorted(
        session.exec(select(KPI.period).where(KPI.metric == metric).distinct()).all(),
        key=period_order,
    )
    if not metric:
        problems.append("metric: name a metric, e.g. revenue")
    elif not periods:
        problems.append(f"metric: no values stored for {metric!r}")
    if period is not None:
        wanted = parse_period(period)
        if wanted is None:
            problems.append(f"period: {period!r} is not a period (use YYYY-MM or YYYY-Qn)")
        period = wanted
    if problems:
        raise InvalidInput("The KPI summary could not be made.", problems)
    period = period or periods[-1]

    stmt = (
        select(KPI.value, Team.name, Person.sales_role)
        .join(Person, Person.id == KPI.person_id)
        .join(Team, Team.id == Person.team_id, isouter=True)
        .where(KPI.metric == metric, KPI.period == period)
    )
    groups: dict[str, list[float]] = {}
    values: list[float] = []
    for value, team, role in session.exec(stmt):
        values.append(float(value))
        if by != "none":
            key = team if by == "team" else role
            groups.setdefault(key or NO_GROUP, []).append(float(value))
    names = sorted(groups)
    hidden = suppress_cells([len(groups[g]) for g in names], min_group_size) if names else []
    rows = []
    for name, hide in zip(names, hidden, strict=True):
        stats = _kpi_stats(groups[name])
        rows.append({"group": name, **(dict.fromkeys(stats) if hide else stats)})
    overall = (
        _kpi_stats(values)
        if values and total_visible(len(values), min_group_size)
        else {"n": None, "mean": None, "std": None}
    )
    return {
        "metric": metric,
        "period": period,
        "periods": periods,
        "by": by,
        "overall": overall,
        "groups": rows,
        "withheld": [r["group"] for r in rows if r["n"] is None],
        "min_group_size": min_group_size,
    }


# Suggestions go out without their reasons or scores: a reason such as "you ranked time off
# highest" is a survey answer, and a score is the model's reading of the person's answers.


def _reward_facts(reward: RewardRow) -> dict:
    return {
        "reward_id": reward.slug,
        "name": dict(reward.name),
        "category": reward.category,
        "cost_band": reward.cost_band,
    }


def person_suggestions(*, session: Session, viewer: Actor, external_id: str, k: int) -> dict:
    """One active person's top-``k`` suggestions, in order, without reasons or scores."""
    require(viewer, "view_suggestions")
    person = session.exec(select(Person).where(Person.external_id == external_id)).first()
    if person is None or not person.active:
        raise NotFound("No such person.")
    found = suggest_rewards(session=session, viewer=viewer, person=person, k=k)
    return {
        "person": person.external_id,
        "suggestions": [
            {"rank": rank, **_reward_facts(item.reward)}
            for rank, item in enumerate(found.items, start=1)
        ],
    }


def suggestions_for_everyone(
    *, session: Session, viewer: Actor, k: int, limit: int | None = None, offset: int = 0
) -> list[dict]:
    """Every active rep's top-``k`` suggestions, by external_id, without reasons or scores.

    With ``limit``, one page of reps (from ``offset``): only theirs are computed.
    """
    require(viewer, "view_suggestions")
    rewards = {r.slug: r for r in session.exec(select(RewardRow))}
    people: dict[str, list[dict]] = {}
    for row in recommend_for_all(session=session, viewer=viewer, k=k, limit=limit, offset=offset):
        reward = rewards.get(row["reward_id"])
        if reward is not None:
            entry = {"rank": row["rank"], **_reward_facts(reward)}
            people.setdefault(row["person"], []).append(entry)
    return [{"person": person, "suggestions": items} for person, items in people.items()]


def suggestions_page(
    *, session: Session, viewer: Actor, k: int, limit: int, offset: int
) -> tuple[list[dict], int]:
    """One page of ``suggestions_for_everyone`` and the number of active reps in all."""
    items = suggestions_for_everyone(
        session=session, viewer=viewer, k=k, limit=limit, offset=offset
    )
    return items, count_reps(session=session)
