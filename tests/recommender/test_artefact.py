"""MotivoModel end to end, and its storage as arrays + JSON metadata."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import numpy as np
import pytest

from recommender.artefact import ARTEFACT_VERSION, MotivoModel, from_artefact, to_artefact
from recommender.quality import quality_flags
from recommender.ratings import Ratings
from recommender.scoring import ScaleScores, score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()


@pytest.fixture(scope="module")
def org_data():
    org = simulate_organisation(INSTRUMENT, REWARDS, 300, random_state=11)
    sim = simulate_ratings(org, REWARDS, random_state=12)
    scores = score_responses(INSTRUMENT, org.answers)
    flagged = np.array([bool(f) for f in quality_flags(INSTRUMENT, org.answers, org.page_seconds)])
    return org, scores, Ratings(sim.person, sim.reward, sim.rating), flagged


@pytest.fixture(scope="module", params=["weak structure", "profiles used"])
def fitted(request, org_data):
    org, scores, ratings, flagged = org_data
    params = (
        {} if request.param == "weak structure" else {"min_silhouette": 0.0, "min_entropy": 0.0}
    )
    model = MotivoModel(profile_params=params, random_state=0).fit(
        scores, ratings, REWARDS, flagged=flagged
    )
    return model, org


def one_row(scores: ScaleScores, row: int) -> ScaleScores:
    return ScaleScores(
        scores.constructs,
        scores.values[row : row + 1],
        scores.ranking,
        scores.rank_values[row : row + 1],
    )


def test_model_card_describes_the_training(fitted, org_data):
    model, _ = fitted
    _, scores, ratings, flagged = org_data
    card = model.card_
    assert card["n_responses"] == 300 and card["n_flagged"] == int(flagged.sum())
    assert card["n_ratings"] + card["n_dismissals"] == len(ratings)
    profiles = card["profiles"]
    assert profiles["n_profiles"] == model.profiles_.n_profiles_ == len(profiles["labels"])
    assert {"silhouette", "entropy", "bic", "weak_structure", "visible", "counts"} <= set(profiles)
    assert profiles["used_by_ranker"] == model.use_profiles_ == (not profiles["weak_structure"])
    assert all(set(label["name"]) == {"en", "nb"} for label in profiles["labels"])
    assert card["parameters"]["random_state"] == 0
    json.dumps(card)  # storable as is
    assert (model.person_profiles_[flagged] == -1).all()
    assert (model.person_profiles_[~flagged] >= 0).all()


def test_ranker_uses_profiles_only_when_the_structure_holds(fitted):
    model, _ = fitted
    used = model.ranker_.profile_effects_.shape[0] > 0
    assert used == model.use_profiles_


def test_round_trip_gives_identical_recommendations(fitted):
    model, org = fitted
    blob, metadata = to_artefact(model)
    assert isinstance(blob, bytes) and zipfile.is_zipfile(io.BytesIO(blob))
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    stored = json.loads(json.dumps(metadata))  # as it comes back from a JSON column
    assert stored["version"] == ARTEFACT_VERSION
    restored = from_artefact(blob, stored)

    idx, scores = model.recommend_all(5, roles=org.roles)
    idx2, scores2 = restored.recommend_all(5, roles=org.roles)
    assert np.array_equal(idx, idx2) and np.array_equal(scores, scores2, equal_nan=True)
    for person in (0, 7, 42):
        a = model.recommend(person, role=org.roles[person])
        b = restored.recommend(person, role=org.roles[person])
        assert a == b
    assert restored.card_ == stored["card"]
    assert [label.name for label in restored.profile_labels_] == [
        label.name for label in model.profile_labels_
    ]
    values = np.random.default_rng(0).uniform(1, 5, (4, len(model.features_.constructs)))
    assert np.array_equal(
        model.profiles_.predict_proba(values), restored.profiles_.predict_proba(values)
    )


def test_foreign_or_future_artefacts_are_refused(fitted):
    blob, metadata = to_artefact(fitted[0])
    with pytest.raises(ValueError, match="not a Motivo model"):
        from_artefact(blob, {**metadata, "format": "something-else"})
    with pytest.raises(ValueError, match="retrain"):
        from_artefact(blob, {**metadata, "version": ARTEFACT_VERSION + 1})


def test_same_random_state_gives_the_same_model(org_data):
    org, scores, ratings, flagged = org_data
    first = MotivoModel(random_state=5).fit(scores, ratings, REWARDS, flagged=flagged)
    second = MotivoModel(random_state=5).fit(scores, ratings, REWARDS, flagged=flagged)
    assert np.array_equal(first.recommend_all(5)[0], second.recommend_all(5)[0])
    assert first.recommend(3) == second.recommend(3)


def test_profile_labels_survive_retraining(org_data):
    org, scores, ratings, flagged = org_data
    params = {"n_profiles_range": (4, 4)}
    old = MotivoModel(profile_params=params, random_state=1).fit(
        scores, ratings, REWARDS, flagged=flagged
    )
    new = MotivoModel(profile_params=params, random_state=2).fit(
        scores, ratings, REWARDS, flagged=flagged, previous=old
    )
    assert new.card_["profiles"]["previous_label"] == [0, 1, 2, 3]
    assert np.abs(new.profiles_.cluster_centers_ - old.profiles_.cluster_centers_).max() < 0.3
    assert [p.name for p in new.profile_labels_] == [p.name for p in old.profile_labels_]


def test_constraints_for_one_person(fitted):
    model, org = fitted
    index = model.index_
    person = 5
    rated = set(
        model.ranker_.rated_items_[
            model.ranker_.rated_indptr_[person] : model.ranker_.rated_indptr_[person + 1]
        ]
    )
    today = date(2025, 3, 1)
    allowed = model.recommend(person, k=len(index), role="closer", max_cost_band=2)
    allowed_ids = [s.reward_id for s in allowed]
    expected = {
        index.ids[j]
        for j in range(len(index))
        if index.cost_band[j] <= 2
        and index.active[j]
        and j not in rated
        and ("all" in index.roles[j] or "closer" in index.roles[j])
    }
    assert set(allowed_ids) == expected and len(allowed_ids) == len(expected)
    first = allowed_ids[0]
    cooling = next(i for i in allowed_ids[1:] if index.cooldown_days[index.column(i)] > 3)
    days = index.cooldown_days[index.column(cooling)]

    def ids_with_grant(days_ago: int) -> set[str]:
        got = model.recommend(
            person,
            k=len(index),
            role="closer",
            max_cost_band=2,
            exclude_ids=[first],
            grants=[(cooling, today - timedelta(days=days_ago))],
            today=today,
        )
        assert all(np.isfinite(s.score) for s in got)
        return {s.reward_id for s in got}

    assert ids_with_grant(3) == set(allowed_ids) - {first, cooling}
    assert ids_with_grant(days + 1) == set(allowed_ids) - {first}


def test_new_response_is_scored_without_retraining(fitted, org_data):
    model, org = fitted
    _, scores, _, _ = org_data
    new = model.recommend(scores=one_row(scores, 9), role=org.roles[9])
    assert len(new) == 5 and all(
        s.explanation.reasons or s.explanation.promoted_for_variety for s in new
    )
    silent = model.recommend(scores=one_row(scores, 9), flagged=True, k=3, explain=False)
    assert len(silent) == 3 and all(s.explanation.reasons == () for s in silent)
    with pytest.raises(ValueError, match="person"):
        model.recommend()


def test_training_needs_responses():
    empty = ScaleScores(("pref_time",), np.empty((0, 1)), (), np.empty((0, 0)))
    with pytest.raises(ValueError, match="no survey responses"):
        MotivoModel().fit(empty, None, REWARDS)
