""" "Not for me" in the app: the reward goes, and so does its kind while others are left."""

from __future__ import annotations

from models.tables import Person
from services.access import SYSTEM
from services.catalogue import catalogue_rows
from services.feedback import dismiss_reward, rate_grant
from services.grants import give_reward
from services.recommendations import recommend_for_all, suggest_rewards
from services.training import train_model
from tests.services.test_flagged_response import demo_with_a_flagged_rep
from tests.services.test_recommendations import build, everything_for, slugs


def kind(reward) -> tuple[str, str]:
    return (reward.category, reward.visibility)


def test_the_replacement_after_not_for_me_is_another_kind_of_reward(session):
    org = build(session)
    rep = org.rep
    before = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
    assert before.personal
    top = before.items[0].reward
    dismiss_reward(session=session, person=rep, reward_slug=top.slug)
    for retrained in (False, True):
        for viewer in (rep, org.manager):
            after = suggest_rewards(session=session, viewer=viewer, person=rep, k=5)
            assert after.personal and len(after.items) == 5
            assert top.slug not in slugs(after)
            assert kind(top) not in {kind(item.reward) for item in after.items}, retrained
        # The list for everyone says the same.
        rows = recommend_for_all(session=session, viewer=SYSTEM, k=5)
        mine = [r["reward_id"] for r in rows if r["person"] == rep.external_id]
        assert mine == slugs(after)
        if not retrained:
            train_model(session=session, actor=SYSTEM)


def test_the_rejected_kind_comes_last_and_only_when_nothing_else_is_left(session):
    org = build(session)
    rep = org.rep
    top = suggest_rewards(session=session, viewer=rep, person=rep, k=1).items[0].reward
    dismiss_reward(session=session, person=rep, reward_slug=top.slug)
    everything = everything_for(session, org, rep)
    rejected = [kind(item.reward) == kind(top) for item in everything.items]
    assert any(rejected), "the catalogue has more rewards of that kind"
    assert rejected == sorted(rejected)  # every other reward first
    assert top.slug not in slugs(everything)


def test_the_non_personal_list_also_moves_away_from_a_rejected_kind(session):
    org = build(session)
    rep = org.rep
    rep.personalise = False
    session.add(rep)
    session.commit()
    before = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
    assert before.why_not_personal == "no_consent"
    top = before.items[0].reward
    dismiss_reward(session=session, person=rep, reward_slug=top.slug)
    after = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
    assert len(after.items) == 5 and top.slug not in slugs(after)
    assert kind(top) not in {kind(item.reward) for item in after.items}
    rows = recommend_for_all(session=session, viewer=SYSTEM, k=5)
    assert [r["reward_id"] for r in rows if r["person"] == rep.external_id] == slugs(after)
    everything = [
        kind(item.reward) == kind(top) for item in everything_for(session, org, rep).items
    ]
    assert any(everything) and everything == sorted(everything)


def test_one_not_for_me_does_not_bury_the_category_a_rep_loves(session):
    """A rep whose suggestions are mostly time off, who rated a private day off 5, says "not
    for me" to a public team early finish: the other private time rewards stay on top.

    The ranker learns its own tastes from feedback; the demo's ratings say people differ
    much in category and little in visibility or scope, so a dismissal counted as fully as a
    rating was put down to the category and one click sank every time reward out of sight.
    """
    reps, _flagged, _manager = demo_with_a_flagged_rep(session)
    fond = None
    for rep in sorted(reps.values(), key=lambda p: p.id):
        listed = suggest_rewards(session=session, viewer=rep, person=rep, k=5)
        if listed.personal and sum(i.reward.category == "time" for i in listed.items) >= 3:
            fond = rep
            break
    assert fond is not None, "a demo rep whose suggestions are mostly time off"
    manager = session.get(Person, fond.manager_id)
    private = [
        r
        for r in catalogue_rows(session=session, active_only=True)
        if (r.category, r.visibility) == ("time", "private")
    ]
    public = [
        r
        for r in catalogue_rows(session=session, active_only=True)
        if (r.category, r.visibility) == ("time", "public")
    ]
    assert len(private) >= 3 and public
    grant = give_reward(
        session=session,
        manager=manager,
        person=fond,
        reward_slug=private[0].slug,
        confirm_over_budget=True,
    )
    rate_grant(session=session, person=fond, grant_id=grant.id, rating=5)
    dismiss_reward(session=session, person=fond, reward_slug=public[0].slug)
    for retrained in (False, True):
        after = suggest_rewards(session=session, viewer=fond, person=fond, k=5)
        kinds = [kind(item.reward) for item in after.items]
        assert ("time", "public") not in kinds
        assert kinds.count(("time", "private")) >= 2, (retrained, kinds)
        if not retrained:
            train_model(session=session, actor=SYSTEM)
