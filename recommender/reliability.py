"""Scale reliability: Cronbach's alpha with Feldt's interval, omega total and item analysis.

Missing data
------------
The policy is LISTWISE deletion within each scale (``MISSING_POLICY``): a response counts
for a scale only when it answered every item of that scale, and the reported ``n`` is the
number of such responses. Responses that miss an item of one scale still count for the
other scales. Listwise deletion keeps every statistic of a scale on one and the same set
of people, which is what the Feldt interval and the item analysis assume.

``reliability_report(..., missing="median")`` instead replaces each missing answer by the
item's median over the included responses and keeps every response, which is what the R
package psych's ``scoreItems`` does by default; it exists to reproduce figures published
that way.

Warnings
--------
Plain-English warnings are raised for alpha below ``ALPHA_MIN``, a corrected item-total
correlation below ``ITEM_TOTAL_MIN`` and an item whose deletion would raise alpha by more
than ``ALPHA_GAIN_MAX``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.instrument import Instrument
from recommender.scoring import answer_matrix, keyed_matrix

MISSING_POLICY = "listwise"
"""Default missing-data policy: complete cases within each scale."""
MISSING_POLICIES = ("listwise", "median")
ALPHA_MIN = 0.70
ITEM_TOTAL_MIN = 0.30
ALPHA_GAIN_MAX = 0.02
MIN_RESPONSES = 3
"""Below this many usable responses a scale's statistics are not computed."""
DECIMALS = 3


@dataclass(frozen=True)
class ItemReport:
    """Item analysis of one item within its scale; ``None`` where not computable."""

    code: str
    item_total_r: float | None
    alpha_if_deleted: float | None


@dataclass(frozen=True)
class ScaleReport:
    """Reliability of one construct's scale; ``None`` where not computable."""

    construct: str
    n: int
    alpha: float | None
    alpha_ci: tuple[float, float] | None
    omega: float | None
    items: tuple[ItemReport, ...]
    warnings: tuple[str, ...]
    notes: tuple[tuple[str, dict], ...] = ()
    """The warnings as ``(code, params)``, for front ends that word them in other languages."""


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach's alpha of complete cases.

    Parameters
    ----------
    x : ndarray of shape (n_responses, n_items)
        Keyed item scores without missing values.

    Returns
    -------
    float
        ``k / (k - 1) * (1 - sum of item variances / variance of the total)``; NaN when
        there are fewer than 2 items or responses, or the total does not vary.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if k < 2 or n < 2:
        return math.nan
    item_variance = x.var(axis=0, ddof=1).sum()
    total_variance = x.sum(axis=1).var(ddof=1)
    if total_variance <= 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - item_variance / total_variance))


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval for alpha by Feldt's F-based method.

    ``(1 - alpha) / (1 - alpha_population)`` follows an F distribution with ``n - 1`` and
    ``(n - 1)(k - 1)`` degrees of freedom (Feldt, 1965).

    Parameters
    ----------
    alpha : float
        Sample alpha.
    n : int
        Number of responses it was computed from.
    k : int
        Number of items.
    level : float, default=0.95

    Returns
    -------
    (lower, upper) : tuple of float
        NaN bounds when ``alpha`` is NaN, ``n < 2`` or ``k < 2``.
    """
    from scipy import stats

    if math.isnan(alpha) or n < 2 or k < 2:
        return math.nan, math.nan
    tail = (1.0 - level) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, df1, df2)
    upper = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, df1, df2)
    return float(lower), float(upper)


def omega_total(x: np.ndarray, random_state=None) -> float:
    """McDonald's omega total from a one-factor model.

    Parameters
    ----------
    x : ndarray of shape (n_responses, n_items)
        Keyed item scores without missing values.
    random_state : int, RandomState instance or None, default=None
        Passed to ``sklearn.decomposition.FactorAnalysis``.

    Returns
    -------
    float
        ``(sum of loadings)^2 / ((sum of loadings)^2 + sum of uniquenesses)`` of a
        maximum-likelihood one-factor fit to the item covariances; NaN with fewer than 2
        items or 3 responses, or when no item varies.
    """
    from sklearn.decomposition import FactorAnalysis
    from sklearn.exceptions import ConvergenceWarning

    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if k < 2 or n < MIN_RESPONSES or not (x.var(axis=0) > 0).any():
        return math.nan
    model = FactorAnalysis(n_components=1, svd_method="lapack", random_state=random_state)
    with warnings.catch_warnings():
        # The fit stops at max_iter on degenerate data; its estimate is still the best
        # available and the report says nothing stronger than a descriptive value.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x)
    common = model.components_[0].sum() ** 2
    unique = model.noise_variance_.sum()
    if common + unique <= 0:
        return math.nan
    return float(common / (common + unique))


def item_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrected item-total correlations and alpha if each item is deleted.

    Parameters
    ----------
    x : ndarray of shape (n_responses, n_items)
        Keyed item scores without missing values.

    Returns
    -------
    item_total_r : ndarray of shape (n_items,)
        Correlation of each item with the sum of the other items; NaN if either does not
        vary or there are fewer than 2 items.
    alpha_if_deleted : ndarray of shape (n_items,)
        Alpha of the scale without that item; NaN when fewer than 2 items would remain.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    item_total_r = np.full(k, np.nan)
    alpha_if_deleted = np.full(k, np.nan)
    if k < 2 or n < 2:
        return item_total_r, alpha_if_deleted
    rest = x.sum(axis=1, keepdims=True) - x
    xc = x - x.mean(axis=0)
    rc = rest - rest.mean(axis=0)
    denominator = np.sqrt((xc**2).sum(axis=0) * (rc**2).sum(axis=0))
    np.divide((xc * rc).sum(axis=0), denominator, out=item_total_r, where=denominator > 0)
    for j in range(k):
        alpha_if_deleted[j] = cronbach_alpha(np.delete(x, j, axis=1))
    return item_total_r, alpha_if_deleted


def reliability_report(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    exclude: Sequence[bool] | None = None,
    *,
    missing: str = MISSING_POLICY,
    level: float = 0.95,
    random_state=None,
) -> list[ScaleReport]:
    """Reliability of every likert scale of an instrument.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response.
    exclude : sequence of bool, optional
        ``True`` for responses to leave out (for example those with quality flags).
    missing : {"listwise", "median"}, default="listwise"
        Missing-data policy; see the module docstring.
    level : float, default=0.95
        Confidence level of the alpha interval.
    random_state : int, RandomState instance or None, default=None
        Passed to the one-factor fit behind omega.

    Returns
    -------
    list of ScaleReport
        One per construct with likert items, in instrument order.
    """
    if missing not in MISSING_POLICIES:
        raise ValueError(f"missing must be one of {MISSING_POLICIES}, got {missing!r}")
    keyed = keyed_matrix(instrument, answer_matrix(instrument, answers))
    if exclude is not None:
        keep = ~np.asarray(exclude, dtype=bool)
        if keep.shape != (keyed.shape[0],):
            raise ValueError(f"exclude has {keep.size} entries for {keyed.shape[0]} responses")
        keyed = keyed[keep]

    items = instrument.likert_items()
    reports = []
    for construct in instrument.constructs:
        columns = [j for j, item in enumerate(items) if item.construct == construct.key]
        if not columns:
            continue
        codes = [items[j].code for j in columns]
        x = keyed[:, columns]
        if missing == "median":
            x = _impute_medians(x)
        x = x[~np.isnan(x).any(axis=1)]
        reports.append(_scale_report(construct.key, codes, x, level, random_state))
    return reports


def incomplete_responses(
    instrument: Instrument, answers: Sequence[Mapping[str, object]]
) -> np.ndarray:
    """Which responses miss an answer to at least one item of a likert scale.

    Under ``missing="listwise"`` each of them is left out of the scales it did not answer
    in full (and counts for the others); under ``"median"`` its missing answers are
    replaced by the item medians.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response.

    Returns
    -------
    ndarray of bool, shape (n_responses,)
    """
    keyed = keyed_matrix(instrument, answer_matrix(instrument, answers))
    items = instrument.likert_items()
    scaled = {c.key for c in instrument.constructs}
    columns = [j for j, item in enumerate(items) if item.construct in scaled]
    if not columns:
        return np.zeros(keyed.shape[0], dtype=bool)
    return np.isnan(keyed[:, columns]).any(axis=1)


def _impute_medians(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    for j in range(x.shape[1]):
        present = ~np.isnan(x[:, j])
        if present.any():
            x[~present, j] = np.median(x[present, j])
    return x


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _two(value: float) -> str:
    # Adding 0.0 turns a rounded -0.0 into 0.0, so no "-0.00" reaches a person.
    return f"{round(value, 2) + 0.0:.2f}"


def _scale_report(
    construct: str, codes: list[str], x: np.ndarray, level: float, random_state
) -> ScaleReport:
    n, k = x.shape
    notes: list[str] = []
    coded: list[tuple[str, dict]] = []

    def note(code: str, text: str, **params) -> None:
        notes.append(text)
        coded.append((code, params))

    if k < 2:
        note(
            "single_item",
            "The scale has a single item, so its internal consistency cannot be estimated.",
        )
    if n < MIN_RESPONSES:
        note(
            "too_few_responses",
            f"Only {n} complete response(s); at least {MIN_RESPONSES} are needed to "
            f"estimate reliability.",
            n=int(n),
            minimum=MIN_RESPONSES,
        )
    if notes:
        empty = tuple(ItemReport(code, None, None) for code in codes)
        return ScaleReport(construct, n, None, None, None, empty, tuple(notes), tuple(coded))

    alpha = _finite(cronbach_alpha(x))
    interval = None
    if alpha is not None:
        lower, upper = feldt_interval(alpha, n, k, level)
        interval = (lower, upper)
    omega = _finite(omega_total(x, random_state=random_state))
    item_total_r, alpha_if_deleted = item_statistics(x)
    item_reports = tuple(
        ItemReport(code, _finite(r), _finite(a))
        for code, r, a in zip(codes, item_total_r, alpha_if_deleted, strict=True)
    )

    if alpha is None:
        note("no_variance", "Alpha cannot be computed because the scale total does not vary.")
    elif alpha < ALPHA_MIN:
        note(
            "low_alpha",
            f"Cronbach's alpha is {_two(alpha)}, below the usual minimum of {ALPHA_MIN:.2f}.",
            alpha=_two(alpha),
            minimum=f"{ALPHA_MIN:.2f}",
        )
    for item in item_reports:
        if item.item_total_r is not None and item.item_total_r < ITEM_TOTAL_MIN:
            note(
                "low_item_total",
                f"Item '{item.code}' correlates only {_two(item.item_total_r)} with the rest "
                f"of the scale (below {ITEM_TOTAL_MIN:.2f}).",
                item=item.code,
                r=_two(item.item_total_r),
                minimum=f"{ITEM_TOTAL_MIN:.2f}",
            )
        if (
            alpha is not None
            and item.alpha_if_deleted is not None
            and item.alpha_if_deleted - alpha > ALPHA_GAIN_MAX
        ):
            note(
                "drop_item",
                f"Dropping item '{item.code}' would raise alpha from {_two(alpha)} to "
                f"{_two(item.alpha_if_deleted)}.",
                item=item.code,
                alpha=_two(alpha),
                alpha_if_deleted=_two(item.alpha_if_deleted),
            )
    return ScaleReport(
        construct, n, alpha, interval, omega, item_reports, tuple(notes), tuple(coded)
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def report_to_dict(
    instrument: Instrument, reports: Sequence[ScaleReport], n_responses: int
) -> dict:
    """Return the reports as a JSON-ready dict, floats rounded to 3 decimals.

    Parameters
    ----------
    instrument : Instrument
    reports : sequence of ScaleReport
        As returned by ``reliability_report``.
    n_responses : int
        Number of responses analysed.

    Returns
    -------
    dict
        ``{"instrument", "version", "n_responses", "scales": [{"construct", "n", "alpha",
        "alpha_ci", "omega", "items": [{"code", "item_total_r", "alpha_if_deleted"}],
        "warnings"}]}`` with ``None`` where a value is not computable.
    """
    return {
        "instrument": instrument.name,
        "version": instrument.version,
        "n_responses": int(n_responses),
        "scales": [
            {
                "construct": report.construct,
                "n": int(report.n),
                "alpha": _rounded(report.alpha),
                "alpha_ci": (
                    None
                    if report.alpha_ci is None
                    else [_rounded(report.alpha_ci[0]), _rounded(report.alpha_ci[1])]
                ),
                "omega": _rounded(report.omega),
                "items": [
                    {
                        "code": item.code,
                        "item_total_r": _rounded(item.item_total_r),
                        "alpha_if_deleted": _rounded(item.alpha_if_deleted),
                    }
                    for item in report.items
                ],
                "warnings": list(report.warnings),
                "notes": [{"code": c, "params": dict(p)} for c, p in report.notes],
            }
            for report in reports
        ],
    }
