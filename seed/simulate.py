"""A latent-profile simulator of a sales organisation: survey answers, tastes and ratings.

People belong to a few motivation profiles (latent construct means per profile) and carry
latent traits around their profile's means. Survey answers follow those traits through
items with loadings around .7-.85, realistic noise and the item's own response range;
careless respondents straight-line, fail the attention check and rush. Each person's TRUE
utility for each reward comes from their latent preferences x the reward's attributes,
plus a reward-specific quality and tastes the survey does not measure, so the survey is
informative but not the whole story. Ratings are then drawn for rewards a manager would
plausibly have given.

Used by the demo organisation and by the offline evaluation
(``run_simulated_evaluation``). Everything is deterministic for a given ``random_state``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from recommender.catalogue import ALL_ROLES, CATEGORIES, Reward
from recommender.instrument import Instrument

ROLE_SHARES = {
    "presales": 0.15,
    "sdr": 0.25,
    "closer": 0.25,
    "account_manager": 0.2,
    "customer_success": 0.15,
}
LANGUAGE_SHARES = {"nb": 0.65, "en": 0.35}

# How strongly each latent trait pulls each kind of reward, in utility units per SD.
CATEGORY_PULL = 1.0
PUBLIC_PULL = 0.5
TEAM_PULL = 0.5
MASTERY_DEVELOPMENT = 0.3
MASTERY_LONG = 0.15
AUTONOMY_TIME = 0.25
PURPOSE_TEAM = 0.15
# Everyone's taste for some kinds of reward, and for costlier ones.
CATEGORY_APPEAL = {
    "recognition": 0.0,
    "development": 0.05,
    "experience": 0.2,
    "wellness": 0.0,
    "exclusive": -0.1,
    "personal": -0.05,
    "time": 0.25,
}
COST_PULL = 0.12
QUALITY_SD = 0.3
# Spread of people around their profile's means, before standardising the traits.
WITHIN_SD = 0.55
# Tastes the survey does not measure: per-person category and attribute slopes, and
# pure person-by-reward noise.
TASTE_SD = 0.35
NOISE_SD = 0.3

# Short free-text answers, by the reward category a person cares most about.
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "recognition": {
        "en": (
            "A thank-you in front of the team means a lot.",
            "Being seen for the work behind a deal.",
        ),
        "nb": ("Et takk foran teamet betyr mye.", "Å bli sett for arbeidet bak en avtale."),
    },
    "development": {
        "en": (
            "I would love a mentor outside sales.",
            "More courses, please, and time to take them.",
        ),
        "nb": ("Jeg vil gjerne ha en mentor utenfor salg.", "Flere kurs, og tid til å ta dem."),
    },
    "experience": {
        "en": (
            "Something to remember beats another gift card.",
            "A trip with the team would be great.",
        ),
        "nb": ("Noe å huske slår enda et gavekort.", "En tur med teamet hadde vært flott."),
    },
    "wellness": {
        "en": (
            "Help me keep fit through the busy quarters.",
            "A massage after quarter end, ideally.",
        ),
        "nb": (
            "Hjelp meg å holde formen gjennom travle kvartaler.",
            "Gjerne massasje etter kvartalsslutt.",
        ),
    },
    "exclusive": {
        "en": ("Lunch with the CEO would be something.", "Access to the events customers go to."),
        "nb": (
            "Lunsj med toppsjefen hadde vært noe.",
            "Tilgang til arrangementene kundene går på.",
        ),
    },
    "personal": {
        "en": (
            "Something picked for me, not for everyone.",
            "A small gift that shows someone listened.",
        ),
        "nb": (
            "Noe som er valgt til meg, ikke til alle.",
            "En liten gave som viser at noen lyttet.",
        ),
    },
    "time": {
        "en": ("An afternoon off counts more than anything.", "Flexible Fridays would be perfect."),
        "nb": (
            "En fri ettermiddag teller mer enn alt annet.",
            "Fleksible fredager hadde vært perfekt.",
        ),
    },
}


@dataclass
class SimulatedOrganisation:
    """Simulated people: survey answers, roles and latent truth.

    Attributes
    ----------
    answers : list of dict
        One mapping item code -> value per person, ready to store as a response.
    page_seconds : list of dict
        Seconds spent on each page (keys as ``instrument.pages()``), per person.
    roles : list of str
        Sales role of each person.
    languages : list of str
        Language each person answered in ("en" or "nb").
    profiles : ndarray of int, shape (n_people,)
        Latent profile of each person.
    profile_means : ndarray of shape (n_profiles, n_constructs)
        Latent construct means of each profile, in trait SD units.
    constructs : tuple of str
        Construct keys, the columns of ``traits``.
    traits : ndarray of shape (n_people, n_constructs)
        Latent trait values, standardised on the population (mean 0, SD 1).
    careless : ndarray of bool, shape (n_people,)
        Careless respondents (straight-lined, failed attention, rushed).
    reward_ids : tuple of str
        Columns of ``utility``.
    utility : ndarray of shape (n_people, n_rewards)
        True utility of each reward for each person.
    quality : ndarray of shape (n_rewards,)
        The reward-specific part of the utility.
    expected_utility : ndarray of shape (n_people, n_rewards), optional
        ``utility`` without its pure person-by-reward noise (what an oracle that knew
        every trait and taste would expect).
    """

    answers: list[dict[str, object]]
    page_seconds: list[dict[str, float]]
    roles: list[str]
    languages: list[str]
    profiles: np.ndarray
    profile_means: np.ndarray
    constructs: tuple[str, ...]
    traits: np.ndarray
    careless: np.ndarray
    reward_ids: tuple[str, ...]
    utility: np.ndarray
    quality: np.ndarray
    expected_utility: np.ndarray | None = None


@dataclass
class SimulatedRatings:
    """Rewards given and how they were received, as parallel arrays.

    Attributes
    ----------
    person : ndarray of int
        Row in the organisation.
    reward : ndarray of int
        Column in the catalogue (``SimulatedOrganisation.reward_ids``).
    rating : ndarray of float
        1-5, or NaN for a dismissal ("not for me").
    days_ago : ndarray of int
        When the reward was given.
    """

    person: np.ndarray
    reward: np.ndarray
    rating: np.ndarray
    days_ago: np.ndarray

    @property
    def dismissed(self) -> np.ndarray:
        """True where the person dismissed the reward."""
        return np.isnan(self.rating)


def _profile_means(
    rng: np.random.Generator, constructs: Sequence[str], n_profiles: int
) -> np.ndarray:
    """Each profile is high on two or three constructs of its own and low on one or two.

    High constructs are dealt from one shuffled deck, so two profiles share a high
    construct only when there are more profiles than the deck can serve; drawing them
    independently sometimes planted two near-identical profiles, which no clustering can
    (or should) tell apart.
    """
    d = len(constructs)
    means = rng.normal(0.0, 0.25, size=(n_profiles, d))
    deck = rng.permutation(d)
    dealt = 0
    for row in means:
        n_high = int(rng.integers(2, 4))
        high = np.asarray([deck[(dealt + i) % d] for i in range(n_high)])
        dealt += n_high
        others = rng.permutation(np.setdiff1d(np.arange(d), high))
        low = others[: int(rng.integers(1, 3))]
        row[high] = rng.uniform(0.9, 1.4, size=n_high)
        row[low] = rng.uniform(-1.1, -0.7, size=low.size)
    return means


def _discretise(y: np.ndarray, lo: int, hi: int, shift: float, centre: float = 0.58) -> np.ndarray:
    """Map a continuous response onto lo..hi.

    Cut points make the middle and the agreeing side more common than the extremes, as
    in most attitude surveys (on 1-5 about 9/20/29/27/16 per cent). ``centre`` places the
    most common answer (as a share of the range): a bipolar item, whose two ends are both
    things people might want, has no agreeing side and is centred at 0.5.
    """
    levels = hi - lo + 1
    weights = np.exp(-0.5 * ((np.arange(levels) - centre * (levels - 1)) / (0.3 * levels)) ** 2)
    cuts = ndtri(np.cumsum(weights / weights.sum())[:-1]) + shift
    return lo + (y[..., None] > cuts).sum(axis=-1)


def _reward_attributes(rewards: Sequence[Reward]) -> dict[str, np.ndarray]:
    return {
        "category": np.asarray([CATEGORIES.index(r.category) for r in rewards]),
        "public": np.asarray([1.0 if r.visibility == "public" else -1.0 for r in rewards]),
        "team": np.asarray([1.0 if r.scope == "team" else -1.0 for r in rewards]),
        "long": np.asarray([1.0 if r.horizon == "long" else -1.0 for r in rewards]),
        "cost": np.asarray([(r.cost_band - 2.5) / 1.5 for r in rewards]),
    }


def _true_utility(
    rng: np.random.Generator,
    traits: np.ndarray,
    constructs: Sequence[str],
    rewards: Sequence[Reward],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = traits.shape[0]
    col = {key: j for j, key in enumerate(constructs)}

    def trait(key: str) -> np.ndarray:
        return traits[:, col[key]] if key in col else np.zeros(n)

    attrs = _reward_attributes(rewards)
    cat = attrs["category"]
    onehot = np.eye(len(CATEGORIES))[cat]
    cat_traits = np.stack([trait(f"pref_{c}") for c in CATEGORIES], axis=1)
    # Tastes nobody asked about: category and attribute slopes of each person.
    cat_taste = rng.normal(0.0, TASTE_SD, size=(n, len(CATEGORIES)))
    attr_taste = rng.normal(0.0, TASTE_SD, size=(n, 3))
    quality = rng.normal(0.0, QUALITY_SD, size=len(rewards))
    appeal = np.asarray([CATEGORY_APPEAL[c] for c in CATEGORIES])[cat]

    utility = (CATEGORY_PULL * cat_traits + cat_taste) @ onehot.T
    utility += np.outer(PUBLIC_PULL * trait("pref_public") + attr_taste[:, 0], attrs["public"])
    utility += np.outer(
        TEAM_PULL * trait("pref_team") + PURPOSE_TEAM * trait("purpose") + attr_taste[:, 1],
        attrs["team"],
    )
    utility += np.outer(MASTERY_LONG * trait("mastery") + attr_taste[:, 2], attrs["long"])
    utility += np.outer(
        MASTERY_DEVELOPMENT * trait("mastery"), onehot[:, CATEGORIES.index("development")]
    )
    utility += np.outer(AUTONOMY_TIME * trait("autonomy"), onehot[:, CATEGORIES.index("time")])
    utility += quality + appeal + COST_PULL * attrs["cost"]
    expected = utility.copy()
    utility += rng.normal(0.0, NOISE_SD, size=utility.shape)
    return utility, quality, expected


def simulate_organisation(
    instrument: Instrument,
    rewards: Sequence[Reward],
    n_people: int,
    *,
    random_state: int | None,
    roles: Sequence[str] | None = None,
    n_profiles: int = 4,
    careless_rate: float = 0.03,
    missing_rate: float = 0.01,
    text_rate: float = 0.35,
) -> SimulatedOrganisation:
    """Simulate people, their survey answers and their true taste for every reward.

    Parameters
    ----------
    instrument : Instrument
        The survey they answer.
    rewards : sequence of Reward
        The catalogue (defines the columns of ``utility``).
    n_people : int
    random_state : int or None
    roles : sequence of str, optional
        Sales role of each person; drawn from realistic shares when omitted.
    n_profiles : int, default=4
        Number of latent motivation profiles (1 gives no profile structure at all).
    careless_rate : float, default=0.03
        Share of careless respondents.
    missing_rate : float, default=0.01
        Chance that an attentive respondent skips a likert item.
    text_rate : float, default=0.35
        Chance that an attentive respondent answers a free-text item.

    Returns
    -------
    SimulatedOrganisation
    """
    rng = np.random.default_rng(random_state)
    if roles is not None and len(roles) != n_people:
        raise ValueError(f"roles has {len(roles)} entries for {n_people} people")
    constructs = tuple(c.key for c in instrument.constructs)
    d = len(constructs)

    means = _profile_means(rng, constructs, n_profiles)
    shares = rng.dirichlet(np.full(n_profiles, 6.0))
    # Traits are centred on the population; shared tastes come from CATEGORY_APPEAL.
    means -= shares @ means
    profile = rng.choice(n_profiles, size=n_people, p=shares)
    # Standardise with the population variance (between + within profiles), so that the
    # item loadings below are standardised loadings and utility pulls are per SD.
    spread = np.sqrt(shares @ means**2 + WITHIN_SD**2)
    means = means / spread
    traits = means[profile] + rng.normal(0.0, 1.0, size=(n_people, d)) * (WITHIN_SD / spread)
    careless = rng.random(n_people) < careless_rate
    if roles is None:
        roles = list(rng.choice(list(ROLE_SHARES), size=n_people, p=list(ROLE_SHARES.values())))
    roles = [str(r) for r in roles]
    languages = [
        str(x)
        for x in rng.choice(list(LANGUAGE_SHARES), size=n_people, p=list(LANGUAGE_SHARES.values()))
    ]

    answers: list[dict[str, object]] = [{} for _ in range(n_people)]
    col = {key: j for j, key in enumerate(constructs)}
    for item in instrument.likert_items():
        loading = rng.uniform(0.7, 0.85)
        theta = traits[:, col[item.construct]] if item.construct in col else np.zeros(n_people)
        # Traits have unit variance, so this response has unit variance as well.
        y = loading * (-theta if item.reverse else theta) + np.sqrt(1 - loading**2) * rng.normal(
            size=n_people
        )
        centre = 0.5 if item.poles else 0.58
        values = _discretise(y, item.min, item.max, shift=rng.normal(0.0, 0.15), centre=centre)
        skipped = rng.random(n_people) < missing_rate
        for person in range(n_people):
            if not skipped[person]:
                answers[person][item.code] = int(values[person])

    # Careless respondents answer every likert item the same way.
    for person in np.flatnonzero(careless):
        level = int(rng.integers(0, 5))
        for item in instrument.likert_items():
            answers[person][item.code] = int(min(item.min + level, item.max))

    for item in instrument.items:
        if item.type == "attention":
            for person in range(n_people):
                if careless[person]:
                    wrong = [v for v in range(item.min, item.max + 1) if v != item.expected]
                    answers[person][item.code] = int(rng.choice(wrong))
                else:
                    answers[person][item.code] = int(item.expected)
        elif item.type == "ranking":
            options = item.options
            latent = np.stack(
                [
                    traits[:, col[o.construct]] if o.construct in col else np.zeros(n_people)
                    for o in options
                ],
                axis=1,
            )
            noisy = latent + rng.normal(0.0, 0.5, size=latent.shape)
            noisy[careless] = rng.random((int(careless.sum()), len(options)))
            order = np.argsort(-noisy, axis=1)
            for person in range(n_people):
                answers[person][item.code] = [options[j].code for j in order[person]]
        elif item.type == "best_worst":
            _best_worst(rng, item, answers, traits, col, careless)
        elif item.type == "text":
            _free_text(rng, item.code, answers, traits, constructs, careless, languages, text_rate)

    page_seconds = _page_seconds(rng, instrument, answers, careless)
    utility, quality, expected = _true_utility(rng, traits, constructs, rewards)
    return SimulatedOrganisation(
        answers=answers,
        page_seconds=page_seconds,
        roles=roles,
        languages=languages,
        profiles=profile,
        profile_means=means,
        constructs=constructs,
        traits=traits,
        careless=careless,
        reward_ids=tuple(r.id for r in rewards),
        utility=utility,
        quality=quality,
        expected_utility=expected,
    )


def _best_worst(rng, item, answers, traits, col, careless) -> None:
    """Most and least wanted option of one task: the person's traits for the options'
    constructs plus noise as large as the ranking item's; careless people pick at random."""
    n_people = len(answers)
    latent = np.stack(
        [
            traits[:, col[o.construct]] if o.construct in col else np.zeros(n_people)
            for o in item.options
        ],
        axis=1,
    )
    noisy = latent + rng.normal(0.0, 0.5, size=latent.shape)
    noisy[careless] = rng.random((int(careless.sum()), len(item.options)))
    best, worst = noisy.argmax(axis=1), noisy.argmin(axis=1)
    for person in range(n_people):
        pair = [item.options[best[person]].code, item.options[worst[person]].code]
        answers[person][item.code] = pair


def _free_text(rng, code, answers, traits, constructs, careless, languages, rate) -> None:
    col = {key: j for j, key in enumerate(constructs)}
    cats = [c for c in CATEGORIES if f"pref_{c}" in col]
    if not cats:
        return
    prefs = traits[:, [col[f"pref_{c}"] for c in cats]]
    for person in range(len(answers)):
        if careless[person] or rng.random() >= rate:
            continue
        top = cats[int(prefs[person].argmax())]
        bank = PHRASES[top][languages[person]]
        answers[person][code] = str(bank[int(rng.integers(len(bank)))])


def _page_seconds(rng, instrument, answers, careless) -> list[dict[str, float]]:
    pages = instrument.pages()
    out = []
    for person, response in enumerate(answers):
        pace = 0.8 if careless[person] else rng.lognormal(np.log(5.5), 0.3)
        seconds = {}
        for key, items in pages:
            total = 0.0
            for item in items:
                if item.type == "text":
                    total += 25.0 * rng.lognormal(0, 0.4) if response.get(item.code) else 2.0
                elif item.type == "ranking":
                    total += pace * len(item.options) * rng.lognormal(0, 0.2)
                elif item.type == "best_worst":
                    # Two choices among a few options: about twice a likert item.
                    total += 2.0 * pace * rng.lognormal(0, 0.2)
                else:
                    total += pace * rng.lognormal(0, 0.25)
            seconds[key] = round(float(total), 1)
        out.append(seconds)
    return out


def eligible_mask(rewards: Sequence[Reward], roles: Sequence[str]) -> np.ndarray:
    """Which rewards each person may get (role and active), shape (n_people, n_rewards)."""
    active = np.asarray([r.active for r in rewards], dtype=bool)
    by_role = {
        role: active & np.asarray([ALL_ROLES in r.roles or role in r.roles for r in rewards])
        for role in set(roles)
    }
    if not roles:
        return np.zeros((0, len(rewards)), dtype=bool)
    return np.stack([by_role[role] for role in roles])


def top_choices(
    keys: np.ndarray, eligible: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's ``counts[p]`` eligible rewards with the highest ``keys`` (what their
    manager would give them): parallel arrays of person rows and reward columns."""
    order = np.argsort(-keys, axis=1)
    person, reward = [], []
    for p in range(keys.shape[0]):
        take = min(int(counts[p]), int(eligible[p].sum()))
        person.extend([p] * take)
        reward.extend(order[p, :take].tolist())
    return np.asarray(person, dtype=np.int64), np.asarray(reward, dtype=np.int64)


def simulate_ratings(
    org: SimulatedOrganisation,
    rewards: Sequence[Reward],
    *,
    n_per_person: int | Sequence[int] | None = None,
    mean_per_person: float = 4.0,
    random_state: int | None,
    manager_insight: float = 0.6,
) -> SimulatedRatings:
    """Draw rewards managers gave and the ratings they got.

    Managers know their reps a little: a reward is given with a probability that rises
    with a noisy view of its true utility (a Gumbel top-k draw), never twice to the same
    person and only within the person's role. The rating is the true utility plus noise,
    on 1-5; a reward that really misses is sometimes dismissed ("not for me").

    Parameters
    ----------
    org : SimulatedOrganisation
    rewards : sequence of Reward
        The catalogue ``org`` was simulated with.
    n_per_person : int or sequence of int, optional
        Rewards given to each person; Poisson(``mean_per_person``) draws when omitted.
    mean_per_person : float, default=4.0
    random_state : int or None
    manager_insight : float, default=0.6
        How much managers' choices follow true utility (0 = at random).

    Returns
    -------
    SimulatedRatings
    """
    rng = np.random.default_rng(random_state)
    n = len(org.roles)
    if n_per_person is None:
        counts = rng.poisson(mean_per_person, size=n)
    else:
        counts = np.broadcast_to(np.asarray(n_per_person, dtype=int), (n,)).copy()
    eligible = eligible_mask(rewards, org.roles)
    seen = org.utility + rng.normal(0.0, 0.8, size=org.utility.shape)
    keys = manager_insight * seen + rng.gumbel(size=seen.shape)
    keys[~eligible] = -np.inf
    person_arr, reward_arr = top_choices(keys, eligible, counts)
    felt = org.utility[person_arr, reward_arr] + rng.normal(0.0, 0.55, size=person_arr.size)
    rating = np.clip(np.round(3.1 + 0.9 * felt), 1, 5).astype(float)
    dismissed = (felt < -1.2) & (rng.random(person_arr.size) < 0.5)
    rating[dismissed] = np.nan
    days = rng.integers(1, 365, size=person_arr.size)
    return SimulatedRatings(person_arr, reward_arr, rating, days)


def run_simulated_evaluation(
    instrument: Instrument,
    rewards: Sequence[Reward],
    n_people: int = 800,
    *,
    random_state: int = 0,
    mean_per_person: float = 4.0,
    model_params: Mapping[str, object] | None = None,
    **evaluate_kwargs: object,
) -> dict:
    """Simulate an organisation and evaluate the recommender on it.

    Responses flagged by ``recommender.quality.quality_flags`` are treated as the service
    would treat them. Returns ``recommender.evaluate.evaluate``'s result.
    """
    from recommender.evaluate import evaluate
    from recommender.quality import quality_flags
    from recommender.ratings import Ratings
    from recommender.scoring import score_responses

    org = simulate_organisation(instrument, rewards, n_people, random_state=random_state)
    sim = simulate_ratings(
        org, rewards, mean_per_person=mean_per_person, random_state=random_state + 1
    )
    scores = score_responses(instrument, org.answers)
    flags = quality_flags(instrument, org.answers, org.page_seconds)
    flagged = np.asarray([bool(f) for f in flags])
    return evaluate(
        scores,
        rewards,
        org.roles,
        org.utility,
        Ratings(sim.person, sim.reward, sim.rating),
        flagged=flagged,
        oracle_utility=org.expected_utility,
        model_params=model_params,
        random_state=random_state,
        **evaluate_kwargs,
    )
