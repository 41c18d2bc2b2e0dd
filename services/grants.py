"""Giving rewards: a manager records a reward for one of their reps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, func, select

from models.queries import lock_person
from models.tables import OCCASIONS, Grant, Person, utc_today
from models.tables import Reward as RewardRow
from services.access import ensure_can_view_person, require
from services.audit import record_event
from services.budgets import (
    BudgetStatus,
    OverBudget,
    SpendPreview,
    budget_status,
    charged_team_id,
    reserve_spend,
    spend_after,
)
from services.catalogue import catalogue_rows
from services.errors import InvalidInput, NotFound, Problem, ServiceError
from services.notifications import notify
from services.text import text_problems


def eligible(reward: RewardRow, person: Person) -> bool:
    return reward.active and ("all" in reward.roles or (person.sales_role or "") in reward.roles)


@dataclass(frozen=True)
class GiveOption:
    """A reward the giver may give this person, and the budget as it would be after it
    (``None`` when the charged team has no budget for the quarter)."""

    reward: RewardRow
    after: SpendPreview | None


@dataclass(frozen=True)
class GiveOptions:
    budget: BudgetStatus | None  # of the team the reward would be charged to
    options: list[GiveOption]


def give_options(*, session: Session, manager: Person, person: Person) -> GiveOptions:
    """What ``manager`` may give ``person`` before committing: every active reward their
    role allows, each with the budget left after it, read once for the team that
    ``give_reward`` would charge (the recipient's, else the giver's)."""
    require(manager, "view_team")
    ensure_can_view_person(manager, person)
    team_id = charged_team_id(person, manager)
    budget = budget_status(session=session, team_id=team_id) if team_id else None
    rewards = [r for r in catalogue_rows(session=session, active_only=True) if eligible(r, person)]
    return GiveOptions(
        budget=budget,
        options=[
            GiveOption(reward, spend_after(budget, reward.cost) if budget else None)
            for reward in rewards
        ],
    )


class GivenRecently(ServiceError):
    """The person received this reward within its cooldown (or at all, for a one-off
    reward); give it again with confirmation."""

    def __init__(self, reward: RewardRow, last: date, today: date):
        self.reward, self.last = reward, last
        self.days_ago = (today - last).days
        self.cooldown_days = reward.cooldown_days
        if reward.cooldown_days:
            rule = f"it is given at most once every {reward.cooldown_days} days"
        else:
            rule = "it is a one-off reward"
        super().__init__(
            f"They received this reward {self.days_ago} day{'' if self.days_ago == 1 else 's'} "
            f"ago ({last.isoformat()}); {rule}. "
            "Confirm to give it again.",
            code="grant.given_recently",
            params={"days_ago": self.days_ago, "cooldown": reward.cooldown_days},
        )


def too_soon_since(session: Session, person_id: int, reward: RewardRow, day: date) -> date | None:
    """The day the person last received ``reward``, when giving it again on ``day`` comes
    within its cooldown (a cooldown of 0 is a one-off reward: any earlier give counts)."""
    last = session.exec(
        select(func.max(Grant.given_on)).where(
            Grant.person_id == person_id, Grant.reward_id == reward.id, Grant.given_on <= day
        )
    ).one()
    if last is None:
        return None
    if reward.cooldown_days == 0 or (day - last).days < reward.cooldown_days:
        return last
    return None


def grant_given_on(session: Session, person_id: int, reward_id: int, day: date) -> Grant | None:
    """The grant of this reward to this person on this day, if there is one (there is at most
    one: a second give that day is the same give or refused)."""
    return session.exec(
        select(Grant).where(
            Grant.person_id == person_id, Grant.reward_id == reward_id, Grant.given_on == day
        )
    ).first()


def give_reward(
    *,
    session: Session,
    manager: Person,
    person: Person,
    reward_slug: str,
    occasion: str = "other",
    note: str = "",
    given_on: date | None = None,
    commit: bool = True,
    confirm_over_budget: bool = False,
    confirm_again: bool = False,
) -> Grant:
    """Record that ``manager`` gave ``person`` a reward; the rep is notified and can rate it.

    The reward is charged to the recipient's team (the manager's when the recipient is in
    none). If it would take that team over its budget, ``OverBudget`` is raised and nothing
    is written, unless ``confirm_over_budget`` says the manager saw the warning; likewise
    ``GivenRecently`` and ``confirm_again`` when the person received the reward within its
    cooldown (the rule suggestions keep to). The same
    give again on the same day returns the first grant; a different give of the reward to
    the person that day is refused. Either refusal rolls the session back.
    """
    require(manager, "view_team")
    ensure_can_view_person(manager, person)
    if person.id == manager.id:
        raise NotFound("No such person.", code="person.not_found")
    reward = session.exec(select(RewardRow).where(RewardRow.slug == reward_slug)).first()
    if reward is None:
        raise NotFound("No such reward.", code="reward.not_found")
    problems = []
    if occasion not in OCCASIONS:
        problems.append(
            Problem("occasion", "grant.occasion_unknown", f"choose one of {', '.join(OCCASIONS)}")
        )
    if not reward.active:
        problems.append(
            Problem("reward", "reward.retired", "this reward has been retired from the catalogue")
        )
    elif not eligible(reward, person):
        problems.append(
            Problem(
                "reward",
                "reward.not_for_role",
                "this reward is not available for this person's sales role",
            )
        )
    if len(note or "") > 1000:
        problems.append(
            Problem("note", "grant.note_too_long", "keep the note under 1000 characters")
        )
    problems.extend(text_problems("note", note))
    team_id = charged_team_id(person, manager)
    if team_id is None:
        problems.append(
            Problem(
                "person",
                "grant.no_team",
                "neither this person nor you are in a team, so no budget can pay for the "
                "reward; ask HR to place them in a team",
            )
        )
    if problems:
        raise InvalidInput("The reward was not given.", problems, code="grant.not_given")
    given_on = given_on or utc_today()
    note = (note or "").strip()
    # Gives to one person wait for each other (the rows stay locked until commit), so the
    # check below sees a give that raced this one.
    lock_person(session, person)
    same_day = grant_given_on(session, person.id, reward.id, given_on)
    if same_day is not None:
        if (same_day.given_by_id, same_day.occasion, same_day.note) == (
            manager.id,
            occasion,
            note,
        ):
            # The same give sent twice (a double click, a resent form): it was given once.
            # Nothing was written; committing ends the lock (a caller that commits itself
            # keeps its transaction, as with a new grant).
            if commit:
                session.commit()
            return same_day
        session.rollback()
        raise InvalidInput(
            "The reward was not given.",
            [
                Problem(
                    "reward",
                    "grant.given_today",
                    "they received this reward today already",
                )
            ],
            code="grant.not_given",
        )
    if not confirm_again:
        last = too_soon_since(session, person.id, reward, given_on)
        if last is not None:
            session.rollback()  # releases the person lock
            raise GivenRecently(reward, last, given_on)
    try:
        status = reserve_spend(
            session=session,
            team_id=team_id,
            cost=reward.cost,
            on=given_on,
            confirmed=confirm_over_budget,
        )
    except OverBudget:
        session.rollback()  # releases the budget lock
        raise
    grant = Grant(
        reward_id=reward.id,
        person_id=person.id,
        given_by_id=manager.id,
        occasion=occasion,
        note=note,
        given_on=given_on,
        cost=reward.cost,
        team_id=team_id,
    )
    session.add(grant)
    session.flush()
    notify(
        session,
        person,
        "reward_received",
        {"reward": reward.slug, "reward_name": dict(reward.name), "manager": manager.name},
        "/me/#received",
    )
    record_event(
        session,
        actor=manager,
        action="reward.give",
        target=person.external_id,
        details={
            "reward": reward.slug,
            "occasion": occasion,
            "grant": grant.id,
            "team": team_id,
            "over_budget": status.amount is not None
            and status.spent + reward.cost > status.amount + 1e-9,
        },
    )
    if commit:
        session.commit()
    return grant


def set_grant_status(*, session: Session, manager: Person, grant_id: int, status: str) -> Grant:
    """The manager records whether a reward was accepted or redeemed."""
    from models.tables import GRANT_STATUSES

    require(manager, "view_team")
    grant = session.get(Grant, grant_id)
    person = session.get(Person, grant.person_id) if grant is not None else None
    # The rule of whose page a manager reaches (``can_view_person``: their active reports),
    # not a second copy of it.
    if grant is None or person is None or person.id == manager.id:
        raise NotFound("No such reward.", code="reward.not_found")
    try:
        ensure_can_view_person(manager, person)
    except NotFound:
        raise NotFound("No such reward.", code="reward.not_found") from None
    if status not in GRANT_STATUSES:
        known = ", ".join(GRANT_STATUSES)
        raise InvalidInput(
            f"status: choose one of {known}", code="grant.status_unknown", params={"known": known}
        )
    if grant.status != status:
        grant.status = status
        session.add(grant)
        record_event(
            session,
            actor=manager,
            action="reward.status",
            target=person.external_id,
            details={"grant": grant.id, "status": status},
        )
        session.commit()
    return grant
