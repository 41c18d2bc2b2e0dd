"""A manager's view of their team: who answered, the profile mix, and a card per person.

Managers see names, survey status (answered or not), profile summaries and suggestions;
never item-level answers or free text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from models.tables import Grant, Person, SurveyResponse, Team, Wave
from models.tables import Reward as RewardRow
from services.access import ensure_can_view_person, require
from services.budgets import BudgetStatus, budget_status, charged_team_id
from services.organisation import min_group_size
from services.people import direct_reports, team_name
from services.recommendations import (
    CurrentAnswers,
    PersonProfile,
    SuggestionList,
    current_answers,
    load_context,
    profiles_now,
    suggest_for_people,
    suggest_rewards,
)
from services.waves import open_waves_for, status_for_others


@dataclass
class MemberCard:
    person: Person
    survey: str  # submitted | in_progress | not_started | not_invited
    profile: PersonProfile | None
    suggestions: SuggestionList
    last_recognised: date | None


@dataclass
class TeamOverview:
    manager: Person
    team: str | None
    members: list[MemberCard] = field(default_factory=list)
    wave: Wave | None = None
    answered: int = 0
    profile_mix: list[tuple[dict[str, str], int]] | None = None
    min_group_size: int = 5
    # (team name, status) for each team the manager's rewards are charged to this quarter.
    budgets: list[tuple[str, BudgetStatus]] = field(default_factory=list)


def _profiles(session: Session, answers: CurrentAnswers) -> tuple[dict[int, int], dict[int, dict]]:
    return profiles_now(session=session, answers=answers)


def _profile_for(person: Person, assignments, catalogue) -> PersonProfile | None:
    label = assignments.get(person.id) if person.personalise else None
    if label is None or label not in catalogue:
        return None
    info = catalogue[label]
    return PersonProfile(label, info["name"], info["description"])


def team_overview(*, session: Session, manager: Person, k: int = 3) -> TeamOverview:
    """Everything the team page shows, read with a fixed number of queries.

    The profile mix counts the profiles already on the members' cards (it adds nothing a
    manager cannot count there); no aggregate of survey answers is shown.
    """
    require(manager, "view_team")
    reports = direct_reports(session=session, manager=manager)
    min_size = min_group_size(session)
    overview = TeamOverview(
        manager=manager, team=team_name(session, manager), min_group_size=min_size
    )
    ids = [p.id for p in reports]
    waves = open_waves_for(session=session, person=reports[0]) if reports else []
    overview.wave = waves[0] if waves else None
    statuses: dict[int, str] = {}
    if overview.wave is not None and ids:
        for person_id, status in session.exec(
            select(SurveyResponse.person_id, status_for_others()).where(
                SurveyResponse.wave_id == overview.wave.id, SurveyResponse.person_id.in_(ids)
            )
        ):
            statuses[person_id] = status
    context = load_context(session, ids)
    # Profiles (shown only while big enough across the organisation) and the cards'
    # suggestions read the same scored responses: read and score them once.
    answers = current_answers(session)
    assignments, catalogue = _profiles(session, answers)
    last_grant: dict[int, date] = {}
    for person_id, grants in context.grants.items():
        last_grant[person_id] = max(g.given_on for g in grants)
    suggestions = suggest_for_people(
        session=session, viewer=manager, people=reports, k=k, context=context, answers=answers
    )
    for person in reports:
        survey = statuses.get(person.id, "not_started" if overview.wave else "not_invited")
        overview.members.append(
            MemberCard(
                person=person,
                survey=survey,
                profile=_profile_for(person, assignments, catalogue),
                suggestions=suggestions[person.id],
                last_recognised=last_grant.get(person.id),
            )
        )
    overview.budgets = _charged_budgets(session, manager, reports)
    overview.answered = sum(1 for m in overview.members if m.survey == "submitted")
    if len(reports) >= min_size:
        counts = Counter(m.profile.profile for m in overview.members if m.profile is not None)
        overview.profile_mix = [
            (catalogue[label]["name"], n) for label, n in sorted(counts.items())
        ]
    return overview


def _charged_budgets(
    session: Session, manager: Person, reports: list[Person]
) -> list[tuple[str, BudgetStatus]]:
    """The budgets a reward this manager gives is charged to: each report's team (the
    recipient's team pays), or the manager's own team when they lead nobody yet."""
    team_ids = {charged_team_id(person, manager) for person in reports} - {None}
    if not team_ids and manager.team_id is not None:
        team_ids = {manager.team_id}
    if not team_ids:
        return []
    names = dict(session.exec(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all())
    return [
        (names[team_id], budget_status(session=session, team_id=team_id))
        for team_id in sorted(team_ids, key=lambda t: names[t])
    ]


@dataclass
class PersonDetail:
    person: Person
    team: str | None
    profile: PersonProfile | None
    suggestions: SuggestionList
    history: list[tuple[Grant, RewardRow]]


def person_detail(*, session: Session, viewer: Person, person: Person, k: int = 5) -> PersonDetail:
    """One person's card for their manager (or themself): profile, suggestions, rewards given."""
    ensure_can_view_person(viewer, person)
    answers = current_answers(session)
    assignments, catalogue = _profiles(session, answers)
    rewards = {r.id: r for r in session.exec(select(RewardRow))}
    grants = session.exec(
        select(Grant).where(Grant.person_id == person.id).order_by(Grant.given_on.desc())
    ).all()
    return PersonDetail(
        person=person,
        team=team_name(session, person),
        profile=_profile_for(person, assignments, catalogue),
        suggestions=suggest_rewards(
            session=session, viewer=viewer, person=person, k=k, answers=answers
        ),
        history=[(g, rewards[g.reward_id]) for g in grants],
    )
