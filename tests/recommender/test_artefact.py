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


def test_round_trip_gives_identical_recommendations(fitted, org_data):
    model, org = fitted
    blob, metadata = to_artefact(model)
    assert isinstance(blob, bytes) and zipfile.is_zipfile(io.BytesIO(blob))
    with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    stored = json.loads(json.dumps(metadata))  # as it comes back from a JSON column
    assert stored["version"] == ARTEFACT_VERSION
    restored = from_artefact(blob, stored)

    # Served as pages serve it, from everyone's answers (without their ratings here; the
    # tests below fold them in).
    everyone = org_data[1]
    idx, scores = model.recommend_all(5, roles=org.roles, scores=everyone)
    idx2, scores2 = restored.recommend_all(5, roles=org.roles, scores=everyone)
    assert np.array_equal(idx, idx2) and np.array_equal(scores, scores2, equal_nan=True)
    for person in (0, 7, 42):
        row = one_row(everyone, person)
        a = model.recommend(scores=row, role=org.roles[person])
        b = restored.recommend(scores=row, role=org.roles[person])
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


# --------------------------------------------------------------------------- what is stored

# Arrays that hold one entry per training response. Serving scores every rep from their
# current answers and ratings, so none of these is stored any more, except the profile of
# each training response: summaries of a wave pinned to an older model version group people
# by it (``services.summaries``), with ``metadata["person_ids"]`` naming the rows.
PER_PERSON_KEPT = {"model.person_profiles"}
PER_PERSON_DROPPED = {
    "ranker.person_features_",
    "ranker.person_profiles_",
    "ranker.person_effects_",
    "ranker.person_bias_",
    "ranker.person_n_ratings_",
    "ranker.rated_indptr_",
    "ranker.rated_items_",
}


def stored_arrays(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def old_layout(model: MotivoModel) -> tuple[bytes, dict]:
    """The artefact as releases before this one stored it: every training row's features,
    tastes, generosity and rated rewards beside the arrays serving reads."""
    blob, metadata = to_artefact(model)
    arrays = stored_arrays(blob)
    for key in PER_PERSON_DROPPED:
        arrays[key] = np.asarray(getattr(model.ranker_, key.removeprefix("ranker.")))
    arrays["model.person_profiles"] = np.asarray(model.person_profiles_, dtype=np.int64)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue(), json.loads(json.dumps(metadata))


def served(model: MotivoModel, org, scores: ScaleScores, ratings: Ratings, people) -> list:
    """Each person's top 5 with reasons as pages serve them: from their answers, with their
    own ratings folded in; one at a time and all together."""
    single = []
    for person in people:
        mine = ratings.person == person
        own = Ratings(np.zeros(int(mine.sum())), ratings.item[mine], ratings.rating[mine])
        single.append(
            model.recommend(scores=one_row(scores, person), ratings=own, role=org.roles[person])
        )
    rows = np.asarray(people)
    position = {p: r for r, p in enumerate(people)}
    theirs = np.isin(ratings.person, rows)
    batch_ratings = Ratings(
        np.asarray([position[p] for p in ratings.person[theirs]]),
        ratings.item[theirs],
        ratings.rating[theirs],
    )
    batch_scores = ScaleScores(
        scores.constructs, scores.values[rows], scores.ranking, scores.rank_values[rows]
    )
    items, values, reasons = model.recommend_all(
        5,
        roles=[org.roles[p] for p in people],
        scores=batch_scores,
        ratings=batch_ratings,
        explain=True,
    )
    batch = [
        [
            (int(items[r, j]), float(values[r, j]), reasons.explanation(r, j))
            for j in range(items.shape[1])
            if items[r, j] >= 0
        ]
        for r in range(len(people))
    ]
    return [single, batch]


SAMPLE = [0, 3, 7, 42, 99, 150, 201, 299]


def test_new_artefacts_store_no_training_rows_but_the_profile_of_each(fitted, org_data):
    model, _ = fitted
    blob, metadata = to_artefact(model)
    arrays = stored_arrays(blob)
    n = model.card_["n_responses"]
    per_person = {
        name
        for name, array in arrays.items()
        if array.ndim and array.shape[0] in (n, n + 1) and not name.startswith("features.")
    }
    assert per_person == PER_PERSON_KEPT
    assert not set(arrays) & PER_PERSON_DROPPED
    labels = arrays["model.person_profiles"]
    assert labels.dtype == np.int16  # -1 or a profile number: two bytes are plenty
    np.testing.assert_array_equal(labels, model.person_profiles_)
    restored = from_artefact(blob, json.loads(json.dumps(metadata)))
    np.testing.assert_array_equal(restored.person_profiles_, model.person_profiles_)
    assert restored.person_profiles_.dtype == np.int64


def test_stored_model_serves_what_the_fitted_one_does(fitted, org_data):
    model, org = fitted
    _, scores, ratings, _ = org_data
    restored = from_artefact(*_json(to_artefact(model)))
    expected = served(model, org, scores, ratings, SAMPLE)
    assert any(s.explanation.reasons for s in expected[0][0])
    assert served(restored, org, scores, ratings, SAMPLE) == expected


def test_artefacts_in_the_old_layout_still_load_and_serve(fitted, org_data):
    model, org = fitted
    _, scores, ratings, _ = org_data
    blob, metadata = old_layout(model)
    assert set(stored_arrays(blob)) >= PER_PERSON_DROPPED
    restored = from_artefact(blob, metadata)
    assert served(restored, org, scores, ratings, SAMPLE) == served(
        model, org, scores, ratings, SAMPLE
    )
    np.testing.assert_array_equal(restored.person_profiles_, model.person_profiles_)
    if restored.profiles_ is not None:
        kept = model.person_profiles_[model.person_profiles_ >= 0]
        np.testing.assert_array_equal(restored.profiles_.labels_, kept)
    # Training rows are not read back: a worker holds no copy of everyone's survey features.
    assert not hasattr(restored.ranker_, "person_features_")


def test_a_stored_model_asks_for_answers_instead_of_training_rows(fitted):
    model, _ = fitted
    restored = from_artefact(*_json(to_artefact(model)))
    with pytest.raises(ValueError, match="answers"):
        restored.recommend(3)
    with pytest.raises(ValueError, match="answers"):
        restored.recommend_all(5)


def _json(artefact: tuple[bytes, dict]) -> tuple[bytes, dict]:
    blob, metadata = artefact
    return blob, json.loads(json.dumps(metadata))


def test_a_model_stored_before_dismissals_were_weighed_serves_as_it_was_trained(org_data):
    # Such a model estimated its prior of people's tastes with every "not for me" at full
    # weight; folding feedback in at today's default against those variances would serve
    # something training never gave.
    org, scores, ratings, flagged = org_data
    assert ratings.dismissed.any()
    model = MotivoModel(ranker_params={"dismissal_weight": 1.0}, random_state=0).fit(
        scores, ratings, REWARDS, flagged=flagged
    )
    blob, metadata = _json(to_artefact(model))
    del metadata["ranker"]["params"]["dismissal_weight"]
    metadata["model"]["ranker_params"].pop("dismissal_weight", None)
    restored = from_artefact(blob, metadata)
    assert restored.ranker_.dismissal_weight == 1.0
    assert served(restored, org, scores, ratings, SAMPLE) == served(
        model, org, scores, ratings, SAMPLE
    )
