"""A second simulated world, built on different assumptions from ``seed/simulate.py``.

``simulate.py`` plants a few latent motivation profiles and answers items through a
thresholded normal response. Here there are no profiles at all:

* every person has a vector of tastes drawn from one correlated normal distribution:
  a taste for each reward category, for public (versus private) rewards, for team (versus
  individual) rewards, plus the three motivation constructs, which lean on some tastes;
* what the survey can see is a *stated* taste, which tracks the real taste only in part
  (people do not fully know what they would enjoy); items answer the stated taste
  through a graded-response (logistic) model with item discriminations and thresholds;
* the TRUE utility is additive: category taste + visibility taste x visibility + scope
  taste x scope + the reward's own quality + person-by-reward noise;
* managers pick rewards almost at random (weak insight), and warm reps rate only a few
  (3-6), on a coarse and noisy 1-5 scale.

``oracle_utility`` is what a ranker that knew every person's real tastes and every
reward's quality (but not the person-by-reward noise) would expect: the reference the
offline evaluation uses for the best a model could do on this world.

Everything is deterministic for a given ``random_state``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.catalogue import ALL_ROLES, CATEGORIES, Reward
from recommender.instrument import Instrument
from seed.simulate import top_choices

ROLES = ("presales", "sdr", "closer", "account_manager", "customer_success")
TASTES = (*(f"cat_{c}" for c in CATEGORIES), "public", "team", "autonomy", "mastery", "purpose")
"""Columns of the taste matrix: real tastes, in utility units for the first nine."""

CATEGORY_TASTE_SD = 0.8
VISIBILITY_TASTE_SD = 0.45
SCOPE_TASTE_SD = 0.45
QUALITY_SD = 0.35
NOISE_SD = 0.45
STATED_CORRELATION = 0.8
"""How closely the taste a person states (and the survey measures) tracks the real one."""
CARELESS_RATE = 0.02
MISSING_RATE = 0.02

# Survey constructs measured by each taste column (the stated version of the taste).
_CONSTRUCT_OF_TASTE = {
    **{f"cat_{c}": f"pref_{c}" for c in CATEGORIES},
    "public": "pref_public",
    "team": "pref_team",
    "autonomy": "autonomy",
    "mastery": "mastery",
    "purpose": "purpose",
}
# Motivation constructs lean on some tastes (correlations in the taste distribution).
_LEANS = (
    ("autonomy", "cat_time", 0.35),
    ("mastery", "cat_development", 0.4),
    ("purpose", "team", 0.3),
    ("cat_exclusive", "public", 0.25),
    ("cat_recognition", "public", 0.3),
)


@dataclass
class AdditiveWorld:
    """People of the additive world: answers, roles, tastes and utilities.

    Attributes
    ----------
    answers : list of dict
        One mapping item code -> value per person.
    page_seconds : list of dict
        Seconds per page (keys as ``instrument.pages()``).
    roles : list of str
    tastes : ndarray of shape (n_people, len(TASTES))
        Real tastes.
    careless : ndarray of bool
    utility : ndarray of shape (n_people, n_rewards)
        True utility, with person-by-reward noise.
    oracle_utility : ndarray of shape (n_people, n_rewards)
        Utility without the person-by-reward noise.
    """

    answers: list[dict[str, object]]
    page_seconds: list[dict[str, float]]
    roles: list[str]
    tastes: np.ndarray
    careless: np.ndarray
    utility: np.ndarray
    oracle_utility: np.ndarray


def _taste_covariance() -> np.ndarray:
    d = len(TASTES)
    col = {t: j for j, t in enumerate(TASTES)}
    corr = np.eye(d)
    for a, b, r in _LEANS:
        corr[col[a], col[b]] = corr[col[b], col[a]] = r
    sd = np.ones(d)
    sd[: len(CATEGORIES)] = CATEGORY_TASTE_SD
    sd[col["public"]] = VISIBILITY_TASTE_SD
    sd[col["team"]] = SCOPE_TASTE_SD
    return corr * np.outer(sd, sd)


def _graded_response(rng: np.random.Generator, theta: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Samejima's graded response model: P(Y >= k) = logistic(a * (theta - b_k))."""
    levels = hi - lo + 1
    a = rng.uniform(1.3, 2.4)
    # Thresholds spread around a slightly negative centre: agreeing is easier.
    centre = rng.normal(-0.3, 0.25)
    b = np.sort(centre + np.linspace(-1.6, 1.4, levels - 1) + rng.normal(0, 0.1, levels - 1))
    p_at_least = 1.0 / (1.0 + np.exp(-a * (theta[:, None] - b[None, :])))
    u = rng.random(theta.size)
    return lo + (u[:, None] < p_at_least).sum(axis=1)


def simulate_additive_world(
    instrument: Instrument,
    rewards: Sequence[Reward],
    n_people: int,
    *,
    random_state: int | None,
) -> AdditiveWorld:
    """Simulate people, their survey answers and the additive utility of every reward."""
    rng = np.random.default_rng(random_state)
    col = {t: j for j, t in enumerate(TASTES)}
    cov = _taste_covariance()
    # Cholesky, not numpy's default SVD: the factor is unique, so every machine draws the
    # same people from a seed (an SVD's signs and order depend on the LAPACK build and CPU).
    tastes = rng.multivariate_normal(np.zeros(len(TASTES)), cov, size=n_people, method="cholesky")
    sd = np.sqrt(np.diag(cov))
    z = tastes / sd
    # The stated taste the survey reaches: the real one blurred by what people do not
    # know about themselves, in standard units.
    stated = STATED_CORRELATION * z + np.sqrt(1 - STATED_CORRELATION**2) * rng.normal(size=z.shape)
    construct_col = {c: col[t] for t, c in _CONSTRUCT_OF_TASTE.items()}
    careless = rng.random(n_people) < CARELESS_RATE
    roles = [str(r) for r in rng.choice(ROLES, size=n_people)]

    answers: list[dict[str, object]] = [{} for _ in range(n_people)]
    for item in instrument.likert_items():
        j = construct_col.get(item.construct)
        theta = stated[:, j] if j is not None else rng.normal(size=n_people)
        values = _graded_response(rng, -theta if item.reverse else theta, item.min, item.max)
        # Careless respondents answer at random rather than along a trait.
        values = np.where(careless, rng.integers(item.min, item.max + 1, n_people), values)
        missing = rng.random(n_people) < MISSING_RATE
        for person in range(n_people):
            if not missing[person]:
                answers[person][item.code] = int(values[person])

    def choice_keys(item):
        # Stated taste plus Gumbel noise per option: a Plackett-Luce order or max-diff choice.
        return np.stack(
            [
                stated[:, construct_col[o.construct]]
                if o.construct in construct_col
                else np.zeros(n_people)
                for o in item.options
            ],
            axis=1,
        ) + rng.gumbel(scale=0.6, size=(n_people, len(item.options)))

    for item in instrument.items:
        if item.type == "attention":
            for person in range(n_people):
                answers[person][item.code] = (
                    int(rng.integers(item.min, item.max + 1))
                    if careless[person]
                    else int(item.expected)
                )
        elif item.type == "ranking":
            # Plackett-Luce: order by stated taste plus Gumbel noise.
            keys = choice_keys(item)
            order = np.argsort(-keys, axis=1)
            for person in range(n_people):
                answers[person][item.code] = [item.options[j].code for j in order[person]]
        elif item.type == "best_worst":
            # Most and least wanted of the task's options, by stated taste plus the same
            # Gumbel noise as the ranking (a max-diff choice); careless people at random.
            keys = choice_keys(item)
            keys[careless] = rng.random((int(careless.sum()), len(item.options)))
            best, worst = keys.argmax(axis=1), keys.argmin(axis=1)
            for person in range(n_people):
                answers[person][item.code] = [
                    item.options[best[person]].code,
                    item.options[worst[person]].code,
                ]
    page_seconds = []
    for person in range(n_people):
        pace = 1.0 if careless[person] else rng.gamma(9.0, 0.6)
        page_seconds.append(
            {
                key: round(float(sum(pace * rng.gamma(4.0, 0.25) for _ in items)), 1)
                for key, items in instrument.pages()
            }
        )

    cat = np.asarray([CATEGORIES.index(r.category) for r in rewards])
    public = np.asarray([1.0 if r.visibility == "public" else -1.0 for r in rewards])
    team = np.asarray([1.0 if r.scope == "team" else -1.0 for r in rewards])
    quality = rng.normal(0.0, QUALITY_SD, size=len(rewards))
    oracle = (
        tastes[:, cat]
        + np.outer(tastes[:, col["public"]], public)
        + np.outer(tastes[:, col["team"]], team)
        + quality
    )
    utility = oracle + rng.normal(0.0, NOISE_SD, size=oracle.shape)
    return AdditiveWorld(answers, page_seconds, roles, tastes, careless, utility, oracle)


def additive_ratings(
    world: AdditiveWorld,
    rewards: Sequence[Reward],
    *,
    random_state: int | None,
    warm_share: float = 0.6,
    manager_insight: float = 0.3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rewards given and their ratings: ``(person, reward, rating)``, NaN = dismissed.

    A share ``warm_share`` of people got 3-6 rewards, the others 0-2. Managers pick with
    weak insight (a softmax of ``manager_insight`` x utility); a rating is the utility
    on a coarse 1-5 scale with noise, and a clear miss is sometimes dismissed.
    """
    rng = np.random.default_rng(random_state)
    n, n_i = world.utility.shape
    active = np.asarray([r.active for r in rewards], dtype=bool)
    eligible = (
        np.stack(
            [
                active & np.asarray([ALL_ROLES in r.roles or role in r.roles for r in rewards])
                for role in world.roles
            ]
        )
        if n
        else np.zeros((0, n_i), dtype=bool)
    )
    counts = np.where(
        rng.random(n) < warm_share, rng.integers(3, 7, size=n), rng.integers(0, 3, size=n)
    )
    keys = manager_insight * world.utility + rng.gumbel(size=(n, n_i))
    keys[~eligible] = -np.inf
    # How managers' picks become given rewards is shared with the first world; what differs
    # is everything that makes the keys and the ratings.
    person_arr, reward_arr = top_choices(keys, eligible, counts)
    u = world.utility[person_arr, reward_arr]
    centre, spread = world.utility.mean(), world.utility.std()
    felt = (u - centre) / spread + rng.normal(0.0, 0.6, size=u.size)
    rating = np.clip(np.round(3.2 + 1.1 * felt), 1, 5).astype(float)
    dismissed = (felt < -1.5) & (rng.random(u.size) < 0.4)
    rating[dismissed] = np.nan
    return person_arr, reward_arr, rating


def run_additive_evaluation(
    instrument: Instrument,
    rewards: Sequence[Reward],
    n_people: int = 800,
    *,
    random_state: int = 0,
    model_params: Mapping[str, object] | None = None,
    **evaluate_kwargs: object,
) -> dict:
    """Simulate the additive world and evaluate the recommender on it (with the oracle)."""
    from recommender.evaluate import evaluate
    from recommender.quality import quality_flags
    from recommender.ratings import Ratings
    from recommender.scoring import score_responses

    world = simulate_additive_world(instrument, rewards, n_people, random_state=random_state)
    person, reward, rating = additive_ratings(world, rewards, random_state=random_state + 1)
    scores = score_responses(instrument, world.answers)
    flags = quality_flags(instrument, world.answers, world.page_seconds)
    flagged = np.asarray([bool(f) for f in flags])
    return evaluate(
        scores,
        rewards,
        world.roles,
        world.utility,
        Ratings(person, reward, rating),
        flagged=flagged,
        oracle_utility=world.oracle_utility,
        model_params=model_params,
        random_state=random_state,
        **evaluate_kwargs,
    )
