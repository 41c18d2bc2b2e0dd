"""Why a reward was suggested: structured reasons from the score's additive parts.

``HybridRanker`` predicts a rating as a sum of named terms. ``explain_item`` splits one
reward's score into those terms, merges terms that tell the same story (for example the
pull of a category preference through its scale score), and keeps the two or three
largest positive ones above a threshold. A reason is a code plus JSON-able parameters;
``render`` turns it into a sentence in English or Norwegian. Nothing is cited that did not
add to the score, and rating summaries of fewer than ``min_group_size`` people are never
cited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from recommender.catalogue import CATEGORIES
from recommender.profiles import construct_label

if TYPE_CHECKING:
    from recommender.ranker import HybridRanker

LANGUAGES = ("en", "nb")

BASELINE = "baseline"
"""Name of the constant person feature; its weights are attribute main effects."""

RANK_PREFIX = "rank:"
"""Prefix of rank-score features: ``rank:<construct>``."""

REASON_CODES = (
    "preference",  # a high reward-preference scale score for this reward's category
    "ranking",  # the category's place in the survey's ranking item
    "visibility",  # a preference for public (or private) recognition
    "scope",  # a preference for team (or individual) rewards
    "motivation",  # a high autonomy / mastery / purpose score that fits the reward
    "survey",  # any other survey answer the learned weights link to the reward
    "type_liked",  # rewards with these attributes are rated well by everyone
    "rated_well",  # colleagues rated this reward well (beyond what the survey predicts)
    "similar_profile",  # reps of the same profile rated it well
    "own_ratings",  # the person's own earlier ratings of similar rewards
)

# Category names as they read in a sentence addressed to the rep.
CATEGORY_PHRASES: dict[str, dict[str, str]] = {
    "recognition": {"en": "recognition", "nb": "anerkjennelse"},
    "development": {"en": "growth and mentoring", "nb": "utvikling og mentorering"},
    "experience": {"en": "experiences", "nb": "opplevelser"},
    "wellness": {"en": "health and wellness", "nb": "helse og velvære"},
    "exclusive": {"en": "exclusive access", "nb": "eksklusiv tilgang"},
    "personal": {"en": "personal gifts", "nb": "personlige gaver"},
    "time": {"en": "time off and flexibility", "nb": "fri og fleksibilitet"},
}

_MOTIVATION_TEXT = {
    "autonomy": {
        "en": "Freedom to decide how you work matters to you",
        "nb": "Frihet til å bestemme hvordan du jobber, betyr mye for deg",
    },
    "mastery": {
        "en": "Getting better at what you do matters to you",
        "nb": "Det betyr mye for deg å bli bedre i det du gjør",
    },
    "purpose": {
        "en": "Work that matters to others is important to you",
        "nb": "Arbeid som betyr noe for andre, er viktig for deg",
    },
}

# The sides of a two-valued attribute (+1 side first) and how rewards on each side are
# called in a sentence.
_ATTRIBUTE_SIDES = {
    "visibility": (
        ("public", "private"),
        {
            "en": ("public rewards", "private rewards"),
            "nb": ("synlige belønninger", "private belønninger"),
        },
    ),
    "scope": (
        ("team", "individual"),
        {
            "en": ("team rewards", "individual rewards"),
            "nb": ("teambelønninger", "individuelle belønninger"),
        },
    ),
    "horizon": (
        ("long", "short"),
        {
            "en": ("long-term rewards", "quick rewards"),
            "nb": ("langsiktige belønninger", "raske belønninger"),
        },
    ),
    "cost_band": (
        ("higher", "lower"),
        {
            "en": ("bigger rewards", "smaller rewards"),
            "nb": ("større belønninger", "mindre belønninger"),
        },
    ),
}

_EN_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


@dataclass(frozen=True)
class Reason:
    """One cause of a score: a code from ``REASON_CODES``, its parameters, its size.

    ``contribution`` is in rating points (how much this part added to the prediction).
    """

    code: str
    params: dict[str, object] = field(default_factory=dict)
    contribution: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {"code": self.code, "params": dict(self.params), "contribution": self.contribution}


@dataclass(frozen=True)
class Explanation:
    """Reasons for one suggestion, largest first.

    ``promoted_for_variety`` is true when diversification picked this reward over a
    reward with a higher predicted rating.
    """

    item: int
    score: float
    reasons: tuple[Reason, ...]
    promoted_for_variety: bool = False

    def texts(self, lang: str = "en") -> list[str]:
        """The reasons as sentences."""
        out = [render(reason, lang) for reason in self.reasons]
        if self.promoted_for_variety:
            out.append(
                "Added to vary your suggestions"
                if lang != "nb"
                else "Tatt med for å gi deg variasjon"
            )
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {
            "item": self.item,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "promoted_for_variety": self.promoted_for_variety,
        }


def _number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nb" else text


def _category(category: str, lang: str) -> str:
    entry = CATEGORY_PHRASES.get(category, {"en": category})
    return entry.get(lang, entry["en"])


def _label(construct: str, lang: str) -> str:
    label = construct_label(construct, lang)
    return label[:1].lower() + label[1:]


def render(reason: Reason, lang: str = "en") -> str:
    """A reason as one plain sentence in ``lang`` ("en" or "nb"; others fall back to en)."""
    nb = lang == "nb"
    p = reason.params
    code = reason.code
    if code == "preference":
        cat = _category(str(p["category"]), lang)
        return (
            f"Du ga {cat} høy score i undersøkelsen"
            if nb
            else f"You rated {cat} highly in the survey"
        )
    if code == "ranking":
        cat = _category(str(p["category"]), lang)
        pos, n = int(p["position"]), int(p["n_options"])
        if pos == 1:
            return (
                f"Du rangerte {cat} høyest av alle belønningstyper"
                if nb
                else f"You ranked {cat} highest of all reward types"
            )
        if nb:
            return f"Du rangerte {cat} som nummer {pos} av {n} belønningstyper"
        ordinal = _EN_ORDINALS[pos - 1] if pos <= len(_EN_ORDINALS) else f"number {pos}"
        return f"You ranked {cat} {ordinal} of {n} reward types"
    if code == "visibility":
        if p["prefers"] == "public":
            return (
                "Du foretrekker anerkjennelse som andre ser"
                if nb
                else "You prefer public recognition"
            )
        return (
            "Du foretrekker anerkjennelse i det stille" if nb else "You prefer private recognition"
        )
    if code == "scope":
        if p["prefers"] == "team":
            return (
                "Du foretrekker belønninger du deler med teamet"
                if nb
                else "You prefer rewards you share with your team"
            )
        return (
            "Du foretrekker belønninger bare for deg" if nb else "You prefer rewards just for you"
        )
    if code == "motivation":
        texts = _MOTIVATION_TEXT.get(str(p["construct"]))
        if texts:
            return texts["nb" if nb else "en"]
        phrase = _label(str(p["construct"]), lang)
        return f"Du la vekt på {phrase}" if nb else f"You put weight on {phrase}"
    if code == "survey":
        phrase = _label(str(p["construct"]).removeprefix(RANK_PREFIX), lang)
        return (
            f"Svarene dine om {phrase} peker mot denne belønningen"
            if nb
            else f"Your survey answers on {phrase} point to this reward"
        )
    if code == "type_liked":
        return (
            "Belønninger som denne får gode vurderinger i hele organisasjonen"
            if nb
            else "Rewards like this are rated well across the organisation"
        )
    if code in ("rated_well", "similar_profile"):
        mean, n = _number(float(p["mean"]), lang), int(p["n"])
        if code == "rated_well":
            return (
                f"Kolleger ga denne {mean} av 5 ({n} vurderinger)"
                if nb
                else (f"Colleagues rated this {mean} of 5 ({n} ratings)")
            )
        return (
            f"Selgere med en lignende profil ga denne {mean} av 5 ({n} vurderinger)"
            if nb
            else (f"Reps with a similar profile rated this {mean} of 5 ({n} ratings)")
        )
    if code == "own_ratings":
        if "category" in p:
            what = _category(str(p["category"]), lang)
        else:
            sides, words = _ATTRIBUTE_SIDES[str(p["attribute"])]
            what = words["nb" if nb else "en"][sides.index(str(p["side"]))]
        return (
            f"Du har tidligere vurdert {what} høyt" if nb else f"You have rated {what} well before"
        )
    raise ValueError(f"unknown reason code: {code}")


def explain_item(
    ranker: HybridRanker,
    x: np.ndarray,
    u: np.ndarray,
    profile: int,
    item: int,
    *,
    person_bias: float = 0.0,
    promoted: bool = False,
) -> Explanation:
    """Explain one reward's score for one person of a fitted ``HybridRanker``.

    Parameters
    ----------
    ranker : HybridRanker
        Fitted ranker.
    x : ndarray of shape (n_features,)
        The person's survey features.
    u : ndarray of shape (n_attributes,)
        The person's learned attribute tastes (zeros for someone without ratings).
    profile : int
        The person's profile, -1 for none.
    item : int
        Reward column.
    person_bias : float, default=0.0
        The person's rating generosity (part of the score, never a reason: it is the
        same for every reward).
    promoted : bool, default=False
        Whether diversification promoted the reward.

    Returns
    -------
    Explanation
    """
    parts = contributions(ranker, x, u, profile, item)
    chosen = []
    for reason in sorted(parts, key=lambda r: -r.contribution):
        if len(chosen) >= ranker.max_reasons or reason.contribution <= ranker.reason_threshold:
            break
        if reason.params.get("shareable", True) is False:
            continue
        params = {k: v for k, v in reason.params.items() if k != "shareable"}
        chosen.append(Reason(reason.code, params, round(reason.contribution, 4)))
    score = _score(ranker, x, u, profile, item) + float(person_bias)
    return Explanation(int(item), score, tuple(chosen), promoted)


def _score(ranker: HybridRanker, x, u, profile: int, item: int) -> float:
    a = ranker.item_attributes_[item]
    s = ranker.mu_ + ranker.item_bias_[item] + (x @ ranker.weights_ + u) @ a
    if profile >= 0 and ranker.profile_effects_.shape[0]:
        s += ranker.profile_effects_[profile, item]
    return float(s)


def contributions(
    ranker: HybridRanker, x: np.ndarray, u: np.ndarray, profile: int, item: int
) -> list[Reason]:
    """Every additive part of one score that can differ between rewards, merged by reason.

    The contributions sum to the score minus the global mean and the person's bias. A
    ``shareable`` parameter of False marks a rating summary that may not be cited (too
    few people, or a mean below the overall mean).
    """
    features = ranker.feature_names_
    attributes = ranker.attribute_names_
    a = ranker.item_attributes_[item]
    W, W0 = ranker.weights_, ranker.prior_weights_
    n_rank = sum(f.startswith(RANK_PREFIX) for f in features)
    merged: dict[tuple, float] = {}

    def add(code: str, params: dict[str, object], value: float) -> None:
        key = (code, tuple(sorted(params.items())))
        merged[key] = merged.get(key, 0.0) + float(value)

    # Feature-by-attribute terms. Pairs the prior links get their own story when the
    # learned weight still points the prior's way; the rest of a feature's pull is summed
    # into one neutral "survey" reason (or "type_liked" for the constant feature).
    terms = x[:, None] * W * a[None, :]
    rest = terms.sum(axis=1)
    for f_idx, a_idx in zip(*np.nonzero((W0 != 0) & (terms != 0)), strict=True):
        code, params = _interaction_reason(
            features[f_idx],
            attributes[a_idx],
            x[f_idx],
            a[a_idx],
            W[f_idx, a_idx],
            W0[f_idx, a_idx],
            n_rank,
        )
        if code != "survey":
            add(code, params, terms[f_idx, a_idx])
            rest[f_idx] -= terms[f_idx, a_idx]
    for f_idx in np.flatnonzero(x):
        if features[f_idx] == BASELINE:
            add("type_liked", {}, rest[f_idx])
        else:
            add("survey", {"construct": features[f_idx]}, rest[f_idx])

    for a_idx in np.flatnonzero(a):
        value = u[a_idx] * a[a_idx]
        if value != 0.0:
            add("own_ratings", _attribute_params(attributes[a_idx], a[a_idx]), value)

    min_n = ranker.min_group_size
    bias = ranker.item_bias_[item]
    if bias != 0.0:
        n = int(ranker.item_n_ratings_[item])
        mean = float(ranker.item_mean_rating_[item]) if n else float("nan")
        params = {"mean": round(mean, 2), "n": n}
        params["shareable"] = bool(n >= min_n and mean >= ranker.mu_)
        add("rated_well", params, bias)

    if profile >= 0 and ranker.profile_effects_.shape[0]:
        effect = ranker.profile_effects_[profile, item]
        if effect != 0.0:
            n = int(ranker.profile_n_ratings_[profile, item])
            mean = float(ranker.profile_mean_rating_[profile, item]) if n else float("nan")
            params = {"profile": int(profile), "mean": round(mean, 2), "n": n}
            params["shareable"] = bool(n >= min_n and mean >= ranker.mu_)
            add("similar_profile", params, effect)

    return [Reason(code, dict(params), value) for (code, params), value in merged.items()]


def _attribute_params(attribute: str, value: float) -> dict[str, object]:
    if attribute.startswith("category:"):
        return {"category": attribute.removeprefix("category:")}
    if attribute in _ATTRIBUTE_SIDES:
        sides = _ATTRIBUTE_SIDES[attribute][0]
        return {"attribute": attribute, "side": sides[0] if value > 0 else sides[1]}
    return {"attribute": attribute, "side": "higher" if value > 0 else "lower"}


def _interaction_reason(
    feature: str,
    attribute: str,
    x: float,
    a: float,
    w: float,
    w0: float,
    n_rank: int,
) -> tuple[str, dict[str, object]]:
    """Name the story behind one feature-by-attribute term.

    Specific wording is used only where the learned weight still points the way the
    prior does (so "you prefer public recognition" really means that the answer pulled
    a public reward up); everything else gets the neutral "survey" reason.
    """
    if feature == BASELINE:
        return "type_liked", {}
    along_prior = w0 != 0.0 and np.sign(w) == np.sign(w0)
    category = attribute.removeprefix("category:") if attribute.startswith("category:") else None
    if along_prior and category in CATEGORIES:
        if feature == f"pref_{category}" and x > 0:
            return "preference", {"category": category}
        if feature == f"{RANK_PREFIX}pref_{category}" and x > 0:
            rank_value = (x + 1.0) / 2.0
            position = int(round((1.0 - rank_value) * (n_rank - 1))) + 1
            return "ranking", {"category": category, "position": position, "n_options": n_rank}
    if along_prior and feature == "pref_public" and attribute == "visibility":
        return "visibility", {"prefers": "public" if a > 0 else "private"}
    if along_prior and feature == "pref_team" and attribute == "scope":
        return "scope", {"prefers": "team" if a > 0 else "individual"}
    if along_prior and x > 0 and feature in ("autonomy", "mastery", "purpose"):
        return "motivation", {"construct": feature}
    return "survey", {"construct": feature}
