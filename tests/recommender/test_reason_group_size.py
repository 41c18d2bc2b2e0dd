"""Rating summaries in reasons speak for people, not ratings, at the size in force."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from recommender.artefact import MotivoModel, from_artefact, to_artefact
from recommender.explain import Explanation
from recommender.ranker import HybridRanker
from recommender.ratings import Ratings
from recommender.scoring import ScaleScores, score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings
from tests.recommender.test_explain import INDEX, NAMES, REWARDS, person

ITEM = INDEX.column("exclusive-public-team")
N = 30
PROFILES = np.where(np.arange(N) < N // 2, 0, 1)  # people 0-14 in profile 0, the rest in 1


def ratings_of(fans: list[int]) -> Ratings:
    """Everyone rates another reward 3; ``fans`` rate ITEM 5 (a person may appear often)."""
    others = [j for j in range(len(REWARDS)) if j != ITEM]
    people = np.arange(N)
    return Ratings(
        np.concatenate([people, fans]),
        np.concatenate([np.asarray(others)[people % len(others)], np.full(len(fans), ITEM)]),
        np.concatenate([np.full(N, 3.0), np.full(len(fans), 5.0)]),
    )


def fit(fans: list[int], **params) -> HybridRanker:
    rng = np.random.default_rng(0)
    X = np.concatenate([np.ones((N, 1)), rng.normal(size=(N, len(NAMES) - 1))], axis=1)
    return HybridRanker(**params).fit(
        X,
        ratings_of(fans),
        item_attributes=INDEX.attributes(),
        feature_names=NAMES,
        attribute_names=INDEX.attribute_names,
        person_profiles=PROFILES,
    )


def summaries(explanation: Explanation) -> dict[str, dict]:
    return {
        r.code: r.params for r in explanation.reasons if r.code in ("rated_well", "similar_profile")
    }


def both_paths(ranker: HybridRanker, **kwargs) -> list[dict[str, dict]]:
    """What the single and the batch explanation cite for a new profile-0 person."""
    x = person()
    single = ranker.explain(x, ITEM, profile=0, **kwargs)
    batch = ranker.explain_batch(
        None, np.asarray([[ITEM]]), features=x[None, :], profiles=np.asarray([0]), **kwargs
    ).explanation(0, 0)
    return [summaries(single), summaries(batch)]


def test_five_ratings_from_two_people_are_not_cited_at_five():
    two_people = fit([0, 0, 0, 1, 1])  # five ratings, two people, both in profile 0
    assert two_people.item_n_ratings_[ITEM] == 5
    assert two_people.item_n_people_[ITEM] == 2
    assert two_people.profile_n_people_[0, ITEM] == 2
    for cited in both_paths(two_people):
        assert cited == {}
    five_people = fit([0, 1, 2, 3, 4])  # the same five ratings from five people are cited
    for cited in both_paths(five_people):
        assert cited["similar_profile"] == {"profile": 0, "mean": 5.0, "n": 5}
        assert cited["rated_well"] == {"mean": 5.0, "n": 5}


def test_people_are_counted_once_per_profile_and_reward():
    ranker = fit([0, 0, 1, 2, 2, 2, 20, 20])
    assert ranker.item_n_people_[ITEM] == 4
    assert ranker.profile_n_people_[:, ITEM].tolist() == [3, 1]
    assert ranker.profile_n_ratings_[:, ITEM].tolist() == [6, 2]


def test_the_size_in_force_when_explaining_decides():
    ranker = fit([0, 1, 2, 3, 4, 5])  # six people; trained with the default of 5
    for cited in both_paths(ranker):
        assert cited["similar_profile"]["n"] == 6
    for cited in both_paths(ranker, min_group_size=7):
        assert cited == {}
    stricter = fit([0, 1, 2, 3, 4, 5], min_group_size=7)
    for cited in both_paths(stricter):
        assert cited == {}


@pytest.fixture(scope="module")
def fitted() -> tuple[MotivoModel, ScaleScores]:
    instrument, rewards = load_default_instrument(), load_catalogue()
    org = simulate_organisation(instrument, rewards, 60, random_state=11)
    sim = simulate_ratings(org, rewards, random_state=12)
    scores = score_responses(instrument, org.answers)
    model = MotivoModel(
        profile_params={"min_silhouette": 0.0, "min_entropy": 0.0},
        ranker_params={"min_group_size": 7},
        random_state=0,
    ).fit(scores, Ratings(sim.person, sim.reward, sim.rating), rewards)
    return model, scores


def test_artefacts_keep_people_counts_and_old_ones_still_load(fitted):
    model, scores = fitted
    blob, meta = to_artefact(model)
    restored = from_artefact(blob, json.loads(json.dumps(meta)))
    assert np.array_equal(restored.ranker_.item_n_people_, model.ranker_.item_n_people_)
    assert np.array_equal(restored.ranker_.profile_n_people_, model.ranker_.profile_n_people_)
    assert model.card_["profiles"]["thresholds"]["min_group_size"] == 7

    # An artefact stored before people were counted: it loads, and cites no summary.
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if "n_people" not in k}
    old = io.BytesIO()
    np.savez_compressed(old, **arrays)
    legacy = from_artefact(old.getvalue(), json.loads(json.dumps(meta)))
    assert legacy.ranker_.item_n_people_.sum() == 0
    items, _scores, reasons = legacy.recommend_all(5, scores=scores, explain=True, min_group_size=3)
    for row in range(items.shape[0]):
        for col in range(items.shape[1]):
            if items[row, col] >= 0:
                codes = {r.code for r in reasons.explanation(row, col).reasons}
                assert not codes & {"rated_well", "similar_profile"}
