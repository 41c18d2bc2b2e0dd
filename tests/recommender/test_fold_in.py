"""Serving from current answers and ratings: the person's own taste is folded in at request
time with the same solve training uses (empirical Bayes under the stored prior; the shrunk
ridge solve for older models), so a person scored from their answers and ratings gets
exactly what the fitted rows give."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.artefact import MotivoModel
from recommender.quality import quality_flags
from recommender.ratings import Ratings
from recommender.scoring import score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings
from tests.recommender.test_ranker import background_ratings, fit, person_features

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()


def ratings_of(ratings: Ratings, rows: list[int]) -> Ratings:
    """The ratings of ``rows``, renumbered 0..len(rows)-1 in that order."""
    new = {row: j for j, row in enumerate(rows)}
    mine = np.isin(ratings.person, rows)
    return Ratings(
        np.asarray([new[p] for p in ratings.person[mine]], dtype=np.int64),
        ratings.item[mine],
        ratings.rating[mine],
    )


@pytest.mark.parametrize(
    ("prior", "shrinkage"),
    [("empirical_bayes", "auto"), ("ridge", 5.0), ("ridge", "auto")],
)
@pytest.mark.parametrize("with_profiles", [False, True])
def test_fold_in_equals_the_fitted_person_effects(prior, shrinkage, with_profiles):
    X = person_features(40, seed=3)
    ratings = background_ratings(40, 400, seed=4)
    labels = np.arange(40) % 3 if with_profiles else None
    ranker = fit(X, ratings, labels, person_shrinkage=shrinkage, person_prior=prior)
    assert np.abs(ranker.person_effects_).max() > 0.01  # there is something to fold in
    rows = [5, 0, 17, 33]
    U, bias = ranker.fold_in(
        X[rows], ratings_of(ratings, rows), profiles=None if labels is None else labels[rows]
    )
    np.testing.assert_allclose(U, ranker.person_effects_[rows], atol=1e-10)
    np.testing.assert_allclose(bias, ranker.person_bias_[rows], atol=1e-10)


def test_a_person_without_ratings_has_no_own_taste():
    X = person_features(20, seed=1)
    ranker = fit(X, background_ratings(20, 150, seed=2))
    U, bias = ranker.fold_in(X[:2], Ratings.empty())
    assert not U.any() and not bias.any()


def test_feature_rows_with_their_ratings_rank_and_explain_as_the_fitted_rows():
    X = person_features(30, seed=5)
    ratings = background_ratings(30, 300, seed=6)
    ranker = fit(X, ratings)
    for person in (0, 9, 21):
        by_row = ranker.recommend(person, k=6)
        by_answers = ranker.recommend(X[person], k=6, ratings=ratings_of(ratings, [person]))
        assert by_answers.item_indices.tolist() == by_row.item_indices.tolist()
        np.testing.assert_allclose(by_answers.scores, by_row.scores)
        assert [e.texts() for e in by_answers.explanations] == [
            e.texts() for e in by_row.explanations
        ]


def test_a_new_rating_moves_the_folded_in_scores_at_once():
    X = person_features(30, seed=7)
    ranker = fit(X, background_ratings(30, 300, seed=8))
    x = X[:1]
    before = ranker.predict_scores(features=x)
    item = int(np.argmax(before[0]))
    after = ranker.predict_scores(features=x, ratings=Ratings([0], [item], [1.0]))
    assert after[0, item] < before[0, item]


@pytest.fixture(scope="module")
def org_model():
    org = simulate_organisation(INSTRUMENT, REWARDS, 200, random_state=21)
    sim = simulate_ratings(org, REWARDS, random_state=22)
    scores = score_responses(INSTRUMENT, org.answers)
    flagged = np.array([bool(f) for f in quality_flags(INSTRUMENT, org.answers, org.page_seconds)])
    ratings = Ratings(sim.person, sim.reward, sim.rating)
    model = MotivoModel(
        profile_params={"min_silhouette": 0.0, "min_entropy": 0.0}, random_state=0
    ).fit(scores, ratings, REWARDS, flagged=flagged)
    return model, org, scores, ratings, flagged


def test_serving_from_answers_and_ratings_gives_the_training_rows_suggestions(org_model):
    model, org, scores, ratings, flagged = org_model
    assert model.use_profiles_
    trained = model.recommend_all(5, roles=org.roles, explain=True)
    served = model.recommend_all(
        5, roles=org.roles, scores=scores, flagged=flagged, ratings=ratings, explain=True
    )
    assert np.array_equal(trained.item_indices, served.item_indices)
    np.testing.assert_allclose(trained.scores, served.scores, equal_nan=True)
    for row in (0, 13, 101):
        for j in range(5):
            assert served.explanations.texts(row, j) == trained.explanations.texts(row, j)
