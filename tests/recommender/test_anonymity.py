from itertools import chain, combinations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.anonymity import (
    check_min_size,
    differencing_disclosures,
    protect_tables,
    published_units,
    suppress_cells,
    suppress_overlapping,
    total_visible,
)


def test_small_cells_are_hidden_and_then_the_smallest_until_the_hidden_total_is_safe():
    # 3 + 1 = 4 people hidden is too few: the 8 (the smallest visible) goes too.
    assert suppress_cells([12, 3, 1, 8, 0], 5).tolist() == [False, True, True, True, False]
    assert suppress_cells([6, 7, 2], 5).tolist() == [True, False, True]
    # Hidden cells that already add up to the minimum need no partner.
    assert suppress_cells([9, 3, 2], 5).tolist() == [False, True, True]
    assert suppress_cells([9, 9], 5).tolist() == [False, False]


def test_everything_is_hidden_when_the_whole_table_is_under_the_minimum():
    assert suppress_cells([3, 1], 5).tolist() == [True, True]
    assert not total_visible(4, 5)
    assert (published_units(np.array([0, 0, 0, 1]), np.array([True, True]), 5) == -1).all()


def test_forced_cells_are_hidden_with_a_partner():
    assert suppress_cells([10, 6, 7], 5, force=np.array([False, False, False])).sum() == 0
    hidden = suppress_cells([10, 3, 7], 5, force=np.array([True, False, False]))
    assert hidden.tolist() == [True, True, False]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=1, max_size=12), st.integers(3, 10))
def test_no_small_cell_is_shown_and_the_hidden_total_never_is_small(sizes, min_size):
    sizes = np.asarray(sizes)
    hidden = suppress_cells(sizes, min_size)
    visible = sizes[~hidden]
    assert not ((visible > 0) & (visible < min_size)).any()
    hidden_total = sizes[hidden].sum()
    if total_visible(int(sizes.sum()), min_size):
        assert hidden_total == 0 or hidden_total >= min_size


def test_overlapping_cells_count_distinct_people():
    # Category 0 has 6 raters, category 1 has 2 of the same people plus one more (3).
    membership = np.zeros((3, 12), dtype=bool)
    membership[0, :6] = True
    membership[1, [0, 1, 6]] = True
    membership[2, 6:12] = True
    hidden = suppress_overlapping(membership, 5)
    assert hidden[1]
    assert membership[hidden].any(axis=0).sum() >= 5


def test_min_size_must_be_within_range():
    assert check_min_size(5) == 5
    for bad in (2, 11, 5.5):
        with pytest.raises(ValueError):
            check_min_size(bad)


# A team of 8 that holds 7 of the closers plus one SDR, and two other teams.
TEAM = np.array([0] * 8 + [1] * 6 + [2] * 6)
ROLE = np.array([0] * 7 + [1] + [1] * 6 + [2] * 6)


def test_subtracting_the_closers_from_their_team_is_detected():
    units_team = published_units(TEAM, suppress_cells(np.bincount(TEAM), 5), 5)
    units_role = published_units(ROLE, suppress_cells(np.bincount(ROLE), 5), 5)
    found = differencing_disclosures(units_team, units_role, 5)
    assert found and found[0].size == 1
    assert brute_force_smallest_difference(units_team, units_role) == 1


def test_protected_tables_reveal_nothing_by_subtraction():
    hidden = protect_tables([TEAM, ROLE], 5)
    units = [published_units(x, h, 5) for x, h in zip((TEAM, ROLE), hidden, strict=True)]
    assert differencing_disclosures(*units, 5) == []
    assert brute_force_smallest_difference(*units) not in range(1, 5)


def test_frozen_tables_do_not_change():
    role_hidden = suppress_cells(np.bincount(ROLE), 5)
    hidden = protect_tables([TEAM, ROLE], 5, frozen=[None, role_hidden])
    assert (hidden[1] == role_hidden).all()
    units = [published_units(x, h, 5) for x, h in zip((TEAM, ROLE), hidden, strict=True)]
    assert differencing_disclosures(*units, 5) == []


def unions(units: np.ndarray):
    keys = sorted(set(units.tolist()) - {-1})
    return chain.from_iterable(combinations(keys, r) for r in range(1, len(keys) + 1))


def brute_force_smallest_difference(units_a: np.ndarray, units_b: np.ndarray) -> int:
    """Every union of one table's units minus every union of the other's inside it."""
    people = np.arange(units_a.size)
    smallest = 10**9
    for first, second in ((units_a, units_b), (units_b, units_a)):
        for chosen in unions(first):
            outer = set(people[np.isin(first, chosen)].tolist())
            for inner_units in chain([()], unions(second)):
                inner = set(people[np.isin(second, inner_units)].tolist())
                if inner <= outer:
                    rest = len(outer - inner)
                    if rest:
                        smallest = min(smallest, rest)
    return smallest


labelled = st.integers(6, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(labelled, st.integers(3, 6))
def test_no_pair_of_protected_tables_reveals_a_small_group(tables, min_size):
    labels = [np.unique(np.asarray(t), return_inverse=True)[1] for t in tables]
    hidden = protect_tables(labels, min_size)
    units = [published_units(x, h, min_size) for x, h in zip(labels, hidden, strict=True)]
    for i in range(3):
        sizes = np.bincount(labels[i])
        assert not ((sizes[~hidden[i]] > 0) & (sizes[~hidden[i]] < min_size)).any()
        for j in range(i + 1, 3):
            smallest = brute_force_smallest_difference(units[i], units[j])
            assert not 0 < smallest < min_size
