"""The demo organisation: a realistic sales organisation to try Motivo on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from models.tables import Credential, Experiment, Person
from services.access import SYSTEM
from services.accounts import hash_password, store_password
from services.people import PEOPLE_COLUMNS, import_people


@dataclass(frozen=True)
class DemoLogin:
    access: str
    name: str
    email: str


def load_demo_people(*, session: Session, people: Sequence[dict], password: str) -> list[DemoLogin]:
    """Import the demo people (idempotent) and give a password to those who have none."""
    import_people(
        session=session,
        actor=SYSTEM,
        header=list(PEOPLE_COLUMNS),
        records=[{k: ("" if v is None else v) for k, v in p.items()} for p in people],
        deactivate_missing=False,
        source="demo organisation",
    )
    emails = [p["email"] for p in people]
    persons = session.exec(select(Person).where(Person.email.in_(emails))).all()
    with_credentials = {c.person_id for c in session.exec(select(Credential))}
    shared_hash = hash_password(password)  # one slow hash for the whole demo
    for person in persons:
        if person.id not in with_credentials:
            store_password(session, person, password, password_hash=shared_hash)
    session.commit()
    return demo_logins(session, persons)


def demo_logins(session: Session, persons: Sequence[Person]) -> list[DemoLogin]:
    """One login per access role: a rep who can still take the open survey, and their manager."""
    order = ("rep", "manager", "hr", "admin")
    first: dict[str, Person] = {}
    rep = demo_rep_to_try(session=session)
    if rep is not None:
        first["rep"] = rep
        manager = session.get(Person, rep.manager_id)
        if manager is not None:
            first["manager"] = manager
    for person in sorted(persons, key=lambda p: p.external_id):
        first.setdefault(person.access, person)
    return [DemoLogin(a, first[a].name, first[a].email) for a in order if a in first]


FIRST_WAVE = "Autumn pulse"
CURRENT_WAVE = "Winter check-in"


def load_demo_survey(*, session: Session, random_state: int = 11) -> dict[str, int]:
    """Give the demo organisation survey history: a closed first wave that every rep
    answered (instrument version 1), and an open wave on the current version that some
    have answered, so every page has something real.

    Answers come from the latent-profile simulator in ``seed.simulate``; the same simulated
    people answer both versions. Idempotent: an existing first wave means the survey part
    of the demo is loaded already.
    """
    from datetime import timedelta

    import numpy as np

    from models.tables import SurveyResponse, Wave
    from recommender.quality import quality_flags
    from seed.loaders import load_catalogue
    from seed.simulate import simulate_organisation
    from services.instruments import (
        definition,
        ensure_current_instrument,
        ensure_default_instrument,
    )
    from services.responses import to_answer_row
    from services.waves import open_wave, today

    if session.exec(select(Wave).where(Wave.name == FIRST_WAVE)).first() is not None:
        return {"responses": 0}
    first_row = ensure_default_instrument(session=session).row
    current_row = ensure_current_instrument(session=session).row
    instrument = definition(first_row)
    current_instrument = definition(current_row)
    reps = list(
        session.exec(
            select(Person)
            .where(Person.access == "rep", Person.active.is_(True))
            .order_by(Person.external_id)
        )
    )
    if not reps:
        return {"responses": 0}
    org = simulate_organisation(
        instrument,
        load_catalogue(),
        len(reps),
        random_state=random_state,
        roles=[p.sales_role or "closer" for p in reps],
    )
    # The same seed and roles draw the same people (traits are drawn before any answer);
    # only their answers to the current version are new.
    current_org = simulate_organisation(
        current_instrument,
        load_catalogue(),
        len(reps),
        random_state=random_state,
        roles=[p.sales_role or "closer" for p in reps],
    )
    now = today()
    first = open_wave(
        session=session,
        actor=SYSTEM,
        name=FIRST_WAVE,
        opens_on=now - timedelta(days=75),
        closes_on=now - timedelta(days=54),
        instrument_name=first_row.name,
        instrument_version=first_row.version,
        allow_past=True,
    )
    first.status, first.closed_at = "closed", first.created_at
    session.add(first)
    current = open_wave(
        session=session,
        actor=SYSTEM,
        name=CURRENT_WAVE,
        opens_on=now - timedelta(days=5),
        closes_on=now + timedelta(days=16),
        instrument_name=current_row.name,
        instrument_version=current_row.version,
    )
    rng = np.random.default_rng(random_state)
    created = 0

    def store(
        wave, person, answers, seconds, submitted_days_ago, status="submitted", survey=instrument
    ):
        nonlocal created
        from datetime import UTC, datetime, time

        when = datetime.combine(now - timedelta(days=submitted_days_ago), time(10), tzinfo=UTC)
        # Never in the future: an answer "submitted" later today would count as new since the
        # demo's first training, and the model page would call the fresh model stale.
        when = min(when, datetime.now(UTC))
        flags = quality_flags(survey, [answers], [seconds])[0] if status == "submitted" else ()
        response = SurveyResponse(
            wave_id=wave.id,
            person_id=person.id,
            instrument_id=wave.instrument_id,
            status=status,
            source="demo",
            started_at=when,
            updated_at=when,
            submitted_at=when if status == "submitted" else None,
            page_seconds=seconds,
            flags=sorted(flags),
        )
        session.add(response)
        session.flush()
        rows = [
            to_answer_row(response.id, survey.item(code), value) for code, value in answers.items()
        ]
        session.add_all([r for r in rows if r is not None])
        created += 1

    for index, person in enumerate(reps):
        store(first, person, org.answers[index], org.page_seconds[index], int(rng.integers(54, 75)))
    # In the open wave more than half have submitted and a few are half-way (enough complete
    # answers to the current version for HR's validity page to fit its factor model);
    # motivation drifts a little.
    order = rng.permutation(len(reps))
    for rank, index in enumerate(order[: int(len(reps) * 0.7)]):
        person = reps[index]
        answers = dict(current_org.answers[index])
        for item in current_instrument.likert_items():
            value = answers.get(item.code)
            if isinstance(value, int) and rng.random() < 0.15:
                answers[item.code] = int(np.clip(value + rng.choice([-1, 1]), item.min, item.max))
        if rank % 6 == 5:
            first_page = {i.code for i in current_instrument.pages()[0][1]}
            partial = {k: v for k, v in answers.items() if k in first_page}
            store(current, person, partial, {}, 1, status="in_progress", survey=current_instrument)
        else:
            seconds = current_org.page_seconds[index]
            days = int(rng.integers(0, 5))
            store(current, person, answers, seconds, days, survey=current_instrument)
    session.commit()
    feedback = load_demo_feedback(session=session, org=org, reps=reps, random_state=random_state)
    return {"responses": created, **feedback}


def load_demo_feedback(*, session: Session, org, reps: list[Person], random_state: int) -> dict:
    """Rewards the demo managers gave over the last quarter and how reps rated them.

    Choices and ratings come from ``seed.simulate.simulate_ratings``: managers pick rewards
    that roughly fit, reps rate them by their true taste, and a few say "not for me". The
    newest grants are left unrated, as they would be in real life.
    """
    from datetime import timedelta

    import numpy as np

    from models.tables import Grant, Rating
    from models.tables import Reward as RewardRow
    from seed.simulate import simulate_ratings
    from services.catalogue import catalogue_rows, ensure_seed_catalogue, to_reward
    from services.waves import today

    ensure_seed_catalogue(session=session)
    rows = catalogue_rows(session=session)
    rewards = [to_reward(r) for r in rows]
    by_slug: dict[str, RewardRow] = {r.slug: r for r in rows}
    sim = simulate_ratings(org, rewards, mean_per_person=2.5, random_state=random_state + 1)
    now = today()
    grants = ratings = dismissals = 0
    for person_row, column, value, days in zip(
        sim.person, sim.reward, sim.rating, sim.days_ago, strict=True
    ):
        person = reps[int(person_row)]
        reward = by_slug.get(org.reward_ids[int(column)])
        if reward is None:
            continue
        if np.isnan(value):
            session.add(
                Rating(person_id=person.id, reward_id=reward.id, dismissed=True, source="demo")
            )
            dismissals += 1
            continue
        days = int(min(days, 88))
        grant = Grant(
            reward_id=reward.id,
            person_id=person.id,
            given_by_id=person.manager_id,
            occasion=("goal_reached", "milestone", "peer_nomination", "other")[int(column) % 4],
            given_on=now - timedelta(days=days),
            status="redeemed" if days > 14 else "given",
            source="demo",
            cost=reward.cost,
            team_id=person.team_id,
        )
        session.add(grant)
        grants += 1
        if days > 10:
            session.flush()
            session.add(
                Rating(
                    person_id=person.id,
                    reward_id=reward.id,
                    grant_id=grant.id,
                    rating=int(round(float(value))),
                    source="demo",
                )
            )
            ratings += 1
    load_demo_budgets(session=session)
    session.commit()
    return {"grants": grants, "ratings": ratings, "dismissals": dismissals}


DEMO_BUDGET_PER_REP = 3500  # NOK a quarter: enough for a few rewards each, not for everything
DEMO_BUDGET_HEADROOM = 1.5  # a team has given at most two thirds of its budget when the demo opens


def load_demo_budgets(*, session: Session) -> None:
    """A quarterly budget for every demo team (added, not committed): sized by headcount, and
    never less than half as much again as the team's demo grants this quarter have cost, so
    no team opens the demo over its budget (a team given a trip would otherwise)."""
    import math

    from sqlalchemy import func

    from models.tables import Budget, Team
    from services.budgets import budget_status, current_quarter

    quarter = current_quarter()
    counts = dict(
        session.exec(
            select(Person.team_id, func.count())
            .where(Person.access == "rep", Person.active.is_(True))
            .group_by(Person.team_id)
        ).all()
    )
    session.flush()
    for team in session.exec(select(Team)):
        exists = session.exec(
            select(Budget).where(Budget.team_id == team.id, Budget.quarter == quarter)
        ).first()
        if exists is None and counts.get(team.id):
            spent = budget_status(session=session, team_id=team.id, quarter=quarter).spent
            covering = math.ceil(spent * DEMO_BUDGET_HEADROOM / 5000) * 5000
            amount = max(DEMO_BUDGET_PER_REP * counts[team.id], covering)
            session.add(Budget(team_id=team.id, quarter=quarter, amount=amount))


def demo_rep_to_try(*, session: Session) -> Person | None:
    """A rep who has not started the open wave, to take the survey in the demo."""
    from models.tables import SurveyResponse, Wave

    current = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).first()
    answered = set()
    if current is not None:
        answered = set(
            session.exec(
                select(SurveyResponse.person_id).where(SurveyResponse.wave_id == current.id)
            )
        )
    reps = session.exec(
        select(Person)
        .where(Person.access == "rep", Person.active.is_(True))
        .order_by(Person.external_id)
    )
    return next((p for p in reps if p.id not in answered and p.manager_id is not None), None)


def load_demo_kpis(*, session: Session, random_state: int = 17) -> int:
    """Four months of sales figures per demo rep, so KPI and experiment pages have data.

    Revenue and deals follow a stable personal level with month-to-month noise and a small
    lift for reps who were recognised recently; idempotent through the KPI import itself.
    """
    from datetime import timedelta

    import numpy as np

    from models.tables import Grant
    from services.kpis import import_kpis
    from services.waves import today

    reps = list(
        session.exec(
            select(Person)
            .where(Person.access == "rep", Person.active.is_(True))
            .order_by(Person.external_id)
        )
    )
    if not reps:
        return 0
    rng = np.random.default_rng(random_state)
    now = today()
    months = []
    first = now.replace(day=1)
    for back in range(4, 0, -1):
        month = first
        for _ in range(back):
            month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    recognised = {g.person_id for g in session.exec(select(Grant)) if (now - g.given_on).days <= 60}
    records = []
    for person in reps:
        level = rng.lognormal(mean=np.log(180_000), sigma=0.35)
        for index, month in enumerate(months):
            lift = 1.04 if person.id in recognised and index >= 2 else 1.0
            revenue = level * lift * rng.normal(1.0, 0.12)
            deals = max(0, int(round(revenue / 45_000 + rng.normal(0, 0.8))))
            activities = int(rng.normal(260, 40))
            period = f"{month:%Y-%m}"
            for metric, value in (
                ("revenue", round(revenue, -2)),
                ("deals_won", deals),
                ("conversion_rate", round(float(np.clip(rng.normal(0.22, 0.05), 0.02, 0.6)), 3)),
                ("activities", activities),
            ):
                records.append(
                    {
                        "person": person.external_id,
                        "period": period,
                        "metric": metric,
                        "value": str(value),
                    }
                )
    summary = import_kpis(
        session=session,
        actor=SYSTEM,
        header=["person", "period", "metric", "value"],
        records=records,
        source="demo organisation",
    )
    return getattr(summary, "created", 0)


def load_demo_experiment(
    *, session: Session, spec: dict, today: date | None = None, seed: int = 11
) -> Experiment | None:
    """Start the demo's running experiment today (idempotent: kept once it exists).

    The before period is last month, the after period next month, so the arms start now
    and the results appear once next month is over.
    """
    from services.experiments import ArmSpec, create_experiment
    from services.waves import today as current_day

    existing = session.exec(select(Experiment).where(Experiment.name == spec["name"])).first()
    if existing is not None:
        return existing
    day = today or current_day()
    index = day.year * 12 + day.month - 1

    def month(offset: int) -> str:
        i = index + offset
        return f"{i // 12:04d}-{i % 12 + 1:02d}"

    return create_experiment(
        session=session,
        actor=SYSTEM,
        name=spec["name"],
        description=spec.get("description", ""),
        metric=spec["metric"],
        period_before=month(-1),
        period_after=month(1),
        arms=[ArmSpec(a["key"], a["label"], a.get("category")) for a in spec["arms"]],
        control=spec["control"],
        seed=seed,
        today=day,
    )
