"""Construct validity: confirmatory factor analysis, invariance across languages, test-retest.

The model
---------
One factor per construct, each Likert item loading on its own construct's factor only,
factors free to correlate, residuals uncorrelated; maximum likelihood on the covariance
matrix. Only constructs with at least ``MIN_ITEMS`` Likert items enter (a factor with two
indicators is not identified on its own); the others are named in a warning. Missing
answers: LISTWISE per model, i.e. a response enters a model only when it answered every
item of that model, and ``n`` is the number of such responses.

Reverse-keyed items are reverse-scored BEFORE the fit (``recommender.scoring.keyed_matrix``,
as for every other figure Motivo shows), so every loading should come out positive and a
negative one means an item is keyed the wrong way round. Reversing an item changes no fit
index.

Estimation is done by semopy (``semopy.Model``, Wishart likelihood); its parameters are
turned into the model-implied covariance matrix, and every fit index is then computed
here from that matrix and the sample covariance matrix with lavaan's definitions (the
reference implementation, see ``tests/data/bfi_lavaan_reference.R``), so that the figures
mean what they mean in the literature:

- ``S`` is the sample covariance with divisor ``n``; ``Sigma`` the model-implied one,
  rescaled to ``S``'s divisor (a CFA is scale invariant, so the ML solution for
  ``c * S`` is ``c * Sigma``);
- ``chi2 = n * F_ML``, ``F_ML = log|Sigma| - log|S| + tr(S Sigma^-1) - p``;
- ``df = p (p + 1) / 2`` minus the free parameters;
- baseline model: uncorrelated items, ``chi2_b = n * (sum log diag S - log|S|)``,
  ``df_b = p (p - 1) / 2``;
- ``CFI = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)``;
- ``TLI = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1)``;
- ``RMSEA = sqrt(max(chi2 - df, 0) / (df * n))``;
- ``SRMR`` (Bentler's, lavaan's ``srmr``): the root mean square of the residual
  correlations ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the ``p (p + 1) / 2`` elements on
  and below the diagonal.

semopy's own ``calc_stats`` (2.3.11) reports no SRMR at all and divides RMSEA by ``n - 1``
where lavaan divides by ``n`` (.077747 against lavaan's .077731 on the bfi model), which is
why the indices are computed here rather than taken from it.

Omega per construct comes from the CFA: ``(sum lambda)^2 / ((sum lambda)^2 + sum theta)``
with the factor variance fixed at 1, i.e. the reliability of the construct's sum score.

Invariance
----------
semopy fits several groups only as separate models, without equality constraints across
them, so the multi-group models are fitted here by maximum likelihood with a mean
structure (``_MultiGroup``): configural (same pattern, everything free), metric (equal
loadings), scalar (equal loadings and intercepts). A step FAILS when, compared with the
previous step, CFI drops by more than ``DELTA_CFI`` AND RMSEA rises by more than
``DELTA_RMSEA`` (Chen, 2007). The configural chi-square equals the sum of the per-group
semopy chi-squares, and every index of every step equals lavaan's on the bfi data split by
gender (``tests/data/bfi_lavaan_invariance.R``), which the tests check. As in lavaan, the
RMSEA of a multi-group model is multiplied by the square root of the number of groups and
its SRMR includes the residual means.

Test-retest
-----------
ICC(A,1) (McGraw & Wong, 1996; ICC(2,1) in Shrout & Fleiss, 1979): two-way model,
absolute agreement, single measurement, on the scale scores of the two waves. Absolute
agreement, because a scale whose scores all shift between waves does not give the same
answer twice, and that shift is exactly what consistency (ICC(3,1)) would hide; a single
measurement, because suggestions use one wave's scores, not the mean of two.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.instrument import Instrument
from recommender.scoring import answer_matrix, keyed_matrix

MIN_ITEMS = 3
"""A construct needs this many Likert items to get a factor of its own."""
CFI_GOOD, CFI_ACCEPTABLE = 0.95, 0.90
RMSEA_MAX = 0.06
SRMR_MAX = 0.08
LOADING_MIN = 0.50
SMALL_SAMPLE = 200
"""Below this many responses CFA estimates are unstable; the report says so."""
INVARIANCE_MIN_PER_GROUP = 200
DELTA_CFI = 0.010
DELTA_RMSEA = 0.015
DECIMALS = 3


class ValidityError(ValueError):
    """The data cannot support the analysis asked for (too few responses or constructs)."""

    def __init__(self, code: str, message: str, **params) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Fit:
    """Fit of one model; ``n`` responses, ``p`` items."""

    n: int
    p: int
    chi2: float
    df: int
    cfi: float
    tli: float
    rmsea: float
    srmr: float

    def as_dict(self) -> dict:
        return {
            "chi2": round(self.chi2, DECIMALS),
            "df": int(self.df),
            "cfi": round(self.cfi, DECIMALS),
            "tli": round(self.tli, DECIMALS),
            "rmsea": round(self.rmsea, DECIMALS),
            "srmr": round(self.srmr, DECIMALS),
        }


@dataclass(frozen=True)
class CFAResult:
    """A fitted one-factor-per-construct model."""

    fit: Fit
    constructs: tuple[str, ...]
    codes: tuple[str, ...]
    item_construct: tuple[str, ...]
    loadings: np.ndarray
    """Standardised loading of each item on its construct, in ``codes`` order."""
    omega: dict[str, float]
    notes: tuple[tuple[str, dict], ...] = ()
    """Warnings as ``(code, params)``; ``warnings`` words them in English."""

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(describe(code, params) for code, params in self.notes)


# --------------------------------------------------------------------------- fit indices


def sample_covariance(x: np.ndarray) -> np.ndarray:
    """Covariance with divisor ``n`` (the ML estimate lavaan's fit measures use)."""
    x = np.asarray(x, dtype=float)
    centred = x - x.mean(axis=0)
    return centred.T @ centred / x.shape[0]


def ml_discrepancy(s: np.ndarray, sigma: np.ndarray) -> float:
    """``log|Sigma| - log|S| + tr(S Sigma^-1) - p``: zero when the model reproduces ``S``."""
    p = s.shape[0]
    sign_s, logdet_s = np.linalg.slogdet(s)
    sign_m, logdet_m = np.linalg.slogdet(sigma)
    if sign_s <= 0 or sign_m <= 0:
        return math.inf
    return float(logdet_m - logdet_s + np.trace(np.linalg.solve(sigma, s)) - p)


def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, n_free: int) -> Fit:
    """Chi-square, CFI, TLI, RMSEA and SRMR by lavaan's definitions (see the module docstring).

    Parameters
    ----------
    s : ndarray of shape (p, p)
        Sample covariance, divisor ``n``.
    sigma : ndarray of shape (p, p)
        Model-implied covariance on the same scale.
    n : int
        Responses.
    n_free : int
        Free parameters of the covariance structure.
    """
    p = s.shape[0]
    chi2 = n * ml_discrepancy(s, sigma)
    df = p * (p + 1) // 2 - n_free
    sd = np.sqrt(np.diag(s))
    chi2_b = n * float(np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1])
    df_b = p * (p - 1) // 2
    return Fit(n, p, chi2, df, *_relative(chi2, df, chi2_b, df_b, n), _srmr(s, sigma, sd))


def _relative(chi2: float, df: int, chi2_b: float, df_b: int, n: int) -> tuple[float, ...]:
    denominator = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if denominator == 0 else 1.0 - max(chi2 - df, 0.0) / denominator
    tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1.0) if df > 0 else math.nan
    rmsea = math.sqrt(max(chi2 - df, 0.0) / (df * n)) if df > 0 else 0.0
    return cfi, tli, rmsea


def _srmr(s: np.ndarray, sigma: np.ndarray, sd: np.ndarray) -> float:
    residual = (s - sigma) / np.outer(sd, sd)
    lower = residual[np.tril_indices(s.shape[0])]
    return float(np.sqrt(np.mean(lower**2)))


# --------------------------------------------------------------------------- one group


def fit_cfa(x: np.ndarray, codes: Sequence[str], item_construct: Sequence[str]) -> CFAResult:
    """Fit one factor per construct to complete, keyed answers.

    Parameters
    ----------
    x : ndarray of shape (n_responses, n_items)
        Keyed answers without missing values.
    codes : sequence of str
        Item codes, one per column.
    item_construct : sequence of str
        The construct of each column; constructs appear in first-seen order.

    Returns
    -------
    CFAResult
    """
    x = np.asarray(x, dtype=float)
    n, p = x.shape
    constructs = tuple(dict.fromkeys(item_construct))
    columns = {c: [j for j, k in enumerate(item_construct) if k == c] for c in constructs}
    lam, theta, phi = _semopy_estimates(x, columns)
    s = sample_covariance(x)
    sigma = _implied(lam, theta, phi, columns, p)
    # semopy fits the unbiased covariance; the ML solution for the biased one is the same
    # model scaled by (n - 1) / n, so rescale rather than fit twice.
    scale = s.trace() / _unbiased(x).trace()
    sigma = sigma * scale
    lam = lam * math.sqrt(scale)
    theta = theta * scale
    k = len(constructs)
    n_free = 2 * p + k * (k - 1) // 2  # loadings, residual variances, factor correlations
    fit = fit_indices(s, sigma, n, n_free)
    loadings = lam / np.sqrt(np.diag(sigma))
    omega = {}
    for c in constructs:
        common = lam[columns[c]].sum() ** 2
        omega[c] = float(common / (common + theta[columns[c]].sum()))
    notes = _fit_notes(fit) + _loading_notes(codes, loadings)
    return CFAResult(
        fit, constructs, tuple(codes), tuple(item_construct), loadings, omega, tuple(notes)
    )


def _unbiased(x: np.ndarray) -> np.ndarray:
    return np.cov(x, rowvar=False, ddof=1)


def _implied(lam, theta, phi, columns, p) -> np.ndarray:
    big = np.zeros((p, len(columns)))
    for f, c in enumerate(columns):
        big[columns[c], f] = lam[columns[c]]
    return big @ phi @ big.T + np.diag(theta)


def _semopy_estimates(x: np.ndarray, columns: dict[str, list[int]]):
    """Loadings, residual variances (per item) and factor correlations from semopy.

    Names are neutral (``x0``, ``f0``) so that no item code can clash with the model syntax.
    The marker-variable estimates semopy returns are turned into the factor-variance-one
    form, which has the same implied covariance.
    """
    import pandas as pd
    import semopy
    from threadpoolctl import threadpool_limits

    p = x.shape[1]
    lines = [
        f"f{f} =~ " + " + ".join(f"x{j}" for j in cols) for f, cols in enumerate(columns.values())
    ]
    model = semopy.Model("\n".join(lines))
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(p)])
    with warnings.catch_warnings():
        # semopy and its dependencies warn about their own internals (deprecated pandas
        # calls and the like); the estimates do not depend on them.
        warnings.simplefilter("ignore")
        # The matrices are small (one row per item); BLAS threads only fight each other
        # and the web workers for the cores here, which made a fit many times slower.
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(frame, obj="MLW")
        table = model.inspect()
    k = len(columns)
    raw = np.zeros(p)
    theta = np.zeros(p)
    psi = np.zeros((k, k))
    for lval, op, rval, estimate in zip(
        table["lval"], table["op"], table["rval"], table["Estimate"], strict=True
    ):
        value = float(estimate)
        if op == "~" and lval.startswith("x") and rval.startswith("f"):
            raw[int(lval[1:])] = value
        elif op == "~~" and lval.startswith("x") and lval == rval:
            theta[int(lval[1:])] = value
        elif op == "~~" and lval.startswith("f"):
            a, b = int(lval[1:]), int(rval[1:])
            psi[a, b] = psi[b, a] = value
    sd = np.sqrt(np.clip(np.diag(psi), 1e-12, None))
    lam = raw.copy()
    for f, cols in enumerate(columns.values()):
        lam[cols] *= sd[f]
    phi = psi / np.outer(sd, sd)
    return lam, theta, phi


# --------------------------------------------------------------------------- warnings


def _two(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"


def _fit_notes(fit: Fit) -> list[tuple[str, dict]]:
    notes: list[tuple[str, dict]] = []
    if fit.n < SMALL_SAMPLE:
        notes.append(("small_sample", {"n": fit.n, "minimum": SMALL_SAMPLE}))
    for index in ("cfi", "tli"):
        value = getattr(fit, index)
        if value < CFI_ACCEPTABLE:
            notes.append(
                (f"{index}_poor", {"value": _two(value), "minimum": f"{CFI_ACCEPTABLE:.2f}"})
            )
        elif value < CFI_GOOD:
            notes.append((f"{index}_acceptable", {"value": _two(value), "good": f"{CFI_GOOD:.2f}"}))
    if fit.rmsea > RMSEA_MAX:
        notes.append(("rmsea_high", {"value": _two(fit.rmsea), "maximum": f"{RMSEA_MAX:.2f}"}))
    if fit.srmr > SRMR_MAX:
        notes.append(("srmr_high", {"value": _two(fit.srmr), "maximum": f"{SRMR_MAX:.2f}"}))
    return notes


def _loading_notes(codes: Sequence[str], loadings: np.ndarray) -> list[tuple[str, dict]]:
    notes = []
    for code, value in zip(codes, loadings, strict=True):
        if value < 0:
            notes.append(("loading_negative", {"item": code, "value": _two(value)}))
        elif value < LOADING_MIN:
            notes.append(
                (
                    "loading_low",
                    {"item": code, "value": _two(value), "minimum": f"{LOADING_MIN:.2f}"},
                )
            )
    return notes


MESSAGES = {
    "small_sample": "Only {n} complete responses: factor analysis results are unstable below "
    "{minimum}; plan for 500 or more before drawing conclusions.",
    "cfi_poor": "CFI is {value}, below {minimum}: the one-factor-per-construct model does not "
    "fit (.95 or more is good, .90 or more acceptable).",
    "cfi_acceptable": "CFI is {value}: acceptable, but below the {good} of a good fit.",
    "tli_poor": "TLI is {value}, below {minimum}: the model does not fit (.95 or more is good, "
    ".90 or more acceptable).",
    "tli_acceptable": "TLI is {value}: acceptable, but below the {good} of a good fit.",
    "rmsea_high": "RMSEA is {value}, above {maximum}: the model leaves more misfit per degree "
    "of freedom than a good model should.",
    "srmr_high": "SRMR is {value}, above {maximum}: the correlations the model implies differ "
    "noticeably from those observed.",
    "loading_low": "Item '{item}' loads only {value} on its construct (below {minimum}): it "
    "measures the construct weakly.",
    "loading_negative": "Item '{item}' loads {value} on its construct, the wrong way round: "
    "check its wording and whether it should be reverse-keyed.",
    "skipped_construct": "Construct '{construct}' has only {items} Likert item(s) and is left "
    "out of the factor analysis (at least {minimum} are needed).",
    "too_few_responses": "Only {n} complete responses; the factor analysis needs at least "
    "{minimum}.",
    "below_group_size": "Fewer than {minimum} complete responses (the minimum group size): "
    "nothing is reported on so few people.",
    "invariance_small_groups": "Invariance across languages was not tested: it needs at least "
    "{minimum} complete responses in each language ({counts}).",
    "invariance_one_language": "Invariance across languages was not tested: the responses "
    "come from fewer than two languages ({counts}).",
    "retest_too_few": "Test-retest was not computed: fewer than {minimum} people (the "
    "minimum group size) answered two waves within {weeks} weeks.",
}


def describe(code: str, params: Mapping) -> str:
    """The English wording of a note."""
    return MESSAGES[code].format(**params)


# --------------------------------------------------------------------------- instrument


@dataclass(frozen=True)
class ModelPlan:
    """Which items of an instrument enter the CFA."""

    codes: tuple[str, ...]
    item_construct: tuple[str, ...]
    columns: tuple[int, ...]
    """Columns of ``instrument.likert_items()``."""
    notes: tuple[tuple[str, dict], ...] = field(default=())


def plan_model(instrument: Instrument) -> ModelPlan:
    """Constructs with at least ``MIN_ITEMS`` Likert items; the others as notes."""
    items = instrument.likert_items()
    codes, owners, columns, notes = [], [], [], []
    for construct in instrument.constructs:
        mine = [j for j, item in enumerate(items) if item.construct == construct.key]
        if not mine:
            continue
        if len(mine) < MIN_ITEMS:
            notes.append(
                (
                    "skipped_construct",
                    {"construct": construct.key, "items": len(mine), "minimum": MIN_ITEMS},
                )
            )
            continue
        for j in mine:
            codes.append(items[j].code)
            owners.append(construct.key)
            columns.append(j)
    return ModelPlan(tuple(codes), tuple(owners), tuple(columns), tuple(notes))


def keyed_answers(
    instrument: Instrument, answers: Sequence[Mapping[str, object]], plan: ModelPlan
) -> np.ndarray:
    """Keyed answers to the planned items, one row per response, NaN where missing."""
    keyed = keyed_matrix(instrument, answer_matrix(instrument, answers))
    return keyed[:, list(plan.columns)]


def minimum_responses(plan: ModelPlan, min_group_size: int) -> int:
    """A sample covariance of ``p`` items is singular with ``p`` or fewer responses."""
    return max(int(min_group_size), len(plan.codes) + 1)


def cfa_report(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    *,
    min_group_size: int,
) -> CFAResult:
    """CFA of the instrument's Likert constructs on complete responses (listwise).

    Raises
    ------
    ValidityError
        ``no_constructs`` when no construct has ``MIN_ITEMS`` items, ``too_few_responses``
        when fewer complete responses than ``minimum_responses`` remain.
    """
    plan = plan_model(instrument)
    if not plan.codes:
        raise ValidityError(
            "no_constructs",
            f"No construct of {instrument.name} has {MIN_ITEMS} or more Likert items, so "
            "there is nothing to factor-analyse.",
            minimum=MIN_ITEMS,
        )
    x = keyed_answers(instrument, answers, plan)
    x = x[~np.isnan(x).any(axis=1)]
    need = minimum_responses(plan, min_group_size)
    if x.shape[0] < min_group_size:
        # Not even the count is said: it would be a figure about fewer people than allowed.
        raise ValidityError(
            "below_group_size",
            describe("below_group_size", {"minimum": min_group_size}),
            minimum=min_group_size,
        )
    if x.shape[0] < need:
        raise ValidityError(
            "too_few_responses",
            describe("too_few_responses", {"n": x.shape[0], "minimum": need}),
            n=x.shape[0],
            minimum=need,
        )
    result = fit_cfa(x, plan.codes, plan.item_construct)
    return CFAResult(
        result.fit,
        result.constructs,
        result.codes,
        result.item_construct,
        result.loadings,
        result.omega,
        plan.notes + result.notes,
    )


# --------------------------------------------------------------------------- invariance

STEPS = ("configural", "metric", "scalar")


class _MultiGroup:
    """Multi-group ML CFA with a mean structure and cross-group equality constraints.

    Identification: factor variances 1 and factor means 0 in the first group; in later
    groups the factor variances are free once loadings are equal (metric) and the factor
    means once intercepts are equal too (scalar).
    """

    def __init__(self, groups: Sequence[np.ndarray], columns: Sequence[Sequence[int]], step: str):
        self.groups = [np.asarray(g, dtype=float) for g in groups]
        self.columns = [list(c) for c in columns]
        self.step = step
        self.p = self.groups[0].shape[1]
        self.k = len(self.columns)
        self.n = [g.shape[0] for g in self.groups]
        self.s = [sample_covariance(g) for g in self.groups]
        self.m = [g.mean(axis=0) for g in self.groups]

    def _sizes(self) -> list[tuple[str, int, bool]]:
        """``(name, size, shared)`` blocks of the parameter vector."""
        p, k = self.p, self.k
        equal_loadings = self.step in ("metric", "scalar")
        equal_intercepts = self.step == "scalar"
        return [
            ("lam", p, equal_loadings),
            ("log_theta", p, False),
            ("chol", k * (k + 1) // 2, False),
            ("nu", p, equal_intercepts),
            ("alpha", k, False),
        ]

    def _unpack(self, vector: np.ndarray):
        out = [{} for _ in self.groups]
        at = 0
        for name, size, shared in self._sizes():
            if shared:
                block = vector[at : at + size]
                at += size
                for g in out:
                    g[name] = block
            else:
                for g in out:
                    g[name] = vector[at : at + size]
                    at += size
        return out

    def _free_alpha(self, g: int) -> bool:
        return g > 0 and self.step == "scalar"

    def _free_variance(self, g: int) -> bool:
        return g > 0 and self.step in ("metric", "scalar")

    def _parts(self, g: int, params: dict):
        p, k = self.p, self.k
        big = np.zeros((p, k))
        for f, cols in enumerate(self.columns):
            big[cols, f] = params["lam"][cols]
        lower = np.zeros((k, k))
        lower[np.tril_indices(k)] = params["chol"]
        norms = None
        if not self._free_variance(g):
            # Unit factor variances: each row of the Cholesky factor scaled to length one.
            norms = np.sqrt((lower**2).sum(axis=1))
            lower = lower / norms[:, None]
        psi = lower @ lower.T
        alpha = params["alpha"] if self._free_alpha(g) else np.zeros(k)
        sigma = big @ psi @ big.T + np.diag(np.exp(params["log_theta"]))
        mu = params["nu"] + big @ alpha
        return big, lower, norms, psi, alpha, sigma, mu

    def _moments(self, g: int, params: dict):
        *_rest, sigma, mu = self._parts(g, params)
        return sigma, mu

    def objective_and_gradient(self, vector: np.ndarray) -> tuple[float, np.ndarray]:
        """The ML discrepancy (weighted by group size) and its analytic gradient.

        With ``W = S + d d'`` (``d`` the gap between observed and implied means) the
        discrepancy's derivative in ``Sigma`` is ``G = Sigma^-1 - Sigma^-1 W Sigma^-1``;
        the chain rule through ``Sigma = L Psi L' + Theta`` and ``mu = nu + L alpha`` gives
        the rest. Numerical gradients would need one evaluation per parameter, hundreds for
        a full instrument.
        """
        total = 0.0
        grads = []
        weight = 1.0 / sum(self.n)
        for g, params in enumerate(self._unpack(vector)):
            big, lower, norms, psi, alpha, sigma, mu = self._parts(g, params)
            try:
                inverse = np.linalg.inv(sigma)
            except np.linalg.LinAlgError:
                return 1e10, np.zeros_like(vector)
            d = self.m[g] - mu
            f = ml_discrepancy(self.s[g], sigma)
            if not math.isfinite(f):
                return 1e10, np.zeros_like(vector)
            w = self.n[g] * weight
            total += w * (f + float(d @ inverse @ d))
            moment = self.s[g] + np.outer(d, d)
            big_g = w * (inverse - inverse @ moment @ inverse)
            mean_g = -2.0 * w * (inverse @ d)
            grad_big = 2.0 * big_g @ big @ psi + np.outer(mean_g, alpha)
            grad_psi = big.T @ big_g @ big
            grad_lower = 2.0 * grad_psi @ lower
            if norms is not None:
                radial = (grad_lower * lower).sum(axis=1, keepdims=True)
                grad_lower = (grad_lower - radial * lower) / norms[:, None]
            lam = np.zeros(self.p)
            for f_index, cols in enumerate(self.columns):
                lam[cols] = grad_big[cols, f_index]
            grads.append(
                {
                    "lam": lam,
                    "log_theta": np.diag(big_g) * np.exp(params["log_theta"]),
                    "chol": grad_lower[np.tril_indices(self.k)],
                    "nu": mean_g,
                    "alpha": big.T @ mean_g if self._free_alpha(g) else np.zeros(self.k),
                }
            )
        return total, self._pack_gradient(grads)

    def _pack_gradient(self, grads: list[dict]) -> np.ndarray:
        parts = []
        for name, _size, shared in self._sizes():
            if shared:
                parts.append(sum(g[name] for g in grads))
            else:
                parts.extend(g[name] for g in grads)
        return np.concatenate(parts)

    def objective(self, vector: np.ndarray) -> float:
        return self.objective_and_gradient(vector)[0]

    def n_free(self) -> int:
        count = 0
        for _name, size, shared in self._sizes():
            count += size if shared else size * len(self.groups)
        # Parameters that are in the vector but do not act: the unit variances of group 1
        # (and of every group in the configural model) and the zero factor means.
        fixed_variance = sum(not self._free_variance(g) for g in range(len(self.groups)))
        count -= fixed_variance * self.k
        count -= sum(not self._free_alpha(g) for g in range(len(self.groups))) * self.k
        return count

    def start(self) -> np.ndarray:
        pooled = np.vstack(self.groups)
        sd = pooled.std(axis=0)
        k = self.k
        chol = np.eye(k)[np.tril_indices(k)]
        values = {
            "lam": 0.7 * sd,
            "log_theta": np.log(0.5 * sd**2 + 1e-6),
            "chol": chol,
            "nu": pooled.mean(axis=0),
            "alpha": np.zeros(k),
        }
        parts = []
        for name, _size, shared in self._sizes():
            parts.extend([values[name]] * (1 if shared else len(self.groups)))
        return np.concatenate(parts)

    def fit(self) -> Fit:
        from scipy.optimize import minimize
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            result = minimize(
                self.objective_and_gradient,
                self.start(),
                jac=True,
                method="L-BFGS-B",
                options={"maxiter": 20000, "ftol": 1e-14, "gtol": 1e-9},
            )
        chi2 = float(result.fun) * sum(self.n)
        p = self.p
        moments = len(self.groups) * (p * (p + 1) // 2 + p)
        df = moments - self.n_free()
        # The baseline of a multi-group model: uncorrelated items, free means and variances
        # in every group (lavaan's default baseline).
        chi2_b = sum(
            n * float(np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1])
            for n, s in zip(self.n, self.s, strict=True)
        )
        df_b = len(self.groups) * p * (p - 1) // 2
        total = sum(self.n)
        cfi, tli, rmsea = _relative(chi2, df, chi2_b, df_b, total)
        # RMSEA of a multi-group model scales with the number of groups (Steiger, 1998).
        rmsea *= math.sqrt(len(self.groups))
        # SRMR of a model with means, as lavaan has it: per group, the residual correlations
        # and the residual means (in sample standard deviations) together, then the groups
        # weighted by their size.
        srmr = 0.0
        for g, params in enumerate(self._unpack(result.x)):
            sigma, mu = self._moments(g, params)
            sd = np.sqrt(np.diag(self.s[g]))
            residual = ((self.s[g] - sigma) / np.outer(sd, sd))[np.tril_indices(p)]
            means = (self.m[g] - mu) / sd
            squares = np.concatenate([residual**2, means**2])
            srmr += self.n[g] * float(np.sqrt(squares.mean()))
        return Fit(total, p, chi2, df, cfi, tli, rmsea, srmr / total)


def invariance(
    groups: Mapping[str, np.ndarray],
    item_construct: Sequence[str],
    *,
    min_per_group: int = INVARIANCE_MIN_PER_GROUP,
    min_group_size: int = 0,
) -> dict:
    """Configural, metric and scalar invariance across groups (languages).

    Parameters
    ----------
    groups : mapping of str to ndarray of shape (n_g, n_items)
        Complete keyed answers per group, same columns in every group.
    item_construct : sequence of str
        The construct of each column.
    min_per_group : int, default=200
    min_group_size : int, default=0
        Group sizes below this are withheld (``None``, "fewer than" in the notes).

    Returns
    -------
    dict
        ``{"tested", "groups": {name: n}, "steps": [{"step", "chi2", "df", "cfi", "rmsea",
        "delta_cfi", "delta_rmsea", "holds"}], "notes"}``; when not tested ``steps`` is empty
        and ``notes`` says why.
    """
    counts = {name: int(x.shape[0]) for name, x in groups.items()}
    # Group sizes are figures about people too: one under the minimum group size is only
    # said to be "fewer than" it.
    shown = {name: (n if n >= min_group_size else None) for name, n in counts.items()}
    listed = (
        ", ".join(
            f"{name}: {n}" if n is not None else f"{name}: fewer than {min_group_size}"
            for name, n in shown.items()
        )
        or "none"
    )
    out = {"tested": False, "groups": shown, "minimum_per_group": min_per_group, "steps": []}
    if len(counts) < 2:
        out["notes"] = [("invariance_one_language", {"counts": listed})]
        return out
    if min(counts.values()) < min_per_group:
        out["notes"] = [("invariance_small_groups", {"minimum": min_per_group, "counts": listed})]
        return out
    constructs = list(dict.fromkeys(item_construct))
    columns = [[j for j, c in enumerate(item_construct) if c == key] for key in constructs]
    data = list(groups.values())
    previous = None
    for step in STEPS:
        fit = _MultiGroup(data, columns, step).fit()
        entry = {"step": step, **fit.as_dict(), "delta_cfi": None, "delta_rmsea": None}
        holds = True
        if previous is not None:
            delta_cfi = fit.cfi - previous.cfi
            delta_rmsea = fit.rmsea - previous.rmsea
            entry["delta_cfi"] = round(delta_cfi, DECIMALS)
            entry["delta_rmsea"] = round(delta_rmsea, DECIMALS)
            holds = not (delta_cfi < -DELTA_CFI and delta_rmsea > DELTA_RMSEA)
        entry["holds"] = holds
        out["steps"].append(entry)
        if not holds:
            break  # a later step presupposes this one
        previous = fit
    out["tested"] = True
    out["notes"] = []
    return out


# --------------------------------------------------------------------------- test-retest


def icc_a1(x: np.ndarray) -> float:
    """ICC(A,1): two-way, absolute agreement, single measurement (McGraw & Wong, 1996).

    Parameters
    ----------
    x : ndarray of shape (n_subjects, k_occasions)
        Complete scores.

    Returns
    -------
    float
        ``(MSR - MSE) / (MSR + (k - 1) MSE + k / n (MSC - MSE))``; NaN with fewer than 2
        subjects or occasions or when the denominator is 0.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        return math.nan
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_error = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = ss_error / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k / n * (msc - mse)
    if denominator == 0:
        return math.nan
    return float((msr - mse) / denominator)


def retest(
    first: np.ndarray,
    second: np.ndarray,
    constructs: Sequence[str],
    *,
    weeks: int,
    min_group_size: int,
) -> dict:
    """ICC(A,1) per scale between two waves' scale scores of the same people.

    Parameters
    ----------
    first, second : ndarray of shape (n_people, n_constructs)
        Scale scores of each person's earlier and later response; NaN where a scale has no
        score.
    constructs : sequence of str
    weeks : int
        The window the pairs were chosen in (reported back).
    min_group_size : int
        No ICC is reported on fewer people than this.
    """
    first = np.asarray(first, dtype=float).reshape(-1, len(constructs))
    second = np.asarray(second, dtype=float).reshape(-1, len(constructs))
    n = first.shape[0]
    out = {"form": "ICC(A,1)", "weeks": int(weeks), "n": int(n), "scales": {}, "notes": []}
    if n < min_group_size:
        # The number of pairs is itself a figure about fewer people than allowed.
        out["n"] = None
        out["notes"] = [("retest_too_few", {"weeks": weeks, "minimum": min_group_size})]
        return out
    for j, key in enumerate(constructs):
        pair = np.column_stack([first[:, j], second[:, j]])
        pair = pair[~np.isnan(pair).any(axis=1)]
        if pair.shape[0] < min_group_size:
            out["scales"][key] = {"n": None, "icc": None}
            continue
        value = icc_a1(pair)
        out["scales"][key] = {
            "n": int(pair.shape[0]),
            "icc": None if math.isnan(value) else round(value, DECIMALS),
        }
    return out


def scale_means(
    instrument: Instrument, answers: Sequence[Mapping[str, object]], plan: ModelPlan
) -> tuple[tuple[str, ...], np.ndarray]:
    """Mean keyed answer per planned construct and response; NaN unless all items answered.

    Returns
    -------
    constructs : tuple of str
    scores : ndarray of shape (n_responses, n_constructs)
    """
    x = keyed_answers(instrument, answers, plan)
    constructs = tuple(dict.fromkeys(plan.item_construct))
    scores = np.full((x.shape[0], len(constructs)), np.nan)
    for f, key in enumerate(constructs):
        cols = [j for j, c in enumerate(plan.item_construct) if c == key]
        block = x[:, cols]
        complete = ~np.isnan(block).any(axis=1)
        scores[complete, f] = block[complete].mean(axis=1)
    return constructs, scores


def result_to_dict(result: CFAResult) -> dict:
    """The CFA as JSON-ready parts: ``n``, ``fit``, ``loadings``, ``omega``, ``warnings``."""
    return {
        "n": int(result.fit.n),
        "fit": result.fit.as_dict(),
        "loadings": [
            {"item": code, "construct": construct, "loading": round(float(value), DECIMALS)}
            for code, construct, value in zip(
                result.codes, result.item_construct, result.loadings, strict=True
            )
        ],
        "omega": {key: round(value, DECIMALS) for key, value in result.omega.items()},
        "warnings": list(result.warnings),
        "notes": [{"code": code, "params": dict(params)} for code, params in result.notes],
    }
