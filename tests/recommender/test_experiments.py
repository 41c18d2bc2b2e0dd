"""Experiment statistics: known values, interval coverage, verdicts and balanced assignment."""

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from recommender.experiments import (
    analyse,
    assign_arms,
    bootstrap_interval,
    hedges_g,
    paired_change,
    power_two_sample,
    required_n_per_arm,
    welch_interval,
    welch_p_value,
)

# --- known values -----------------------------------------------------------------------


def test_hedges_g_by_hand():
    # Means 3 and 5, both SDs sqrt(2.5): d = -2 / 1.5811 = -1.2649; with df = 8 the exact
    # correction Gamma(4) / (2 Gamma(3.5)) = 6 / 6.6467 = 0.90270, so g = -1.14184.
    assert hedges_g([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]) == pytest.approx(-1.14184, abs=1e-5)
    assert hedges_g([3, 4, 5, 6, 7], [1, 2, 3, 4, 5]) == pytest.approx(1.14184, abs=1e-5)


def test_hedges_g_without_spread_is_undefined():
    assert math.isnan(hedges_g([2, 2, 2], [2, 2]))


def test_welch_interval_by_hand():
    # Means 10 and 4; variances 40/3 (n 4) and 1 (n 3): se^2 = 10/3 + 1/3, df = 3.5764.
    treated, control = [6, 8, 12, 14], [3, 4, 5]
    interval = welch_interval(treated, control)
    se = math.sqrt(10 / 3 + 1 / 3)
    df = (10 / 3 + 1 / 3) ** 2 / ((10 / 3) ** 2 / 3 + (1 / 3) ** 2 / 2)
    assert df == pytest.approx(3.5764, abs=1e-4)
    half = stats.t.ppf(0.975, df) * se
    assert interval.estimate == pytest.approx(6.0)
    assert (interval.low, interval.high) == pytest.approx((6 - half, 6 + half))
    reference = stats.ttest_ind(treated, control, equal_var=False)
    assert (interval.low, interval.high) == pytest.approx(tuple(reference.confidence_interval()))
    assert welch_p_value(treated, control) == pytest.approx(reference.pvalue)


def test_welch_interval_narrows_with_confidence():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 30), rng.normal(0, 1, 30)
    wide, narrow = welch_interval(a, b, confidence=0.99), welch_interval(a, b, confidence=0.8)
    assert wide.low < narrow.low < narrow.high < wide.high


@pytest.mark.parametrize(
    ("effect", "n", "power"),
    # Two-sided two-sample t-test at alpha .05, as power tables (G*Power, R's power.t.test) give.
    [(0.5, 64, 0.8015), (0.8, 26, 0.8075), (0.2, 394, 0.8006), (0.5, 20, 0.3377)],
)
def test_power_matches_published_values(effect, n, power):
    assert power_two_sample(effect, n) == pytest.approx(power, abs=5e-4)


def test_power_is_alpha_without_an_effect():
    assert power_two_sample(0.0, 30, 40) == pytest.approx(0.05)


@pytest.mark.parametrize(("effect", "n"), [(0.5, 64), (0.8, 26), (0.2, 394), (1.0, 17)])
def test_required_n_per_arm(effect, n):
    assert required_n_per_arm(effect) == n
    assert power_two_sample(effect, n) >= 0.8 > power_two_sample(effect, n - 1)


def test_paired_change_is_a_one_sample_t_interval_on_the_differences():
    before = np.array([10.0, 12, 9, 14, 11, 13])
    after = np.array([12.0, 13, 12, 15, 11, 16])
    summary = paired_change(before, after)
    reference = stats.ttest_rel(after, before)
    assert summary.n == 6 and not summary.causal
    assert summary.change.estimate == pytest.approx(1.6667, abs=1e-4)
    assert (summary.change.low, summary.change.high) == pytest.approx(
        tuple(reference.confidence_interval())
    )
    assert summary.p_value == pytest.approx(reference.pvalue)


def test_paired_change_leaves_out_people_missing_a_value():
    summary = paired_change([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0])
    assert summary.n == 2
    assert summary.mean_before == pytest.approx(2.5)


# --- coverage over repeated simulated experiments ---------------------------------------


def test_welch_interval_covers_the_true_effect_95_percent_of_the_time():
    # Small, unequal arms with unequal spread: where the pooled-variance interval fails.
    rng = np.random.default_rng(20261130)
    truth, covered = 2.0, 0
    for _ in range(400):
        treated = rng.normal(truth, 3.0, 12)
        control = rng.normal(0.0, 1.0, 30)
        interval = welch_interval(treated, control)
        covered += interval.low <= truth <= interval.high
    assert 0.93 <= covered / 400 <= 0.97


def test_bootstrap_interval_covers_the_true_effect_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    truth, covered = 1.0, 0
    for _ in range(300):
        treated = rng.normal(truth, 2.0, 40)
        control = rng.normal(0.0, 1.0, 40)
        interval = bootstrap_interval(treated, control, n_resamples=1000, random_state=rng)
        covered += interval.low <= truth <= interval.high
    # The percentile bootstrap runs a little narrow at this size; it must stay close.
    assert 0.91 <= covered / 300 <= 0.98


def test_bootstrap_is_reproducible_with_a_seed():
    rng = np.random.default_rng(3)
    a, b = rng.normal(1, 1, 25), rng.normal(0, 1, 25)
    first = bootstrap_interval(a, b, random_state=11)
    assert first == bootstrap_interval(a, b, random_state=11)
    assert first != bootstrap_interval(a, b, random_state=12)
    assert first.low < first.estimate < first.high


# --- analyse: planted and null effects ---------------------------------------------------


def simulate(effects: dict[str, float], n: int, seed: int, sd: float = 1000.0):
    """Before/after KPI values per person: a person level, noise, and the arm's effect."""
    rng = np.random.default_rng(seed)
    arms = np.repeat(list(effects), n)
    level = rng.normal(20000, 5000, arms.size)
    before = level + rng.normal(0, sd, arms.size)
    after = level + rng.normal(500, sd, arms.size) + np.array([effects[a] for a in arms])
    return before, after, arms


def test_analyse_recovers_a_planted_effect():
    before, after, arms = simulate({"control": 0, "recognition": 1000, "experience": 0}, 80, 3)
    result = analyse(
        before, after, arms, "control", arm_keys=["control", "recognition", "experience"]
    )
    by_arm = {c.arm: c for c in result.comparisons}
    planted = by_arm["recognition"]
    assert planted.verdict == "effect"
    assert planted.difference.low < 1000 < planted.difference.high
    assert planted.difference.estimate > 0 and planted.hedges_g > 0.5
    assert planted.warnings == ()
    assert by_arm["experience"].verdict == "no_clear_difference"
    assert by_arm["experience"].difference.excludes(0) is False
    assert [a.key for a in result.arms] == ["control", "recognition", "experience"]
    assert result.overall.n == 240 and result.overall.causal is False


def test_null_effects_are_rarely_called_real():
    calls = Counter()
    for seed in range(200):
        before, after, arms = simulate({"control": 0, "treated": 0}, 70, seed)
        calls[analyse(before, after, arms, "control").comparisons[0].verdict] += 1
    assert calls["effect"] <= 20  # about 5% expected
    assert calls["no_clear_difference"] >= 180


def test_a_lowering_effect_has_a_negative_difference():
    before, after, arms = simulate({"control": 0, "faster": -1500}, 60, 5)
    comparison = analyse(before, after, arms, "control").comparisons[0]
    assert comparison.verdict == "effect" and comparison.difference.high < 0


def test_tiny_arms_are_too_few_to_tell_and_warned():
    before, after, arms = simulate({"control": 0, "treated": 3000}, 8, 2)
    comparison = analyse(before, after, arms, "control").comparisons[0]
    assert comparison.verdict == "too_few"
    assert comparison.warnings == ("small_arm", "low_power")
    assert comparison.power_standard < 0.8
    assert comparison.required_n == 64


def test_an_underpowered_null_is_too_few_not_no_difference():
    before, after, arms = simulate({"control": 0, "treated": 0}, 25, 4)
    comparison = analyse(before, after, arms, "control").comparisons[0]
    assert comparison.warnings == ("low_power",)
    assert comparison.verdict in ("too_few", "effect")
    if not comparison.difference.excludes(0):
        assert comparison.verdict == "too_few"


def test_an_arm_with_nobody_is_reported_without_statistics():
    before, after, arms = simulate({"control": 0}, 30, 6)
    result = analyse(before, after, arms, "control", arm_keys=["control", "empty"])
    comparison = result.comparisons[0]
    assert comparison.n_arm == 0 and comparison.difference is None
    assert comparison.verdict == "too_few"
    assert result.arms[1].n == 0 and result.arms[1].mean_change is None


def test_missing_values_are_left_out_and_counted():
    before, after, arms = simulate({"control": 0, "treated": 0}, 30, 8)
    before[:3] = np.nan
    after[-2:] = np.nan
    result = analyse(before, after, arms, "control")
    assert [(a.n, a.n_missing) for a in result.arms] == [(27, 3), (28, 2)]


def test_analyse_with_bootstrap_is_reproducible():
    before, after, arms = simulate({"control": 0, "treated": 800}, 30, 9)
    first = analyse(before, after, arms, "control", bootstrap=True, random_state=5)
    again = analyse(before, after, arms, "control", bootstrap=True, random_state=5)
    assert first.comparisons[0].bootstrap == again.comparisons[0].bootstrap
    assert first.comparisons[0].bootstrap.method == "bootstrap"


def test_analyse_refuses_an_unknown_control():
    with pytest.raises(ValueError, match="control"):
        analyse([1.0, 2.0], [1.0, 2.0], ["a", "b"], "control", arm_keys=["a", "b"])


# --- assignment ---------------------------------------------------------------------------


def test_assignment_is_reproducible_and_ignores_input_order():
    people = list(range(1, 101))
    first = assign_arms(people, ["control", "a", "b"], random_state=42)
    assert first == assign_arms(list(reversed(people)), ["control", "a", "b"], random_state=42)
    assert first != assign_arms(people, ["control", "a", "b"], random_state=43)


def test_stratified_assignment_balances_each_stratum():
    people = list(range(1, 61))
    strata = {p: p % 3 for p in people[:50]}  # three profiles, ten people without one
    assignment = assign_arms(people, ["control", "recognition"], strata, random_state=1)
    for stratum in (0, 1, 2, None):
        members = [p for p in people if strata.get(p) == stratum]
        sizes = Counter(assignment[p] for p in members)
        assert abs(sizes["control"] - sizes["recognition"]) <= 1, stratum


def test_assignment_refuses_repeats():
    with pytest.raises(ValueError, match="repeat"):
        assign_arms([1, 1, 2], ["a", "b"])
    with pytest.raises(ValueError, match="two distinct"):
        assign_arms([1, 2], ["a", "a"])


@settings(max_examples=60, deadline=None)
@given(
    people=st.sets(st.integers(1, 10_000), min_size=2, max_size=120),
    n_arms=st.integers(2, 5),
    n_strata=st.integers(1, 6),
    seed=st.integers(0, 2**31 - 1),
)
def test_assignment_is_balanced_overall_and_within_strata(people, n_arms, n_strata, seed):
    arms = [f"arm{i}" for i in range(n_arms)]
    strata = {p: p % n_strata for p in people}
    assignment = assign_arms(people, arms, strata, random_state=seed)
    assert set(assignment) == people
    assert set(assignment.values()) <= set(arms)
    overall = Counter(assignment.values())
    assert max(overall[a] for a in arms) - min(overall[a] for a in arms) <= 1
    for stratum in range(n_strata):
        sizes = Counter(assignment[p] for p in people if strata[p] == stratum)
        assert max(sizes[a] for a in arms) - min(sizes[a] for a in arms) <= 1
