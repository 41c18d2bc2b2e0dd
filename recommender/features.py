"""Survey answers as the ranker's person features, and the survey's prior pull.

``SurveyFeatures`` standardises scale scores with the training reference; ``prior_links``
and ``prior_weights`` say how much each kind of answer should move each kind of reward
before any rating exists; ``similarity_matrix`` tells how alike two rewards are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommender.catalogue import CATEGORIES
from recommender.explain import BASELINE, RANK_PREFIX
from recommender.reward_index import SIGNED_ATTRIBUTES
from recommender.scoring import ScaleScores, standardise

SCALE_MIDPOINT = 3.0
"""Middle of the 1-5 agreement scale: a scale score above it leans towards agreeing."""


@dataclass(frozen=True)
class SurveyFeatures:
    """Turns scale scores into the ranker's person features.

    Features are a constant (``"baseline"``), the standardised scale score of each
    construct, and each ranking option's rank score rescaled to [-1, 1]
    (``"rank:<construct>"``; 1 = ranked first). Missing values count as average (0).
    Constructs are matched by key, so a later instrument version with the same constructs
    can be scored against the same reference.
    """

    constructs: tuple[str, ...]
    ranking: tuple[str, ...]
    mean: np.ndarray
    sd: np.ndarray

    @classmethod
    def fit(cls, scores: ScaleScores, rows: np.ndarray | None = None) -> SurveyFeatures:
        """Take the standardisation reference from ``scores`` (optionally some rows only)."""
        values = scores.values if rows is None else scores.values[rows]
        _, mean, sd = standardise(values)
        return cls(tuple(scores.constructs), tuple(scores.ranking), mean, sd)

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names, in column order."""
        return (BASELINE, *self.constructs, *(RANK_PREFIX + c for c in self.ranking))

    def midpoints(self, midpoint: float = SCALE_MIDPOINT) -> np.ndarray:
        """Feature values of answers at the middle of the scale, shape (n_features,).

        A standardised score is centred on the population's mean, not on the scale's
        midpoint, so a feature above 0 can still be a "disagree". Explanations compare
        with these values before saying that someone prefers something. The constant and
        the rank scores (already centred on the middle rank) get 0.
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (midpoint - np.asarray(self.mean, dtype=float)) / np.asarray(self.sd, dtype=float)
        z = np.where(np.isfinite(z), z, 0.0)
        return np.concatenate([[0.0], z, np.zeros(len(self.ranking))])

    def transform(self, scores: ScaleScores, flagged: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix of shape (n_responses, n_features).

        Parameters
        ----------
        scores : ScaleScores
        flagged : array of bool, optional
            Responses flagged as careless carry no survey signal: only the constant.
        """
        n = scores.values.shape[0]
        values = _align(scores.values, scores.constructs, self.constructs)
        ranks = _align(scores.rank_values, scores.ranking, self.ranking)
        z, _, _ = standardise(values, self.mean, self.sd)
        out = np.concatenate([np.ones((n, 1)), z, 2.0 * ranks - 1.0], axis=1)
        out = np.where(np.isfinite(out), out, 0.0)
        if flagged is not None:
            out[np.asarray(flagged, dtype=bool), 1:] = 0.0
        return out


def _align(values: np.ndarray, have: Sequence[str], want: Sequence[str]) -> np.ndarray:
    position = {key: j for j, key in enumerate(have)}
    out = np.full((values.shape[0], len(want)), np.nan)
    for j, key in enumerate(want):
        if key in position:
            out[:, j] = values[:, position[key]]
    return out


# (person feature, reward attribute, weight in rating points per unit, link group): the
# survey's expected pull before any rating exists. Feature/attribute pairs missing from
# the data are skipped, so custom instruments simply get a thinner prior. Ratings
# re-estimate one scale per link group (how much that kind of answer really matters)
# and, more cautiously, every feature-by-attribute weight.
LINK_GROUPS = ("preference", "ranking", "visibility", "scope", "motivation")
PRIOR_LINKS: tuple[tuple[str, str, float, str], ...] = (
    *((f"pref_{c}", f"category:{c}", 0.30, "preference") for c in CATEGORIES),
    *((f"{RANK_PREFIX}pref_{c}", f"category:{c}", 0.30, "ranking") for c in CATEGORIES),
    ("pref_public", "visibility", 0.25, "visibility"),
    ("pref_team", "scope", 0.25, "scope"),
    ("mastery", "category:development", 0.15, "motivation"),
    ("mastery", "horizon", 0.10, "motivation"),
    ("autonomy", "category:time", 0.10, "motivation"),
    ("autonomy", "category:experience", 0.05, "motivation"),
    ("purpose", "scope", 0.10, "motivation"),
    ("purpose", "category:personal", 0.05, "motivation"),
)


def prior_links(
    feature_names: Sequence[str], attribute_names: Sequence[str], scale: float = 1.0
) -> np.ndarray:
    """Prior weights split by link group, shape (n_groups, n_features, n_attributes).

    ``pref_<category>`` and its rank score pull towards that category, ``pref_public``
    towards public (and away from private) rewards, ``pref_team`` towards team rewards,
    mastery towards development and long-term rewards, autonomy towards time off and
    experiences, purpose towards team and personal rewards.
    """
    f_pos = {f: j for j, f in enumerate(feature_names)}
    a_pos = {a: j for j, a in enumerate(attribute_names)}
    out = np.zeros((len(LINK_GROUPS), len(feature_names), len(attribute_names)))
    for feature, attribute, weight, group in PRIOR_LINKS:
        if feature in f_pos and attribute in a_pos:
            out[LINK_GROUPS.index(group), f_pos[feature], a_pos[attribute]] = weight * scale
    return out


def prior_weights(
    feature_names: Sequence[str], attribute_names: Sequence[str], scale: float = 1.0
) -> np.ndarray:
    """Default interaction weights, shape (n_features, n_attributes) (see ``prior_links``)."""
    return prior_links(feature_names, attribute_names, scale).sum(axis=0)


def similarity_matrix(attributes: np.ndarray, attribute_names: Sequence[str]) -> np.ndarray:
    """Reward-reward similarity used for diversification, in [0, 1].

    0.6 for sharing a category plus 0.4 times the share of matching two-valued attributes
    (visibility, scope, horizon).
    """
    names = list(attribute_names)
    cat = [j for j, a in enumerate(names) if a.startswith("category:")]
    signed = [names.index(a) for a in SIGNED_ATTRIBUTES if a in names]
    sim = np.zeros((attributes.shape[0], attributes.shape[0]))
    if cat:
        C = attributes[:, cat]
        sim += 0.6 * (C @ C.T)
    if signed:
        S = np.sign(attributes[:, signed])
        sim += 0.4 * ((S @ S.T) / len(signed) + 1.0) / 2.0
    return sim
