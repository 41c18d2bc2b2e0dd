"""The leverage rule: exact leverages, incremental updates, and greedy release choices."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.anonymity import (
    LeverageBasis,
    leverage,
    leverage_bound,
    select_releasable,
    within_bound,
)


def brute_leverage(n, groups):
    a = np.zeros((len(groups), n))
    for j, g in enumerate(groups):
        a[j, list(g)] = 1.0
    if not len(groups):
        return np.zeros(n)
    return np.diag(np.linalg.pinv(a) @ a)


def test_one_group_of_m_gives_each_member_one_over_m():
    h = leverage(10, [range(7)])
    assert np.allclose(h[:7], 1 / 7) and np.allclose(h[7:], 0)


def test_two_groups_that_differ_by_one_person_isolate_that_person():
    h = leverage(8, [range(6), range(7)])
    assert h[6] == pytest.approx(1.0)
    assert not within_bound(h, 5)


def test_the_same_group_twice_adds_nothing():
    basis = LeverageBasis(9, [range(6)])
    before = basis.leverage_.copy()
    basis.add(list(range(6)))
    assert np.allclose(basis.leverage_, before) and basis.rank_ == 1


def test_a_partition_and_its_total_add_nothing_beyond_the_partition():
    groups = [range(0, 5), range(5, 11), range(11)]
    h = leverage(11, groups)
    assert np.allclose(h, brute_leverage(11, groups))
    assert within_bound(h, 5)


def test_a_hidden_small_cell_is_recovered_from_the_total():
    # Visible teams of 5 and 6 plus the total reveal the hidden team of 3.
    h = leverage(14, [range(0, 5), range(5, 11), range(14)])
    assert h[11:].max() == pytest.approx(1 / 3)
    assert not within_bound(h, 5)


def test_the_bound_is_one_over_k():
    assert leverage_bound(5) == pytest.approx(0.2)


groups_strategy = st.integers(min_value=2, max_value=30).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.sets(st.integers(0, n - 1), min_size=1), min_size=1, max_size=12),
    )
)


@settings(max_examples=60, deadline=None)
@given(groups_strategy)
def test_batch_and_incremental_leverage_match_the_pseudo_inverse(case):
    n, groups = case
    groups = [sorted(g) for g in groups]
    expected = brute_leverage(n, groups)
    assert np.allclose(leverage(n, groups), expected, atol=1e-8)
    basis = LeverageBasis(n)
    for g in groups:
        predicted = basis.leverage_with(g)
        basis.add(g)
        assert np.allclose(predicted, basis.leverage_, atol=1e-8)
    assert np.allclose(basis.leverage_, expected, atol=1e-8)
    half = len(groups) // 2
    mixed = LeverageBasis(n, groups[:half])
    for g in groups[half:]:
        mixed.add(g)
    assert np.allclose(mixed.leverage_, expected, atol=1e-8)


@settings(max_examples=60, deadline=None)
@given(groups_strategy, st.integers(3, 6))
def test_greedy_selection_keeps_the_bound_and_is_deterministic(case, k):
    n, groups = case
    groups = [sorted(g) for g in groups]
    keep = select_releasable(LeverageBasis(n), groups, k)
    kept = [g for g, ok in zip(groups, keep, strict=True) if ok]
    assert within_bound(brute_leverage(n, kept), k)
    assert np.array_equal(keep, select_releasable(LeverageBasis(n), groups, k))
    # Nothing refused could have been added on its own to what was kept.
    for g, ok in zip(groups, keep, strict=True):
        if not ok:
            assert len(g) < k or not within_bound(brute_leverage(n, [*kept, g]), k)


def test_greedy_prefers_the_larger_group_and_refuses_the_snapshot_difference():
    basis = LeverageBasis(20, [range(6)])
    keep = select_releasable(basis, [range(7), range(12)], 5)
    # range(12) differs from range(6) by six people: fine. range(7) then isolates person 6.
    assert keep.tolist() == [False, True]


# ---------------------------------------------------------------- answers the reader knows


def brute_leverage_knowing(n, groups, known):
    """Leverage when the reader also holds every ``known`` person's answers (singletons)."""
    return brute_leverage(n, [*groups, *([k] for k in known)])


def test_a_group_of_five_hiding_two_unknown_people_is_refused():
    # Three of five answers known: the figures are the mean of the two others.
    basis = LeverageBasis(5, known=[0, 1, 2])
    assert not select_releasable(basis, [range(5)], 5)[0]


def test_padding_a_difference_with_known_answers_is_refused():
    # {a..e} shown; then {a..e, r, f1..f4} with f known: the difference is r alone.
    a_to_e, r, fakes = list(range(5)), 5, [6, 7, 8, 9]
    basis = LeverageBasis(10, [a_to_e], known=fakes)
    assert not select_releasable(basis, [[*a_to_e, r, *fakes]], 5)[0]
    # Without the known answers the same group is a difference of five people.
    assert select_releasable(LeverageBasis(10, [a_to_e]), [[*a_to_e, r, *fakes]], 5)[0]


def test_groups_of_known_answers_only_are_shown_and_sized_by_people():
    basis = LeverageBasis(12, known=range(12))
    assert list(select_releasable(basis, [range(6), range(6, 12), range(12), range(3)], 5)) == [
        True,
        True,
        True,
        False,  # three people are still too few
    ]


def test_known_answers_raise_the_leverage_of_the_others_exactly():
    groups = [range(0, 8), range(4, 12), range(12)]
    known = [0, 5, 9]
    basis = LeverageBasis(12, groups, known=known)
    assert np.allclose(basis.leverage_, brute_leverage_knowing(12, groups, known))
    grown = LeverageBasis(12, groups[:1], known=known)
    for g in groups[1:]:
        grown.add(list(g))
    assert np.allclose(grown.leverage_, basis.leverage_)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sets(st.integers(0, 13), min_size=1, max_size=14), min_size=1, max_size=8),
    st.sets(st.integers(0, 13), max_size=8),
)
def test_what_is_released_keeps_the_unknown_within_the_bound(candidates, known):
    basis = LeverageBasis(14, known=sorted(known))
    keep = select_releasable(basis, [sorted(c) for c in candidates], 3)
    kept = [sorted(c) for c, ok in zip(candidates, keep, strict=True) if ok]
    h = brute_leverage_knowing(14, kept, sorted(known))
    unknown = np.setdiff1d(np.arange(14), sorted(known))
    assert within_bound(h[unknown], 3)
