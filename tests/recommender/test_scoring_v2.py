"""Scoring instrument version 2: best-worst tasks and bipolar items; version 1 unchanged."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.features import SurveyFeatures
from recommender.scoring import best_worst_scores, score_responses
from seed.loaders import load_catalogue, load_seed_instrument
from seed.simulate import simulate_organisation

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "v1_scores_golden.json"


@pytest.fixture(scope="module")
def v2():
    return load_seed_instrument(2)


def test_version_1_answers_score_exactly_as_before_version_2():
    # Scores of simulated v1 answers, recorded before best-worst scoring existed.
    golden = json.loads(GOLDEN.read_text())
    v1 = load_seed_instrument(1)
    org = simulate_organisation(
        v1, load_catalogue(), golden["n_people"], random_state=golden["random_state"]
    )
    shown = json.dumps(org.answers, sort_keys=True).encode()
    assert hashlib.sha256(shown).hexdigest() == golden["answers_sha"]
    scores = score_responses(v1, org.answers)
    assert list(scores.constructs) == golden["constructs"]
    assert list(scores.ranking) == golden["ranking"]
    expected = np.array(golden["values"], dtype=float)
    np.testing.assert_allclose(scores.values, expected, rtol=0, atol=1e-9, equal_nan=True)
    ranks = np.array(golden["rank_values"], dtype=float)
    np.testing.assert_allclose(scores.rank_values, ranks, rtol=0, atol=1e-9, equal_nan=True)


ORDER = ["time", "experience", "recognition", "development", "wellness", "personal", "exclusive"]


def all_tasks(v2, order=ORDER):
    """Answer every task as someone who likes the categories in ``order`` (best first)."""
    answers = {}
    for task in v2.best_worst_items():
        codes = [o.code for o in task.options]
        answers[task.code] = [min(codes, key=order.index), max(codes, key=order.index)]
    return answers


def test_best_worst_scores_count_best_minus_worst_over_appearances(v2):
    answers = all_tasks(v2)
    keys, scores = best_worst_scores(v2, [answers])
    by_key = dict(zip(keys, scores[0], strict=True))
    # "time" is best in all three of its tasks, "exclusive" worst in all three of its.
    assert by_key["pref_time"] == 1.0
    assert by_key["pref_exclusive"] == -1.0
    assert all(-1.0 <= v <= 1.0 for v in by_key.values())
    # Every task has one best and one worst: the net counts sum to zero.
    assert scores.sum() == pytest.approx(0.0)


def test_best_worst_scores_sit_on_the_likert_metric_in_the_construct_columns(v2):
    answers = all_tasks(v2)
    scores = score_responses(v2, [answers])
    column = dict(zip(scores.constructs, scores.values[0], strict=True))
    assert column["pref_time"] == 5.0
    assert column["pref_exclusive"] == 1.0
    assert scores.ranking == ()  # no ranking item in v2; see recommender.features


def test_a_skipped_task_leaves_its_categories_without_a_score(v2):
    answers = all_tasks(v2)
    del answers["bw1"]  # recognition, development, wellness
    keys, scores = best_worst_scores(v2, [answers])
    missing = {k for k, v in zip(keys, scores[0], strict=True) if np.isnan(v)}
    assert missing == {"pref_recognition", "pref_development", "pref_wellness"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["recognition", "recognition"], "'recognition' is both best and worst"),
        (["recognition", "time"], "unknown option(s) ['time']"),
        (["recognition"], "must be [best, worst]"),
        ("recognition>wellness", "must be [best, worst]"),
    ],
)
def test_a_bad_best_worst_answer_names_its_response_and_item(v2, value, message):
    with pytest.raises(ValueError, match=r"response 1, item 'bw1'") as info:
        best_worst_scores(v2, [{}, {"bw1": value}])
    assert message in str(info.value)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_best_worst_scores_stay_within_minus_one_and_one(data):
    v2 = load_seed_instrument(2)
    answers = {}
    for task in v2.best_worst_items():
        codes = [o.code for o in task.options]
        if data.draw(st.booleans()):
            pair = data.draw(st.permutations(codes))[:2]
            answers[task.code] = list(pair)
    _, scores = best_worst_scores(v2, [answers])
    known = scores[~np.isnan(scores)]
    assert ((known >= -1.0) & (known <= 1.0)).all()


def test_bipolar_items_score_like_likert_items_with_the_reverse_end_swapped(v2):
    answers = {"pub5": 5, "pub6": 5, "pub7": 1, "pub8": 5, "tea5": 1, "tea6": 1, "tea7": 5}
    answers["tea8"] = 1
    scores = score_responses(v2, [answers])
    column = dict(zip(scores.constructs, scores.values[0], strict=True))
    assert column["pref_public"] == 5.0
    assert column["pref_team"] == 1.0


def test_v2_scores_feed_the_same_feature_names_as_v1(v2):
    v1 = load_seed_instrument(1)
    rewards = load_catalogue()
    org1 = simulate_organisation(v1, rewards, 80, random_state=3)
    org2 = simulate_organisation(v2, rewards, 80, random_state=3)
    f1 = SurveyFeatures.fit(score_responses(v1, org1.answers))
    f2 = SurveyFeatures.fit(score_responses(v2, org2.answers))
    # Every construct v1 fed is fed by v2 (v2 has no ranking item, so no rank features).
    assert set(f2.names) == set(f1.names) - {n for n in f1.names if n.startswith("rank:")}
    x = f2.transform(score_responses(v2, org2.answers))
    assert np.isfinite(x).all()
