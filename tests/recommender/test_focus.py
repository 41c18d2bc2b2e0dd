import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from recommender.focus import (
    NO_PROFILE,
    QUESTIONS,
    difference_ci,
    discussion_questions,
    form_focus_groups,
    mean_ci,
    quartiles,
    split_sizes,
)


def test_split_sizes_stay_within_bounds_and_near_the_wished_size():
    assert split_sizes(4, 6, 5, 8) == []
    assert split_sizes(7, 6, 5, 8) == [7]
    assert split_sizes(12, 6, 5, 8) == [6, 6]
    assert split_sizes(13, 6, 5, 8) == [7, 6]
    assert split_sizes(16, 8, 5, 8) == [8, 8]
    assert split_sizes(16, 5, 5, 8) == [6, 5, 5]
    # Nine people cannot be split into groups of 5 to 8: one stays out.
    assert split_sizes(9, 6, 5, 8) == [8]


@given(st.integers(0, 200), st.integers(5, 8))
def test_split_sizes_place_everyone_whenever_possible(n, size):
    sizes = split_sizes(n, size, 5, 8)
    assert all(5 <= s <= 8 for s in sizes)
    assert max(sizes, default=0) - min(sizes, default=0) <= 1 or n == 9
    if n >= 10 or 5 <= n <= 8:
        assert sum(sizes) == n


profiles_strategy = st.lists(st.integers(-1, 5), min_size=0, max_size=80)


@settings(max_examples=150, deadline=None)
@given(profiles_strategy, st.sampled_from(["profile", "mixed"]), st.integers(5, 8))
def test_every_group_has_5_to_8_people_and_nobody_is_placed_twice(profiles, by, size):
    profiles = np.asarray(profiles, dtype=int)
    plan = form_focus_groups(profiles, by=by, size=size, random_state=0)
    placed = np.concatenate(plan.groups + [plan.unplaced]) if plan.groups else plan.unplaced
    assert sorted(placed.tolist()) == list(range(profiles.size))
    assert all(5 <= g.size <= 8 for g in plan.groups)
    if profiles.size >= 10:
        # With ten or more people at most the leftovers of an unsplittable count stay out.
        assert plan.unplaced.size < 5


def test_profile_groups_hold_one_profile_and_small_profiles_join_groups_with_room():
    profiles = np.array([0] * 12 + [1] * 7 + [2] * 3)
    plan = form_focus_groups(profiles, by="profile", size=6, random_state=1)
    mixes = [sorted(set(profiles[g].tolist())) for g in plan.groups]
    assert mixes.count([0]) + mixes.count([0, 2]) == 2
    assert [1] in mixes or [1, 2] in mixes
    # The three people of profile 2 (too few for a group) were merged, nobody left out.
    assert plan.unplaced.size == 0
    assert sum(2 in m for m in mixes) >= 1


def test_a_pool_of_small_profiles_forms_a_mixed_group():
    profiles = np.array([0] * 6 + [1] * 3 + [2] * 2 + [NO_PROFILE] * 1)
    plan = form_focus_groups(profiles, by="profile", size=6, random_state=0)
    mixes = sorted(sorted(set(profiles[g].tolist())) for g in plan.groups)
    assert mixes == [[-1, 1, 2], [0]]


def test_people_who_fit_nowhere_are_reported():
    profiles = np.array([0] * 8 + [1])
    plan = form_focus_groups(profiles, by="profile", size=8, random_state=0)
    assert [g.size for g in plan.groups] == [8]
    assert plan.unplaced.tolist() == [8]


def test_mixed_groups_spread_each_profile_evenly():
    profiles = np.array([0] * 13 + [1] * 7 + [2] * 4)
    plan = form_focus_groups(profiles, by="mixed", size=6, random_state=3)
    for p in (0, 1, 2):
        counts = [int((profiles[g] == p).sum()) for g in plan.groups]
        assert max(counts) - min(counts) <= 1


def test_groups_are_the_same_for_the_same_random_state():
    profiles = np.repeat(np.arange(4), 9)
    one = form_focus_groups(profiles, random_state=5)
    two = form_focus_groups(profiles, random_state=5)
    assert [g.tolist() for g in one.groups] == [g.tolist() for g in two.groups]


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError):
        form_focus_groups([0] * 10, by="team")
    with pytest.raises(ValueError):
        form_focus_groups([0] * 10, size=9)


def test_mean_ci_known_values():
    # Mean 3, SD 2, n 3: half-width t(.975, 2) * 2 / sqrt(3) = 4.3027 * 1.1547.
    mean, low, high, n = mean_ci(np.array([[1.0, 2.0], [3.0, np.nan], [5.0, 4.0]]))
    assert mean.tolist() == [3.0, 3.0]
    assert low[0] == pytest.approx(3 - 4.968275, abs=1e-5)
    assert high[0] == pytest.approx(3 + 4.968275, abs=1e-5)
    assert n.tolist() == [3, 2]


def test_difference_ci_matches_welch():
    rng = np.random.default_rng(0)
    a = rng.normal(3.0, 0.7, size=(40, 1))
    b = rng.normal(3.3, 0.5, size=(25, 1))
    diff, low, high = difference_ci(a, b)
    reference = stats.ttest_ind(b[:, 0], a[:, 0], equal_var=False).confidence_interval(0.95)
    assert diff[0] == pytest.approx(b.mean() - a.mean())
    assert low[0] == pytest.approx(reference.low)
    assert high[0] == pytest.approx(reference.high)


def test_quartiles_never_give_the_extremes():
    values = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])
    assert quartiles(values)[:, 0].tolist() == [2.0, 3.0, 4.0]
    assert np.isnan(quartiles(np.full((3, 1), np.nan))).all()


def test_questions_come_from_the_highest_and_lowest_constructs():
    difference = {"autonomy": 0.6, "mastery": -0.8, "purpose": 0.1, "pref_time": 0.3}
    en = discussion_questions(difference, lang="en")
    assert [(q["construct"], q["direction"]) for q in en] == [
        ("autonomy", "high"),
        ("pref_time", "high"),
        ("mastery", "low"),
    ]
    assert en[0]["question"] == QUESTIONS["autonomy"]["high"]["en"]
    nb = discussion_questions(difference, lang="nb")
    assert nb[2]["question"] == QUESTIONS["mastery"]["low"]["nb"]


def test_constructs_without_questions_get_a_generic_one():
    questions = discussion_questions({"grit": 1.0, "calm": -1.0}, labels={"grit": "Grit"}, n_high=1)
    assert "Grit" in questions[0]["question"]
    assert len(questions) == 2


def test_every_question_exists_in_both_languages():
    for banks in QUESTIONS.values():
        for bank in banks.values():
            assert bank["en"] and bank["nb"]


def test_mean_ci_stays_inside_the_bounds_it_is_given():
    # Four answers at 5 and one at 1: t-interval 4.2 +/- 2.22, so (1.98, 6.42) unbounded.
    values = np.array([[5.0, 1.0], [5.0, 1.0], [5.0, 1.0], [5.0, 1.0], [1.0, 5.0]])
    mean, low, high, n = mean_ci(values)
    assert high[0] == pytest.approx(6.4212, abs=1e-3) and low[1] == pytest.approx(-0.4212, abs=1e-3)
    mean, low, high, n = mean_ci(values, bounds=(1.0, 5.0))
    assert mean.tolist() == pytest.approx([4.2, 1.8])
    assert low[0] == pytest.approx(1.9788, abs=1e-3) and high[0] == 5.0
    assert low[1] == 1.0 and high[1] == pytest.approx(4.0212, abs=1e-3)
    # One value has no interval, bounded or not; a constant column has none to clip.
    _, low, high, _ = mean_ci(np.array([[5.0, 3.0], [np.nan, 3.0]]), bounds=(1.0, 5.0))
    assert np.isnan(low[0]) and np.isnan(high[0]) and (low[1], high[1]) == (3.0, 3.0)


@given(st.lists(st.lists(st.floats(1.0, 5.0), min_size=3, max_size=3), min_size=1, max_size=12))
def test_bounded_mean_ci_contains_the_mean_and_stays_in_range(rows):
    mean, low, high, n = mean_ci(np.array(rows), bounds=(1.0, 5.0))
    if len(rows) > 1:
        assert np.all(low >= 1.0) and np.all(high <= 5.0)
        assert np.all(low <= mean + 1e-12) and np.all(mean <= high + 1e-12)
