"""Explanations cite only what really raised a score, and change when their cause does."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import CATEGORIES, Reward
from recommender.explain import (
    REASON_CODES,
    Explanation,
    Reason,
    contributions,
    explain_item,
    explain_items,
    render,
)
from recommender.ranker import HybridRanker
from recommender.ratings import Ratings
from recommender.reward_index import RewardIndex

CONSTRUCTS = (*(f"pref_{c}" for c in CATEGORIES), "pref_public", "pref_team", "mastery")
NAMES = ("baseline", *CONSTRUCTS, *(f"rank:pref_{c}" for c in CATEGORIES))

REWARDS = [
    Reward(
        id=f"{c}-{vis}-{scope}",
        name={"en": c},
        description={"en": c},
        category=c,
        visibility=vis,
        scope=scope,
        roles=("all",),
        cost_band=2,
        cost=100.0,
        horizon="long" if c == "development" else "short",
        cooldown_days=0,
    )
    for c in CATEGORIES
    for vis in ("public", "private")
    for scope in ("individual", "team")
]
INDEX = RewardIndex.from_rewards(REWARDS)


def fit(ratings: Ratings | None = None, n: int = 30, **params) -> HybridRanker:
    rng = np.random.default_rng(0)
    X = np.concatenate([np.ones((n, 1)), rng.normal(size=(n, len(NAMES) - 1))], axis=1)
    return HybridRanker(**params).fit(
        X,
        ratings,
        item_attributes=INDEX.attributes(),
        feature_names=NAMES,
        attribute_names=INDEX.attribute_names,
    )


def person(**values: float) -> np.ndarray:
    x = np.zeros(len(NAMES))
    x[0] = 1.0
    for name, value in values.items():
        x[NAMES.index(name.replace("__", ":"))] = value
    return x


def codes(explanation: Explanation) -> list[tuple[str, dict]]:
    return [(r.code, r.params) for r in explanation.reasons]


def test_contributions_add_up_to_the_score():
    ranker = fit(Ratings(np.arange(30), np.arange(30) % len(REWARDS), np.full(30, 4.0)))
    x = person(pref_wellness=1.2, pref_public=-0.8, rank__pref_time=1.0, mastery=0.5)
    scores = ranker.predict_scores(features=x)[0]
    for item in range(len(REWARDS)):
        parts = contributions(ranker, x, np.zeros(len(INDEX.attribute_names)), -1, item)
        assert ranker.mu_ + sum(p.contribution for p in parts) == pytest.approx(scores[item])


def test_reasons_are_positive_sorted_and_capped():
    ranker = fit()
    x = person(pref_experience=2.0, rank__pref_experience=1.0, pref_public=1.0, pref_team=1.0)
    suggestions = ranker.recommend(x, k=5)
    for explanation, score in zip(suggestions.explanations, suggestions.scores, strict=True):
        sizes = [r.contribution for r in explanation.reasons]
        assert explanation.score == pytest.approx(score)
        assert len(sizes) <= ranker.max_reasons
        assert all(s > ranker.reason_threshold for s in sizes)
        assert sizes == sorted(sizes, reverse=True)
        assert all(r.code in REASON_CODES for r in explanation.reasons)
    top = suggestions.explanations[0]
    assert codes(top)[:2] == [
        ("preference", {"category": "experience"}),
        ("ranking", {"category": "experience", "position": 1, "n_options": 7}),
    ]


def test_public_preference_reason_follows_the_answer():
    ranker = fit()
    public = INDEX.column("wellness-public-individual")
    private = INDEX.column("wellness-private-individual")
    keen = person(pref_wellness=1.0, pref_public=1.5)
    assert ("visibility", {"prefers": "public"}) in codes(ranker.explain(keen, public))
    assert "visibility" not in dict(codes(ranker.explain(keen, private)))
    shy = person(pref_wellness=1.0, pref_public=-1.5)
    assert "visibility" not in dict(codes(ranker.explain(shy, public)))
    assert ("visibility", {"prefers": "private"}) in codes(ranker.explain(shy, private))
    neutral = person(pref_wellness=1.0)
    assert "visibility" not in dict(codes(ranker.explain(neutral, public)))


def test_ranking_position_is_reported_and_drops_out_when_ranked_low():
    ranker = fit()
    item = INDEX.column("time-private-individual")
    second = person(rank__pref_time=2 * (5 / 6) - 1)  # 2nd of 7
    assert ("ranking", {"category": "time", "position": 2, "n_options": 7}) in codes(
        ranker.explain(second, item)
    )
    last = person(rank__pref_time=-1.0)
    assert "ranking" not in dict(codes(ranker.explain(last, item)))


def test_rating_summaries_are_cited_only_for_big_enough_groups():
    item = INDEX.column("exclusive-public-team")
    others = [j for j in range(len(REWARDS)) if j != item]

    def ratings(n_fans: int) -> Ratings:
        people = np.arange(30)
        return Ratings(
            np.concatenate([people, people[:n_fans]]),
            np.concatenate([np.asarray(others)[people % len(others)], np.full(n_fans, item)]),
            np.concatenate([np.full(30, 3.0), np.full(n_fans, 5.0)]),
        )

    x = person()
    few = fit(ratings(4)).explain(x, item)
    assert "rated_well" not in dict(codes(few))
    many = fit(ratings(8)).explain(x, item)
    assert ("rated_well", {"mean": 5.0, "n": 8}) in codes(many)


def test_own_ratings_become_a_reason_after_feedback():
    item = INDEX.column("development-private-individual")
    liked = [
        INDEX.column(f"development-{v}-{s}")
        for v, s in (("public", "team"), ("public", "individual"))
    ]
    base = Ratings(np.arange(1, 30), np.arange(1, 30) % len(REWARDS), np.full(29, 3.0))
    before = fit(base).explain(0, item)
    assert "own_ratings" not in dict(codes(before))
    with_feedback = Ratings(
        np.concatenate([base.person, [0, 0]]),
        np.concatenate([base.item, liked]),
        np.concatenate([base.rating, [5.0, 5.0]]),
    )
    after = fit(with_feedback).explain(0, item)
    assert ("own_ratings", {"category": "development"}) in codes(after)
    assert after.score > before.score


def test_a_single_not_for_me_never_reads_as_ratings_the_person_never_gave():
    """One "not for me" on a reward, and nothing rated: whatever taste it moves, no reason
    tells the person they rated anything well, in either language."""
    dismissed = INDEX.column("experience-private-individual")
    base = Ratings(np.arange(1, 30), np.arange(1, 30) % len(REWARDS), np.full(29, 3.0))
    feedback = Ratings(
        np.concatenate([base.person, [0]]),
        np.concatenate([base.item, [dismissed]]),
        np.concatenate([base.rating, [np.nan]]),
    )
    # Counted as fully as a rating, so the one dismissal moves a taste far enough to be
    # cited (the wording is what is tested here, not how much a dismissal counts).
    ranker = fit(feedback, dismissal_weight=1.0)
    texts = [
        text
        for item in range(len(REWARDS))
        if item != dismissed
        for lang in ("en", "nb")
        for text in ranker.explain(0, item).texts(lang)
    ]
    assert not [t for t in texts if "well before" in t or "tidligere vurdert" in t]
    assert any("feedback so far" in t for t in texts)


@pytest.mark.parametrize(
    ("reason", "en", "nb"),
    [
        (
            Reason("preference", {"category": "development"}),
            "You rated development highly",
            "Du ga utvikling",
        ),
        (
            Reason("ranking", {"category": "development", "position": 1, "n_options": 7}),
            "You ranked development highest of all reward types",
            "høyest",
        ),
        (
            Reason("ranking", {"category": "time", "position": 3, "n_options": 7}),
            "third of 7",
            "nummer 3 av 7",
        ),
        (
            Reason("visibility", {"prefers": "public"}),
            "You prefer public recognition",
            "anerkjennelse",
        ),
        (Reason("scope", {"prefers": "team"}), "team", "teamet"),
        (Reason("motivation", {"construct": "mastery"}), "better at what you do", "bli bedre"),
        (Reason("survey", {"construct": "pref_team"}), "team rewards", "teambelønninger"),
        (Reason("type_liked", {}), "across the organisation", "hele organisasjonen"),
        (
            Reason("rated_well", {"mean": 4.56, "n": 12}),
            "Colleagues rated this above average (12 people)",
            "over snittet (12",
        ),
        (
            Reason("similar_profile", {"profile": 1, "mean": 4.6, "n": 12}),
            "Reps with a similar profile rated this above average (12 people)",
            "lignende profil",
        ),
        (
            Reason("own_ratings", {"category": "wellness"}),
            "Your feedback so far points to health and wellness",
            "helse og velvære",
        ),
        (
            Reason("own_ratings", {"attribute": "scope", "side": "team"}),
            "team rewards",
            "teambelønninger",
        ),
    ],
)
def test_every_reason_renders_in_both_languages(reason, en, nb):
    assert en in render(reason, "en")
    assert nb in render(reason, "nb")


def test_every_code_is_covered_by_the_renderer():
    with pytest.raises(ValueError):
        render(Reason("no-such-code"))
    example = Explanation(
        item=0, score=4.0, reasons=(Reason("type_liked"),), promoted_for_variety=True
    )
    assert example.texts("en")[-1] == "Added to vary your suggestions"
    assert example.texts("nb")[-1] == "Tatt med for å gi deg variasjon"
    assert example.to_dict()["reasons"][0]["code"] == "type_liked"


def test_a_refit_of_the_same_ranker_explains_with_its_new_weights():
    # Stories are worked out once per fit and reused; the same estimator fitted again (same
    # feature name tuple) without the survey prior must not cite what the first fit did.
    ratings = Ratings(np.arange(30), np.arange(30) % len(REWARDS), np.linspace(1.0, 5.0, 30))
    # A light penalty, so the weights learned from the ratings alone are large enough to cite.
    ranker = fit(ratings, weight_alpha=1.0)
    x = person(pref_experience=2.0, rank__pref_experience=1.0, pref_public=1.0)
    before = ranker.recommend(x, k=5).explanations
    assert any(code == "preference" for e in before for code, _ in codes(e))
    X = np.concatenate(
        [np.ones((30, 1)), np.random.default_rng(0).normal(size=(30, len(NAMES) - 1))], axis=1
    )
    ranker.set_params(prior_scale=0.0).fit(
        X,
        ratings,
        item_attributes=INDEX.attributes(),
        feature_names=ranker.feature_names_,
        attribute_names=ranker.attribute_names_,
    )
    after = ranker.recommend(x, k=5).explanations
    fresh = fit(ratings, prior_scale=0.0, weight_alpha=1.0).recommend(x, k=5).explanations
    assert [codes(e) for e in after] == [codes(e) for e in fresh]
    # Without a prior no answer is a stated preference for a reward.
    assert not any(code == "preference" for e in after for code, _ in codes(e))


def test_a_page_of_rewards_is_explained_as_each_reward_alone():
    # Serving explains a page's rewards together; nothing may leak from one to another.
    rng = np.random.default_rng(4)
    n = 30
    ratings = Ratings(
        rng.integers(0, n, 200), rng.integers(0, len(REWARDS), 200), rng.integers(1, 6, 200)
    )
    ranker = fit(ratings, n=n, weight_alpha=1.0)
    u = rng.normal(0.0, 0.4, len(INDEX.attribute_names))
    for x in (
        person(pref_experience=2.0, rank__pref_experience=1.0, pref_public=1.0),
        person(pref_wellness=-1.5, pref_team=1.2, mastery=0.8, rank__pref_time=0.4),
    ):
        items = rng.permutation(len(REWARDS))[:7].tolist()
        promoted = [bool(i % 2) for i in range(7)]
        together = explain_items(
            ranker, x, u, -1, items, person_bias=0.3, promoted=promoted, min_group_size=2
        )
        alone = [
            explain_item(ranker, x, u, -1, j, person_bias=0.3, promoted=p, min_group_size=2)
            for j, p in zip(items, promoted, strict=True)
        ]
        assert together == alone
        assert any(e.reasons for e in together)
