from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from recommender.instrument import load_instrument
from recommender.scoring import (
    ScaleScores,
    answer_matrix,
    ranking_scores,
    reverse_key,
    scale_scores,
    score_responses,
    standardise,
)

SMALL = Path(__file__).resolve().parent.parent / "data" / "small_instrument.toml"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(SMALL)


def full_response(**overrides):
    answers = {
        "aut1": 4, "aut2": 5, "aut3": 2, "aut4": 4,
        "mas1": 3, "mas2": 3, "att1": 4, "mas3": 3, "mas4": 2,
        "pur1": 5, "pur2": 4, "pur3": 1, "pur4": 5,
        "rank1": ["development", "time", "recognition"],
        "open1": "More training",
    }  # fmt: skip
    answers.update(overrides)
    return answers


bounds = st.tuples(st.integers(-5, 5), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1]))


@given(bounds, st.data())
def test_reverse_keying_twice_is_identity(lohi, data):
    lo, hi = lohi
    x = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=20)), dtype=float)
    np.testing.assert_array_equal(reverse_key(reverse_key(x, lo, hi), lo, hi), x)


@given(bounds, st.data())
def test_reverse_keying_mirrors_around_the_midpoint(lohi, data):
    lo, hi = lohi
    x = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=1, max_size=20)), dtype=float)
    reversed_ = reverse_key(x, lo, hi)
    midpoint = (lo + hi) / 2
    np.testing.assert_allclose(reversed_ - midpoint, midpoint - x)
    assert reversed_.min() >= lo and reversed_.max() <= hi


def test_reverse_key_keeps_nan():
    out = reverse_key(np.array([1.0, np.nan, 5.0]), 1, 5)
    np.testing.assert_array_equal(out[[0, 2]], [5.0, 1.0])
    assert np.isnan(out[1])


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(
        float,
        st.tuples(st.integers(1, 30), st.just(6)),
        elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
    )
)
def test_scale_scores_stay_within_the_scale_or_are_nan(keyed):
    construct_index = np.array([0, 0, 0, 0, 1, 1])
    scores = scale_scores(keyed, construct_index, 2)
    finite = scores[~np.isnan(scores)]
    assert ((finite >= 1) & (finite <= 5)).all()
    answered = (~np.isnan(keyed[:, :4])).sum(axis=1)
    # Four items: at least 3 must be answered (75%).
    assert np.array_equal(np.isnan(scores[:, 0]), answered < 3)
    answered = (~np.isnan(keyed[:, 4:])).sum(axis=1)
    assert np.array_equal(np.isnan(scores[:, 1]), answered < 2)


def test_scale_scores_known_values():
    keyed = np.array(
        [
            [1, 2, 3, 4, 5, 5],
            [1, 2, 3, np.nan, 5, np.nan],  # 3 of 4 answered: still scored
            [1, 2, np.nan, np.nan, np.nan, np.nan],  # 2 of 4: missing
        ]
    )
    scores = scale_scores(keyed, np.array([0, 0, 0, 0, 1, 1]), 3)
    np.testing.assert_allclose(scores[0, :2], [2.5, 5.0])
    np.testing.assert_allclose(scores[1, 0], 2.0)
    assert np.isnan(scores[1, 1])  # 1 of 2 is 50%
    assert np.isnan(scores[2]).all()
    assert np.isnan(scores[:, 2]).all()  # a construct with no items


def test_scale_scores_respects_min_fraction():
    keyed = np.array([[2.0, np.nan, np.nan, np.nan]])
    assert np.isnan(scale_scores(keyed, np.zeros(4, dtype=int), 1)[0, 0])
    assert scale_scores(keyed, np.zeros(4, dtype=int), 1, min_fraction=0.25)[0, 0] == 2.0


def test_ranking_scores_known_values_and_partial_rankings():
    scores = ranking_scores([[2, 0, 1], [1], None, []], 3)
    np.testing.assert_allclose(scores[0], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(scores[1, 1], 1.0)
    assert np.isnan(scores[1, [0, 2]]).all()
    assert np.isnan(scores[2:]).all()


def test_ranking_scores_reject_bad_orders():
    with pytest.raises(ValueError, match="twice"):
        ranking_scores([[0, 0]], 3)
    with pytest.raises(ValueError, match="out of range"):
        ranking_scores([[3]], 3)


def test_answer_matrix_orders_columns_and_marks_missing(instrument):
    x = answer_matrix(instrument, [full_response(aut2=None), {"mas1": 2}])
    assert x.shape == (2, 12)
    assert x[0, 0] == 4 and np.isnan(x[0, 1])
    assert np.isnan(x[1]).sum() == 11 and x[1, 4] == 2


@pytest.mark.parametrize("value", [0, 6, 2.5, "high"])
def test_answer_matrix_rejects_answers_outside_the_item(instrument, value):
    with pytest.raises(ValueError, match="aut4"):
        answer_matrix(instrument, [full_response(aut4=value)])


def test_score_responses_end_to_end(instrument):
    answers = [
        full_response(),
        full_response(aut1=None, aut2=None, rank1=["time"]),
        {},
    ]
    result = score_responses(instrument, answers)
    assert isinstance(result, ScaleScores)
    assert result.constructs == ("autonomy", "mastery", "purpose")
    # autonomy: 4, 5, (6-2)=4, 4 -> 4.25; mastery: 3, 3, (6-3)=3, 2 -> 2.75;
    # purpose: 5, 4, (6-1)=5, 5 -> 4.75
    np.testing.assert_allclose(result.values[0], [4.25, 2.75, 4.75])
    assert np.isnan(result.values[1, 0])  # 2 of 4 autonomy items answered
    assert np.isnan(result.values[2]).all()
    assert result.ranking == ("pref_time", "pref_recognition", "pref_development")
    np.testing.assert_allclose(result.rank_values[0], [0.5, 0.0, 1.0])
    np.testing.assert_allclose(result.rank_values[1, 0], 1.0)
    assert np.isnan(result.rank_values[1, 1:]).all()
    assert np.isnan(result.rank_values[2]).all()


def test_score_responses_rejects_unknown_ranking_options(instrument):
    with pytest.raises(ValueError, match="unknown option"):
        score_responses(instrument, [full_response(rank1=["time", "cash"])])
    with pytest.raises(ValueError, match="list of option codes"):
        score_responses(instrument, [full_response(rank1="time")])


def test_score_responses_without_ranking_item(instrument):
    from dataclasses import replace

    plain = replace(instrument, items=tuple(i for i in instrument.items if i.type != "ranking"))
    result = score_responses(plain, [full_response()])
    assert result.ranking == ()
    assert result.rank_values.shape == (1, 0)


def test_score_responses_scales_to_many_responses(instrument):
    rng = np.random.default_rng(0)
    codes = [item.code for item in instrument.likert_items()]
    answers = [dict(zip(codes, row.tolist(), strict=True)) for row in rng.integers(1, 6, (500, 12))]
    result = score_responses(instrument, answers)
    assert result.values.shape == (500, 3)
    assert not np.isnan(result.values).any()


def test_standardise_is_nan_aware_and_returns_the_reference():
    values = np.array([[1.0, 3.0], [3.0, 3.0], [np.nan, 3.0], [5.0, np.nan]])
    z, mean, sd = standardise(values)
    np.testing.assert_allclose(mean, [3.0, 3.0])
    np.testing.assert_allclose(sd, [np.sqrt(8 / 3), 0.0])
    np.testing.assert_allclose(z[[0, 1, 3], 0], np.array([-2.0, 0.0, 2.0]) / np.sqrt(8 / 3))
    assert np.isnan(z[2, 0]) and np.isnan(z[3, 1])
    np.testing.assert_array_equal(z[:3, 1], [0.0, 0.0, 0.0])  # sd 0 -> z 0


def test_standardise_against_a_given_reference():
    z, mean, sd = standardise(np.array([[4.0], [2.0]]), np.array([3.0]), np.array([2.0]))
    np.testing.assert_allclose(z[:, 0], [0.5, -0.5])
    assert mean[0] == 3.0 and sd[0] == 2.0


def test_standardise_all_missing_column_stays_missing():
    z, mean, sd = standardise(np.array([[np.nan, 1.0], [np.nan, 2.0]]))
    assert np.isnan(z[:, 0]).all() and np.isnan(mean[0]) and np.isnan(sd[0])


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        float,
        st.tuples(st.integers(2, 40), st.integers(1, 4)),
        elements=st.floats(1, 5, allow_nan=False),
    )
)
def test_standardised_columns_have_mean_zero(values):
    z, _, sd = standardise(values)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-9)
    varying = sd > 1e-6
    np.testing.assert_allclose(z[:, varying].std(axis=0), 1.0, atol=1e-6)


def test_score_responses_with_no_responses(instrument):
    result = score_responses(instrument, [])
    assert result.values.shape == (0, 3)
    assert result.rank_values.shape == (0, 3)
