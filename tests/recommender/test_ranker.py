"""HybridRanker, RewardIndex, SurveyFeatures and Ratings on a small hand-made catalogue."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from recommender.catalogue import CATEGORIES, Reward
from recommender.features import SurveyFeatures, prior_weights
from recommender.ranker import HybridRanker
from recommender.ratings import Ratings
from recommender.reward_index import ATTRIBUTE_NAMES, RewardIndex
from recommender.scoring import ScaleScores

CONSTRUCTS = (
    *(f"pref_{c}" for c in CATEGORIES),
    "pref_public",
    "pref_team",
    "autonomy",
    "mastery",
    "purpose",
)
RANKING = tuple(f"pref_{c}" for c in CATEGORIES)
NAMES = ("baseline", *CONSTRUCTS, *(f"rank:{c}" for c in RANKING))


def make_rewards() -> list[Reward]:
    """Three rewards per category with varied attributes; two special cases at the end."""
    out = []
    for c in CATEGORIES:
        for j in range(3):
            out.append(
                Reward(
                    id=f"{c}-{j}",
                    name={"en": f"{c} {j}"},
                    description={"en": f"{c} {j}"},
                    category=c,
                    visibility=("public", "private")[j % 2],
                    scope="team" if j == 2 else "individual",
                    roles=("all",),
                    cost_band=1 + j,
                    cost=100.0 * (j + 1),
                    horizon="long" if j == 1 else "short",
                    cooldown_days=30,
                )
            )
    out.append(
        Reward(
            id="sdr-only",
            name={"en": "SDR only"},
            description={"en": "x"},
            category="development",
            visibility="private",
            scope="individual",
            roles=("sdr",),
            cost_band=1,
            cost=10.0,
            horizon="long",
            cooldown_days=0,
        )
    )
    out.append(
        Reward(
            id="retired",
            name={"en": "Retired"},
            description={"en": "x"},
            category="time",
            visibility="private",
            scope="individual",
            roles=("all",),
            cost_band=1,
            cost=10.0,
            horizon="short",
            cooldown_days=0,
            active=False,
        )
    )
    return out


REWARDS = make_rewards()
INDEX = RewardIndex.from_rewards(REWARDS)
A = INDEX.attributes()


def person_features(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate(
        [np.ones((n, 1)), rng.normal(size=(n, len(CONSTRUCTS))), rng.uniform(-1, 1, (n, 7))], axis=1
    )


def fit(X, ratings=None, profiles=None, **params) -> HybridRanker:
    return HybridRanker(**params).fit(
        X,
        ratings,
        item_attributes=A,
        feature_names=NAMES,
        attribute_names=INDEX.attribute_names,
        person_profiles=profiles,
    )


def background_ratings(n_people: int, n: int, seed: int) -> Ratings:
    rng = np.random.default_rng(seed)
    rating = rng.integers(1, 6, n).astype(float)
    rating[rng.random(n) < 0.05] = np.nan
    return Ratings(rng.integers(0, n_people, n), rng.integers(0, len(REWARDS), n), rating)


def leaning_towards(category: str, strength: float = 2.0) -> np.ndarray:
    x = np.zeros(len(NAMES))
    x[0] = 1.0
    x[NAMES.index(f"pref_{category}")] = strength
    return x


# --------------------------------------------------------------------------- index


def test_reward_index_maps_ids_and_codes_attributes():
    assert len(INDEX) == len(REWARDS)
    assert INDEX.column("time-2") == REWARDS.index(next(r for r in REWARDS if r.id == "time-2"))
    assert INDEX.columns(["wellness-0", "nope"], skip_unknown=True).tolist() == [
        INDEX.column("wellness-0")
    ]
    with pytest.raises(KeyError):
        INDEX.column("nope")
    assert A.shape == (len(REWARDS), len(ATTRIBUTE_NAMES))
    row = A[INDEX.column("recognition-2")]  # public, team, short, band 3
    named = dict(zip(ATTRIBUTE_NAMES, row, strict=True))
    assert named["category:recognition"] == 1 and sum(row[: len(CATEGORIES)]) == 1
    assert (named["visibility"], named["scope"], named["horizon"]) == (1, 1, -1)
    assert named["cost_band"] == pytest.approx((3 - 2.5) / 1.5)
    assert RewardIndex.from_dict(INDEX.to_dict()) == INDEX


def test_candidate_mask_applies_role_activity_and_cost():
    all_roles = INDEX.candidate_mask()
    assert not all_roles[INDEX.column("retired")]
    assert all_roles[INDEX.column("sdr-only")]  # no role given: no role filter
    closer = INDEX.candidate_mask(role="closer")
    assert not closer[INDEX.column("sdr-only")] and closer[INDEX.column("time-0")]
    assert INDEX.candidate_mask(role="sdr")[INDEX.column("sdr-only")]
    cheap = INDEX.candidate_mask(max_cost_band=1)
    assert all(REWARDS[j].cost_band <= 1 for j in np.flatnonzero(cheap))
    assert INDEX.candidate_mask(include_inactive=True)[INDEX.column("retired")]
    masks = INDEX.role_masks(["closer", "sdr"])
    assert masks.shape == (2, len(REWARDS)) and (masks[0] == closer).all()


def test_cooldown_columns_only_inside_the_window():
    today = date(2025, 6, 30)
    grants = [("time-0", date(2025, 6, 10)), ("time-1", date(2025, 5, 1)), ("unknown", today)]
    assert INDEX.cooldown_columns(grants, today).tolist() == [INDEX.column("time-0")]


def test_duplicate_reward_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        RewardIndex.from_rewards([REWARDS[0], REWARDS[0]])


# --------------------------------------------------------------------------- features


def test_survey_features_standardise_rescale_ranks_and_silence_flagged():
    values = np.array([[1.0, 5.0], [3.0, np.nan], [5.0, 3.0]])
    ranks = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, np.nan]])
    scores = ScaleScores(("pref_time", "mastery"), values, ("pref_time", "pref_team"), ranks)
    fmap = SurveyFeatures.fit(scores)
    assert fmap.names == ("baseline", "pref_time", "mastery", "rank:pref_time", "rank:pref_team")
    X = fmap.transform(scores, flagged=np.array([False, False, True]))
    sd = np.std([1.0, 3.0, 5.0])
    assert X[0].tolist() == pytest.approx([1.0, -2.0 / sd, 1.0, 1.0, -1.0])
    assert X[1].tolist() == pytest.approx([1.0, 0.0, 0.0, -1.0, 1.0])  # missing -> average
    assert X[2].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]  # flagged: constant only
    # A later instrument with the constructs in another order lines up by key.
    swapped = ScaleScores(("mastery", "pref_time"), values[:, ::-1], (), np.empty((3, 0)))
    Y = fmap.transform(swapped)
    expected = [[-2.0 / sd, 1.0], [0.0, 0.0], [2.0 / sd, -1.0]]
    np.testing.assert_allclose(Y[:, 1:3], expected)
    assert (Y[:, 3:] == 0).all()


def test_prior_links_preferences_to_their_category():
    W0 = prior_weights(NAMES, ATTRIBUTE_NAMES)
    row = NAMES.index("pref_wellness")
    assert W0[row, ATTRIBUTE_NAMES.index("category:wellness")] > 0
    assert W0[row].sum() == W0[row, ATTRIBUTE_NAMES.index("category:wellness")]
    assert W0[NAMES.index("pref_public"), ATTRIBUTE_NAMES.index("visibility")] > 0
    assert W0[NAMES.index("baseline")].sum() == 0


def test_ratings_validate_their_input():
    with pytest.raises(ValueError, match="1..5"):
        Ratings([0], [0], [6.0])
    with pytest.raises(ValueError, match="same length"):
        Ratings([0, 1], [0], [5.0])
    r = Ratings.from_records([(0, 1, 4), (2, 3, None)])
    assert r.dismissed.tolist() == [False, True] and len(r) == 2


# --------------------------------------------------------------------------- ranking


def test_recommend_before_fit_raises():
    with pytest.raises(NotFittedError):
        HybridRanker().recommend(0)


def test_cold_start_follows_the_survey():
    ranker = fit(person_features(5))
    for category in CATEGORIES:
        top = ranker.recommend(leaning_towards(category), k=1).item_indices
        assert REWARDS[top[0]].category == category


def test_public_preference_decides_between_otherwise_equal_rewards():
    ranker = fit(person_features(5))
    x = leaning_towards("wellness")
    x[NAMES.index("pref_public")] = 1.5
    assert REWARDS[ranker.recommend(x, k=1).item_indices[0]].visibility == "public"
    x[NAMES.index("pref_public")] = -1.5
    assert REWARDS[ranker.recommend(x, k=1).item_indices[0]].visibility == "private"


def test_dismissals_count_as_strong_negatives():
    X = person_features(30)
    col = INDEX.column("experience-0")
    base = background_ratings(30, 150, seed=2)
    base = base.subset(base.item != col)

    def with_feedback(value: float) -> Ratings:
        return Ratings(
            np.concatenate([base.person, np.arange(30)]),
            np.concatenate([base.item, np.full(30, col)]),
            np.concatenate([base.rating, np.full(30, value)]),
        )

    lowest = fit(X, with_feedback(1.0)).item_bias_[col]
    assert fit(X, with_feedback(np.nan)).item_bias_[col] < lowest - 0.5


def test_item_bias_lifts_a_reward_everyone_loves_for_a_new_person():
    X = person_features(40)
    col = INDEX.column("personal-1")
    base = background_ratings(40, 200, seed=3)
    loved = Ratings(
        np.concatenate([base.person, np.arange(40)]),
        np.concatenate([base.item, np.full(40, col)]),
        np.concatenate([base.rating, np.full(40, 5.0)]),
    )
    newcomer = leaning_towards("recognition", 0.0)
    before = fit(X, base).predict_scores(features=newcomer)[0]
    after = fit(X, loved).predict_scores(features=newcomer)[0]
    assert after[col] - before[col] > 0.5
    assert np.argmax(after) == col


def test_profile_effects_are_learned_and_only_for_that_profile():
    X = person_features(40)
    profiles = np.repeat([0, 1], 20)
    col = INDEX.column("exclusive-2")
    ratings = Ratings(np.arange(40), np.full(40, col), np.where(profiles == 0, 5.0, 1.0))
    ranker = fit(X, ratings, profiles=profiles)
    assert ranker.profile_effects_.shape == (2, len(REWARDS))
    assert ranker.profile_effects_[0, col] > 0.5 > -0.5 > ranker.profile_effects_[1, col]
    assert ranker.profile_n_ratings_[:, col].tolist() == [20, 20]
    assert ranker.profile_mean_rating_[:, col].tolist() == [5.0, 1.0]


def test_rated_rewards_are_excluded_for_fitted_people_unless_asked():
    X = person_features(10)
    ratings = Ratings([0, 0], [INDEX.column("time-0"), INDEX.column("time-1")], [5.0, np.nan])
    ranker = fit(X, ratings)
    shown = ranker.recommend(0, k=len(REWARDS)).item_indices
    assert INDEX.column("time-0") not in shown and INDEX.column("time-1") not in shown
    everything = ranker.recommend(0, k=len(REWARDS), exclude_rated=False).item_indices
    assert INDEX.column("time-0") in everything


def test_batch_matches_single_recommendations():
    X = person_features(12, seed=4)
    ranker = fit(X, background_ratings(12, 60, seed=5))
    mask = INDEX.candidate_mask(role="closer")
    idx, scores = ranker.recommend_batch(None, 5, candidates=mask)
    for person in range(12):
        single = ranker.recommend(person, 5, candidates=mask, explain=False)
        assert idx[person].tolist() == single.item_indices.tolist()
        assert scores[person] == pytest.approx(single.scores)


def test_short_candidate_lists_are_padded():
    ranker = fit(person_features(3))
    allowed = np.zeros(len(REWARDS), dtype=bool)
    allowed[:2] = True
    idx, scores = ranker.recommend_batch([0, 1], 5, candidates=allowed)
    assert (idx[:, 2:] == -1).all() and np.isnan(scores[:, 2:]).all()
    assert set(idx[0, :2].tolist()) == {0, 1}
    assert len(ranker.recommend(0, 5, candidates=allowed).item_indices) == 2


def test_diversification_spans_categories_unless_one_preference_dominates():
    ranker = fit(person_features(5))
    balanced = np.zeros(len(NAMES))
    balanced[0] = 1.0
    top = ranker.recommend(balanced, k=5).item_indices
    assert len({REWARDS[j].category for j in top}) >= 4
    single_minded = leaning_towards("development", 8.0)
    top = ranker.recommend(single_minded, k=5).item_indices
    cats = [REWARDS[j].category for j in top]
    assert cats.count("development") >= 3
    # Without diversification the same person sees only development rewards.
    plain = fit(person_features(5), mmr_lambda=1.0).recommend(single_minded, k=4).item_indices
    assert {REWARDS[j].category for j in plain} == {"development"}


# --------------------------------------------------------------------------- properties

FITTED = fit(person_features(25, seed=7), background_ratings(25, 120, seed=8))


@settings(max_examples=60, deadline=None)
@given(
    person=st.integers(0, 24),
    k=st.integers(1, 8),
    allowed=st.lists(st.booleans(), min_size=len(REWARDS), max_size=len(REWARDS)),
    excluded=st.sets(st.integers(0, len(REWARDS) - 1), max_size=10),
)
def test_excluded_or_ineligible_rewards_never_appear(person, k, allowed, excluded):
    mask = np.asarray(allowed)
    result = FITTED.recommend(person, k, candidates=mask, exclude=excluded)
    idx = result.item_indices
    rated = FITTED.rated_items_[FITTED.rated_indptr_[person] : FITTED.rated_indptr_[person + 1]]
    assert all(mask[j] for j in idx)
    assert not set(idx.tolist()) & (excluded | set(rated.tolist()))
    assert len(set(idx.tolist())) == len(idx) <= k
    expected = len(set(np.flatnonzero(mask).tolist()) - excluded - set(rated.tolist()))
    assert len(idx) == min(k, expected)
    assert np.isfinite(result.scores).all()
    batch, scores = FITTED.recommend_batch([person], k, candidates=mask, exclude=[excluded])
    assert batch[0][batch[0] >= 0].tolist() == idx.tolist()
    assert np.isfinite(scores[0][batch[0] >= 0]).all()


@settings(max_examples=30, deadline=None)
@given(
    features=st.lists(
        st.floats(-6, 6, allow_nan=False), min_size=len(NAMES) - 1, max_size=len(NAMES) - 1
    ),
    seed=st.integers(0, 1000),
)
def test_scores_are_finite_and_deterministic(features, seed):
    x = np.asarray([1.0, *features])
    ratings = background_ratings(25, 80, seed)
    first = fit(person_features(25, seed), ratings).recommend(x, 5)
    second = fit(person_features(25, seed), ratings).recommend(x, 5)
    assert np.isfinite(first.scores).all()
    assert first.item_indices.tolist() == second.item_indices.tolist()
    assert first.scores.tolist() == second.scores.tolist()
    assert first.explanations == second.explanations


@settings(max_examples=14, deadline=None)
@given(category=st.sampled_from(CATEGORIES), seed=st.integers(0, 50))
def test_top_suggestion_moves_towards_a_category_rated_highly(category, seed):
    n = 40
    X = person_features(n, seed)
    X[0, 1:] = 0.0  # an average survey: only feedback can move this rep
    liked = [INDEX.column(f"{category}-0"), INDEX.column(f"{category}-1")]
    # The rewards rated low match the liked ones in every attribute except category, and
    # only this rep has rated any of the four.
    contrast = [c for c in CATEGORIES if c != category][seed % 6]
    other = [INDEX.column(f"{contrast}-0"), INDEX.column(f"{contrast}-1")]
    base = background_ratings(n, 200, seed)
    base = base.subset((base.person != 0) & ~np.isin(base.item, liked + other))
    own = Ratings([0, 0, 0, 0], liked + other, [5.0, 5.0, 2.0, 2.0])
    ratings = Ratings(
        np.concatenate([base.person, own.person]),
        np.concatenate([base.item, own.item]),
        np.concatenate([base.rating, own.rating]),
    )

    def position_of_category(ranker) -> int:
        order = ranker.recommend(0, len(REWARDS), exclude=liked + other, explain=False)
        cats = [REWARDS[j].category for j in order.item_indices]
        return cats.index(category)

    before, after = fit(X, base, mmr_lambda=1.0), fit(X, ratings, mmr_lambda=1.0)
    assert position_of_category(after) <= position_of_category(before)
    # The unrated reward of that category gains more than any reward of another category.
    gain = after.predict_scores([0])[0] - before.predict_scores([0])[0]
    same = INDEX.column(f"{category}-2")
    rivals = [j for j in range(len(REWARDS)) if REWARDS[j].category != category]
    assert gain[same] > gain[rivals].max()
    # Diversified lists interleave categories, but the category never falls back.
    assert position_of_category(fit(X, ratings)) <= position_of_category(fit(X, base))


def test_empirical_bayes_person_tastes_learn_what_people_differ_in_and_nothing_else():
    # 600 people rate 4 rewards each. They differ in one attribute (a) only; the other
    # (b) and the rating noise are the same for everyone. The estimated tastes should
    # follow the real ones on (a) and stay near zero on (b).
    rng = np.random.default_rng(11)
    n_people, n_items = 600, 40
    A = np.c_[rng.choice([-1.0, 1.0], n_items), rng.choice([-1.0, 1.0], n_items)]
    taste = rng.normal(0.0, 0.8, n_people)
    person = np.repeat(np.arange(n_people), 4)
    item = np.concatenate([rng.choice(n_items, 4, replace=False) for _ in range(n_people)])
    rating = np.clip(3.0 + taste[person] * A[item, 0] + rng.normal(0.0, 0.7, person.size), 1, 5)
    ranker = HybridRanker(prior_scale=0.0).fit(
        np.zeros((n_people, 1)), Ratings(person, item, rating), item_attributes=A
    )
    learned = ranker.person_effects_
    assert np.corrcoef(learned[:, 0], taste)[0, 1] > 0.6
    assert np.abs(learned[:, 1]).mean() < 0.25 * np.abs(learned[:, 0]).mean()
    ridge = HybridRanker(prior_scale=0.0, person_prior="ridge").fit(
        np.zeros((n_people, 1)), Ratings(person, item, rating), item_attributes=A
    )
    # The ridge estimate shrinks every taste alike, so the one nobody has gets more weight.
    assert np.abs(ridge.person_effects_[:, 1]).mean() > np.abs(learned[:, 1]).mean()
