"""Suggestions: personal when they may be, labelled fallbacks otherwise, and the rules
that hold either way (exclusions, sales roles, who may look, profiles of five or more)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from sqlmodel import func, select

from models.tables import Answer, Person, Rating, SurveyResponse, utc_today
from models.tables import Reward as RewardRow
from recommender.catalogue import reward_to_dict
from seed.demo_org import demo_people
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue, export_rewards, import_rewards
from services.demo import load_demo_people, load_demo_survey
from services.errors import NotFound
from services.feedback import dismiss_reward, rate_grant
from services.grants import give_reward
from services.organisation import use_min_group_size
from services.recommendations import (
    _current_members,
    current_model,
    person_profile,
    profile_assignments,
    profile_catalogue,
    suggest_rewards,
)
from services.training import train_model
from tests.conftest import TEST_PASSWORD, rated_grant

FALLBACK_REASONS = {
    "en": "A popular choice while Motivo learns what suits you",
    "nb": "Et populært valg mens Motivo lærer hva som passer deg",
}


def one_off(reward_id: str, **changes) -> dict:
    """A reward given once only (no cooldown), for everyone."""
    return {
        "id": reward_id,
        "name": {"en": "Signed book", "nb": "Signert bok"},
        "description": {"en": "A book signed by the author.", "nb": "En signert bok."},
        "category": "personal",
        "visibility": "private",
        "scope": "individual",
        "roles": ["all"],
        "cost_band": 1,
        "cost": 300,
        "horizon": "short",
        "cooldown_days": 0,
        "active": True,
        **changes,
    }


def reps_of(session, manager: Person) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .where(Person.manager_id == manager.id, Person.access == "rep")
            .order_by(Person.external_id)
        )
    )


def build(session, *, train: bool = True) -> SimpleNamespace:
    """The demo organisation plus a one-off reward, optionally with a trained model."""
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    import_rewards(session=session, actor=SYSTEM, records=[one_off("signed-book")])
    if train:
        train_model(session=session, actor=SYSTEM)
    managers = list(
        session.exec(select(Person).where(Person.access == "manager").order_by(Person.external_id))
    )
    rep = reps_of(session, managers[0])[0]
    return SimpleNamespace(
        rep=rep,
        colleague=reps_of(session, managers[0])[1],
        manager=managers[0],
        other_manager=managers[1],
        hr=session.exec(select(Person).where(Person.access == "hr")).first(),
        everything=session.exec(select(func.count()).select_from(RewardRow)).one(),
    )


def slugs(suggestions) -> list[str]:
    return [item.reward.slug for item in suggestions.items]


def everything_for(session, org, person: Person, **kwargs):
    return suggest_rewards(
        session=session, viewer=SYSTEM, person=person, k=org.everything, **kwargs
    )


# --- the non-personal fallback -----------------------------------------------------------


def test_without_a_model_suggestions_are_a_labelled_non_personal_list(session, factory):
    ensure_seed_catalogue(session=session)
    rep = factory.person("rep", password=None)
    result = suggest_rewards(session=session, viewer=rep, person=rep, k=7)
    assert (result.personal, result.why_not_personal, result.model_version) == (
        False,
        "no_model",
        None,
    )
    assert len(result.items) == 7 == len(set(slugs(result)))
    assert all(item.score is None for item in result.items)
    for item in result.items:
        assert item.reasons == {lang: [text] for lang, text in FALLBACK_REASONS.items()}
        assert item.reasons_in("de") == [FALLBACK_REASONS["en"]]
    # Varied: one reward from each category before any category repeats.
    assert len({item.reward.category for item in result.items}) == 7


def test_the_fallback_counts_people_not_ratings(session, factory):
    """Six ratings from three people are three voices: below five, no figure is quoted."""
    ensure_seed_catalogue(session=session)
    reps = [factory.person("rep", password=None) for _ in range(8)]
    by_slug = {r.slug: r for r in session.exec(select(RewardRow))}
    bell = by_slug["deal-bell"]
    for person in reps[1:6]:  # so that the bell stands out
        session.add(
            Rating(person_id=person.id, reward_id=by_slug["employee-of-the-month"].id, rating=1)
        )
    for person in reps[1:4]:  # three people, two grants of the bell each, both rated 5
        for days_ago in (10, 40):
            rated_grant(session, person, bell, 5, days_ago=days_ago)
    session.commit()
    result = suggest_rewards(session=session, viewer=SYSTEM, person=reps[0], k=3)
    assert slugs(result)[0] == "deal-bell"
    assert result.items[0].reasons["en"] == [FALLBACK_REASONS["en"]]
    for person in reps[4:6]:  # two more people: five voices, seven ratings
        session.add(Rating(person_id=person.id, reward_id=bell.id, rating=5))
    session.commit()
    result = suggest_rewards(session=session, viewer=SYSTEM, person=reps[0], k=3)
    assert result.items[0].reasons["en"] == ["Colleagues rated this above average (5 people)"]
    use_min_group_size(session, 7)  # the organisation's setting, not a constant, decides
    result = suggest_rewards(session=session, viewer=SYSTEM, person=reps[0], k=3)
    assert result.items[0].reasons["en"] == [FALLBACK_REASONS["en"]]


def test_the_fallback_reason_quotes_no_mean_a_colleagues_rating_would_move(session, factory):
    """A rep reads a reward's reason, a colleague rates the reward, the rep reads it again:
    the two readings must not tell whether that colleague gave 1 or 5 (with a mean to one
    decimal beside the number of people, they did)."""
    ensure_seed_catalogue(session=session)
    reps = [factory.person("rep", password=None) for _ in range(9)]
    by_slug = {r.slug: r for r in session.exec(select(RewardRow))}
    for person in reps[1:7]:
        session.add(Rating(person_id=person.id, reward_id=by_slug["deal-bell"].id, rating=5))
    for person in reps[1:7]:
        session.add(
            Rating(person_id=person.id, reward_id=by_slug["employee-of-the-month"].id, rating=1)
        )
    session.commit()
    seen = []
    for stars in (1, 5):
        late = Rating(person_id=reps[7].id, reward_id=by_slug["deal-bell"].id, rating=stars)
        session.add(late)
        session.commit()
        result = suggest_rewards(session=session, viewer=SYSTEM, person=reps[0], k=3)
        bell = next(item for item in result.items if item.reward.slug == "deal-bell")
        seen.append(dict(bell.reasons))
        session.delete(late)
        session.commit()
    assert seen[0] == seen[1]
    assert seen[0]["en"] == ["Colleagues rated this above average (7 people)"]


def test_the_fallback_says_what_colleagues_thought_only_with_five_ratings_or_more(session, factory):
    ensure_seed_catalogue(session=session)
    reps = [factory.person("rep", password=None) for _ in range(7)]
    by_slug = {r.slug: r for r in session.exec(select(RewardRow))}

    def rate(people, slug, stars):
        for person in people:
            session.add(Rating(person_id=person.id, reward_id=by_slug[slug].id, rating=stars))

    rate(reps[1:6], "deal-bell", 5)  # five colleagues loved the bell
    rate(reps[1:5], "outreach-bootcamp", 5)  # four loved the bootcamp: too few to quote
    rate(reps[1:6], "employee-of-the-month", 1)  # so that the two above stand out
    session.commit()
    result = suggest_rewards(session=session, viewer=SYSTEM, person=reps[0], k=3)
    assert slugs(result)[0] == "deal-bell"
    assert result.items[0].reasons["en"] == ["Colleagues rated this above average (5 people)"]
    assert result.items[0].reasons["nb"] == ["Kolleger vurderte denne over snittet (5 personer)"]
    assert "outreach-bootcamp" not in slugs(result)  # for SDRs only; this rep is a closer
    sdr = factory.person("rep", sales_role="sdr", password=None)
    for_sdr = suggest_rewards(session=session, viewer=SYSTEM, person=sdr, k=3)
    assert slugs(for_sdr)[0] == "outreach-bootcamp"  # the bell is for closers and AMs
    assert "deal-bell" not in slugs(for_sdr)
    assert for_sdr.items[0].reasons["en"] == [FALLBACK_REASONS["en"]]


def test_consent_off_gives_the_fallback_and_no_profile(session):
    org = build(session)
    assert person_profile(session=session, viewer=org.rep, person=org.rep) is not None
    assert org.rep.id in profile_assignments(session=session)
    org.rep.personalise = False
    session.add(org.rep)
    session.commit()
    for _retrained in (False, True):
        result = suggest_rewards(session=session, viewer=org.rep, person=org.rep)
        assert (result.personal, result.why_not_personal) == (False, "no_consent")
        assert all(item.score is None for item in result.items)
        assert person_profile(session=session, viewer=org.rep, person=org.rep) is None
        assert person_profile(session=session, viewer=org.manager, person=org.rep) is None
        assert org.rep.id not in profile_assignments(session=session)
        train_model(session=session, actor=SYSTEM)


def test_a_rep_without_a_response_gets_the_fallback(session, factory):
    org = build(session)
    newcomer = factory.person("rep", manager=org.manager, password=None)
    result = suggest_rewards(session=session, viewer=newcomer, person=newcomer)
    assert (result.personal, result.why_not_personal) == (False, "no_response")
    assert person_profile(session=session, viewer=newcomer, person=newcomer) is None
    # Their manager reads the one reason every rep without a profile gives.
    result = suggest_rewards(session=session, viewer=org.manager, person=newcomer)
    assert (result.personal, result.why_not_personal) == (False, "withheld")


def test_a_response_given_after_training_is_scored_for_personal_suggestions(session, factory):
    org = build(session)
    newcomer = factory.person("rep", manager=org.manager, password=None)
    source = session.exec(
        select(SurveyResponse)
        .where(SurveyResponse.person_id == org.rep.id, SurveyResponse.status == "submitted")
        .order_by(SurveyResponse.id)
    ).first()
    copy = SurveyResponse(**source.model_dump(exclude={"id", "person_id"}), person_id=newcomer.id)
    session.add(copy)
    session.flush()
    for answer in session.exec(select(Answer).where(Answer.response_id == source.id)).all():
        session.add(Answer(**answer.model_dump(exclude={"id", "response_id"}), response_id=copy.id))
    session.commit()
    result = suggest_rewards(session=session, viewer=SYSTEM, person=newcomer, k=5)
    assert (result.personal, result.model_version) == (True, 1)
    assert len(result.items) == 5
    assert all(math.isfinite(item.score) and item.reasons["en"] for item in result.items)


# --- personal suggestions ----------------------------------------------------------------


def test_personal_suggestions_are_finite_explained_and_deterministic(session):
    org = build(session)
    first = suggest_rewards(session=session, viewer=org.rep, person=org.rep, k=5)
    second = suggest_rewards(session=session, viewer=org.rep, person=org.rep, k=5)
    assert (first.personal, first.why_not_personal, first.model_version) == (True, "", 1)
    assert len(first.items) == 5 == len(set(slugs(first)))
    assert [(i.reward.slug, i.score, i.reasons) for i in first.items] == [
        (i.reward.slug, i.score, i.reasons) for i in second.items
    ]
    for item in first.items:
        assert math.isfinite(item.score)
        assert item.reasons["en"] and item.reasons["nb"]
        assert item.reasons["en"] != item.reasons["nb"]
    whole = everything_for(session, org, org.rep)
    assert all(math.isfinite(item.score) for item in whole.items)
    assert slugs(whole)[:5] == slugs(first)


def test_a_manager_sees_their_own_reps_only(session):
    org = build(session)
    assert suggest_rewards(session=session, viewer=org.manager, person=org.rep).personal
    for outsider in (org.other_manager, org.colleague, org.hr):
        with pytest.raises(NotFound):
            suggest_rewards(session=session, viewer=outsider, person=org.rep)
        with pytest.raises(NotFound):
            person_profile(session=session, viewer=outsider, person=org.rep)


def test_suggestions_fit_each_reps_sales_role_and_cost_cap(session):
    org = build(session)
    reps = session.exec(select(Person).where(Person.access == "rep").order_by(Person.external_id))
    by_role = defaultdict(list)
    for person in reps:
        by_role[person.sales_role].append(person)
    assert len(by_role) == 5
    restricted_seen = set()
    for people in by_role.values():
        for person in people[:2]:
            for item in everything_for(session, org, person).items:
                roles = item.reward.roles
                assert "all" in roles or person.sales_role in roles, (item.reward.slug, person)
                if "all" not in roles:
                    restricted_seen.add(item.reward.slug)
    assert "outreach-bootcamp" in restricted_seen  # role rewards do reach the right people
    capped = everything_for(session, org, org.rep, max_cost_band=1)
    assert capped.items and all(item.reward.cost_band == 1 for item in capped.items)


def exclusion_setup(session, org) -> dict[str, str]:
    """Give the rep one reward of every excluded kind; returns kind -> reward id."""
    shown = slugs(everything_for(session, org, org.rep))
    rewards = {r.slug: r for r in session.exec(select(RewardRow))}
    already = {
        session.get(RewardRow, r.reward_id).slug
        for r in session.exec(select(Rating).where(Rating.person_id == org.rep.id))
    }
    free = [s for s in shown if s not in already and rewards[s].roles == ["all"]]
    cooling = [s for s in free if 30 <= rewards[s].cooldown_days <= 180]
    kinds = {"dismissed": free[0], "rated": free[1], "cooling": cooling[-1], "retired": free[2]}
    kinds["one-off received"] = "signed-book"
    dismiss_reward(session=session, person=org.rep, reward_slug=kinds["dismissed"])
    grant = give_reward(
        session=session,
        manager=org.manager,
        person=org.rep,
        reward_slug=kinds["rated"],
        given_on=utc_today() - timedelta(days=400),
        confirm_over_budget=True,
    )
    rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=4)
    for kind in ("one-off received", "cooling"):
        give_reward(
            session=session,
            manager=org.manager,
            person=org.rep,
            reward_slug=kinds[kind],
            given_on=utc_today() - timedelta(days=10),
            confirm_over_budget=True,
        )
    [retired] = [
        r for r in export_rewards(session=session, actor=SYSTEM) if r.id == kinds["retired"]
    ]
    import_rewards(
        session=session, actor=SYSTEM, records=[{**reward_to_dict(retired), "active": False}]
    )
    return kinds


def test_excluded_rewards_never_appear_in_personal_suggestions(today, session):
    org = build(session)
    assert "signed-book" in slugs(everything_for(session, org, org.rep))
    kinds = exclusion_setup(session, org)
    for _retrained in (False, True):
        shown = slugs(everything_for(session, org, org.rep))
        assert shown and not set(kinds.values()) & set(shown)
        train_model(session=session, actor=SYSTEM)
    # A cooldown ends; the other exclusions do not.
    later = slugs(everything_for(session, org, org.rep, today=today + timedelta(days=200)))
    assert kinds["cooling"] in later
    assert not {v for k, v in kinds.items() if k != "cooling"} & set(later)


def test_excluded_rewards_never_appear_in_the_fallback(session):
    org = build(session)
    kinds = exclusion_setup(session, org)
    org.rep.personalise = False
    session.add(org.rep)
    session.commit()
    result = everything_for(session, org, org.rep)
    assert result.why_not_personal == "no_consent"
    shown = set(slugs(result))
    assert shown
    assert not {v for k, v in kinds.items() if k != "cooling"} & shown
    for item in result.items:
        assert "all" in item.reward.roles or org.rep.sales_role in item.reward.roles


def test_the_fallback_respects_cooldowns_and_the_cost_cap(session):
    org = build(session, train=False)
    kinds = exclusion_setup(session, org)
    result = everything_for(session, org, org.rep, max_cost_band=1)
    assert result.why_not_personal == "no_model"
    assert kinds["cooling"] not in slugs(result)
    assert all(item.reward.cost_band == 1 for item in result.items)


def test_narrowing_a_rewards_roles_takes_effect_before_retraining(session):
    org = build(session)
    top = suggest_rewards(session=session, viewer=SYSTEM, person=org.rep, k=1).items[0].reward.slug
    other_role = "sdr" if org.rep.sales_role != "sdr" else "closer"
    [reward] = [r for r in export_rewards(session=session, actor=SYSTEM) if r.id == top]
    import_rewards(
        session=session, actor=SYSTEM, records=[{**reward_to_dict(reward), "roles": [other_role]}]
    )
    assert top not in slugs(everything_for(session, org, org.rep))


# --- feedback reaches the model (the UI's path: the manager gives, the rep rates) --------


def category_means(suggestions) -> dict[str, float]:
    scores = defaultdict(list)
    for item in suggestions.items:
        scores[item.reward.category].append(item.score)
    return {category: float(np.mean(values)) for category, values in scores.items()}


def first_rank(suggestions, category: str) -> int:
    return next(i for i, item in enumerate(suggestions.items) if item.reward.category == category)


def test_ratings_given_in_the_app_move_the_reps_next_suggestions(today, session):
    org = build(session)
    before = everything_for(session, org, org.rep)
    means = category_means(before)
    disliked = before.items[0].reward.category
    sizes = {c: sum(i.reward.category == c for i in before.items) for c in means}
    liked = min((c for c in means if c != disliked and sizes[c] >= 6), key=means.get)
    assert means[liked] < means[disliked]
    rated = []
    for category, stars in ((liked, 5), (disliked, 1)):
        for slug in [i.reward.slug for i in before.items if i.reward.category == category][:4]:
            grant = give_reward(
                session=session,
                manager=org.manager,
                person=org.rep,
                reward_slug=slug,
                given_on=today - timedelta(days=30),
                confirm_over_budget=True,
            )
            rate_grant(session=session, person=org.rep, grant_id=grant.id, rating=stars)
            rated.append(slug)

    train_model(session=session, actor=SYSTEM)
    after = everything_for(session, org, org.rep)
    assert after.model_version == 2
    means_after = category_means(after)
    assert means_after[liked] > means_after[disliked]
    assert first_rank(after, liked) < first_rank(before, liked)
    assert after.items[0].reward.category != disliked
    assert not set(rated) & set(slugs(after))

    # "Not for me" on the new top suggestion: gone now, and after the next training too.
    top = after.items[0].reward.slug
    dismiss_reward(session=session, person=org.rep, reward_slug=top)
    assert top not in slugs(everything_for(session, org, org.rep))
    train_model(session=session, actor=SYSTEM)
    assert top not in slugs(everything_for(session, org, org.rep))


def test_a_colleagues_ratings_do_not_exclude_rewards_for_this_rep(session):
    org = build(session)
    top = suggest_rewards(session=session, viewer=SYSTEM, person=org.rep, k=1).items[0].reward.slug
    dismiss_reward(session=session, person=org.colleague, reward_slug=top)
    assert top in slugs(everything_for(session, org, org.rep))


# --- profiles ----------------------------------------------------------------------------


def test_only_profiles_of_five_or_more_are_shown(session):
    org = build(session)
    shown = profile_catalogue(session=session)
    assert shown
    assert all(info["size"] >= 5 and info["name"]["en"] for info in shown.values())
    assignments = profile_assignments(session=session)
    assert set(assignments.values()) <= set(shown)
    assert len(assignments) >= 5 * len(shown)
    mine = person_profile(session=session, viewer=org.manager, person=org.rep)
    assert mine.profile == assignments[org.rep.id]
    assert mine.name == shown[mine.profile]["name"]

    # Shrink the biggest profile to four consenting members: hidden for all four at once.
    members = members_by_profile(session)
    big = max(shown, key=lambda k: len(members[k]))
    for pid in members[big][4:]:
        person = session.get(Person, pid)
        person.personalise = False
        session.add(person)
    session.commit()
    assert big not in profile_catalogue(session=session)
    assert big not in profile_assignments(session=session).values()
    for pid in members[big][:4]:
        person = session.get(Person, pid)
        assert person_profile(session=session, viewer=SYSTEM, person=person) is None


def members_by_profile(session) -> dict[int, list[int]]:
    """Consenting people by the profile their latest answers give, shown or not."""
    members, _counts = _current_members(session, current_model(session))
    out: dict[int, list[int]] = defaultdict(list)
    for pid, label in sorted(members.items()):
        out[label].append(pid)
    return out


def test_a_profile_is_hidden_when_fewer_than_five_consenting_members_remain(session):
    build(session)
    shown = profile_catalogue(session=session)
    members = members_by_profile(session)
    small = min(shown, key=lambda k: len(members[k]))
    for pid in members[small][4:]:
        person = session.get(Person, pid)
        person.personalise = False
        session.add(person)
    session.commit()
    assert small not in profile_catalogue(session=session)
    assert small not in profile_assignments(session=session).values()


def test_no_profiles_without_a_model(session, factory):
    rep = factory.person("rep", password=None)
    assert profile_catalogue(session=session) == {}
    assert profile_assignments(session=session) == {}
    assert person_profile(session=session, viewer=rep, person=rep) is None
