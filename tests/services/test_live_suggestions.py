"""Suggestions follow each rep's current answers, consent and ratings at once: the stored
model is applied to the latest submitted response and the ratings as they are now, on every
page view, without retraining."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

from sqlmodel import select

from models.tables import Instrument as InstrumentRow
from models.tables import Person, SurveyResponse, utc_today
from recommender.catalogue import CATEGORIES
from services.access import SYSTEM
from services.feedback import rate_grant
from services.grants import give_reward
from services.instruments import DEFAULT_INSTRUMENT, definition, latest_row
from services.recommendations import (
    current_model,
    person_profile,
    profile_assignments,
    suggest_for_people,
    suggest_rewards,
)
from services.responses import answers_by_response
from services.scores import latest_responses
from services.survey import save_page, submit_response
from services.training import train_model
from services.waves import open_wave
from tests.services.test_recommendations import build, category_means, everything_for, slugs

TEAM_SENTENCE = "You prefer rewards you share with your team"
_waves = count(1)


def answer_again(session, person: Person, *, team: str, exclusive_place: int) -> SurveyResponse:
    """Submit a new response in a new wave: the rep's latest answers, except team rewards
    answered at the ``team`` pole ("high" or "low") and exclusive access ranked at
    ``exclusive_place`` (1 = first)."""
    instrument = definition(latest_row(session, DEFAULT_INSTRUMENT))
    [latest] = latest_responses(session, consenting_only=False, person_ids=[person.id])
    answers = dict(answers_by_response(session, instrument, [latest.id])[latest.id])
    for item in instrument.likert_items():
        answers.setdefault(item.code, (item.min + item.max) // 2)  # the survey wants them all
        if item.construct == "pref_team":
            high = (team == "high") != item.reverse
            answers[item.code] = item.max if high else item.min
    ranking = instrument.ranking_item()
    if ranking is not None:
        order = [code for code in answers[ranking.code] if code != "exclusive"]
        order.insert(exclusive_place - 1, "exclusive")
        answers[ranking.code] = order
    else:
        # Instrument v2 (the demo's current version): best-worst tasks answered as someone
        # who likes the kinds of reward in this order, exclusive access at its place.
        order = [c for c in CATEGORIES if c != "exclusive"]
        order.insert(exclusive_place - 1, "exclusive")
        for task in instrument.best_worst_items():
            codes = [o.code for o in task.options]
            answers[task.code] = [min(codes, key=order.index), max(codes, key=order.index)]
        for item in instrument.items:
            if item.type == "attention":
                answers[item.code] = item.expected
    # Beside whatever wave is open (the demo's): the rep answers again now.
    wave = open_wave(
        session=session,
        actor=SYSTEM,
        name=f"Pulse {next(_waves)}",
        opens_on=utc_today(),
        confirm_overlap=True,
    )
    for key, items in instrument.pages():
        page = {item.code: answers[item.code] for item in items if item.code in answers}
        save_page(
            session=session,
            person=person,
            wave_id=wave.id,
            page_key=key,
            answers=page,
            seconds=4.0 * len(items),  # read at a human pace, so not flagged as speeding
        )
    response = submit_response(session=session, person=person, wave_id=wave.id)
    assert response.flags == []
    return response


def all_reasons(suggestions, lang: str = "en") -> list[str]:
    return [reason for item in suggestions.items for reason in item.reasons_in(lang)]


def test_answering_again_changes_suggestions_and_reasons_without_training(session):
    org = build(session, train=False)
    rep = org.rep
    answer_again(session, rep, team="high", exclusive_place=2)
    train_model(session=session, actor=SYSTEM)
    before = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
    assert before.personal and TEAM_SENTENCE in all_reasons(before)
    manager_before = suggest_rewards(session=session, viewer=org.manager, person=rep, k=5)
    assert slugs(manager_before) == slugs(before)

    answer_again(session, rep, team="low", exclusive_place=5)
    after = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
    assert (after.personal, after.model_version) == (True, 1)  # no training in between
    assert slugs(after) != slugs(before)
    reasons = all_reasons(after)
    assert TEAM_SENTENCE not in reasons
    assert not any("exclusive" in r and "second" in r for r in reasons)
    assert all("fifth" in r for r in reasons if r.startswith("You ranked exclusive"))
    team_scope = [item for item in after.items if item.reward.scope == "team"]
    assert len(team_scope) < sum(item.reward.scope == "team" for item in before.items)
    # The manager's page for this rep shows the same new list, in their own wording.
    manager_after = suggest_rewards(session=session, viewer=org.manager, person=rep, k=5)
    assert slugs(manager_after) == slugs(after)
    assert "Prefers rewards shared with the team" not in all_reasons(manager_after)
    # The team page's batch gives what the rep's own page gives.
    team = suggest_for_people(session=session, viewer=org.manager, people=[rep, org.colleague])
    assert slugs(team[rep.id]) == slugs(after)


def test_a_new_rating_changes_the_next_list_without_training(today, session):
    org = build(session)
    before = everything_for(session, org, org.rep)
    means = category_means(before)
    top = before.items[0].reward
    liked = min((c for c in means if c != top.category), key=means.get)
    for slug, stars in [(top.slug, 1)] + [
        (i.reward.slug, 5) for i in before.items if i.reward.category == liked
    ][:3]:
        grant = give_reward(
            session=session,
            manager=org.manager,
            person=org.rep,
            reward_slug=slug,
            given_on=today - timedelta(days=400),
            confirm_over_budget=True,
        )
        rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=stars)
    after = everything_for(session, org, org.rep)
    assert after.model_version == before.model_version == 1  # no training in between
    score_before = {i.reward.slug: i.score for i in before.items}
    score_after = {i.reward.slug: i.score for i in after.items}
    assert top.slug not in score_after  # rated: left out

    def moved(category: str) -> float:
        same = [
            s for s, i in ((i.reward.slug, i) for i in after.items) if i.reward.category == category
        ]
        return sum(score_after[s] - score_before[s] for s in same) / len(same)

    assert moved(liked) > moved(top.category)
    shared = [s for s in slugs(before) if s in score_after]
    assert [s for s in slugs(after) if s in score_before] != shared


def test_consent_takes_effect_at_once_both_ways(session):
    org = build(session)
    rep = org.rep
    assert suggest_rewards(session=session, viewer=rep, person=rep).personal
    rep.personalise = False
    session.add(rep)
    session.commit()
    off = suggest_rewards(session=session, viewer=org.manager, person=rep)
    # The manager sees the neutral reason they would also see for a flagged response.
    assert (off.personal, off.why_not_personal) == (False, "withheld")
    own = suggest_rewards(session=session, viewer=rep, person=rep)
    assert (own.personal, own.why_not_personal) == (False, "no_consent")
    assert rep.id not in profile_assignments(session=session)
    train_model(session=session, actor=SYSTEM)  # trained without this rep
    assert current_model(session).version == 2
    rep.personalise = True
    session.add(rep)
    session.commit()
    on = suggest_rewards(session=session, viewer=rep, person=rep)
    assert (on.personal, on.model_version) == (True, 2)
    assert person_profile(session=session, viewer=rep, person=rep) is not None
    assert rep.id in profile_assignments(session=session)


def test_the_profile_follows_the_latest_answers(today, session):
    org = build(session, train=False)
    answer_again(session, org.rep, team="high", exclusive_place=1)
    train_model(session=session, actor=SYSTEM)
    served = current_model(session)
    [latest] = latest_responses(session, person_ids=[org.rep.id])
    first = profile_assignments(session=session).get(org.rep.id)
    # Answer again as a colleague in another profile did: the profile follows at once.
    assignments = profile_assignments(session=session)
    other = next(
        (
            session.get(Person, pid)
            for pid, label in assignments.items()
            if label != first and session.get(Person, pid).access == "rep"
        ),
        None,
    )
    assert other is not None and served.version == 1 and latest is not None
    [theirs] = latest_responses(session, person_ids=[other.id])
    # Their answers, in the instrument version they gave them in.
    row = session.get(InstrumentRow, theirs.instrument_id)
    instrument = definition(row)
    answers = answers_by_response(session, instrument, [theirs.id])[theirs.id]
    wave = open_wave(
        session=session,
        actor=SYSTEM,
        name="Copy wave",
        opens_on=today,
        instrument_name=row.name,
        instrument_version=row.version,
        confirm_overlap=True,
    )
    for key, items in instrument.pages():
        page = {item.code: answers[item.code] for item in items if item.code in answers}
        save_page(
            session=session,
            person=org.rep,
            wave_id=wave.id,
            page_key=key,
            answers=page,
            seconds=4.0 * len(items),
        )
    submit_response(session=session, person=org.rep, wave_id=wave.id)
    assert profile_assignments(session=session).get(org.rep.id) == assignments[other.id]
    mine = suggest_rewards(session=session, viewer=SYSTEM, person=org.rep, k=5)
    assert mine.personal and mine.model_version == 1


def test_suggestions_never_read_the_training_rows(session):
    """People are served from their responses now: a rep the model was trained on but whose
    survey answers are gone has no response, and gets the labelled fallback."""
    org = build(session)
    for response in session.exec(
        select(SurveyResponse).where(SurveyResponse.person_id == org.rep.id)
    ):
        response.status = "in_progress"
        session.add(response)
    session.commit()
    result = suggest_rewards(session=session, viewer=SYSTEM, person=org.rep)
    assert (result.personal, result.why_not_personal) == (False, "no_response")
