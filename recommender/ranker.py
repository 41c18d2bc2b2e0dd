"""Hybrid reward ranking: survey cold start, learned from ratings, constrained and diversified.

The predicted rating of reward ``i`` for person ``p`` is a sum of named parts::

    score = mu + item_bias[i] + x_p @ W @ a_i + profile_effect[c_p, i] + u_p @ a_i + b_p

``x_p`` are survey features (standardised scale scores, rank scores and a constant),
``a_i`` reward attributes (category, visibility, scope, horizon, cost band) and ``W`` their
interaction weights, which start from a sensible prior (``prior_weights``) and are
re-estimated from ratings by ridge regression towards that prior. From the rating
residuals come ``item_bias`` (liked beyond what the survey predicts), ``profile_effect``
(what reps of the same profile liked), ``u_p`` (the person's own attribute tastes) and
``b_p`` (how generously they rate); the last two are shrunk by ``n / (n + lambda)``.
Because the score is additive, every suggestion is explained by its largest real
contributions (see ``recommender.explain``).

Reward ids stay outside the estimator: ``RewardIndex`` (``recommender.reward_index``) maps ids
to columns and builds the attribute matrix, and ``SurveyFeatures`` (``recommender.features``)
turns scale scores into person features.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted

from recommender.explain import (
    BatchExplanations,
    Explanation,
    explain_batch,
    explain_item,
    explain_items,
)
from recommender.features import (
    LINK_GROUPS,
    prior_links,
    prior_weights,
    similarity_matrix,
)
from recommender.ratings import Ratings
from recommender.variety import RewardSides, variety_aspects

NEUTRAL_RATING = 3.0
"""Predicted rating before any feedback exists: the middle of the 1-5 scale."""


def _variance_ratio(groups: np.ndarray, values: np.ndarray, n_groups: int) -> float:
    """Empirical-Bayes shrinkage constant sigma^2 / tau^2 of a random group intercept.

    Method of moments: within-group variance against the spread of group means beyond
    what that noise explains. Clipped to [0.5, 50] so tiny data cannot switch it off.
    """
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    sums = np.bincount(groups, values, minlength=n_groups)
    several = counts >= 2
    if several.sum() < 3 or values.size <= several.sum():
        return 10.0
    means = np.divide(sums, counts, out=np.zeros(n_groups), where=counts > 0)
    within = ((values - means[groups]) ** 2)[several[groups]].sum()
    sigma2 = within / max(counts[several].sum() - several.sum(), 1.0)
    tau2 = means[several].var() - np.mean(sigma2 / counts[several])
    if tau2 <= 0:
        return 50.0
    return float(np.clip(sigma2 / tau2, 0.5, 50.0))


def _person_posterior(
    gram: np.ndarray,
    rhs: np.ndarray,
    ss: np.ndarray,
    *,
    n_iter: int = 30,
    variances: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Posterior means of per-person random effects, variances by empirical Bayes.

    Each person ``p`` has residual ratings ``r = D_p b_p + e`` with ``b_p ~ N(0, diag(tau2))``
    and ``e ~ N(0, sigma2 I)``; ``gram[p] = D_p' D_p``, ``rhs[p] = D_p' r`` and ``ss[p] =
    r' r``. Without ``variances``, EM over everyone estimates ``tau2`` (one variance per
    column) and ``sigma2`` (training); with them, the same posterior mean is taken under the
    stored ``(tau2, sigma2)`` (serving). Returns the means (n_persons, k), ``tau2`` and
    ``sigma2``.
    """
    n, k, _ = gram.shape
    eye = np.eye(k)
    if variances is not None:
        tau2, sigma2 = np.asarray(variances[0], dtype=float), float(variances[1])
    else:
        n_obs = float(np.trace(gram[:, :1, :1].sum(axis=0)))  # first column is the constant
        if n == 0 or n_obs == 0:
            return np.zeros((n, k)), np.full(k, np.nan), float("nan")
        total = float(ss.sum())
        sigma2 = max(total / n_obs, 1e-6) * 0.7
        tau2 = np.full(k, max(total / n_obs, 1e-6) * 0.3)
        for _ in range(max(int(n_iter), 1)):
            precision = gram / sigma2 + eye / tau2
            cov = np.linalg.inv(precision)
            mean = np.einsum("pij,pj->pi", cov, rhs) / sigma2
            tau2 = np.maximum((mean**2 + np.diagonal(cov, axis1=1, axis2=2)).mean(axis=0), 1e-6)
            fit = np.einsum("pi,pij,pj->p", mean, gram, mean)
            error = ss - 2.0 * (mean * rhs).sum(axis=1) + fit
            error += np.einsum("pij,pji->p", gram, cov)
            sigma2 = max(float(error.sum()) / n_obs, 1e-6)
    if n == 0:
        return np.zeros((0, k)), tau2, sigma2
    precision = gram / sigma2 + eye / tau2
    mean = np.linalg.solve(precision, rhs[:, :, None])[:, :, 0] / sigma2
    return mean, tau2, sigma2


def _person_sums(
    A: np.ndarray,
    p: np.ndarray,
    i: np.ndarray,
    residual: np.ndarray,
    n_p: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per rated person: D'WD, D'Wr and r'Wr, where D is [1, attributes] of what they rated
    and W the weight of each piece of feedback (1 each when omitted).

    Sums over runs of each person's ratings (sorted by person): cheap for one person at
    request time and for everyone at training time alike. Returns ``(rated mask, gram
    (n_rated, k, k), rhs (n_rated, k), ss (n_rated,))``.
    """
    n_ratings = np.bincount(p, minlength=n_p)
    rated = n_ratings > 0
    order = np.argsort(p, kind="stable")
    # The leading constant soaks up how generously the person rates, which would otherwise
    # be credited to whatever attributes their rewards happen to share.
    Ai = np.concatenate([np.ones((p.size, 1)), A[i[order]]], axis=1)
    k = Ai.shape[1]
    starts = np.concatenate([[0], np.cumsum(n_ratings)[:-1]])[rated]
    res = residual[order]
    w = np.ones(p.size) if weights is None else np.asarray(weights, dtype=float)[order]
    Aw = Ai * w[:, None]
    gram = np.add.reduceat((Aw[:, :, None] * Ai[:, None, :]).reshape(p.size, k * k), starts)
    rhs = np.add.reduceat(Aw * res[:, None], starts)
    ss = np.add.reduceat(w * res**2, starts)
    return rated, gram.reshape(-1, k, k), rhs, ss


@dataclass
class PersonEffects:
    """Each person's rating generosity and attribute tastes, and the prior they were
    estimated under (``tau2``/``sigma2`` for empirical Bayes, else NaN)."""

    bias: np.ndarray
    effects: np.ndarray
    tau2: np.ndarray
    sigma2: float
    ratio: float  # noise-to-prior ratio (the effective shrinkage)


def _person_effects(
    A: np.ndarray,
    p: np.ndarray,
    i: np.ndarray,
    residual: np.ndarray,
    n_p: int,
    *,
    prior: str,
    alpha: float,
    shrinkage: float,
    n_iter: int = 30,
    variances: tuple[np.ndarray, float] | None = None,
    weights: np.ndarray | None = None,
) -> PersonEffects:
    """Each person's rating generosity and attribute tastes from their rating residuals.

    Training and serving (``HybridRanker.fold_in``) both call this, so a person's taste at
    request time is what training would have learned from the same ratings. Empirical
    Bayes estimates the prior variances at training (``variances=None``) and reuses the
    stored ones when serving; ``prior="ridge"`` is one small ridge regression per person,
    shrunk by ``n / (n + shrinkage)``. People without ratings get zeros.
    """
    m = A.shape[1]
    k = m + 1
    out = PersonEffects(np.zeros(n_p), np.zeros((n_p, m)), np.full(k, np.nan), np.nan, np.nan)
    if residual.size == 0:
        return out
    rated, gram, rhs, ss = _person_sums(A, p, i, residual, n_p, weights)
    if prior == "empirical_bayes":
        solved, out.tau2, out.sigma2 = _person_posterior(
            gram, rhs, ss, n_iter=n_iter, variances=variances
        )
        out.ratio = float(out.sigma2 / out.tau2[1:].mean()) if k > 1 else float("nan")
    else:
        # The constant is penalised lightly so it takes most of what all of a person's
        # ratings share (generosity), yet a rep who rated only one kind of reward still
        # shows a taste for that kind.
        penalty = np.diag(np.r_[0.25 * alpha, np.full(m, alpha)])
        solved = np.linalg.solve(gram + penalty, rhs[:, :, None])[:, :, 0]
        # Feedback counted as it is weighed (a dismissal as ``dismissal_weight``).
        n = np.bincount(p, weights=weights, minlength=n_p)[rated].astype(float)
        solved *= (n / (n + shrinkage))[:, None]
        out.ratio = shrinkage
    # Tastes that tie exactly (attributes the person's rewards always share) stay tied
    # whatever the batch: matrix products of other shapes differ in the last bits, and
    # the reasons would otherwise cite one or the other depending on who else was ranked.
    solved = np.round(solved, 12)
    out.bias[rated] = solved[:, 0]
    out.effects[rated] = solved[:, 1:]
    return out


# --------------------------------------------------------------------------- estimator


class Suggestions(NamedTuple):
    """What ``HybridRanker.recommend`` returns: columns, predicted ratings, reasons."""

    item_indices: np.ndarray
    scores: np.ndarray
    explanations: list[Explanation]


class BatchSuggestions(NamedTuple):
    """What ``recommend_batch(..., explain=True)`` returns: columns, ratings, reasons.

    ``explanations.texts(r, j)`` and ``explanations.explanation(r, j)`` explain
    ``item_indices[r, j]``.
    """

    item_indices: np.ndarray
    scores: np.ndarray
    explanations: BatchExplanations


class HybridRanker(BaseEstimator):
    """Survey-driven, feedback-tuned reward ranker.

    Parameters
    ----------
    prior_scale : float, default=1.0
        Multiplier on ``prior_weights``; 0 switches the survey prior off.
    link_alpha : float, default=10.0
        Ridge penalty pulling each link group's learned scale (how much preference
        scores, rank scores, visibility, scope and motivation answers matter) towards 1.
    weight_alpha : float, default=1000.0
        Ridge penalty pulling each individual feature-by-attribute weight towards what
        the group scales give.
    item_shrinkage : float or "auto", default=5.0
        ``lambda`` in ``n / (n + lambda)`` for item biases.
    profile_shrinkage : float or "auto", default=10.0
        The same for profile-by-reward effects.
    person_shrinkage : float or "auto", default=5.0
        The same for person-level attribute tastes; "auto" estimates it from the ratings
        (empirical Bayes, ``sigma^2 / tau^2``).
    person_alpha : float, default=1.0
        Ridge penalty of each person's attribute-taste regression (``person_prior="ridge"``).
    person_prior : {"empirical_bayes", "ridge"}, default="empirical_bayes"
        How each person's own tastes are learned from their few ratings. "empirical_bayes"
        treats them as random effects, one prior variance per attribute (and for
        generosity), estimated with the rating noise from everyone's residuals by EM; each
        person then gets the posterior mean. A taste people really differ in is learned
        from two or three ratings; one nobody differs in stays near zero however a rep
        rated. "ridge" uses ``person_alpha`` and ``person_shrinkage`` instead.
    person_em_iter : int, default=30
        EM rounds for the empirical-Bayes variances.
    dismissal_rating : float, default=0.0
        Rating a dismissal ("not for me") counts as: below the scale, a strong negative.
    dismissal_weight : float, default=0.1
        How much a dismissal counts, against 1 for a rating, when a person's own tastes are
        learned: a rep says "not for me" to one reward for reasons of that reward (it is
        public, or for the team), so one dismissal must not outweigh their answers and
        ratings about its whole category.
    n_iter : int, default=3
        Backfitting rounds between interaction weights and item biases.
    mmr_lambda : float, default=0.75
        Maximal marginal relevance trade-off: 1 ranks by predicted rating alone; lower
        values give more weight to variety of category and attributes.
    reason_threshold : float, default=0.05
        Smallest contribution (rating points) an explanation may cite.
    max_reasons : int, default=3
        Most reasons per suggestion.
    min_group_size : int, default=5
        Rating summaries of fewer people (distinct raters, not ratings) are never cited.
        ``explain`` and ``explain_batch`` take the value in force when they run instead.

    Attributes
    ----------
    feature_names_, attribute_names_ : tuple of str
    item_attributes_ : ndarray of shape (n_items, n_attributes)
    prior_weights_, weights_ : ndarray of shape (n_features, n_attributes)
    link_scale_ : ndarray of shape (n_link_groups,)
        Learned multiplier of the prior for each of ``LINK_GROUPS``.
    mu_ : float
        Mean rating (``NEUTRAL_RATING`` without feedback).
    item_bias_ : ndarray of shape (n_items,)
    profile_effects_ : ndarray of shape (n_profiles, n_items)
    person_features_ : ndarray of shape (n_persons, n_features)
        The fitted persons' rows. This, ``person_profiles_``, ``person_effects_``,
        ``person_bias_``, ``person_n_ratings_`` and ``rated_*`` exist on the fitted
        estimator only, for scoring by training row in offline evaluation; a stored model
        does not keep them.
    person_profiles_ : ndarray of shape (n_persons,)
        Profile of each fitted person, -1 when profiles are not used.
    person_effects_ : ndarray of shape (n_persons, n_attributes)
        Each fitted person's own attribute tastes, from their rating residuals.
    person_bias_ : ndarray of shape (n_persons,)
        How much more generously than predicted each person rates (shifts all their
        scores alike, so it never changes their ranking).
    person_n_ratings_ : ndarray of shape (n_persons,)
    rated_indptr_, rated_items_ : ndarray
        Rewards each fitted person rated or dismissed, in CSR form.
    item_mean_rating_, item_n_ratings_ : ndarray of shape (n_items,)
        Mean 1-5 rating and number of ratings (dismissals excluded).
    profile_mean_rating_, profile_n_ratings_ : ndarray of shape (n_profiles, n_items)
    item_n_people_ : ndarray of shape (n_items,)
        Distinct people who rated each reward (dismissals excluded): one person's several
        ratings are one voice, so the minimum group size counts these.
    profile_n_people_ : ndarray of shape (n_profiles, n_items)
        The same per profile.
    item_shrinkage_, profile_shrinkage_, person_shrinkage_ : float
        Shrinkage constants used (for empirical-Bayes person tastes: the rating noise
        variance over the mean prior variance of an attribute taste).
    similarity_ : ndarray of shape (n_items, n_items)
    """

    def __init__(
        self,
        prior_scale: float = 1.0,
        link_alpha: float = 10.0,
        weight_alpha: float = 1000.0,
        item_shrinkage: float | str = 5.0,
        profile_shrinkage: float | str = 10.0,
        person_shrinkage: float | str = 5.0,
        person_alpha: float = 1.0,
        person_prior: str = "empirical_bayes",
        person_em_iter: int = 30,
        dismissal_rating: float = 0.0,
        dismissal_weight: float = 0.1,
        n_iter: int = 3,
        mmr_lambda: float = 0.75,
        reason_threshold: float = 0.05,
        max_reasons: int = 3,
        min_group_size: int = 5,
    ) -> None:
        self.prior_scale = prior_scale
        self.link_alpha = link_alpha
        self.weight_alpha = weight_alpha
        self.item_shrinkage = item_shrinkage
        self.profile_shrinkage = profile_shrinkage
        self.person_shrinkage = person_shrinkage
        self.person_alpha = person_alpha
        self.person_prior = person_prior
        self.person_em_iter = person_em_iter
        self.dismissal_rating = dismissal_rating
        self.dismissal_weight = dismissal_weight
        self.n_iter = n_iter
        self.mmr_lambda = mmr_lambda
        self.reason_threshold = reason_threshold
        self.max_reasons = max_reasons
        self.min_group_size = min_group_size

    # ------------------------------------------------------------------ fitting

    def fit(
        self,
        person_features: np.ndarray,
        ratings: Ratings | None = None,
        *,
        item_attributes: np.ndarray,
        feature_names: Sequence[str] | None = None,
        attribute_names: Sequence[str] | None = None,
        person_profiles: np.ndarray | None = None,
    ) -> HybridRanker:
        """Learn item biases, interaction weights, profile and person effects.

        Parameters
        ----------
        person_features : ndarray of shape (n_persons, n_features)
            Survey features (``SurveyFeatures.transform``).
        ratings : Ratings, optional
            Feedback; rows index ``person_features``, columns ``item_attributes``.
        item_attributes : ndarray of shape (n_items, n_attributes)
            ``RewardIndex.attributes()``.
        feature_names, attribute_names : sequence of str, optional
            Needed for the survey prior and for explanations.
        person_profiles : ndarray of int, shape (n_persons,), optional
            Profile of each person, -1 for none. Omit when the profile structure is weak.

        Returns
        -------
        self
        """
        X = check_array(person_features, dtype=np.float64)
        A = check_array(item_attributes, dtype=np.float64)
        n_p, d = X.shape
        n_i, m = A.shape
        self.feature_names_ = tuple(feature_names or (f"x{j}" for j in range(d)))
        self.attribute_names_ = tuple(attribute_names or (f"a{j}" for j in range(m)))
        if len(self.feature_names_) != d or len(self.attribute_names_) != m:
            raise ValueError("feature_names / attribute_names do not match the matrices")
        labels = (
            np.full(n_p, -1)
            if person_profiles is None
            else np.asarray(person_profiles, dtype=np.int64).ravel()
        )
        if labels.shape != (n_p,):
            raise ValueError("person_profiles must have one entry per person")
        n_profiles = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
        ratings = ratings if ratings is not None else Ratings.empty()
        p, i = ratings.person, ratings.item
        if p.size and (p.min() < 0 or p.max() >= n_p or i.min() < 0 or i.max() >= n_i):
            raise ValueError("ratings refer to persons or items outside the matrices")
        r = np.where(ratings.dismissed, self.dismissal_rating, ratings.rating)

        self.item_attributes_ = A
        self.person_features_ = X
        self.person_profiles_ = labels
        self.prior_weights_ = prior_weights(
            self.feature_names_, self.attribute_names_, self.prior_scale
        )
        self.similarity_ = similarity_matrix(A, self.attribute_names_)
        self.mu_ = float(r.mean()) if r.size else NEUTRAL_RATING

        self._fit_weights_and_bias(X, A, p, i, r - self.mu_)
        residual = r - self.mu_ - self.item_bias_[i] - ((X[p] @ self.weights_) * A[i]).sum(axis=1)
        residual = self._fit_profile_effects(labels, n_profiles, p, i, residual)
        self._fit_person_effects(A, n_p, p, i, residual, self._weights(ratings.dismissed))
        self._store_summaries(ratings, labels, n_profiles, n_p, n_i)
        return self

    def _shrinkage(self, value: float | str, groups: np.ndarray, res: np.ndarray, n: int) -> float:
        if value == "auto":
            return _variance_ratio(groups, res, n)
        return float(value)

    def _fit_weights_and_bias(self, X, A, p, i, centred) -> None:
        n_i = A.shape[0]
        d, m = X.shape[1], A.shape[1]
        links = prior_links(self.feature_names_, self.attribute_names_, self.prior_scale)
        self.link_scale_ = np.ones(len(LINK_GROUPS))
        self.weights_ = self.prior_weights_.copy()
        self.item_bias_ = np.zeros(n_i)
        if centred.size == 0:
            self.item_shrinkage_ = self._shrinkage(self.item_shrinkage, i, centred, n_i)
            return
        # One ridge regression over two blocks of coefficients: a scale per link group
        # (lightly penalised towards 1) and every feature-by-attribute weight (heavily
        # penalised towards 0). The normal equations are accumulated in chunks so the
        # (n_ratings, d * m) design matrix never exists in full.
        g = len(LINK_GROUPS)
        flat_links = links.reshape(g, d * m).T
        gram = np.zeros((g + d * m, g + d * m))
        for start in range(0, p.size, 8192):
            sl = slice(start, start + 8192)
            Z = (X[p[sl], :, None] * A[i[sl], None, :]).reshape(-1, d * m)
            design = np.concatenate([Z @ flat_links, Z], axis=1)
            gram += design.T @ design
        penalty = np.concatenate([np.full(g, self.link_alpha), np.full(d * m, self.weight_alpha)])
        gram[np.diag_indices_from(gram)] += penalty
        Xp, Ai = X[p], A[i]
        prior_pred = ((Xp @ self.prior_weights_) * Ai).sum(axis=1)
        counts = np.bincount(i, minlength=n_i)
        pred = prior_pred
        for _ in range(max(int(self.n_iter), 1)):
            resid = centred - pred
            lam = self._shrinkage(self.item_shrinkage, i, resid, n_i)
            bias = np.bincount(i, resid, minlength=n_i) / (counts + lam)
            # Solve for the departure from the prior (scales 1, free weights 0).
            target = centred - bias[i] - prior_pred
            rhs_full = (Xp.T @ (Ai * target[:, None])).ravel()
            rhs = np.concatenate([flat_links.T @ rhs_full, rhs_full])
            delta = np.linalg.solve(gram, rhs)
            self.link_scale_ = 1.0 + delta[:g]
            self.weights_ = np.tensordot(self.link_scale_, links, axes=1) + delta[g:].reshape(d, m)
            pred = ((Xp @ self.weights_) * Ai).sum(axis=1)
        resid = centred - pred
        self.item_shrinkage_ = self._shrinkage(self.item_shrinkage, i, resid, n_i)
        self.item_bias_ = np.bincount(i, resid, minlength=n_i) / (counts + self.item_shrinkage_)

    def _fit_profile_effects(self, labels, n_profiles, p, i, residual) -> np.ndarray:
        n_i = self.item_attributes_.shape[0]
        self.profile_effects_ = np.zeros((n_profiles, n_i))
        self.profile_shrinkage_ = float("nan")
        if n_profiles == 0 or residual.size == 0:
            return residual
        lab = labels[p]
        ok = lab >= 0
        key = lab[ok] * n_i + i[ok]
        self.profile_shrinkage_ = self._shrinkage(
            self.profile_shrinkage, key, residual[ok], n_profiles * n_i
        )
        sums = np.bincount(key, residual[ok], minlength=n_profiles * n_i)
        counts = np.bincount(key, minlength=n_profiles * n_i)
        self.profile_effects_ = (sums / (counts + self.profile_shrinkage_)).reshape(n_profiles, n_i)
        out = residual.copy()
        out[ok] -= self.profile_effects_[lab[ok], i[ok]]
        return out

    def _weights(self, dismissed: np.ndarray) -> np.ndarray:
        """Each piece of feedback's weight in a person's own tastes (see ``dismissal_weight``)."""
        return np.where(dismissed, float(self.dismissal_weight), 1.0)

    def _fit_person_effects(self, A, n_p, p, i, residual, weights) -> None:
        m = A.shape[1]
        self.person_n_ratings_ = np.bincount(p, minlength=n_p)
        self.person_shrinkage_ = float("nan")
        self.person_tau2_, self.person_sigma2_ = np.full(m + 1, np.nan), float("nan")
        if residual.size == 0:
            self.person_effects_ = np.zeros((n_p, m))
            self.person_bias_ = np.zeros(n_p)
            return
        self.person_shrinkage_ = self._shrinkage(self.person_shrinkage, p, residual, n_p)
        found = _person_effects(
            A,
            p,
            i,
            residual,
            n_p,
            prior=self.person_prior,
            alpha=self.person_alpha,
            shrinkage=self.person_shrinkage_,
            n_iter=self.person_em_iter,
            weights=weights,
        )
        self.person_bias_, self.person_effects_ = found.bias, found.effects
        # What serving needs to fold in anyone's taste under the same prior.
        self.person_tau2_, self.person_sigma2_ = found.tau2, found.sigma2
        if self.person_prior == "empirical_bayes":
            self.person_shrinkage_ = found.ratio

    def _store_summaries(self, ratings: Ratings, labels, n_profiles, n_p, n_i) -> None:
        p, i = ratings.person, ratings.item
        order = np.argsort(p, kind="stable")
        self.rated_items_ = i[order]
        self.rated_indptr_ = np.concatenate([[0], np.cumsum(np.bincount(p, minlength=n_p))])
        real = ~ratings.dismissed
        ri, rv = i[real], ratings.rating[real]
        self.item_n_ratings_ = np.bincount(ri, minlength=n_i)
        self.item_mean_rating_ = np.divide(
            np.bincount(ri, rv, minlength=n_i),
            self.item_n_ratings_,
            out=np.full(n_i, np.nan),
            where=self.item_n_ratings_ > 0,
        )
        lab = labels[p[real]]
        ok = lab >= 0
        key = lab[ok] * n_i + ri[ok]
        size = n_profiles * n_i
        self.profile_n_ratings_ = np.bincount(key, minlength=size).reshape(n_profiles, n_i)
        pairs = np.unique(p[real] * n_i + ri)  # each (person, reward) once
        who, what = pairs // n_i, pairs % n_i
        self.item_n_people_ = np.bincount(what, minlength=n_i)
        who_lab = labels[who]
        mine = who_lab >= 0
        self.profile_n_people_ = np.bincount(
            who_lab[mine] * n_i + what[mine], minlength=size
        ).reshape(n_profiles, n_i)
        self.profile_mean_rating_ = np.divide(
            np.bincount(key, rv[ok], minlength=size).reshape(n_profiles, n_i),
            self.profile_n_ratings_,
            out=np.full((n_profiles, n_i), np.nan),
            where=self.profile_n_ratings_ > 0,
        )

    # ------------------------------------------------------------------ scoring

    def fold_in(
        self,
        features: np.ndarray,
        ratings: Ratings | None = None,
        *,
        profiles: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Attribute tastes and rating generosity of people from their current ratings.

        The same solve ``fit`` runs for each fitted person (empirical Bayes under the stored
        prior variances, or the shrunk ridge regression of ``person_prior="ridge"`` and of
        models stored before empirical Bayes), on the
        residuals of the stored model (mean, item biases, interaction weights, profile
        effects), so someone scored from their latest answers and ratings gets what
        training would have given them, without retraining.

        Parameters
        ----------
        features : ndarray of shape (n, n_features)
            Survey features (``SurveyFeatures.transform``).
        ratings : Ratings, optional
            Their feedback; ``person`` indexes rows of ``features``, ``item`` the rewards.
        profiles : array of int, shape (n,), optional
            Their profiles, -1 for none.

        Returns
        -------
        effects : ndarray of shape (n, n_attributes)
        bias : ndarray of shape (n,)
        """
        check_is_fitted(self)
        X, lab = self._features_and_profiles(features, profiles)
        return self._fold_in(X, lab, ratings)

    def _fold_in(self, X, lab, ratings: Ratings | None) -> tuple[np.ndarray, np.ndarray]:
        n, m = X.shape[0], len(self.attribute_names_)
        if ratings is None or len(ratings) == 0:
            return np.zeros((n, m)), np.zeros(n)
        p, i = ratings.person, ratings.item
        n_i = self.item_attributes_.shape[0]
        if p.min() < 0 or p.max() >= n or i.min() < 0 or i.max() >= n_i:
            raise ValueError("ratings refer to persons or items outside the matrices")
        A = self.item_attributes_
        r = np.where(ratings.dismissed, self.dismissal_rating, ratings.rating)
        w = self._weights(ratings.dismissed)
        # Sums in one order, whatever order the feedback was read in: a person's taste is
        # then the same to the last bit alone or in a batch, and so are tied reasons.
        order = np.lexsort((r, i, p))
        p, i, r, w = p[order], i[order], r[order], w[order]
        residual = r - self.mu_ - self.item_bias_[i] - ((X[p] @ self.weights_) * A[i]).sum(axis=1)
        if self.profile_effects_.shape[0]:
            mine = lab[p]
            ok = mine >= 0
            residual[ok] -= self.profile_effects_[mine[ok], i[ok]]
        tau2 = getattr(self, "person_tau2_", None)
        sigma2 = float(getattr(self, "person_sigma2_", np.nan))
        if (
            self.person_prior == "empirical_bayes"
            and tau2 is not None
            and np.all(np.isfinite(tau2))
            and np.isfinite(sigma2)
        ):
            found = _person_effects(
                A,
                p,
                i,
                residual,
                n,
                prior="empirical_bayes",
                alpha=self.person_alpha,
                shrinkage=np.nan,
                variances=(tau2, sigma2),
                weights=w,
            )
            return found.effects, found.bias
        # A model stored before empirical Bayes, or trained without ratings to estimate the
        # prior from: the shrunk ridge solve.
        shrinkage = self.person_shrinkage_
        if not np.isfinite(shrinkage):
            value = self.person_shrinkage
            shrinkage = 10.0 if value == "auto" else float(value)
        found = _person_effects(
            A,
            p,
            i,
            residual,
            n,
            prior="ridge",
            alpha=self.person_alpha,
            shrinkage=shrinkage,
            weights=w,
        )
        return found.effects, found.bias

    def _features_and_profiles(self, features, profiles) -> tuple[np.ndarray, np.ndarray]:
        X = np.atleast_2d(np.asarray(features, dtype=float))
        d = len(self.feature_names_)
        if X.shape[1] != d:
            raise ValueError(f"expected {d} features, got {X.shape[1]}")
        n = X.shape[0]
        lab = (
            np.full(n, -1)
            if profiles is None
            else np.broadcast_to(np.asarray(profiles, dtype=np.int64), (n,)).copy()
        )
        lab[lab >= self.profile_effects_.shape[0]] = -1
        return np.where(np.isfinite(X), X, 0.0), lab

    def n_training_rows(self) -> int:
        """How many fitted persons this ranker can score by row.

        Raises
        ------
        ValueError
            For a ranker restored from a stored model, which keeps no training rows.
        """
        check_is_fitted(self)
        if not hasattr(self, "person_features_"):
            raise ValueError(
                "a stored model keeps no training rows; score people from their answers "
                "(features, or scores= on MotivoModel)"
            )
        return int(self.person_features_.shape[0])

    def _person_terms(self, persons, features, profiles, ratings=None):
        """Features, attribute tastes and profile of the people being scored.

        Fitted rows use what training stored; feature rows fold in ``ratings`` (their
        current feedback) at request time.
        """
        if features is None:
            n_rows = self.n_training_rows()
            rows = (
                np.arange(n_rows)
                if persons is None
                else np.atleast_1d(np.asarray(persons, dtype=np.int64))
            )
            return (
                self.person_features_[rows],
                self.person_effects_[rows],
                self.person_bias_[rows],
                self.person_profiles_[rows],
                rows,
            )
        X, lab = self._features_and_profiles(features, profiles)
        U, bias = self._fold_in(X, lab, ratings)
        return X, U, bias, lab, None

    def predict_scores(
        self,
        persons: Sequence[int] | np.ndarray | None = None,
        *,
        features: np.ndarray | None = None,
        profiles: np.ndarray | None = None,
        ratings: Ratings | None = None,
    ) -> np.ndarray:
        """Predicted rating of every reward, shape (n_persons, n_items).

        Parameters
        ----------
        persons : array of int, optional
            Rows of the fitted persons (all when omitted and ``features`` is None).
        features : ndarray of shape (n, n_features), optional
            Feature rows of people scored from their current answers.
        profiles : array of int, optional
            Their profiles (-1 for none), with ``features``.
        ratings : Ratings, optional
            Their current feedback (rows index ``features``), folded in (``fold_in``).
        """
        check_is_fitted(self)
        return self._scores(*self._person_terms(persons, features, profiles, ratings)[:4])

    def _scores(self, X, U, bias, lab) -> np.ndarray:
        S = (X @ self.weights_ + U) @ self.item_attributes_.T
        S += self.mu_ + self.item_bias_
        S += bias[:, None]
        if self.profile_effects_.shape[0]:
            has = lab >= 0
            S[has] += self.profile_effects_[lab[has]]
        return S

    def _allowed(self, n, rows, candidates, exclude, exclude_rated, ratings=None) -> np.ndarray:
        n_i = self.item_attributes_.shape[0]
        allowed = np.ones((n, n_i), dtype=bool)
        if candidates is not None:
            cand = np.asarray(candidates)
            if cand.dtype != bool:
                mask = np.zeros(n_i, dtype=bool)
                mask[cand.astype(np.int64)] = True
                cand = mask
            allowed &= np.broadcast_to(cand, (n, n_i))
        if exclude is not None:
            ex = exclude if isinstance(exclude, np.ndarray) and exclude.dtype == bool else None
            if ex is not None:
                allowed &= ~np.broadcast_to(ex, (n, n_i))
            else:
                for row, cols in enumerate(exclude):
                    cols = np.fromiter(cols, dtype=np.int64)
                    allowed[row, cols] = False
        if exclude_rated and rows is not None:
            starts, ends = self.rated_indptr_[rows], self.rated_indptr_[rows + 1]
            counts = ends - starts
            if counts.sum():
                who = np.repeat(np.arange(n), counts)
                flat = np.concatenate(
                    [self.rated_items_[s:e] for s, e in zip(starts, ends, strict=True)]
                )
                allowed[who, flat] = False
        if exclude_rated and rows is None and ratings is not None and len(ratings):
            allowed[ratings.person, ratings.item] = False
        return allowed

    def _dismissed_kinds(self, n, dismissed, allowed: np.ndarray) -> np.ndarray | None:
        """Rewards of a kind each person dismissed, shape (n, n_items); None if none.

        Also takes the dismissed rewards themselves out of ``allowed`` (in place).
        """
        if dismissed is None:
            return None
        n_i = self.item_attributes_.shape[0]
        if isinstance(dismissed, np.ndarray) and dismissed.dtype == bool:
            mask = np.broadcast_to(dismissed, (n, n_i))
        else:
            mask = np.zeros((n, n_i), dtype=bool)
            for row, cols in enumerate(dismissed):
                mask[row, np.fromiter(cols, dtype=np.int64)] = True
        if not mask.any():
            return None
        allowed &= ~mask
        kind = _reward_kinds(self.item_attributes_, self.attribute_names_)
        n_kinds = int(kind.max()) + 1
        rejected = np.zeros((n, n_kinds), dtype=bool)
        who, what = np.nonzero(mask)
        rejected[who, kind[what]] = True
        return rejected[:, kind]

    def recommend_batch(
        self,
        persons: Sequence[int] | np.ndarray | None = None,
        k: int = 5,
        *,
        features: np.ndarray | None = None,
        profiles: np.ndarray | None = None,
        ratings: Ratings | None = None,
        candidates: np.ndarray | None = None,
        exclude: np.ndarray | Sequence[Iterable[int]] | None = None,
        exclude_rated: bool = True,
        explain: bool = False,
        min_group_size: int | None = None,
        dismissed: np.ndarray | Sequence[Iterable[int]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | BatchSuggestions:
        """Top-``k`` diversified suggestions for many people at once.

        Parameters
        ----------
        persons : array of int, optional
            Fitted person rows; all of them when omitted and ``features`` is None.
        k : int, default=5
        features, profiles : ndarray, optional
            Feature rows and profiles of people scored from their current answers.
        ratings : Ratings, optional
            With ``features``: their current feedback (rows index ``features``), folded
            in at request time (``fold_in``).
        candidates : ndarray of bool, shape (n_items,) or (n, n_items), optional
            Rewards each person may get (role, active, cost cap); index arrays work too.
        exclude : bool ndarray of shape (n, n_items) or one iterable of columns per person
            Further rewards to leave out (cooldown, received, dismissed).
        exclude_rated : bool, default=True
            Leave out what each person already rated or dismissed (the fitted rows' stored
            feedback, or ``ratings``).
        explain : bool, default=False
            Also explain every suggestion (see ``explain_batch``).
        min_group_size : int, optional
            Cite no rating summary of fewer distinct people (default: the parameter).
        dismissed : bool ndarray of shape (n, n_items) or one iterable of columns per person
            Rewards each person said "not for me" to: left out, and rewards of the same
            kind (category and visibility) come only after every other allowed reward.

        Returns
        -------
        item_indices : ndarray of int, shape (n, k)
            Columns in suggestion order; -1 where fewer than ``k`` rewards are allowed.
        scores : ndarray of shape (n, k)
            Predicted ratings; NaN where the index is -1.
        explanations : BatchExplanations
            Only with ``explain=True`` (the result is then a ``BatchSuggestions``): the
            reasons ``recommend`` gives, including whether diversification promoted each
            suggestion.
        """
        check_is_fitted(self)
        X, U, bias, lab, rows = self._person_terms(persons, features, profiles, ratings)
        S = self._scores(X, U, bias, lab)
        allowed = self._allowed(S.shape[0], rows, candidates, exclude, exclude_rated, ratings)
        demoted = self._dismissed_kinds(S.shape[0], dismissed, allowed)
        idx, promoted = _mmr(S, allowed, k, self.similarity_, self.mmr_lambda, demoted)
        valid = idx >= 0
        scores = np.full(idx.shape, np.nan)
        r = np.nonzero(valid)
        scores[r] = S[r[0], idx[r]]
        if not explain:
            return idx, scores
        explanations = explain_batch(
            self,
            X,
            U,
            lab,
            idx,
            person_bias=bias,
            promoted=self._variety(idx, promoted & valid),
            min_group_size=min_group_size,
        )
        return BatchSuggestions(idx, scores, explanations)

    def recommend(
        self,
        person: int | np.ndarray,
        k: int = 5,
        *,
        profile: int | None = None,
        ratings: Ratings | None = None,
        candidates: np.ndarray | None = None,
        exclude: Iterable[int] = (),
        exclude_rated: bool = True,
        explain: bool = True,
        min_group_size: int | None = None,
        dismissed: Iterable[int] = (),
    ) -> Suggestions:
        """Top-``k`` diversified suggestions for one person, with reasons.

        Parameters
        ----------
        person : int or ndarray of shape (n_features,)
            A fitted person row, or the feature row of someone not in the fitted data.
        k : int, default=5
        profile : int, optional
            Profile of a person given by features (ignored for fitted rows).
        ratings : Ratings, optional
            Their current feedback (``person`` 0), folded in (``fold_in``); ignored for
            fitted rows.
        candidates : ndarray of bool (n_items,) or of int, optional
            Rewards the person may get.
        exclude : iterable of int
            Columns to leave out.
        exclude_rated : bool, default=True
            Leave out what the person already rated or dismissed.
        explain : bool, default=True
            Build explanations (skip for speed when only indices are needed).
        min_group_size : int, optional
            Cite no rating summary of fewer distinct people (default: the parameter).
        dismissed : iterable of int
            Columns the person said "not for me" to (see ``recommend_batch``).

        Returns
        -------
        Suggestions
            ``(item_indices, scores, explanations)``; arrays hold only real suggestions.
        """
        check_is_fitted(self)
        if np.ndim(person) == 0:
            ratings = None
            X, U, bias, lab, rows = self._person_terms([int(person)], None, None)
        else:
            X, U, bias, lab, rows = self._person_terms(None, person, profile, ratings)
        S = self._scores(X, U, bias, lab)
        allowed = self._allowed(1, rows, candidates, [exclude], exclude_rated, ratings)
        demoted = self._dismissed_kinds(1, [dismissed], allowed)
        idx, promoted = _mmr(S, allowed, k, self.similarity_, self.mmr_lambda, demoted)
        keep = idx[0] >= 0
        items = idx[0][keep]
        scores = S[0, items]
        reasons: list[Explanation] = []
        if explain:
            reasons = explain_items(
                self,
                X[0],
                U[0],
                int(lab[0]),
                items,
                person_bias=bias[0],
                promoted=self._variety(idx, promoted)[0][keep],
                min_group_size=min_group_size,
            )
        return Suggestions(items, scores, reasons)

    def _variety(self, idx: np.ndarray, promoted: np.ndarray) -> np.ndarray:
        """What each promoted pick adds to those above it (``variety_aspects``)."""
        # Read from the catalogue once per fitted or loaded model, not once per page.
        sides = self.__dict__.get("_variety_sides")
        if sides is None or sides.attributes is not self.item_attributes_:
            sides = RewardSides.of(self.item_attributes_, self.attribute_names_)
            self.__dict__["_variety_sides"] = sides
        return variety_aspects(idx, promoted, sides)

    def explain_batch(
        self,
        persons: Sequence[int] | np.ndarray | None,
        items: np.ndarray,
        *,
        features: np.ndarray | None = None,
        profiles: np.ndarray | None = None,
        ratings: Ratings | None = None,
        promoted: np.ndarray | None = None,
        min_group_size: int | None = None,
    ) -> BatchExplanations:
        """Reasons for an (n, k) array of rewards, n people at once (see ``explain``).

        Parameters
        ----------
        persons : array of int, shape (n,), optional
            Fitted person rows; all of them when omitted and ``features`` is None.
        items : ndarray of int, shape (n, k)
            Reward columns to explain, -1 for none (``recommend_batch`` output).
        features, profiles : ndarray, optional
            Feature rows and profiles of people scored from their current answers.
        ratings : Ratings, optional
            Their current feedback, folded in (``fold_in``).
        promoted : ndarray of bool or int, shape (n, k), optional
            Which rewards diversification promoted, as ``explain_batch`` takes it.
        min_group_size : int, optional
            Cite no rating summary of fewer distinct people (default: the parameter).

        Returns
        -------
        BatchExplanations
            ``explanation(r, j)`` equals ``explain(persons[r], items[r, j])`` (the score
            may differ in the last bits); ``texts(r, j, lang)`` gives its sentences.
        """
        check_is_fitted(self)
        X, U, bias, lab, _ = self._person_terms(persons, features, profiles, ratings)
        return explain_batch(
            self,
            X,
            U,
            lab,
            items,
            person_bias=bias,
            promoted=promoted,
            min_group_size=min_group_size,
        )

    def explain(
        self,
        person: int | np.ndarray,
        item: int,
        *,
        profile: int | None = None,
        ratings: Ratings | None = None,
        min_group_size: int | None = None,
    ) -> Explanation:
        """Reasons for one reward's score for one person (see ``recommend``)."""
        check_is_fitted(self)
        if np.ndim(person) == 0:
            X, U, bias, lab, _ = self._person_terms([int(person)], None, None)
        else:
            X, U, bias, lab, _ = self._person_terms(None, person, profile, ratings)
        return explain_item(
            self,
            X[0],
            U[0],
            int(lab[0]),
            int(item),
            person_bias=bias[0],
            min_group_size=min_group_size,
        )


def _reward_kinds(attributes: np.ndarray, attribute_names: Sequence[str]) -> np.ndarray:
    """Kind of each reward as an int: its category and its visibility.

    Two rewards of one kind are the same kind of thing to a rep who said "not for me" to
    one of them (another on-stage award after an on-stage award).
    """
    names = list(attribute_names)
    category = [j for j, name in enumerate(names) if name.startswith("category:")]
    kind = np.zeros(attributes.shape[0], dtype=np.int64)
    if category:
        kind += 2 * attributes[:, category].argmax(axis=1)
    if "visibility" in names:
        kind += (attributes[:, names.index("visibility")] > 0).astype(np.int64)
    return kind


def _mmr(
    relevance: np.ndarray,
    allowed: np.ndarray,
    k: int,
    similarity: np.ndarray,
    lam: float,
    demoted: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy maximal marginal relevance for every row at once.

    ``demoted`` (n, n_items) marks rewards picked only once no other allowed reward is
    left (kinds the person dismissed). Returns the chosen columns (-1 when none is left)
    and whether each pick was promoted over a more relevant reward, among those it could
    have been, for the sake of variety.
    """
    n, n_i = relevance.shape
    k = int(k)
    idx = np.full((n, k), -1, dtype=np.int64)
    promoted = np.zeros((n, k), dtype=bool)
    if n == 0 or k <= 0:
        return idx, promoted
    open_ = allowed.copy()
    penalty = np.zeros((n, n_i))
    rows = np.arange(n)
    for step in range(min(k, n_i)):
        value = lam * relevance - (1.0 - lam) * penalty if step else relevance
        pool = open_
        if demoted is not None:
            fresh = open_ & ~demoted
            pool = np.where(fresh.any(axis=1)[:, None], fresh, open_)
        value = np.where(pool, value, -np.inf)
        pick = value.argmax(axis=1)
        ok = np.isfinite(value[rows, pick])
        if not ok.any():
            break
        best = np.where(pool, relevance, -np.inf).max(axis=1)
        idx[ok, step] = pick[ok]
        promoted[ok, step] = relevance[rows, pick][ok] < best[ok]
        open_[rows[ok], pick[ok]] = False
        np.maximum(penalty, similarity[pick], out=penalty)
    return idx, promoted
