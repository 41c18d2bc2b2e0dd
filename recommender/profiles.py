"""Motivation profiles: a Gaussian mixture over standardised scale scores.

The number of profiles is chosen by BIC. Silhouette and normalised entropy say how
clear the structure is; when it is weak the model says so (``weak_structure_``) and the
ranker falls back to the continuous scale scores. Profiles get a name and a short
description in English and Norwegian, built from the constructs that set them apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

MIN_GROUP_SIZE = 5
"""Profiles (and any group summary) with fewer members than this are never shown."""

LANGUAGES = ("en", "nb")

# Short words for each construct: a title-case label for profile names and a phrase that
# completes "care more than most about ...". Keyed by construct key.
CONSTRUCT_PHRASES: dict[str, dict[str, tuple[str, str]]] = {
    "autonomy": {
        "en": ("Autonomy", "freedom to decide how they work"),
        "nb": ("Autonomi", "frihet til å bestemme hvordan de jobber"),
    },
    "mastery": {
        "en": ("Mastery", "getting better at what they do"),
        "nb": ("Mestring", "å bli bedre i det de gjør"),
    },
    "purpose": {
        "en": ("Purpose", "work that matters to others"),
        "nb": ("Formål", "arbeid som betyr noe for andre"),
    },
    "pref_recognition": {
        "en": ("Recognition", "being recognised for their results"),
        "nb": ("Anerkjennelse", "å bli anerkjent for resultatene sine"),
    },
    "pref_development": {
        "en": ("Development", "development"),
        "nb": ("Utvikling", "utvikling"),
    },
    "pref_experience": {
        "en": ("Experiences", "memorable experiences"),
        "nb": ("Opplevelser", "minnerike opplevelser"),
    },
    "pref_wellness": {
        "en": ("Wellness", "health and wellness"),
        "nb": ("Velvære", "helse og velvære"),
    },
    "pref_exclusive": {
        "en": ("Exclusive access", "access to people and places few others get"),
        "nb": ("Eksklusiv tilgang", "tilgang til folk og steder som få andre får"),
    },
    "pref_personal": {
        "en": ("Personal gifts", "gifts chosen for them as a person"),
        "nb": ("Personlige gaver", "gaver som er valgt ut til dem personlig"),
    },
    "pref_time": {
        "en": ("Flexibility", "time and flexibility"),
        "nb": ("Fleksibilitet", "tid og fleksibilitet"),
    },
    "pref_public": {
        "en": ("Public recognition", "public rather than private recognition"),
        "nb": ("Offentlig anerkjennelse", "å bli anerkjent foran andre framfor i enerom"),
    },
    "pref_team": {
        "en": ("Team rewards", "rewards shared with the team"),
        "nb": ("Teambelønninger", "belønninger de deler med teamet"),
    },
}


def construct_label(key: str, lang: str = "en") -> str:
    """Title-case label of a construct, falling back to its key."""
    entry = CONSTRUCT_PHRASES.get(key)
    if entry is None:
        return key.removeprefix("pref_").replace("_", " ").capitalize()
    return entry.get(lang, entry["en"])[0]


def construct_phrase(key: str, lang: str = "en") -> str:
    """Lower-case phrase for a construct, for use inside a sentence."""
    entry = CONSTRUCT_PHRASES.get(key)
    if entry is None:
        return key.removeprefix("pref_").replace("_", " ")
    return entry.get(lang, entry["en"])[1]


def visible_profiles(counts: Sequence[int] | np.ndarray, min_size: int) -> np.ndarray:
    """Which profiles may be shown: those with at least ``min_size`` members.

    Parameters
    ----------
    counts : array-like of int, shape (n_profiles,)
        Members per profile.
    min_size : int
        Smallest group that may be shown: the organisation's minimum group size, which
        the caller passes (no default, so no caller can forget the setting).

    Returns
    -------
    ndarray of bool, shape (n_profiles,)
    """
    return np.asarray(counts, dtype=int) >= min_size


def relative_entropy(proba: np.ndarray) -> float:
    """Normalised entropy of posterior memberships: 1 = every rep clearly in one profile.

    ``1 - sum(-p log p) / (n log K)``, the classification-quality index used in latent
    profile analysis. With one profile it is 1 by definition.
    """
    n, k = proba.shape
    if k < 2 or n == 0:
        return 1.0
    p = np.clip(proba, 1e-300, 1.0)
    return float(1.0 - (-(proba * np.log(p)).sum()) / (n * np.log(k)))


def _log_gaussian(
    X: np.ndarray, means: np.ndarray, covariances: np.ndarray, covariance_type: str
) -> np.ndarray:
    """Log density of each row under each component, shape (n_samples, n_components)."""
    n, d = X.shape
    k = means.shape[0]
    const = d * np.log(2 * np.pi)
    if covariance_type in ("diag", "spherical"):
        var = covariances if covariance_type == "diag" else covariances[:, None] * np.ones(d)
        prec = 1.0 / var
        # Expanded square keeps this a pair of matrix products instead of a 3-D array.
        maha = (X**2) @ prec.T - 2 * X @ (means * prec).T + (means**2 * prec).sum(axis=1)[None, :]
        return -0.5 * (const + np.log(var).sum(axis=1)[None, :] + maha)
    covs = np.broadcast_to(covariances, (k, d, d)) if covariance_type == "tied" else covariances
    out = np.empty((n, k))
    for j in range(k):
        chol = np.linalg.cholesky(covs[j])
        sol = np.linalg.solve(chol, (X - means[j]).T)
        out[:, j] = -0.5 * (const + 2 * np.log(np.diag(chol)).sum() + (sol**2).sum(axis=0))
    return out


class MotivationProfiles(ClusterMixin, BaseEstimator):
    """Latent motivation profiles: a Gaussian mixture with the size chosen by BIC.

    Scale scores are standardised inside the estimator (missing values count as the
    average), so callers pass raw scale scores of non-flagged responses.

    Parameters
    ----------
    n_profiles_range : tuple of int, default=(2, 8)
        Smallest and largest number of profiles tried (inclusive); clipped to the data.
    covariance_type : {"spherical", "diag", "full", "tied"}, default="spherical"
        Covariance structure of each profile. Spherical (one variance per profile, on
        standardised scores) costs d + 2 parameters per profile where diagonal costs
        2d + 1. With a dozen constructs and a few dozen reps, BIC's penalty for diagonal
        profiles (about 100 BIC units per profile at 57 reps) outweighed four real
        profiles: the demo organisation came out as two, one a catch-all of 46 reps.
        Spherical profiles recover the simulator's four planted profiles there (adjusted
        Rand index .84-1.0 on demo-sized samples) and do as well on large samples.
    n_init : int, default=3
        Restarts per candidate size; the best likelihood is kept.
    max_iter : int, default=200
        EM iterations per restart.
    reg_covar : float, default=1e-3
        Added to the covariance diagonals, in standardised units.
    min_silhouette : float, default=0.12
        Below this silhouette the structure counts as weak. Survey scale scores carry
        measurement error in a dozen dimensions, which pulls silhouette down even when the
        profiles are real: on the simulator's four planted profiles the recovered profiles
        match the truth well (adjusted Rand index about .8) at silhouettes of .15-.20. A
        threshold of .35, usual for low-dimensional clustering, would reject them all.
    min_entropy : float, default=0.80
        Below this normalised entropy the structure counts as weak.
    previous_centroids : array-like of shape (n_old, n_features), default=None
        Centroids of the previous model in scale-score units. The mixture of the same
        size is also started from them (and kept unless a restart lowers BIC by more
        than 2), and new profiles are matched to them (Hungarian algorithm), so profiles
        and their labels stay stable across retraining.
    silhouette_sample_size : int, default=2000
        Silhouette is computed on a random sample of this size (it is quadratic).
    min_profile_size : int, default=5
        Candidate sizes whose smallest profile has fewer training rows than this are
        skipped (unless every candidate has one): such a profile could never be shown.
    random_state : int, RandomState instance or None, default=None
        Seeds the mixture initialisations and the silhouette sample.

    Attributes
    ----------
    n_profiles_ : int
        Number of profiles chosen.
    center_, scale_ : ndarray of shape (n_features,)
        Standardisation of the training scale scores.
    means_ : ndarray of shape (n_profiles, n_features)
        Profile means in standardised units.
    cluster_centers_ : ndarray of shape (n_profiles, n_features)
        Profile means in scale-score units (pass these as ``previous_centroids``).
    covariances_ : ndarray
        Covariances in standardised units, shaped as in ``GaussianMixture``.
    weights_ : ndarray of shape (n_profiles,)
        Mixing proportions.
    labels_ : ndarray of shape (n_samples,)
        Profile of each training row.
    counts_ : ndarray of shape (n_profiles,)
        Training rows per profile.
    bic_ : ndarray of shape (n_candidates,)
        BIC of each candidate size in ``n_profiles_tried_``.
    n_profiles_tried_ : ndarray of shape (n_candidates,)
    silhouette_ : float
        Silhouette of the chosen solution (NaN with one profile).
    entropy_ : float
        Normalised entropy of the posterior memberships.
    weak_structure_ : bool
        True when silhouette or entropy is below its threshold.
    previous_label_ : ndarray of shape (n_profiles,)
        Index into ``previous_centroids`` each profile was matched to, -1 when new.
    converged_ : bool
        Whether the chosen mixture converged.
    n_iter_ : int
        EM iterations of the chosen mixture's best restart.
    """

    def __init__(
        self,
        n_profiles_range: tuple[int, int] = (2, 8),
        covariance_type: str = "spherical",
        n_init: int = 3,
        max_iter: int = 200,
        reg_covar: float = 1e-3,
        min_silhouette: float = 0.12,
        min_entropy: float = 0.80,
        previous_centroids: np.ndarray | None = None,
        silhouette_sample_size: int = 2000,
        min_profile_size: int = MIN_GROUP_SIZE,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.n_profiles_range = n_profiles_range
        self.covariance_type = covariance_type
        self.n_init = n_init
        self.max_iter = max_iter
        self.reg_covar = reg_covar
        self.min_silhouette = min_silhouette
        self.min_entropy = min_entropy
        self.previous_centroids = previous_centroids
        self.silhouette_sample_size = silhouette_sample_size
        self.min_profile_size = min_profile_size
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        Z = (X - self.center_) / self.scale_
        return np.where(np.isnan(Z), 0.0, Z)

    def fit(self, X, y=None) -> MotivationProfiles:
        """Fit mixtures of every candidate size and keep the one with the lowest BIC.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scale scores of non-flagged responses; NaN marks a missing score.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        n, d = X.shape
        rng = check_random_state(self.random_state)
        lo, hi = (int(v) for v in self.n_profiles_range)
        if lo < 1 or hi < lo:
            raise ValueError(
                f"n_profiles_range must be 1 <= low <= high, got {self.n_profiles_range}"
            )

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
            center = np.nanmean(X, axis=0) if n else np.zeros(d)
            scale = np.nanstd(X, axis=0) if n else np.ones(d)
        self.center_ = np.where(np.isfinite(center), center, 0.0)
        self.scale_ = np.where(np.isfinite(scale) & (scale > 1e-12), scale, 1.0)
        Z = self._standardise(X)

        # Silhouette needs 2 <= k <= n - 1; tiny samples fall back to a single profile.
        hi = min(hi, n - 1)
        lo = min(lo, hi)
        if hi < 2:
            lo = hi = 1
        old_z = self._previous_z()
        tried, bics, fits = [], [], []
        for k in range(lo, hi + 1):
            gm = GaussianMixture(
                n_components=k,
                covariance_type=self.covariance_type,
                n_init=self.n_init,
                max_iter=self.max_iter,
                reg_covar=self.reg_covar,
                random_state=rng,
            )
            with warnings.catch_warnings():
                # Non-convergence is reported through ``converged_`` and the model card.
                warnings.simplefilter("ignore", ConvergenceWarning)
                gm.fit(Z)
                if old_z is not None and k == old_z.shape[0]:
                    # Start once more from the previous model's profiles and keep that
                    # solution unless a restart beats it clearly (BIC lower by more than
                    # 2, "positive evidence" in Kass & Raftery 1995): a retraining on
                    # nearly the same answers then keeps the same profiles.
                    warm = GaussianMixture(
                        n_components=k,
                        covariance_type=self.covariance_type,
                        n_init=1,
                        max_iter=self.max_iter,
                        reg_covar=self.reg_covar,
                        means_init=old_z,
                        random_state=rng,
                    ).fit(Z)
                    if warm.bic(Z) <= gm.bic(Z) + 2.0:
                        gm = warm
            tried.append(k)
            bics.append(gm.bic(Z))
            fits.append(gm)
        # A profile too small to show can never be named to anyone, and on small samples
        # BIC sometimes buys likelihood with one: such candidates are left out unless
        # none is left (Nylund-Gibson & Choi 2018 warn against classes this small).
        sizes = [np.bincount(gm.predict(Z), minlength=gm.n_components).min() for gm in fits]
        eligible = [i for i, size in enumerate(sizes) if size >= self.min_profile_size]
        if not eligible:
            eligible = [0]
        best = fits[min(eligible, key=lambda i: bics[i])]
        self.n_profiles_tried_ = np.asarray(tried)
        self.bic_ = np.asarray(bics)
        self.converged_ = bool(best.converged_)
        self.n_iter_ = int(best.n_iter_)

        order, previous = self._order_components(best)
        self.n_profiles_ = int(best.n_components)
        self.weights_ = best.weights_[order]
        self.means_ = best.means_[order]
        self.covariances_ = (
            best.covariances_ if self.covariance_type == "tied" else best.covariances_[order]
        )
        self.cluster_centers_ = self.means_ * self.scale_ + self.center_
        self.previous_label_ = previous

        proba = self._proba(Z)
        self.labels_ = proba.argmax(axis=1)
        self.counts_ = np.bincount(self.labels_, minlength=self.n_profiles_)
        self.entropy_ = relative_entropy(proba)
        self.silhouette_ = self._silhouette(Z, self.labels_, rng)
        self.weak_structure_ = bool(
            not np.isfinite(self.silhouette_)
            or self.silhouette_ < self.min_silhouette
            or self.entropy_ < self.min_entropy
        )
        return self

    def _previous_z(self) -> np.ndarray | None:
        """``previous_centroids`` in this fit's standardised units, checked."""
        if self.previous_centroids is None:
            return None
        old = np.asarray(self.previous_centroids, dtype=float)
        if old.ndim != 2 or old.shape[1] != self.n_features_in_ or not np.isfinite(old).all():
            raise ValueError(
                f"previous_centroids must have shape (n_old, {self.n_features_in_}), "
                f"got {old.shape}"
            )
        return (old - self.center_) / self.scale_

    def _order_components(self, gm: GaussianMixture) -> tuple[np.ndarray, np.ndarray]:
        """Largest profile first, or matched to the previous model's centroids."""
        k = gm.n_components
        by_weight = np.argsort(-gm.weights_, kind="stable")
        if self.previous_centroids is None:
            return by_weight, np.full(k, -1)
        old_z = self._previous_z()
        cost = ((gm.means_[:, None, :] - old_z[None, :, :]) ** 2).sum(axis=2)
        new_idx, old_idx = linear_sum_assignment(cost)
        pairs = sorted(zip(old_idx.tolist(), new_idx.tolist(), strict=True))
        matched = [new for _, new in pairs]
        taken = set(matched)
        rest = [j for j in by_weight.tolist() if j not in taken]
        order = np.asarray(matched + rest, dtype=int)
        previous = np.asarray([old for old, _ in pairs] + [-1] * len(rest), dtype=int)
        return order, previous

    def _silhouette(self, Z: np.ndarray, labels: np.ndarray, rng) -> float:
        n_labels = np.unique(labels).size
        if n_labels < 2 or n_labels >= Z.shape[0]:
            return float("nan")
        size = min(self.silhouette_sample_size, Z.shape[0])
        # Sampling can drop a profile; the full data is used then, as the estimate is undefined.
        sample = rng.choice(Z.shape[0], size=size, replace=False)
        if np.unique(labels[sample]).size < 2:
            sample = np.arange(Z.shape[0])
        return float(silhouette_score(Z[sample], labels[sample]))

    def _proba(self, Z: np.ndarray) -> np.ndarray:
        logp = _log_gaussian(Z, self.means_, self.covariances_, self.covariance_type)
        logp += np.log(self.weights_)
        logp -= logp.max(axis=1, keepdims=True)
        p = np.exp(logp)
        return p / p.sum(axis=1, keepdims=True)

    def predict_proba(self, X) -> np.ndarray:
        """Posterior probability of each profile for each row of scale scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_profiles)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False)
        return self._proba(self._standardise(X))

    def predict(self, X) -> np.ndarray:
        """Most probable profile of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of int, shape (n_samples,)
        """
        return self.predict_proba(X).argmax(axis=1)

    def quality(self) -> dict[str, object]:
        """Figures for the model card: size, BIC per candidate, silhouette, entropy, flag."""
        check_is_fitted(self)
        return {
            "n_profiles": self.n_profiles_,
            "bic": {
                int(k): float(b) for k, b in zip(self.n_profiles_tried_, self.bic_, strict=True)
            },
            "silhouette": None if np.isnan(self.silhouette_) else float(self.silhouette_),
            "entropy": float(self.entropy_),
            "weak_structure": self.weak_structure_,
            "converged": self.converged_,
            "counts": [int(c) for c in self.counts_],
        }


@dataclass(frozen=True)
class ProfileLabel:
    """Name and one-paragraph description of a profile, in each language.

    ``distinctive`` lists (construct, standardised mean) pairs, highest first, that the
    text was built from.
    """

    name: dict[str, str]
    description: dict[str, str]
    distinctive: tuple[tuple[str, float], ...]


def _join(parts: Sequence[str], lang: str) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    last = " and " if lang == "en" else " og "
    return ", ".join(parts[:-1]) + last + parts[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


BALANCED = {"en": "Balanced", "nb": "Balansert"}


def describe_profiles(
    means: np.ndarray,
    constructs: Sequence[str],
    *,
    threshold: float = 0.3,
    top: int = 3,
    phrases: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
    previous: Sequence[ProfileLabel | None] | None = None,
) -> list[ProfileLabel]:
    """Name and describe profiles from their most distinctive constructs.

    A profile is named after its two strongest high constructs; with none above the
    average, after its strongest low one ("Less drawn to ..."). Only a profile with no
    distinctive construct on either side is "Balanced", and its description names no
    construct, so a name never contradicts its description.

    Parameters
    ----------
    means : ndarray of shape (n_profiles, n_constructs)
        Profile means in standardised units (``MotivationProfiles.means_``).
    constructs : sequence of str
        Construct key of each column.
    threshold : float, default=0.3
        Smallest absolute standardised mean that counts as distinctive.
    top : int, default=3
        Most constructs named in a description on each side.
    phrases : mapping, optional
        Overrides for ``CONSTRUCT_PHRASES``.
    previous : sequence of (ProfileLabel or None), optional
        The label each profile had in the model it replaces (None for a new profile). A
        previous name is kept while it still fits: its constructs are still distinctive
        on the same side. Small shifts in the means then never rename a profile.

    Returns
    -------
    list of ProfileLabel
        Names are unique within the list.
    """
    table = {**CONSTRUCT_PHRASES, **(phrases or {})}

    def label(key: str, lang: str) -> str:
        entry = table.get(key)
        return entry.get(lang, entry["en"])[0] if entry else construct_label(key, lang)

    def phrase(key: str, lang: str) -> str:
        entry = table.get(key)
        return entry.get(lang, entry["en"])[1] if entry else construct_phrase(key, lang)

    def joined_name(keys: Sequence[str]) -> dict[str, str]:
        return {
            lang: (" and " if lang == "en" else " og ").join(
                [label(keys[0], lang)] + [_lower_first(label(k, lang)) for k in keys[1:]]
            )
            for lang in LANGUAGES
        }

    def low_name(key: str) -> dict[str, str]:
        return {
            "en": f"Less drawn to {_lower_first(label(key, 'en'))}",
            "nb": f"Mindre opptatt av {_lower_first(label(key, 'nb'))}",
        }

    means = np.asarray(means, dtype=float)
    if previous is not None and len(previous) != means.shape[0]:
        raise ValueError(f"previous has {len(previous)} labels for {means.shape[0]} profiles")
    orders = [np.argsort(-row, kind="stable") for row in means]
    highs = [
        [constructs[j] for j in o if row[j] >= threshold]
        for row, o in zip(means, orders, strict=True)
    ]
    lows = [
        [constructs[j] for j in o[::-1] if row[j] <= -threshold]
        for row, o in zip(means, orders, strict=True)
    ]

    def fitting(high: list[str], low: list[str]) -> list[tuple[dict[str, str], tuple[str, ...]]]:
        """Every name this profile may carry, preferred first, with its constructs."""
        if high:
            lead = [(high[0], other) for other in high[1:]] + [(high[0],)]
            rest = [(a, b) for a in high[1:] for b in high if a != b] + [(a,) for a in high[1:]]
            return [(joined_name(keys), keys) for keys in lead + rest]
        if low:
            return [(low_name(key), (key,)) for key in low]
        return [(dict(BALANCED), ())]

    n = means.shape[0]
    options = [fitting(high, low) for high, low in zip(highs, lows, strict=True)]
    names: list[dict[str, str] | None] = [None] * n
    keys_of: list[tuple[str, ...]] = [()] * n
    used: set[str] = set()
    for i, old in enumerate(previous or []):
        if old is None:
            continue
        for name, keys in options[i]:
            if name["en"] == old.name.get("en") and name["en"] not in used:
                names[i], keys_of[i] = dict(old.name), keys
                used.add(name["en"])
                break
    for i in range(n):
        if names[i] is not None:
            continue
        # The preferred name; if another profile has it already, the next one that fits,
        # and finally the preferred name with a number.
        choice = next(((nm, k) for nm, k in options[i] if nm["en"] not in used), None)
        if choice is None:
            base, keys = options[i][0]
            name, number = dict(base), 2
            while name["en"] in used:
                name = {lang: f"{base[lang]} {number}" for lang in LANGUAGES}
                number += 1
            choice = (name, keys)
        names[i], keys_of[i] = choice
        used.add(names[i]["en"])

    labels = []
    for i, (row, order) in enumerate(zip(means, orders, strict=True)):
        # The constructs the name uses are always among those the description names.
        named = [k for k in keys_of[i] if k in highs[i]]
        high = named + [k for k in highs[i] if k not in named][: max(top - len(named), 0)]
        high = [k for k in highs[i] if k in high]
        low_named = [k for k in keys_of[i] if k in lows[i]]
        n_low = max(top - 1, 1)
        low = low_named + [k for k in lows[i] if k not in low_named][: n_low - len(low_named)]
        low = [k for k in lows[i] if k in low]
        description = {}
        for lang in LANGUAGES:
            hi_text = _join([phrase(x, lang) for x in high], lang)
            lo_text = _join([phrase(x, lang) for x in low], lang)
            if lang == "en":
                if high:
                    text = f"People in this profile care more than most about {hi_text}"
                    text += f", and less about {lo_text}." if low else "."
                elif low:
                    text = f"People in this profile care less than most about {lo_text}."
                else:
                    text = "People in this profile sit close to the average on every scale."
                if high or low:
                    text += " Their suggestions lean towards rewards that fit these priorities."
            else:
                if high:
                    text = f"Personer i denne profilen er mer opptatt enn de fleste av {hi_text}"
                    text += f", og mindre av {lo_text}." if low else "."
                elif low:
                    text = (
                        f"Personer i denne profilen er mindre opptatt enn de fleste av {lo_text}."
                    )
                else:
                    text = "Personer i denne profilen ligger nær gjennomsnittet på alle skalaer."
                if high or low:
                    text += (
                        " Forslagene deres vektlegger belønninger som passer disse prioriteringene."
                    )
            description[lang] = text
        distinctive = tuple(
            (constructs[j], round(float(row[j]), 3)) for j in order if abs(row[j]) >= threshold
        )
        labels.append(ProfileLabel(name=names[i], description=description, distinctive=distinctive))
    return labels
