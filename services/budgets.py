"""Quarterly team budgets: HR sets them; spend is the catalogue cost of the rewards given.

Spend of a team in a quarter is the sum of what its grants cost over the grants given
(``Grant.given_on``) in that quarter, whatever the grant's status. A grant records its cost
and the team it is charged to when it is given: the recipient's team, or the giver's when
the recipient is in none (see ``charged_team_id``). Editing the catalogue's cost or moving
the person later does not change a past quarter's spend. A team without a budget for the
quarter has no limit: ``amount`` and ``remaining`` are None and ``over`` is False.

Giving a reward checks the budget and records the grant in one transaction that holds a
lock on the budget row (``reserve_spend``), so concurrent gives cannot all pass the check
and overspend together: the one that would cross the limit is stopped with ``OverBudget``
until the giver confirms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from models.queries import lock_rows
from models.tables import Budget, Grant, Person, Reward, Team, utcnow
from services.access import require
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem, ServiceError
from services.organisation import currency
from services.quarters import parse_quarter

COST_BANDS = (1, 2, 3, 4)
MAX_AMOUNT = 1e12


def current_quarter(today: date | None = None) -> str:
    """The quarter a day falls in, as ``2026-Q4`` (today, in UTC, by default)."""
    day = today or utcnow().date()
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def resolve_quarter(quarter: str | None) -> str:
    """The quarter in its stored form, the current one for None; ``InvalidInput`` if malformed."""
    if quarter is None:
        return current_quarter()
    parsed = parse_quarter(quarter)
    if parsed is None:
        raise InvalidInput(
            f"{quarter!r} is not a quarter.",
            [Problem("quarter", "quarter.malformed", "write the quarter as YYYY-Qn, e.g. 2026-Q4")],
            code="quarter.not_a_quarter",
            params={"quarter": quarter},
        )
    return parsed


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of a quarter such as ``2026-Q4``."""
    parsed = resolve_quarter(quarter)
    year, number = int(parsed[:4]), int(parsed[-1])
    first = date(year, 3 * number - 2, 1)
    last = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


@dataclass(frozen=True)
class BudgetStatus:
    """A team's budget and spend for one quarter; amounts in the organisation's currency."""

    team_id: int
    quarter: str
    amount: float | None
    spent: float
    remaining: float | None
    by_band: dict[int, float] = field(default_factory=dict)
    count_by_band: dict[int, int] = field(default_factory=dict)
    over: bool = False

    @property
    def count(self) -> int:
        return sum(self.count_by_band.values())

    @property
    def used(self) -> float | None:
        """Spent as a share of the budget (may exceed 1); None without a budget."""
        if self.amount is None:
            return None
        if self.amount == 0:
            return 0.0 if self.spent == 0 else math.inf
        return self.spent / self.amount


@dataclass(frozen=True)
class TeamBudget:
    """One row of HR's budget table."""

    team: Team
    status: BudgetStatus
    set_by: str = ""
    updated_at: datetime | None = None


def _status(
    team_id: int, quarter: str, amount: float | None, spend: dict[int, tuple[int, float]]
) -> BudgetStatus:
    by_band = dict.fromkeys(COST_BANDS, 0.0)
    count_by_band = dict.fromkeys(COST_BANDS, 0)
    for band, (count, value) in spend.items():
        by_band[band] = by_band.get(band, 0.0) + value
        count_by_band[band] = count_by_band.get(band, 0) + count
    spent = round(sum(by_band.values()), 2)
    remaining = None if amount is None else round(amount - spent, 2)
    return BudgetStatus(
        team_id=team_id,
        quarter=quarter,
        amount=amount,
        spent=spent,
        remaining=remaining,
        by_band=by_band,
        count_by_band=count_by_band,
        over=amount is not None and spent > amount + 1e-9,
    )


def charged_team_id(recipient: Person, giver: Person | None) -> int | None:
    """The team whose budget pays for a reward: the recipient's, else the giver's."""
    if recipient.team_id is not None:
        return recipient.team_id
    return giver.team_id if giver is not None else None


def _spend(
    session: Session, quarter: str, team_id: int | None = None
) -> dict[int, dict[int, tuple[int, float]]]:
    """Team id -> cost band -> (grants, value) for grants given in the quarter."""
    first, last = quarter_bounds(quarter)
    team = Grant.team_id
    stmt = (
        select(team, Reward.cost_band, func.count(Grant.id), func.sum(Grant.cost))
        .select_from(Grant)
        .join(Reward, Reward.id == Grant.reward_id)
        .where(Grant.given_on >= first, Grant.given_on <= last, team.is_not(None))
        .group_by(team, Reward.cost_band)
    )
    if team_id is not None:
        stmt = stmt.where(team == team_id)
    spend: dict[int, dict[int, tuple[int, float]]] = {}
    for team, band, count, value in session.exec(stmt).all():
        spend.setdefault(team, {})[int(band)] = (int(count), float(value or 0.0))
    return spend


def budget_status(*, session: Session, team_id: int, quarter: str | None = None) -> BudgetStatus:
    """The team's budget for the quarter (the current one by default) and what was spent."""
    quarter = resolve_quarter(quarter)
    budget = session.exec(
        select(Budget).where(Budget.team_id == team_id, Budget.quarter == quarter)
    ).first()
    spend = _spend(session, quarter, team_id).get(team_id, {})
    return _status(team_id, quarter, budget.amount if budget else None, spend)


def would_exceed(
    *, session: Session, team_id: int, extra_cost: float, quarter: str | None = None
) -> bool:
    """Whether spending ``extra_cost`` more would take the team over its budget."""
    status = budget_status(session=session, team_id=team_id, quarter=quarter)
    if status.amount is None:
        return False
    return status.spent + float(extra_cost) > status.amount + 1e-9


@dataclass(frozen=True)
class SpendPreview:
    """What giving a reward of ``cost`` would leave of the team's budget, before it is given.

    ``remaining_after`` is None when the team has no budget for the quarter (no limit).
    """

    status: BudgetStatus
    cost: float
    remaining_after: float | None
    over: bool


def spend_after(status: BudgetStatus, cost: float) -> SpendPreview:
    """The budget as it would be after ``cost`` more: the same check ``reserve_spend`` makes
    when the reward is given, on a status already read (one read for a whole list)."""
    cost = float(cost)
    if status.amount is None:
        return SpendPreview(status=status, cost=cost, remaining_after=None, over=False)
    return SpendPreview(
        status=status,
        cost=cost,
        remaining_after=round(status.amount - status.spent - cost, 2),
        over=status.spent + cost > status.amount + 1e-9,
    )


def cost_band_ranges(*, session: Session) -> dict[int, tuple[float, float]]:
    """The cheapest and dearest cost of the catalogue's active rewards in each cost band
    (bands with none are left out): what a band means in the organisation's currency now."""
    stmt = (
        select(Reward.cost_band, func.min(Reward.cost), func.max(Reward.cost))
        .where(Reward.active)
        .group_by(Reward.cost_band)
    )
    return {int(b): (float(lo), float(hi)) for b, lo, hi in session.exec(stmt).all()}


class OverBudget(ServiceError):
    """Spending this would take the team over its budget; give it again with confirmation."""

    def __init__(self, status: BudgetStatus, cost: float, currency: str = ""):
        self.status = status
        self.cost = float(cost)
        # A reward has one catalogue cost, and that is what the budget is charged.
        self.over_by = round(status.spent + self.cost - status.amount, 2)
        unit = f"{currency} " if currency else ""
        super().__init__(
            f"This reward costs {unit}{self.cost:.2f} and would take the team over its budget "
            f"for {status.quarter} by {unit}{self.over_by:.2f} ({unit}{status.spent:.2f} of "
            f"{unit}{status.amount:.2f} spent); confirm to give it anyway."
        )


def _lock_budget(session: Session, team_id: int, quarter: str) -> Budget | None:
    """The team's budget row for the quarter, locked until the transaction ends."""
    rows = lock_rows(session, Budget, Budget.team_id == team_id, Budget.quarter == quarter)
    return rows[0] if rows else None


def reserve_spend(
    *,
    session: Session,
    team_id: int,
    cost: float,
    on: date,
    confirmed: bool = False,
) -> BudgetStatus:
    """Lock the team's budget for the quarter of ``on`` and check ``cost`` fits in it.

    Raises ``OverBudget`` when it would not and ``confirmed`` is false. The lock is held
    until the caller commits (or rolls back) the transaction that records the spend, so
    call this in the same transaction, just before adding the grant.
    """
    quarter = current_quarter(on)
    budget = _lock_budget(session, team_id, quarter)
    spend = _spend(session, quarter, team_id).get(team_id, {})
    status = _status(team_id, quarter, budget.amount if budget else None, spend)
    if (
        status.amount is not None
        and status.spent + float(cost) > status.amount + 1e-9
        and not confirmed
    ):
        raise OverBudget(status, cost, currency(session))
    return status


def over_budget_after(*, session: Session, team_id: int, quarter: str) -> BudgetStatus | None:
    """The team's status for the quarter if what this transaction added took it over budget.

    Locks the budget row first (as ``reserve_spend``), so a give racing the caller waits
    for its commit; None when the quarter has no budget or the spend fits.
    """
    budget = _lock_budget(session, team_id, quarter)
    if budget is None:
        return None
    spend = _spend(session, quarter, team_id).get(team_id, {})
    status = _status(team_id, quarter, budget.amount, spend)
    return status if status.over else None


def set_budget(
    *, session: Session, actor: Person, team_id: int, quarter: str, amount: float
) -> Budget:
    """Set (or change) a team's budget for a quarter; HR only."""
    require(actor, "run_hr")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.", code="team.not_found")
    problems = []
    parsed = parse_quarter(quarter)
    if parsed is None:
        problems.append(
            Problem("quarter", "quarter.malformed", "write the quarter as YYYY-Qn, e.g. 2026-Q4")
        )
    try:
        value = float(amount)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0:
        problems.append(Problem("amount", "budget.amount_negative", "give an amount of 0 or more"))
    elif value > MAX_AMOUNT:
        problems.append(Problem("amount", "budget.amount_too_large", "the amount is too large"))
    if problems:
        raise InvalidInput("The budget was not set.", problems, code="budget.not_set")
    value = round(value, 2)
    budget = session.exec(
        select(Budget).where(Budget.team_id == team.id, Budget.quarter == parsed)
    ).first()
    previous = budget.amount if budget else None
    if budget is None:
        budget = Budget(team_id=team.id, quarter=parsed, amount=value)
    budget.amount = value
    budget.set_by_id = actor.id
    budget.updated_at = utcnow()
    session.add(budget)
    record_event(
        session,
        actor=actor,
        action="budget.set",
        target=team.name,
        details={"quarter": parsed, "amount": value, "previous": previous},
    )
    session.commit()
    return budget


def list_budgets(
    *, session: Session, viewer: Person, quarter: str | None = None
) -> list[TeamBudget]:
    """Every team with its budget and spend for the quarter (teams without a budget too)."""
    require(viewer, "run_hr")
    quarter = resolve_quarter(quarter)
    budgets = {b.team_id: b for b in session.exec(select(Budget).where(Budget.quarter == quarter))}
    setters = {
        p.id: p.name
        for p in session.exec(
            select(Person).where(Person.id.in_({b.set_by_id for b in budgets.values()} - {None}))
        )
    }
    spend = _spend(session, quarter)
    rows = []
    for team in session.exec(select(Team).order_by(Team.name)):
        budget = budgets.get(team.id)
        rows.append(
            TeamBudget(
                team=team,
                status=_status(
                    team.id, quarter, budget.amount if budget else None, spend.get(team.id, {})
                ),
                set_by=setters.get(budget.set_by_id, "") if budget else "",
                updated_at=budget.updated_at if budget else None,
            )
        )
    return rows
