"""Incentive experiments: assigning people to arms, and judging the result.

An experiment compares the CHANGE in one KPI (after period minus before period, per person)
between each arm and the control arm.

Statistics
----------
* ``welch_interval``: difference in mean change with Welch's t interval, which does not
  assume equal variances (arms given different rewards rarely have them).
* ``bootstrap_interval``: the percentile bootstrap of the same difference, resampling
  people within each arm; seeded, so a report can be reproduced.
* ``hedges_g``: the difference standardised by the pooled standard deviation, with the
  exact small-sample correction ``J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))``.
* ``power_two_sample`` and ``required_n_per_arm``: power of the two-sided two-sample t-test
  from the noncentral t distribution.
* ``paired_change``: the before/after change of one group of people (a paired t interval).
  It has no control group, so it describes what happened, not what caused it.

Verdicts
--------
``analyse`` gives each arm-versus-control comparison one of three verdicts:

* ``"too_few"``: an arm has fewer than ``min_per_arm`` people with both KPI values, or the
  interval includes zero while the power to detect a standard effect (``standard_effect``,
  Hedges g = 0.5 by default) is below ``target_power``; a null result from a small study
  is no evidence of no effect.
* ``"effect"``: the interval excludes zero ("likely a real effect").
* ``"no_clear_difference"``: the interval includes zero and the study was large enough to
  detect a standard effect.

The power warning (``"low_power"``) uses the standard effect, not the observed one: power
computed at the observed effect is a restatement of the p-value and says nothing new.
The observed-effect power is still reported as ``power_observed``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

VERDICTS = ("effect", "no_clear_difference", "too_few")
WARNINGS = ("small_arm", "low_power")
MIN_PER_ARM = 20
"""Below this many people per arm a comparison is called too small to tell."""
STANDARD_EFFECT = 0.5
"""The standardised effect (Hedges g) the power warning is about: a "medium" effect."""
TARGET_POWER = 0.8
ALPHA = 0.05
N_RESAMPLES = 2000
_BOOTSTRAP_BLOCK = 1_000_000  # resampled values held in memory at once


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval.

    Attributes
    ----------
    estimate : float
        The point estimate (a difference in means, or a mean change).
    low, high : float
        The interval's ends.
    confidence : float
        The confidence level, e.g. 0.95.
    method : str
        ``"welch"``, ``"bootstrap"`` or ``"paired_t"``.
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str

    def excludes(self, value: float = 0.0) -> bool:
        """Whether ``value`` lies outside the interval."""
        return value < self.low or value > self.high


@dataclass(frozen=True)
class ArmSummary:
    """One arm's people and their mean KPI values; ``None`` where there is nobody."""

    key: str
    n: int
    n_missing: int
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None
    sd_change: float | None


@dataclass(frozen=True)
class Comparison:
    """One arm against the control arm.

    Attributes
    ----------
    arm, control : str
        Arm keys.
    n_arm, n_control : int
        People with both KPI values in each arm.
    difference : Interval or None
        Mean change in the arm minus mean change in control, with Welch's interval;
        ``None`` when an arm has fewer than two people.
    bootstrap : Interval or None
        The percentile bootstrap interval of the same difference, when asked for.
    hedges_g : float or None
        The standardised difference; ``None`` when undefined (no spread at all).
    p_value : float or None
        Two-sided Welch test of no difference.
    power_standard : float or None
        Power to detect ``standard_effect`` with these arm sizes at ``alpha``.
    power_observed : float or None
        Power at the observed ``|hedges_g|`` (reported, never used for the verdict).
    required_n : int
        People per arm needed for ``target_power`` at ``standard_effect``.
    verdict : str
        One of ``VERDICTS``.
    warnings : tuple of str
        Codes from ``WARNINGS``.
    """

    arm: str
    control: str
    n_arm: int
    n_control: int
    difference: Interval | None
    bootstrap: Interval | None
    hedges_g: float | None
    p_value: float | None
    power_standard: float | None
    power_observed: float | None
    required_n: int
    verdict: str
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class PairedSummary:
    """Before/after change of one group: descriptive, never causal (there is no control)."""

    n: int
    mean_before: float | None
    mean_after: float | None
    change: Interval | None
    standardised_change: float | None  # mean change / sd of the changes (Cohen's d_z)
    p_value: float | None
    causal: bool = False


@dataclass(frozen=True)
class ExperimentAnalysis:
    """Everything ``analyse`` found; plain data, ready to be shown or serialised."""

    arms: tuple[ArmSummary, ...]
    comparisons: tuple[Comparison, ...]
    overall: PairedSummary
    control: str
    confidence: float
    alpha: float
    min_per_arm: int
    target_power: float
    standard_effect: float


def _sample(values: ArrayLike, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must not hold NaN or infinite values")
    return x


def _check_pair(treated: ArrayLike, control: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a, b = _sample(treated, "treated"), _sample(control, "control")
    if a.size < 2 or b.size < 2:
        raise ValueError("each group needs at least two values")
    return a, b


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")


def _welch_parts(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference in means, its standard error and Welch-Satterthwaite degrees of freedom."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return float(a.mean() - b.mean()), 0.0, math.inf
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(a.mean() - b.mean()), se, float(df)


def welch_interval(treated: ArrayLike, control: ArrayLike, *, confidence: float = 0.95) -> Interval:
    """Welch's t interval for the difference in means (treated minus control).

    Parameters
    ----------
    treated, control : array_like of shape (n,)
        Values of each group (here: each person's KPI change); at least two each.
    confidence : float, default=0.95
        Confidence level.

    Returns
    -------
    Interval
        ``method="welch"``; when neither group varies at all the interval is the point.
    """
    from scipy import stats

    _check_confidence(confidence)
    a, b = _check_pair(treated, control)
    diff, se, df = _welch_parts(a, b)
    if se == 0:
        return Interval(diff, diff, diff, confidence, "welch")
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    return Interval(diff, diff - half, diff + half, confidence, "welch")


def welch_p_value(treated: ArrayLike, control: ArrayLike) -> float:
    """Two-sided p-value of Welch's test that the two means are equal."""
    from scipy import stats

    a, b = _check_pair(treated, control)
    diff, se, df = _welch_parts(a, b)
    if se == 0:
        return 1.0 if diff == 0 else 0.0
    return float(2 * stats.t.sf(abs(diff / se), df))


def bootstrap_interval(
    treated: ArrayLike,
    control: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = N_RESAMPLES,
    random_state: int | np.random.Generator | None = None,
) -> Interval:
    """Percentile bootstrap interval for the difference in means (treated minus control).

    People are resampled with replacement within each group, so the group sizes stay fixed.

    Parameters
    ----------
    treated, control : array_like of shape (n,)
        Values of each group; at least two each.
    confidence : float, default=0.95
        Confidence level.
    n_resamples : int, default=2000
        Bootstrap resamples.
    random_state : int, numpy Generator or None, default=None
        Seed for the resampling; pass an int for a reproducible interval.

    Returns
    -------
    Interval
        ``method="bootstrap"``; the estimate is the observed difference.
    """
    _check_confidence(confidence)
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    a, b = _check_pair(treated, control)
    rng = np.random.default_rng(random_state)
    diffs = _resampled_means(a, n_resamples, rng) - _resampled_means(b, n_resamples, rng)
    tail = (1 - confidence) / 2
    low, high = np.quantile(diffs, [tail, 1 - tail])
    return Interval(float(a.mean() - b.mean()), float(low), float(high), confidence, "bootstrap")


def _resampled_means(x: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    means = np.empty(n_resamples)
    block = max(1, _BOOTSTRAP_BLOCK // x.size)
    for start in range(0, n_resamples, block):
        stop = min(n_resamples, start + block)
        picks = rng.integers(0, x.size, size=(stop - start, x.size))
        means[start:stop] = x[picks].mean(axis=1)
    return means


def hedges_g(treated: ArrayLike, control: ArrayLike) -> float:
    """Hedges' g: the difference in means over the pooled SD, corrected for small samples.

    Parameters
    ----------
    treated, control : array_like of shape (n,)
        Values of each group; at least two each.

    Returns
    -------
    float
        Positive when ``treated`` is higher; NaN when neither group varies.
    """
    from scipy import special

    a, b = _check_pair(treated, control)
    df = a.size + b.size - 2
    pooled = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / df)
    if pooled == 0:
        return math.nan
    correction = math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2))
    correction /= math.sqrt(df / 2)
    return float(correction * (a.mean() - b.mean()) / pooled)


def power_two_sample(
    effect_size: float,
    n_treated: int,
    n_control: int | None = None,
    *,
    alpha: float = ALPHA,
) -> float:
    """Power of the two-sided two-sample t-test, from the noncentral t distribution.

    Parameters
    ----------
    effect_size : float
        The standardised difference to detect (Cohen's d / Hedges g); its sign is ignored.
    n_treated : int
        People in the treated arm (at least 2).
    n_control : int, optional
        People in the control arm; defaults to ``n_treated``.
    alpha : float, default=0.05
        Two-sided significance level.

    Returns
    -------
    float
        The probability of a significant result when the true effect is ``effect_size``.
    """
    from scipy import stats

    n_control = n_treated if n_control is None else n_control
    if n_treated < 2 or n_control < 2:
        raise ValueError("each arm needs at least two people")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    df = n_treated + n_control - 2
    noncentrality = abs(effect_size) * math.sqrt(n_treated * n_control / (n_treated + n_control))
    critical = stats.t.ppf(1 - alpha / 2, df)
    if noncentrality == 0:
        return float(alpha)
    power = stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality)
    return float(min(1.0, power))


def required_n_per_arm(
    effect_size: float,
    *,
    power: float = TARGET_POWER,
    alpha: float = ALPHA,
) -> int:
    """The smallest equal arm size whose two-sided t-test reaches ``power``.

    Parameters
    ----------
    effect_size : float
        The standardised difference to detect; must not be zero.
    power : float, default=0.8
        The wanted power.
    alpha : float, default=0.05
        Two-sided significance level.

    Returns
    -------
    int
        People per arm (at least 2).
    """
    from scipy import stats

    if effect_size == 0 or not math.isfinite(effect_size):
        raise ValueError("effect_size must be a finite, non-zero number")
    if not alpha < power < 1:
        raise ValueError(f"power must be between alpha and 1, not {power}")
    # The normal approximation lands within a few people of the answer; step from there.
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n = max(2, math.ceil(2 * (z / abs(effect_size)) ** 2))
    while n > 2 and power_two_sample(effect_size, n - 1, alpha=alpha) >= power:
        n -= 1
    while power_two_sample(effect_size, n, alpha=alpha) < power:
        n += 1
    return n


def _stratum_order(key: Hashable) -> tuple[bool, str, str]:
    # Strata may be ints (profiles), strings (sales roles) or None (unknown); order them all.
    return (key is None, type(key).__name__, str(key))


def assign_arms(
    person_ids: Iterable[int],
    arms: Sequence[str],
    strata: Mapping[int, Hashable] | None = None,
    *,
    random_state: int | np.random.Generator | None = None,
) -> dict[int, str]:
    """Randomly assign people to arms, balanced overall and within each stratum.

    People are shuffled within each stratum and dealt to the arms in a shuffled cyclic
    order that carries on from one stratum to the next, so every stratum's arm sizes
    differ by at most one, and so do the arm sizes overall.

    Parameters
    ----------
    person_ids : iterable of int
        The audience; each id once. Their order does not matter (ids are sorted first),
        so the same seed gives the same assignment however the audience was listed.
    arms : sequence of str
        Arm keys, at least two, each once.
    strata : mapping of int to hashable, optional
        Stratum of each person (e.g. a motivation profile). People missing from it form
        a stratum of their own. ``None`` assigns without strata.
    random_state : int, numpy Generator or None, default=None
        Seed; store it to reproduce the assignment.

    Returns
    -------
    dict of int to str
        Each person's arm key.
    """
    ids = [int(p) for p in person_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("person_ids must not repeat")
    keys = list(arms)
    if len(keys) < 2 or len(set(keys)) != len(keys):
        raise ValueError("arms must hold at least two distinct keys")
    rng = np.random.default_rng(random_state)
    order = [keys[i] for i in rng.permutation(len(keys))]
    groups: dict[Hashable, list[int]] = {}
    for person in sorted(ids):
        stratum = strata.get(person) if strata is not None else None
        groups.setdefault(stratum, []).append(person)
    assignment: dict[int, str] = {}
    dealt = 0
    for stratum in sorted(groups, key=_stratum_order):
        members = groups[stratum]
        for index in rng.permutation(len(members)):
            assignment[members[index]] = order[dealt % len(order)]
            dealt += 1
    return assignment


def paired_change(
    before: ArrayLike, after: ArrayLike, *, confidence: float = 0.95
) -> PairedSummary:
    """Mean before/after change of one group, with a paired t interval.

    Parameters
    ----------
    before, after : array_like of shape (n,)
        Each person's value in the two periods; people with a NaN in either are left out.
    confidence : float, default=0.95
        Confidence level.

    Returns
    -------
    PairedSummary
        Descriptive only: without a control group a change may have any cause.
    """
    from scipy import stats

    _check_confidence(confidence)
    x, y = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("before and after must be one-dimensional and of the same length")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = int(x.size)
    if n == 0:
        return PairedSummary(0, None, None, None, None, None)
    if n < 2:
        return PairedSummary(n, float(x.mean()), float(y.mean()), None, None, None)
    d = y - x
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        interval = Interval(mean, mean, mean, confidence, "paired_t")
        return PairedSummary(n, float(x.mean()), float(y.mean()), interval, None, None)
    se = sd / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * se)
    p = float(2 * stats.t.sf(abs(mean / se), n - 1))
    interval = Interval(mean, mean - half, mean + half, confidence, "paired_t")
    return PairedSummary(n, float(x.mean()), float(y.mean()), interval, mean / sd, p)


def _finite_or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def summarise_arm(key: str, before: ArrayLike, after: ArrayLike) -> ArmSummary:
    """Means before, after and of the change for one arm; NaN marks a missing value.

    Parameters
    ----------
    key : str
        The arm's key.
    before, after : array_like of shape (n_people,)
        The arm's people's KPI in each period.

    Returns
    -------
    ArmSummary
        People missing either value are counted in ``n_missing`` and left out.
    """
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    keep = np.isfinite(before) & np.isfinite(after)
    n = int(keep.sum())
    if n == 0:
        return ArmSummary(key, 0, int(before.size), None, None, None, None)
    change = after[keep] - before[keep]
    return ArmSummary(
        key=key,
        n=n,
        n_missing=int(before.size - n),
        mean_before=float(before[keep].mean()),
        mean_after=float(after[keep].mean()),
        mean_change=float(change.mean()),
        sd_change=float(change.std(ddof=1)) if n > 1 else None,
    )


def _compare(
    key: str,
    control: str,
    treated: np.ndarray,
    untreated: np.ndarray,
    *,
    confidence: float,
    bootstrap: bool,
    n_resamples: int,
    rng: np.random.Generator,
    min_per_arm: int,
    alpha: float,
    target_power: float,
    standard_effect: float,
) -> Comparison:
    n_arm, n_control = int(treated.size), int(untreated.size)
    required = required_n_per_arm(standard_effect, power=target_power, alpha=alpha)
    warnings = ("small_arm",) if min(n_arm, n_control) < min_per_arm else ()
    if min(n_arm, n_control) < 2:
        return Comparison(
            arm=key,
            control=control,
            n_arm=n_arm,
            n_control=n_control,
            difference=None,
            bootstrap=None,
            hedges_g=None,
            p_value=None,
            power_standard=None,
            power_observed=None,
            required_n=required,
            verdict="too_few",
            warnings=warnings,
        )
    difference = welch_interval(treated, untreated, confidence=confidence)
    boot = None
    if bootstrap:
        boot = bootstrap_interval(
            treated, untreated, confidence=confidence, n_resamples=n_resamples, random_state=rng
        )
    g = hedges_g(treated, untreated)
    power_standard = power_two_sample(standard_effect, n_arm, n_control, alpha=alpha)
    power_observed = power_two_sample(g, n_arm, n_control, alpha=alpha) if math.isfinite(g) else 1.0
    if power_standard < target_power:
        warnings += ("low_power",)
    if "small_arm" in warnings:
        verdict = "too_few"
    elif difference.excludes(0.0):
        verdict = "effect"
    elif power_standard < target_power:
        verdict = "too_few"
    else:
        verdict = "no_clear_difference"
    return Comparison(
        arm=key,
        control=control,
        n_arm=n_arm,
        n_control=n_control,
        difference=difference,
        bootstrap=boot,
        hedges_g=_finite_or_none(g),
        p_value=welch_p_value(treated, untreated),
        power_standard=power_standard,
        power_observed=power_observed if math.isfinite(g) else None,
        required_n=required,
        verdict=verdict,
        warnings=warnings,
    )


def analyse(
    before: ArrayLike,
    after: ArrayLike,
    arms: ArrayLike,
    control: str,
    *,
    arm_keys: Sequence[str] | None = None,
    confidence: float = 0.95,
    bootstrap: bool = False,
    n_resamples: int = N_RESAMPLES,
    random_state: int | np.random.Generator | None = None,
    min_per_arm: int = MIN_PER_ARM,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
    standard_effect: float = STANDARD_EFFECT,
) -> ExperimentAnalysis:
    """Compare the KPI change of each arm with the control arm.

    Parameters
    ----------
    before, after : array_like of shape (n_people,)
        Each person's KPI in the period before and after; NaN where missing. People
        missing either value are left out (and counted in ``ArmSummary.n_missing``).
    arms : array_like of str, shape (n_people,)
        Each person's arm key.
    control : str
        The control arm's key.
    arm_keys : sequence of str, optional
        Every arm in display order, including arms with nobody in them; defaults to the
        control followed by the other keys found in ``arms``, sorted.
    confidence : float, default=0.95
        Confidence level of every interval.
    bootstrap : bool, default=False
        Add a percentile bootstrap interval to each comparison.
    n_resamples : int, default=2000
        Bootstrap resamples.
    random_state : int, numpy Generator or None, default=None
        Seed for the bootstrap.
    min_per_arm : int, default=20
        Smaller arms get the ``"small_arm"`` warning and the ``"too_few"`` verdict.
    alpha : float, default=0.05
        Significance level of the power calculations.
    target_power : float, default=0.8
        Below this power to detect ``standard_effect`` a comparison gets ``"low_power"``.
    standard_effect : float, default=0.5
        The standardised effect the power warning is about.

    Returns
    -------
    ExperimentAnalysis
        Arm summaries, one comparison per non-control arm, and the paired before/after
        change of everyone (descriptive, not causal).
    """
    _check_confidence(confidence)
    x = np.asarray(before, dtype=float)
    y = np.asarray(after, dtype=float)
    labels = np.asarray(arms, dtype=object)
    if not (x.ndim == y.ndim == labels.ndim == 1) or not (x.size == y.size == labels.size):
        raise ValueError("before, after and arms must be one-dimensional and of the same length")
    found = sorted({str(a) for a in labels} - {control})
    keys = list(arm_keys) if arm_keys is not None else [control, *found]
    if control not in keys:
        raise ValueError(f"the control arm {control!r} is not among the arms")
    stray = set(found) - set(keys)
    if stray:
        raise ValueError(f"arms not in arm_keys: {', '.join(sorted(stray))}")

    rng = np.random.default_rng(random_state)
    summaries: list[ArmSummary] = []
    changes: dict[str, np.ndarray] = {}
    for key in keys:
        mask = labels == key
        summaries.append(summarise_arm(key, x[mask], y[mask]))
        keep = mask & np.isfinite(x) & np.isfinite(y)
        changes[key] = y[keep] - x[keep]
    comparisons = tuple(
        _compare(
            key,
            control,
            changes[key],
            changes[control],
            confidence=confidence,
            bootstrap=bootstrap,
            n_resamples=n_resamples,
            rng=rng,
            min_per_arm=min_per_arm,
            alpha=alpha,
            target_power=target_power,
            standard_effect=standard_effect,
        )
        for key in keys
        if key != control
    )
    return ExperimentAnalysis(
        arms=tuple(summaries),
        comparisons=comparisons,
        overall=paired_change(x, y, confidence=confidence),
        control=control,
        confidence=confidence,
        alpha=alpha,
        min_per_arm=min_per_arm,
        target_power=target_power,
        standard_effect=standard_effect,
    )
