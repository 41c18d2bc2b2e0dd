import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.fairness import (
    MAX_SHARE,
    concentration_flags,
    gini,
    group_gini,
    top_share,
)

# Zeros matter (people given nothing); tiny subnormal amounts only test float rounding.
amount = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=1e6))
amounts = st.lists(amount, min_size=1, max_size=30)


def pairwise_gini(values) -> float:
    """The textbook definition, to check the sorted formula against."""
    x = np.asarray(values, dtype=float)
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())


def test_known_values():
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # one of four has it all: (n-1)/n
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)  # 20 / (2 * 16 * 2.5)
    assert gini([1, 3]) == pytest.approx(0.25)  # |1-3| * 2 / (2 * 4 * 2)
    assert gini([10]) == 0.0


def test_edge_cases():
    assert gini([0, 0, 0]) == 0.0  # nothing given: nobody has more than anyone else
    assert math.isnan(gini([]))
    assert math.isnan(top_share([]))
    assert math.isnan(top_share([0, 0]))
    with pytest.raises(ValueError, match="negative"):
        gini([1, -1])
    with pytest.raises(ValueError, match="finite"):
        gini([1, float("nan")])


def test_top_share_known_values():
    assert top_share([1, 1, 2]) == 0.5
    assert top_share([0, 0, 0, 10]) == 1.0
    assert top_share([3, 3, 3]) == pytest.approx(1 / 3)


@settings(max_examples=200, deadline=None)
@given(amounts)
def test_gini_matches_the_pairwise_definition_and_stays_in_range(values):
    n = len(values)
    value = gini(values)
    assert 0.0 <= value <= (n - 1) / n + 1e-12
    if sum(values) > 0:
        assert value == pytest.approx(pairwise_gini(values), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(amounts, st.floats(min_value=0.01, max_value=100), st.randoms(use_true_random=False))
def test_gini_ignores_order_and_scale(values, factor, random):
    shuffled = list(values)
    random.shuffle(shuffled)
    assert gini(shuffled) == pytest.approx(gini(values), abs=1e-9)
    assert gini([v * factor for v in values]) == pytest.approx(gini(values), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(amounts)
def test_top_share_lies_between_an_equal_share_and_everything(values):
    share = top_share(values)
    if sum(values) == 0:
        assert math.isnan(share)
    else:
        assert 1 / len(values) - 1e-12 <= share <= 1.0 + 1e-12


def test_group_gini_is_the_gini_inside_each_group():
    values = [0, 0, 0, 10, 4, 4, 7]
    labels = [0, 0, 0, 0, 1, 1, 2]
    result = group_gini(values, labels)
    assert result.tolist() == pytest.approx([0.75, 0.0, 0.0])
    with pytest.raises(ValueError):
        group_gini([1, 2], [0])


def test_one_person_over_the_maximum_share_is_flagged_and_those_left_out_listed():
    flags = concentration_flags([500, 100, 0, 0], counts=[2, 1, 0, 0])
    assert flags.top == 0
    assert flags.share == pytest.approx(500 / 600)
    assert flags.concentrated
    assert flags.left_out == (2, 3)


def test_exactly_the_maximum_share_is_not_flagged():
    assert MAX_SHARE == 0.4
    flags = concentration_flags([40, 30, 30], counts=[1, 1, 1])
    assert flags.share == pytest.approx(0.4) and not flags.concentrated
    assert flags.left_out == ()


def test_free_rewards_are_never_concentration_but_still_count_as_received():
    # Every reward given was free: a total of 0 has no share worth flagging.
    flags = concentration_flags([0, 0, 0], counts=[3, 1, 0])
    assert flags.top is None and math.isnan(flags.share) and not flags.concentrated
    assert flags.left_out == (2,)  # the others received a free reward: not left out


def test_too_few_recipients_are_not_concentration():
    # Two people received something: one of them always has half or more.
    flags = concentration_flags([500, 100, 0, 0], counts=[2, 1, 0, 0], min_recipients=3)
    assert flags.share == pytest.approx(500 / 600) and not flags.concentrated
    assert flags.recipients == 2
    flags = concentration_flags([500, 100, 100, 0], counts=[2, 1, 1, 0], min_recipients=3)
    assert flags.recipients == 3 and flags.concentrated
    with pytest.raises(ValueError):
        concentration_flags([1, 2], min_recipients=0)


def test_nothing_given_flags_nobody_as_concentrated_but_everyone_as_left_out():
    flags = concentration_flags([0, 0], counts=[0, 0])
    assert flags.top is None and math.isnan(flags.share) and not flags.concentrated
    assert flags.left_out == (0, 1)


def test_one_person_alone_is_not_concentration():
    flags = concentration_flags([100], counts=[1])
    assert flags.share == 1.0 and not flags.concentrated


def test_without_counts_a_zero_value_means_left_out():
    assert concentration_flags([5, 0, 5]).left_out == (1,)
    with pytest.raises(ValueError):
        concentration_flags([1, 2], counts=[1])
    with pytest.raises(ValueError):
        concentration_flags([1, 2], max_share=0)
