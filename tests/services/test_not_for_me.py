""" "Not for me" in the app: the reward goes, and so does its kind while others are left."""

from __future__ import annotations

from services.access import SYSTEM
from services.feedback import dismiss_reward
from services.recommendations import recommend_for_all, suggest_rewards
from services.training import train_model
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
