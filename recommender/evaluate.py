"""Offline evaluation of the recommender against simple references, on known truth.

``evaluate`` takes survey scale scores, the TRUE utility of every reward for every person
(from a simulator; ``recommender`` never imports ``seed``, the caller passes the arrays)
and observed ratings. It holds out all feedback of a random share of people ("cold":
they are scored from the survey alone) and trains on the rest; "warm" people are those
with three or more training ratings. For both groups it reports, for the hybrid model and
for references computed in the same run (random, popularity, and the naive rule "rank
rewards by the person's own preference score for their category"), and, when the
caller knows it, an oracle that ranks by utility without its person-by-reward noise (the
best a model that knew every taste could do). The "survey ceiling" is the best any
ranker that sees only the survey could do in the linear family: per reward, the
least-squares map from scale scores to TRUE utility, fitted on the other half of the
people (it reads the truth, so no real model can match it; it shows how much of the gap to
the oracle the survey itself leaves):

* NDCG@k graded by TRUE utility over the eligible catalogue. Held-out ratings exist only
  for the handful of rewards a manager chose to give, so they cannot say whether a
  reward nobody gave would have been better; true utility covers every eligible reward.
  Per person the utility is rescaled to a 0-4 grade over that person's candidates and
  used with the usual exponential gain ``2**grade - 1``, so each person counts equally.
* precision@k: share of the suggestions that are among the person's true top k.
* coverage: share of the active catalogue suggested to at least one person in the group.
* intra-list diversity: share of suggestion pairs within a list that differ in category.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from recommender.artefact import MotivoModel
from recommender.catalogue import CATEGORIES, Reward
from recommender.ratings import Ratings
from recommender.reward_index import RewardIndex
from recommender.scoring import ScaleScores

METHODS = (
    "hybrid",
    "survey prior",
    "naive rule",
    "popularity",
    "random",
    "survey ceiling",
    "oracle",
)
GROUPS = ("cold", "warm")
MIN_WARM_RATINGS = 3
POPULARITY_PRIOR_COUNT = 5.0


def top_k(scores: np.ndarray, allowed: np.ndarray, k: int) -> np.ndarray:
    """Columns of the ``k`` highest allowed scores per row, best first (-1 pads)."""
    n, n_i = scores.shape
    k_eff = min(k, n_i)
    masked = np.where(allowed, scores, -np.inf)
    part = np.argpartition(-masked, k_eff - 1, axis=1)[:, :k_eff]
    rows = np.arange(n)[:, None]
    order = np.argsort(-masked[rows, part], axis=1, kind="stable")
    idx = part[rows, order]
    idx = np.where(np.isfinite(masked[rows, idx]), idx, -1)
    if k_eff < k:
        idx = np.concatenate([idx, np.full((n, k - k_eff), -1)], axis=1)
    return idx


def graded_gain(utility: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Exponential gain of a 0-4 grade from utility rescaled over each row's candidates."""
    lo = np.where(allowed, utility, np.inf).min(axis=1, keepdims=True)
    hi = np.where(allowed, utility, -np.inf).max(axis=1, keepdims=True)
    span = np.where(np.isfinite(hi - lo) & (hi > lo), hi - lo, 1.0)
    grade = np.clip(4.0 * (utility - np.where(np.isfinite(lo), lo, 0.0)) / span, 0.0, 4.0)
    return np.where(allowed, 2.0**grade - 1.0, 0.0)


def ndcg_at_k(ranked: np.ndarray, gains: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """NDCG of each row's ranked columns (-1 = empty slot), NaN if no gain is possible."""
    n, k = ranked.shape
    discount = 1.0 / np.log2(np.arange(k) + 2.0)
    valid = ranked >= 0
    got = np.where(valid, gains[np.arange(n)[:, None], np.where(valid, ranked, 0)], 0.0)
    dcg = (got * discount).sum(axis=1)
    best = -np.sort(-np.where(allowed, gains, 0.0), axis=1)[:, :k]
    ideal = (best * discount[: best.shape[1]]).sum(axis=1)
    return np.divide(dcg, ideal, out=np.full(n, np.nan), where=ideal > 0)


def precision_at_k(ranked: np.ndarray, utility: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Share of each row's suggestions that are in its true top k."""
    n, k = ranked.shape
    truth = top_k(utility, allowed, k)
    hits = np.zeros(n)
    for j in range(k):
        col = ranked[:, j : j + 1]
        hits += ((col >= 0) & (col == truth)).any(axis=1)
    return hits / k


def coverage(ranked: np.ndarray, n_items: int) -> float:
    """Share of ``n_items`` suggested at least once."""
    shown = np.unique(ranked[ranked >= 0])
    return float(shown.size / n_items) if n_items else float("nan")


def intra_list_diversity(ranked: np.ndarray, category: np.ndarray) -> float:
    """Mean share of suggestion pairs within a list that differ in category."""
    n, k = ranked.shape
    if n == 0 or k < 2:
        return float("nan")
    cats = np.where(ranked >= 0, category[np.where(ranked >= 0, ranked, 0)], -1)
    differ, pairs = np.zeros(n), np.zeros(n)
    for a in range(k):
        for b in range(a + 1, k):
            both = (cats[:, a] >= 0) & (cats[:, b] >= 0)
            pairs += both
            differ += both & (cats[:, a] != cats[:, b])
    share = np.divide(differ, pairs, out=np.full(n, np.nan), where=pairs > 0)
    return float(np.nanmean(share)) if np.isfinite(share).any() else float("nan")


def _popularity(ratings: Ratings, n_items: int) -> np.ndarray:
    """Mean rating per reward, shrunk towards the overall mean (dismissals count as 1)."""
    values = np.where(ratings.dismissed, 1.0, ratings.rating)
    overall = values.mean() if values.size else 3.0
    sums = np.bincount(ratings.item, values, minlength=n_items)
    counts = np.bincount(ratings.item, minlength=n_items)
    return (sums + POPULARITY_PRIOR_COUNT * overall) / (counts + POPULARITY_PRIOR_COUNT)


def _naive_scores(scale_scores: ScaleScores, categories: Sequence[str]) -> np.ndarray:
    """Each reward scored by the person's own ``pref_<category>`` scale score."""
    position = {key: j for j, key in enumerate(scale_scores.constructs)}
    values = scale_scores.values
    n = values.shape[0]
    per_category = np.zeros((n, len(CATEGORIES)))
    for c, cat in enumerate(CATEGORIES):
        j = position.get(f"pref_{cat}")
        if j is not None:
            column = values[:, j]
            fill = np.nanmean(column) if np.isfinite(column).any() else 0.0
            per_category[:, c] = np.where(np.isnan(column), fill, column)
    cat_index = np.asarray([CATEGORIES.index(c) for c in categories])
    return per_category[:, cat_index]


def survey_ceiling(values: np.ndarray, true_utility: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """Cross-fitted least-squares prediction of true utility from scale scores.

    Each fold's rows are predicted by the map fitted on the other rows (a constant plus
    the scores, missing scores filled with the column mean).
    """
    X = np.asarray(values, dtype=float)
    finite = np.isfinite(X)
    counts = finite.sum(axis=0)
    fill = np.where(finite, X, 0.0).sum(axis=0) / np.maximum(counts, 1)
    X = np.where(finite, X, fill)
    X = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
    out = np.zeros_like(true_utility, dtype=float)
    for f in np.unique(fold):
        test = fold == f
        if (~test).sum() <= X.shape[1]:
            continue
        coef = np.linalg.lstsq(X[~test], true_utility[~test], rcond=None)[0]
        out[test] = X[test] @ coef
    return out


def evaluate(
    scale_scores: ScaleScores,
    rewards: Sequence[Reward],
    roles: Sequence[str],
    true_utility: np.ndarray,
    ratings: Ratings,
    *,
    flagged: np.ndarray | None = None,
    oracle_utility: np.ndarray | None = None,
    cold_fraction: float = 0.3,
    k: int = 5,
    model_params: Mapping[str, Any] | None = None,
    random_state: int | None = None,
) -> dict[str, Any]:
    """Hold out feedback, train, and score the hybrid model beside three references.

    Parameters
    ----------
    scale_scores : ScaleScores
        One row per person.
    rewards : sequence of Reward
        The catalogue; columns of ``true_utility`` and ``ratings.item``.
    roles : sequence of str
        Sales role of each person.
    true_utility : ndarray of shape (n_people, n_rewards)
        What each reward is really worth to each person.
    ratings : Ratings
        Observed feedback.
    flagged : array of bool, optional
        Careless responses (passed to the model as the service would).
    oracle_utility : ndarray of shape (n_people, n_rewards), optional
        Utility without its person-by-reward noise; adds the "oracle" reference.
    cold_fraction : float, default=0.3
        Share of people whose feedback is all held out.
    k : int, default=5
    model_params : mapping, optional
        Keyword arguments for ``MotivoModel``.
    random_state : int or None
        Seeds the split, the random reference and tie-breaking of the naive rule.

    Returns
    -------
    dict
        ``groups[group]["methods"][method]`` holds ``ndcg``, ``precision``, ``coverage``
        and ``diversity``; ``organisation`` holds the hybrid's coverage over everyone and
        the number of constraint violations. See ``render_markdown``.
    """
    rng = np.random.default_rng(random_state)
    index = RewardIndex.from_rewards(rewards)
    n, n_i = true_utility.shape
    if scale_scores.values.shape[0] != n or len(roles) != n or len(index) != n_i:
        raise ValueError("scale_scores, roles, true_utility and rewards do not line up")

    cold = rng.random(n) < cold_fraction
    train = ratings.subset(~cold[ratings.person])
    heldout = len(ratings) - len(train)
    n_train = np.bincount(train.person, minlength=n)
    warm = ~cold & (n_train >= MIN_WARM_RATINGS)

    eligible = index.role_masks(list(roles))
    already = np.zeros((n, n_i), dtype=bool)
    already[train.person, train.item] = True
    allowed = eligible & ~already
    gains = graded_gain(true_utility, allowed)

    params = dict(model_params or {})
    params.setdefault("random_state", random_state)
    model = MotivoModel(**params).fit(scale_scores, train, index, flagged=flagged)
    prior = MotivoModel(**params).fit(scale_scores, Ratings.empty(), index, flagged=flagged)
    ranked = {
        "hybrid": model.recommend_all(k, roles=roles, exclude=already)[0],
        "survey prior": prior.recommend_all(k, roles=roles, exclude=already)[0],
        "naive rule": top_k(
            _naive_scores(scale_scores, index.category) + 1e-6 * rng.random((n, n_i)), allowed, k
        ),
        "popularity": top_k(np.broadcast_to(_popularity(train, n_i), (n, n_i)), allowed, k),
        "random": top_k(rng.random((n, n_i)), allowed, k),
        "survey ceiling": top_k(
            survey_ceiling(scale_scores.values, true_utility, rng.integers(0, 2, size=n)),
            allowed,
            k,
        ),
    }
    if oracle_utility is not None:
        if np.shape(oracle_utility) != (n, n_i):
            raise ValueError("oracle_utility does not line up with true_utility")
        ranked["oracle"] = top_k(np.asarray(oracle_utility, dtype=float), allowed, k)

    category = np.asarray([CATEGORIES.index(c) for c in index.category])
    n_active = int(np.sum(index.active))
    groups: dict[str, Any] = {}
    for name, members in (("cold", cold), ("warm", warm)):
        methods = {}
        for method, idx in ranked.items():
            sub = idx[members]
            methods[method] = {
                "ndcg": float(np.nanmean(ndcg_at_k(sub, gains[members], allowed[members])))
                if members.any()
                else float("nan"),
                "precision": float(
                    np.mean(precision_at_k(sub, true_utility[members], allowed[members]))
                )
                if members.any()
                else float("nan"),
                "coverage": coverage(sub, n_active),
                "diversity": intra_list_diversity(sub, category),
            }
        groups[name] = {"n": int(members.sum()), "methods": methods}

    hybrid = ranked["hybrid"]
    rows = np.nonzero(hybrid >= 0)
    violations = int((~allowed[rows[0], hybrid[rows]]).sum())
    profiles = model.card_["profiles"] or {}
    return {
        "k": k,
        "relevance": "true utility over each person's eligible, unrated rewards (graded 0-4)",
        "n_people": n,
        "n_rewards": n_i,
        "n_train_ratings": len(train),
        "n_heldout_ratings": heldout,
        "groups": groups,
        "organisation": {
            "coverage": coverage(hybrid, n_active),
            "violations": violations,
        },
        "profiles": {
            "n_profiles": profiles.get("n_profiles"),
            "silhouette": profiles.get("silhouette"),
            "entropy": profiles.get("entropy"),
            "weak_structure": profiles.get("weak_structure"),
        },
    }


def targets_met(result: Mapping[str, Any]) -> dict[str, bool]:
    """Check the quality targets on an ``evaluate`` result.

    Cold NDCG at least popularity + .25 and naive rule + .05 (on the profile world these
    references were set for; see ``world_targets_met`` for any world); warm NDCG at least
    cold + .03; no suggestion outside the allowed set; coverage of at least 60%.
    """
    cold = result["groups"]["cold"]["methods"]
    return {
        "cold beats popularity by .25": cold["hybrid"]["ndcg"] >= cold["popularity"]["ndcg"] + 0.25,
        "cold beats naive rule by .05": cold["hybrid"]["ndcg"] >= cold["naive rule"]["ndcg"] + 0.05,
        **world_targets_met(result),
        "coverage at least 60%": result["organisation"]["coverage"] >= 0.60,
    }


def world_targets_met(result: Mapping[str, Any]) -> dict[str, bool]:
    """The targets every simulated world must meet.

    Warm NDCG at least cold + .03 (ratings visibly help); cold NDCG at least 80% of the
    oracle's, when the result has one; no suggestion outside the allowed set.
    """
    cold = result["groups"]["cold"]["methods"]
    warm = result["groups"]["warm"]["methods"]
    met = {"warm beats cold by .03": warm["hybrid"]["ndcg"] >= cold["hybrid"]["ndcg"] + 0.03}
    if "oracle" in cold:
        met["cold at least 80% of the oracle"] = (
            cold["hybrid"]["ndcg"] >= 0.80 * cold["oracle"]["ndcg"]
        )
    met["no ineligible or excluded suggestion"] = result["organisation"]["violations"] == 0
    return met


def render_markdown(result: Mapping[str, Any]) -> str:
    """An ``evaluate`` result as a Markdown table, with a line on how relevance is graded."""
    k = result["k"]
    lines = [
        f"| group | people | method | NDCG@{k} | precision@{k} | coverage | diversity |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for group in GROUPS:
        data = result["groups"][group]
        for method in METHODS:
            if method not in data["methods"]:
                continue
            m = data["methods"][method]
            lines.append(
                f"| {group} | {data['n']} | {method} | {m['ndcg']:.3f} | {m['precision']:.3f} "
                f"| {m['coverage']:.0%} | {m['diversity']:.2f} |"
            )
    org = result["organisation"]
    lines += [
        "",
        f"Relevance: {result['relevance']}. {result['n_people']} people, "
        f"{result['n_rewards']} rewards, {result['n_train_ratings']} training and "
        f"{result['n_heldout_ratings']} held-out ratings.",
        f"Hybrid coverage over the organisation: {org['coverage']:.0%}; "
        f"constraint violations: {org['violations']}.",
    ]
    return "\n".join(lines) + "\n"
