"""The fitted Motivo model as one object, and its versioned storage format.

``MotivoModel`` bundles what a service needs: the catalogue index, the survey-feature
map, the motivation profiles (with names and descriptions) and the hybrid ranker, behind
one ``fit`` and a few ``recommend`` calls. ``to_artefact`` stores it as named numpy arrays
(``np.savez``, no pickle) plus JSON-able metadata with a model card; ``from_artefact``
restores a model that gives identical recommendations.
"""

from __future__ import annotations

import io
import platform
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import sklearn

from recommender.catalogue import Reward
from recommender.explain import Explanation
from recommender.features import SurveyFeatures
from recommender.profiles import (
    MIN_GROUP_SIZE,
    MotivationProfiles,
    ProfileLabel,
    describe_profiles,
    visible_profiles,
)
from recommender.ranker import BatchSuggestions, HybridRanker
from recommender.ratings import Ratings
from recommender.reward_index import RewardIndex
from recommender.scoring import ScaleScores

ARTEFACT_FORMAT = "motivo-model"
ARTEFACT_VERSION = 1
MIN_RESPONSES_FOR_PROFILES = 2 * MIN_GROUP_SIZE
"""Below this many usable responses no profiles are fitted at all."""

_PROFILE_ARRAYS = (
    "center_",
    "scale_",
    "means_",
    "cluster_centers_",
    "covariances_",
    "weights_",
    "counts_",
    "bic_",
    "n_profiles_tried_",
    "previous_label_",
)
# ``MotivationProfiles.labels_`` (one per usable training response) is not stored: it is
# ``person_profiles_`` without the -1 of flagged responses, and is restored from it.
_PROFILE_SCALARS = (
    "n_profiles_",
    "n_features_in_",
    "silhouette_",
    "entropy_",
    "weak_structure_",
    "converged_",
    "n_iter_",
)
_RANKER_ARRAYS = (
    "item_attributes_",
    "prior_weights_",
    "weights_",
    "link_scale_",
    "item_bias_",
    "profile_effects_",
    "item_mean_rating_",
    "item_n_ratings_",
    "profile_mean_rating_",
    "profile_n_ratings_",
    "similarity_",
)
# One entry per training response, stored by earlier releases and no longer: serving scores
# every rep from their current answers and folds in their current ratings, so nothing reads
# these from a stored model. Artefacts that hold them still load; the arrays are skipped.
# Only the fitted estimator (offline evaluation, benchmarks) keeps them, in memory.
_RANKER_TRAINING_ROWS = (
    "person_features_",
    "person_profiles_",
    "person_effects_",
    "person_bias_",
    "person_n_ratings_",
    "rated_indptr_",
    "rated_items_",
)
# Added after the first artefacts were stored: absent from those, and then read as zero
# people, so an old model cites no rating summary until it is retrained (never one that
# might speak for fewer people than the minimum group size).
_RANKER_PEOPLE_ARRAYS = ("item_n_people_", "profile_n_people_")
# Added with empirical-Bayes person tastes: the prior that serving folds ratings in under.
# Absent from older artefacts, which then fold in with the shrunk ridge solve.
_RANKER_PRIOR_ARRAYS = ("person_tau2_",)
_RANKER_SCALARS = (
    "mu_",
    "item_shrinkage_",
    "profile_shrinkage_",
    "person_shrinkage_",
    "person_sigma2_",
)


@dataclass(frozen=True)
class Suggestion:
    """One suggested reward for a person: its id, predicted rating and reasons."""

    reward_id: str
    score: float
    explanation: Explanation


class MotivoModel:
    """Catalogue index + survey features + motivation profiles + hybrid ranker.

    Parameters
    ----------
    profile_params : mapping, optional
        Keyword arguments for ``MotivationProfiles`` (``random_state`` is set from here).
    ranker_params : mapping, optional
        Keyword arguments for ``HybridRanker``.
    random_state : int or None, default=None
        Seeds the profile model, so a fixed value gives identical results.

    Attributes
    ----------
    index_ : RewardIndex
    features_ : SurveyFeatures
    profiles_ : MotivationProfiles or None
        None when there were too few usable responses.
    profile_labels_ : list of ProfileLabel
    use_profiles_ : bool
        Whether the ranker uses profiles (False when the structure is weak).
    person_profiles_ : ndarray of int, shape (n_responses,)
        Most likely profile of each training response, -1 for flagged ones or none.
        Stored with the model (summaries of older versions group people by it).
    ranker_ : HybridRanker
        A model restored by ``from_artefact`` has no training rows: it serves people from
        their answers (``scores=``), as the application does.
    card_ : dict
        The model card (JSON-able).
    """

    def __init__(
        self,
        *,
        profile_params: Mapping[str, Any] | None = None,
        ranker_params: Mapping[str, Any] | None = None,
        random_state: int | None = None,
    ) -> None:
        self.profile_params = dict(profile_params or {})
        self.ranker_params = dict(ranker_params or {})
        self.random_state = random_state

    # ------------------------------------------------------------------ training

    def fit(
        self,
        scale_scores: ScaleScores,
        ratings: Ratings | None,
        rewards: Sequence[Reward] | RewardIndex,
        *,
        flagged: np.ndarray | None = None,
        previous: MotivoModel | None = None,
    ) -> MotivoModel:
        """Fit profiles and ranker on one wave's scale scores and all feedback.

        Parameters
        ----------
        scale_scores : ScaleScores
            One row per person (their latest response).
        ratings : Ratings or None
            Feedback; ``person`` indexes rows of ``scale_scores``, ``item`` the rewards.
        rewards : sequence of Reward or RewardIndex
            The catalogue, in the column order ``ratings`` uses.
        flagged : array of bool, optional
            Careless responses: left out of the profiles and treated as carrying no
            survey signal.
        previous : MotivoModel, optional
            The model this one replaces; its profiles are matched so labels stay stable.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            With no responses, or feedback that refers to rows or rewards that do not exist.
        """
        index = rewards if isinstance(rewards, RewardIndex) else RewardIndex.from_rewards(rewards)
        n = scale_scores.values.shape[0]
        if n == 0:
            raise ValueError("there are no survey responses to train on")
        flagged = np.zeros(n, dtype=bool) if flagged is None else np.asarray(flagged, dtype=bool)
        if flagged.shape != (n,):
            raise ValueError("flagged must have one entry per response")
        usable = np.flatnonzero(~flagged)
        ratings = ratings if ratings is not None else Ratings.empty()

        self.index_ = index
        self.features_ = SurveyFeatures.fit(scale_scores, usable)
        X = self.features_.transform(scale_scores, flagged)

        self.profiles_ = None
        self.profile_labels_: list[ProfileLabel] = []
        self.person_profiles_ = np.full(n, -1)
        self.use_profiles_ = False
        if usable.size >= MIN_RESPONSES_FOR_PROFILES and scale_scores.values.shape[1]:
            params = {**self.profile_params, "random_state": self.random_state}
            prev = previous.profiles_ if previous is not None else None
            if prev is not None and previous.features_.constructs == self.features_.constructs:
                params["previous_centroids"] = prev.cluster_centers_
            profiles = MotivationProfiles(**params).fit(scale_scores.values[usable])
            self.profiles_ = profiles
            kept = None
            if "previous_centroids" in params:
                old = previous.profile_labels_
                kept = [old[j] if 0 <= j < len(old) else None for j in profiles.previous_label_]
            self.profile_labels_ = describe_profiles(
                profiles.means_, self.features_.constructs, previous=kept
            )
            self.person_profiles_[usable] = profiles.labels_
            self.use_profiles_ = not profiles.weak_structure_

        self.ranker_ = HybridRanker(**self.ranker_params).fit(
            X,
            ratings,
            item_attributes=index.attributes(),
            feature_names=self.features_.names,
            attribute_names=index.attribute_names,
            person_profiles=self.person_profiles_ if self.use_profiles_ else None,
        )
        # Reasons compare answers with the scale's midpoint, which only the features know.
        self.ranker_.feature_midpoints_ = self.features_.midpoints()
        self.card_ = self._model_card(n, int(flagged.sum()), ratings)
        return self

    def _model_card(self, n_responses: int, n_flagged: int, ratings: Ratings) -> dict[str, Any]:
        profiles = None
        if self.profiles_ is not None:
            quality = self.profiles_.quality()
            min_size = int(self.ranker_params.get("min_group_size", MIN_GROUP_SIZE))
            visible = visible_profiles(self.profiles_.counts_, min_size)
            profiles = {
                **quality,
                "used_by_ranker": self.use_profiles_,
                "visible": [bool(v) for v in visible],
                "previous_label": [int(v) for v in self.profiles_.previous_label_],
                "labels": [
                    {"name": label.name, "description": label.description}
                    for label in self.profile_labels_
                ],
                "thresholds": {
                    "min_silhouette": self.profiles_.min_silhouette,
                    "min_entropy": self.profiles_.min_entropy,
                    "min_group_size": min_size,
                },
            }
        ranker = self.ranker_
        return {
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "n_responses": n_responses,
            "n_flagged": n_flagged,
            "n_ratings": int((~ratings.dismissed).sum()),
            "n_dismissals": int(ratings.dismissed.sum()),
            "n_rewards": len(self.index_),
            "constructs": list(self.features_.constructs),
            "ranking": list(self.features_.ranking),
            "profiles": profiles,
            "weak_structure": None if profiles is None else profiles["weak_structure"],
            "ranker": {
                "mean_rating": ranker.mu_,
                "item_shrinkage": _json_float(ranker.item_shrinkage_),
                "profile_shrinkage": _json_float(ranker.profile_shrinkage_),
                "person_shrinkage": _json_float(ranker.person_shrinkage_),
            },
            "parameters": {
                "profiles": _jsonable_params(self.profiles_.get_params() if self.profiles_ else {}),
                "ranker": _jsonable_params(ranker.get_params()),
                "random_state": self.random_state,
            },
            "software": {
                "numpy": np.__version__,
                "scikit-learn": sklearn.__version__,
                "python": platform.python_version(),
            },
        }

    # ------------------------------------------------------------------ serving

    def person_terms(
        self, scores: ScaleScores, flagged: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Survey features and most likely profile of responses, by the stored mixture.

        Profiles are -1 for flagged responses or when no profiles were fitted.
        """
        X = self.features_.transform(scores, flagged)
        labels = np.full(X.shape[0], -1)
        if self.profiles_ is not None:
            aligned = _align_scores(scores, self.features_.constructs)
            # The posterior of the stored mixture, without scikit-learn's input checks: the
            # rows are aligned float arrays built here, and for one person at request time
            # the checks cost more than the posterior itself.
            profiles = self.profiles_
            labels = profiles._proba(profiles._standardise(aligned)).argmax(axis=1)
            if flagged is not None:
                labels[np.asarray(flagged, dtype=bool)] = -1
        return X, labels

    def candidates(
        self,
        *,
        role: str | None = None,
        max_cost_band: int | None = None,
        exclude_ids: Iterable[str] = (),
        grants: Iterable[tuple[str, date]] = (),
        today: date | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate mask and excluded columns for one person."""
        mask = self.index_.candidate_mask(role=role, max_cost_band=max_cost_band)
        excluded = self.index_.columns(exclude_ids, skip_unknown=True)
        grants = list(grants)
        if grants:
            # Days are counted in UTC, as the service that stores the grants counts them.
            cooling = self.index_.cooldown_columns(grants, today or datetime.now(UTC).date())
            excluded = np.union1d(excluded, cooling)
        return mask, excluded

    def recommend(
        self,
        person: int | None = None,
        k: int = 5,
        *,
        scores: ScaleScores | None = None,
        flagged: bool = False,
        ratings: Ratings | None = None,
        role: str | None = None,
        max_cost_band: int | None = None,
        exclude_ids: Iterable[str] = (),
        grants: Iterable[tuple[str, date]] = (),
        today: date | None = None,
        explain: bool = True,
        min_group_size: int | None = None,
        dismissed_ids: Iterable[str] = (),
    ) -> list[Suggestion]:
        """Suggestions for one person, with reasons.

        Parameters
        ----------
        person : int, optional
            Row of the training scale scores (a fitted model only: one restored from an
            artefact keeps no training rows). Omit and pass ``scores`` (and ``ratings``)
            to serve from the person's current answers, as the application does.
        k : int, default=5
        scores : ScaleScores, optional
            A single response's scale scores (one row).
        flagged : bool, default=False
            Whether that response is flagged as careless.
        ratings : Ratings, optional
            With ``scores``: the person's current feedback (``person`` 0, ``item`` columns
            of ``index_``), folded in at request time (``HybridRanker.fold_in``).
        role : str, optional
            The person's sales role (role-restricted rewards are filtered).
        max_cost_band : int, optional
            Cost cap.
        exclude_ids : iterable of str
            Reward ids to leave out (already received, dismissed, ...).
        grants : iterable of (reward id, date)
            The person's grants, for cooldowns.
        today : date, optional
            Reference date for cooldowns (default: today).
        explain : bool, default=True
        dismissed_ids : iterable of str
            Reward ids the person said "not for me" to: left out, and rewards of the same
            category and visibility come last.

        Returns
        -------
        list of Suggestion
        """
        mask, excluded = self.candidates(
            role=role,
            max_cost_band=max_cost_band,
            exclude_ids=exclude_ids,
            grants=grants,
            today=today,
        )
        dismissed = self.index_.columns(dismissed_ids, skip_unknown=True)
        if scores is not None:
            X, labels = self.person_terms(scores, np.asarray([flagged]))
            profile = int(labels[0]) if self.use_profiles_ else None
            result = self.ranker_.recommend(
                X[0],
                k,
                profile=profile,
                ratings=ratings,
                candidates=mask,
                exclude=excluded,
                explain=explain,
                min_group_size=min_group_size,
                dismissed=dismissed,
            )
        elif person is not None:
            result = self.ranker_.recommend(
                int(person),
                k,
                candidates=mask,
                exclude=excluded,
                explain=explain,
                min_group_size=min_group_size,
                dismissed=dismissed,
            )
        else:
            raise ValueError("pass a training row (person) or a new response (scores)")
        explanations = result.explanations or [
            Explanation(int(j), float(s), ())
            for j, s in zip(result.item_indices, result.scores, strict=True)
        ]
        return [
            Suggestion(self.index_.ids[int(j)], float(s), e)
            for j, s, e in zip(result.item_indices, result.scores, explanations, strict=True)
        ]

    def recommend_all(
        self,
        k: int = 5,
        *,
        roles: Sequence[str | None] | None = None,
        exclude: np.ndarray | Sequence[Iterable[int]] | None = None,
        max_cost_band: int | None = None,
        persons: Sequence[int] | np.ndarray | None = None,
        scores: ScaleScores | None = None,
        flagged: np.ndarray | None = None,
        ratings: Ratings | None = None,
        explain: bool = False,
        min_group_size: int | None = None,
        dismissed: np.ndarray | Sequence[Iterable[int]] | None = None,
    ) -> tuple[np.ndarray, np.ndarray] | BatchSuggestions:
        """Top-``k`` suggestions for many people at once.

        Parameters
        ----------
        k : int, default=5
        roles : sequence of str, optional
            Sales role of each person, for role-restricted rewards.
        exclude : bool array (n_persons, n_rewards) or iterables of columns, optional
            Columns to leave out per person (cooldowns, grants, dismissals).
        max_cost_band : int, optional
        persons : array of int, optional
            Rows of the training scale scores to rank; all of them when omitted (a
            fitted model only, as for ``recommend``).
            ``roles`` and ``exclude`` then have one entry per row given here.
        scores : ScaleScores, optional
            Instead of training rows, rank these responses (each person's latest, as
            the application serves them), as ``recommend(scores=...)`` does one at a time.
        flagged : array of bool, optional
            Which of those responses are flagged as careless.
        ratings : Ratings, optional
            With ``scores``: the feedback of those people (``person`` indexes rows of
            ``scores``, ``item`` columns of ``index_``), folded in at request time, so
            their own tastes count without retraining; what they rated is left out.
        explain : bool, default=False
            Also give each suggestion's reasons, the same ones ``recommend`` gives.
        min_group_size : int, optional
            Rating summaries of fewer distinct people are not cited; the ranker's own
            ``min_group_size`` when omitted (the organisation's setting applies at serving).
        dismissed : bool array (n_persons, n_rewards) or iterables of columns, optional
            What each person said "not for me" to: left out, and rewards of the same
            category and visibility come only after every other eligible reward.

        Returns
        -------
        item_indices : ndarray of int, shape (n_persons, k)
            Columns of ``index_`` (-1 where nothing is left); ``index_.ids`` maps them.
        scores : ndarray of shape (n_persons, k)
        explanations : BatchExplanations
            Only with ``explain=True``; the result is then a ``BatchSuggestions``, and
            ``explanations.texts(r, j, lang)`` gives the sentences for
            ``item_indices[r, j]``.
        """
        features = profiles = None
        if scores is not None:
            if persons is not None:
                raise ValueError("pass training rows (persons) or new responses (scores)")
            features, labels = self.person_terms(scores, flagged)
            profiles = labels if self.use_profiles_ else None
            n = features.shape[0]
        elif persons is None:
            n = self.ranker_.n_training_rows()
        else:
            persons = np.asarray(persons, dtype=np.int64).ravel()
            n = persons.size
        if roles is None:
            candidates = self.index_.candidate_mask(max_cost_band=max_cost_band)
        else:
            if len(roles) != n:
                raise ValueError(f"roles has {len(roles)} entries for {n} persons")
            candidates = self.index_.role_masks(roles)
            if max_cost_band is not None:
                candidates &= self.index_.candidate_mask(max_cost_band=max_cost_band)
        return self.ranker_.recommend_batch(
            persons,
            k,
            features=features,
            profiles=profiles,
            ratings=ratings if scores is not None else None,
            candidates=candidates,
            exclude=exclude,
            explain=explain,
            min_group_size=min_group_size,
            dismissed=dismissed,
        )


def _align_scores(scores: ScaleScores, constructs: Sequence[str]) -> np.ndarray:
    position = {key: j for j, key in enumerate(scores.constructs)}
    out = np.full((scores.values.shape[0], len(constructs)), np.nan)
    for j, key in enumerate(constructs):
        if key in position:
            out[:, j] = scores.values[:, position[key]]
    return out


def _json_float(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            continue  # previous_centroids: recorded through previous_label instead
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    return out


# --------------------------------------------------------------------------- storage


def to_artefact(model: MotivoModel) -> tuple[bytes, dict[str, Any]]:
    """Serialise a fitted model: named arrays (``.npz`` bytes) and JSON-able metadata.

    Parameters
    ----------
    model : MotivoModel
        A fitted model.

    Returns
    -------
    blob : bytes
        ``np.savez_compressed`` output; readable with ``allow_pickle=False``.
    metadata : dict
        Format and version, the model card, parameters, catalogue index, feature names,
        profile labels and scalar attributes.
    """
    arrays: dict[str, np.ndarray] = {
        "features.mean": model.features_.mean,
        "features.sd": model.features_.sd,
        # The one per-person array kept: each training response's profile (-1 for none),
        # rows named by the service's ``person_ids``. Summaries of a wave pinned to this
        # version group people by it, and it restores the profiles' ``labels_``.
        "model.person_profiles": np.asarray(model.person_profiles_, dtype=np.int16),
    }
    for name in _RANKER_ARRAYS + _RANKER_PEOPLE_ARRAYS + _RANKER_PRIOR_ARRAYS:
        arrays[f"ranker.{name}"] = np.asarray(getattr(model.ranker_, name))
    profiles_meta = None
    if model.profiles_ is not None:
        for name in _PROFILE_ARRAYS:
            arrays[f"profiles.{name}"] = np.asarray(getattr(model.profiles_, name))
        profiles_meta = {
            "params": _jsonable_params(model.profiles_.get_params()),
            "scalars": {name: _scalar(getattr(model.profiles_, name)) for name in _PROFILE_SCALARS},
        }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    metadata = {
        "format": ARTEFACT_FORMAT,
        "version": ARTEFACT_VERSION,
        "card": model.card_,
        "model": {
            "profile_params": _jsonable_params(model.profile_params),
            "ranker_params": _jsonable_params(model.ranker_params),
            "random_state": model.random_state,
            "use_profiles": model.use_profiles_,
        },
        "index": model.index_.to_dict(),
        "features": {
            "constructs": list(model.features_.constructs),
            "ranking": list(model.features_.ranking),
        },
        "profiles": profiles_meta,
        "profile_labels": [
            {
                "name": label.name,
                "description": label.description,
                "distinctive": [[key, value] for key, value in label.distinctive],
            }
            for label in model.profile_labels_
        ],
        "ranker": {
            "params": _jsonable_params(model.ranker_.get_params()),
            "feature_names": list(model.ranker_.feature_names_),
            "attribute_names": list(model.ranker_.attribute_names_),
            "scalars": {name: _scalar(getattr(model.ranker_, name)) for name in _RANKER_SCALARS},
        },
    }
    return buffer.getvalue(), metadata


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def from_artefact(blob: bytes, metadata: Mapping[str, Any]) -> MotivoModel:
    """Restore a model saved with ``to_artefact``.

    Parameters
    ----------
    blob : bytes
    metadata : mapping

    Returns
    -------
    MotivoModel
        Gives the same recommendations as the model that was saved.

    Raises
    ------
    ValueError
        If the metadata is not a Motivo model artefact of a readable version.
    """
    if metadata.get("format") != ARTEFACT_FORMAT:
        raise ValueError(f"not a Motivo model artefact (format {metadata.get('format')!r})")
    if metadata.get("version") != ARTEFACT_VERSION:
        raise ValueError(
            f"model artefact version {metadata.get('version')!r} cannot be read by this "
            f"release (it reads version {ARTEFACT_VERSION}); retrain the model"
        )
    skipped = {f"ranker.{name}" for name in _RANKER_TRAINING_ROWS}
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        # Each array is decompressed when read, so an older artefact's training rows cost
        # neither time nor memory here.
        arrays = {name: data[name] for name in data.files if name not in skipped}

    meta_model = metadata["model"]
    model = MotivoModel(
        profile_params=meta_model["profile_params"],
        ranker_params=meta_model["ranker_params"],
        random_state=meta_model["random_state"],
    )
    model.index_ = RewardIndex.from_dict(metadata["index"])
    model.features_ = SurveyFeatures(
        tuple(metadata["features"]["constructs"]),
        tuple(metadata["features"]["ranking"]),
        arrays["features.mean"],
        arrays["features.sd"],
    )
    model.person_profiles_ = arrays["model.person_profiles"].astype(np.int64)
    model.use_profiles_ = bool(meta_model["use_profiles"])
    model.card_ = dict(metadata["card"])

    model.profiles_ = None
    if metadata["profiles"] is not None:
        params = dict(metadata["profiles"]["params"])
        params["n_profiles_range"] = tuple(params["n_profiles_range"])
        profiles = MotivationProfiles(**params)
        for name in _PROFILE_ARRAYS:
            setattr(profiles, name, arrays[f"profiles.{name}"])
        scalars = metadata["profiles"]["scalars"]
        profiles.n_profiles_ = int(scalars["n_profiles_"])
        profiles.n_features_in_ = int(scalars["n_features_in_"])
        profiles.silhouette_ = _float(scalars["silhouette_"])
        profiles.entropy_ = float(scalars["entropy_"])
        profiles.weak_structure_ = bool(scalars["weak_structure_"])
        profiles.converged_ = bool(scalars["converged_"])
        profiles.n_iter_ = int(scalars["n_iter_"])
        profiles.labels_ = model.person_profiles_[model.person_profiles_ >= 0]
        model.profiles_ = profiles
    model.profile_labels_ = [
        ProfileLabel(
            name=dict(label["name"]),
            description=dict(label["description"]),
            distinctive=tuple((key, float(value)) for key, value in label["distinctive"]),
        )
        for label in metadata["profile_labels"]
    ]
    if model.profiles_ is not None and len(model.profile_labels_) == model.profiles_.n_profiles_:
        # Names and descriptions follow from the means. One stored by an older release
        # that no longer fits them ("Balanced" for a distinctive profile) is rewritten;
        # every name that still fits is kept.
        model.profile_labels_ = describe_profiles(
            model.profiles_.means_, model.features_.constructs, previous=model.profile_labels_
        )

    meta_ranker = metadata["ranker"]
    ranker = HybridRanker(**meta_ranker["params"])
    for name in _RANKER_ARRAYS:
        setattr(ranker, name, arrays[f"ranker.{name}"])
    ranker.item_n_people_ = arrays.get(
        "ranker.item_n_people_", np.zeros_like(ranker.item_n_ratings_)
    )
    ranker.profile_n_people_ = arrays.get(
        "ranker.profile_n_people_", np.zeros_like(ranker.profile_n_ratings_)
    )
    ranker.person_tau2_ = arrays.get("ranker.person_tau2_")
    ranker.person_sigma2_ = _float(meta_ranker["scalars"].get("person_sigma2_"))
    if "person_prior" not in meta_ranker["params"]:
        ranker.person_prior = "ridge"  # stored before empirical Bayes: trained with ridge
    if "dismissal_weight" not in meta_ranker["params"]:
        # Stored before dismissals were weighed: its prior variances were estimated with
        # each at full weight, so serving folds feedback in the same way until a retrain.
        ranker.dismissal_weight = 1.0
    ranker.feature_names_ = tuple(meta_ranker["feature_names"])
    ranker.attribute_names_ = tuple(meta_ranker["attribute_names"])
    scalars = meta_ranker["scalars"]
    ranker.mu_ = float(scalars["mu_"])
    for name in ("item_shrinkage_", "profile_shrinkage_", "person_shrinkage_"):
        setattr(ranker, name, _float(scalars[name]))
    ranker.feature_midpoints_ = model.features_.midpoints()
    model.ranker_ = ranker
    return model
