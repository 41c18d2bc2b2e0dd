"""Why a reward was suggested: structured reasons from the score's additive parts.

``HybridRanker`` predicts a rating as a sum of named terms. ``explain_item`` splits one
reward's score into those terms, merges terms that tell the same story (for example the
pull of a category preference through its scale score), and keeps the two or three
largest positive ones above a threshold. A reason is a code plus JSON-able parameters;
``render`` turns it into a sentence in English or Norwegian (one of ``TEMPLATES``, to the
rep; ``render_for_manager`` about the rep, in the third person singular). Nothing is cited
that did not add to the score, nothing the person's own answers contradict (see
``_believable``), and rating summaries of fewer than ``min_group_size`` people are never
cited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from recommender.catalogue import CATEGORIES
from recommender.profiles import construct_label
from recommender.variety import ASPECTS

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
    "own_ratings",  # the person's own feedback (ratings and "not for me") on similar rewards
)

# Category names as they read in a sentence addressed to the rep.
CATEGORY_PHRASES: dict[str, dict[str, str]] = {
    "recognition": {"en": "recognition", "nb": "anerkjennelse"},
    "development": {"en": "development", "nb": "utvikling"},
    "experience": {"en": "experiences", "nb": "opplevelser"},
    "wellness": {"en": "health and wellness", "nb": "helse og velvære"},
    "exclusive": {"en": "exclusive access", "nb": "eksklusiv tilgang"},
    "personal": {"en": "personal gifts", "nb": "personlige gaver"},
    "time": {"en": "time and flexibility", "nb": "tid og fleksibilitet"},
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

# Every sentence a reason can become, keyed by (audience, template). "rep" sentences
# speak to the rep (second person); "manager" sentences speak about the rep in the third
# person singular ("they" in English, "hen" in Norwegian). A slot is always an object or a
# number, never the subject of a verb, so no filling can break subject-verb agreement.
TEMPLATES: dict[tuple[str, str], dict[str, str]] = {
    ("rep", "preference"): {
        "en": "You rated {category} highly in the survey",
        "nb": "Du ga {category} høy score i undersøkelsen",
    },
    ("rep", "ranking_first"): {
        "en": "You ranked {category} highest of all reward types",
        "nb": "Du rangerte {category} høyest av alle belønningstyper",
    },
    ("rep", "ranking"): {
        "en": "You ranked {category} {ordinal} of {n} reward types",
        "nb": "Du rangerte {category} som {ordinal} av {n} belønningstyper",
    },
    ("rep", "visibility_public"): {
        "en": "You prefer public recognition",
        "nb": "Du foretrekker anerkjennelse som andre ser",
    },
    ("rep", "visibility_private"): {
        "en": "You prefer private recognition",
        "nb": "Du foretrekker anerkjennelse i det stille",
    },
    ("rep", "scope_team"): {
        "en": "You prefer rewards you share with your team",
        "nb": "Du foretrekker belønninger du deler med teamet",
    },
    ("rep", "scope_individual"): {
        "en": "You prefer rewards just for you",
        "nb": "Du foretrekker belønninger bare for deg",
    },
    ("rep", "motivation_autonomy"): {
        "en": "Freedom to decide how you work matters to you",
        "nb": "Frihet til å bestemme hvordan du jobber, betyr mye for deg",
    },
    ("rep", "motivation_mastery"): {
        "en": "Getting better at what you do matters to you",
        "nb": "Det betyr mye for deg å bli bedre i det du gjør",
    },
    ("rep", "motivation_purpose"): {
        "en": "Work that matters to others is important to you",
        "nb": "Arbeid som betyr noe for andre, er viktig for deg",
    },
    ("rep", "motivation"): {
        "en": "You put weight on {construct}",
        "nb": "Du la vekt på {construct}",
    },
    ("rep", "survey"): {
        "en": "Your survey answers on {construct} point to this reward",
        "nb": "Svarene dine om {construct} peker mot denne belønningen",
    },
    ("rep", "type_liked"): {
        "en": "Rewards like this are rated well across the organisation",
        "nb": "Belønninger som denne får gode vurderinger i hele organisasjonen",
    },
    # No mean rating: read before and after one colleague rates the reward (or around a
    # training), a mean to one decimal beside the number of people gives that rating away.
    ("rep", "rated_well"): {
        "en": "Colleagues rated this above average ({people})",
        "nb": "Kolleger vurderte denne over snittet ({people})",
    },
    ("rep", "similar_profile"): {
        "en": "Reps with a similar profile rated this above average ({people})",
        "nb": "Selgere med en lignende profil vurderte denne over snittet ({people})",
    },
    # Feedback, not "you rated ... well": a "not for me" on a large reward alone moves the
    # person's taste towards smaller ones, and the sentence must be true then too.
    ("rep", "own_ratings"): {
        "en": "Your feedback so far points to {what}",
        "nb": "Tilbakemeldingene dine så langt peker mot {what}",
    },
    ("manager", "preference"): {
        "en": "They rated {category} highly in the survey",
        "nb": "Hen ga {category} høy score i undersøkelsen",
    },
    ("manager", "visibility_public"): {
        "en": "They prefer public recognition",
        "nb": "Hen foretrekker anerkjennelse som andre ser",
    },
    ("manager", "visibility_private"): {
        "en": "They prefer private recognition",
        "nb": "Hen foretrekker anerkjennelse i det stille",
    },
    ("manager", "scope_team"): {
        "en": "They prefer rewards shared with the team",
        "nb": "Hen foretrekker belønninger som deles med teamet",
    },
    ("manager", "scope_individual"): {
        "en": "They prefer rewards of their own",
        "nb": "Hen foretrekker belønninger bare for seg selv",
    },
    ("manager", "motivation_autonomy"): {
        "en": "Freedom to decide how they work matters to them",
        "nb": "Frihet til å bestemme hvordan hen jobber, betyr mye for hen",
    },
    ("manager", "motivation_mastery"): {
        "en": "Getting better at what they do matters to them",
        "nb": "Det betyr mye for hen å bli bedre i det hen gjør",
    },
    ("manager", "motivation_purpose"): {
        "en": "Work that matters to others is important to them",
        "nb": "Arbeid som betyr noe for andre, er viktig for hen",
    },
    ("manager", "motivation"): {
        "en": "They put weight on {construct}",
        "nb": "Hen legger vekt på {construct}",
    },
    ("manager", "survey"): {
        "en": "Their survey answers on {construct} point to this reward",
        "nb": "Svarene hens om {construct} peker mot denne belønningen",
    },
    ("manager", "own_ratings"): {
        "en": "Their feedback so far points to {what}",
        "nb": "Tilbakemeldingene hens så langt peker mot {what}",
    },
}
# A reward picked for variety says what it adds to the list above it (``variety_aspects``):
# a new kind of reward, or for a category already there, the side none of those has.
VARIETY_TEXTS: dict[tuple[str, str], dict[str, str]] = {
    ("rep", "kind"): {
        "en": "Added to vary your suggestions",
        "nb": "Tatt med for å gi deg variasjon",
    },
    ("rep", "public"): {
        "en": "A public one, added to vary your suggestions",
        "nb": "En som andre ser, tatt med for å gi deg variasjon",
    },
    ("rep", "private"): {
        "en": "A private one, added to vary your suggestions",
        "nb": "En uten publikum, tatt med for å gi deg variasjon",
    },
    ("rep", "team"): {
        "en": "One for your whole team, added to vary your suggestions",
        "nb": "En for hele teamet, tatt med for å gi deg variasjon",
    },
    ("rep", "individual"): {
        "en": "One for you alone, added to vary your suggestions",
        "nb": "En bare til deg, tatt med for å gi deg variasjon",
    },
    ("rep", "long"): {
        "en": "One that lasts, added to vary your suggestions",
        "nb": "En som varer, tatt med for å gi deg variasjon",
    },
    ("rep", "short"): {
        "en": "One to enjoy right away, added to vary your suggestions",
        "nb": "En å glede seg over med en gang, tatt med for å gi deg variasjon",
    },
    ("manager", "kind"): {"en": "Added for variety", "nb": "Tatt med for variasjon"},
    ("manager", "public"): {
        "en": "A public one, added for variety",
        "nb": "En som andre ser, tatt med for variasjon",
    },
    ("manager", "private"): {
        "en": "A private one, added for variety",
        "nb": "En uten publikum, tatt med for variasjon",
    },
    ("manager", "team"): {
        "en": "One for the whole team, added for variety",
        "nb": "En for hele teamet, tatt med for variasjon",
    },
    ("manager", "individual"): {
        "en": "One for them alone, added for variety",
        "nb": "En bare til hen, tatt med for variasjon",
    },
    ("manager", "long"): {
        "en": "One that lasts, added for variety",
        "nb": "En som varer, tatt med for variasjon",
    },
    ("manager", "short"): {
        "en": "One to enjoy right away, added for variety",
        "nb": "En å glede seg over med en gang, tatt med for variasjon",
    },
}


def variety_text(aspect: str, audience: str = "rep", lang: str = "en") -> str:
    """The sentence for a reward picked for variety; ``aspect`` from ``variety.ASPECTS``
    (empty for an explanation that does not say, read as a new kind of reward)."""
    return VARIETY_TEXTS[(audience, aspect or "kind")][_lang(lang)]


# Reasons about the reward rather than the rep read the same to both.
for _key in ("type_liked", "rated_well", "similar_profile"):
    TEMPLATES[("manager", _key)] = TEMPLATES[("rep", _key)]

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
    reward with a higher predicted rating, and ``variety`` then says what it adds to the
    suggestions above it (``variety.ASPECTS``: "kind" for a category none of them has, or
    the side, such as "public", that none of those of its category has).
    """

    item: int
    score: float
    reasons: tuple[Reason, ...]
    promoted_for_variety: bool = False
    variety: str = ""

    def texts(self, lang: str = "en") -> list[str]:
        """The reasons as sentences."""
        out = [render(reason, lang) for reason in self.reasons]
        if self.promoted_for_variety:
            out.append(variety_text(self.variety, "rep", lang))
        return out

    def texts_for_manager(self, lang: str = "en") -> list[str]:
        """The reasons as the rep's manager may read them (see ``render_for_manager``)."""
        out = [t for t in (render_for_manager(r, lang) for r in self.reasons) if t]
        if self.promoted_for_variety:
            out.append(variety_text(self.variety, "manager", lang))
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-able form."""
        return {
            "item": self.item,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
            "promoted_for_variety": self.promoted_for_variety,
            "variety": (self.variety or "kind") if self.promoted_for_variety else None,
        }


def _people(n: int, lang: str) -> str:
    if n == 1:
        return "1 person"
    return f"{n} personer" if lang == "nb" else f"{n} people"


def _category(category: str, lang: str) -> str:
    entry = CATEGORY_PHRASES.get(category, {"en": category})
    return entry.get(lang, entry["en"])


def _label(construct: str, lang: str) -> str:
    label = construct_label(construct, lang)
    return label[:1].lower() + label[1:]


def _ordinal(position: int, lang: str) -> str:
    if lang == "nb" or position > len(_EN_ORDINALS):
        return f"nummer {position}" if lang == "nb" else f"number {position}"
    return _EN_ORDINALS[position - 1]


def _template(reason: Reason, lang: str) -> tuple[str, dict[str, object]]:
    """The template key of a reason and the values of its slots in ``lang``."""
    p = reason.params
    code = reason.code
    if code == "preference":
        return code, {"category": _category(str(p["category"]), lang)}
    if code == "ranking":
        cat = _category(str(p["category"]), lang)
        pos = int(p["position"])
        if pos == 1:
            return "ranking_first", {"category": cat}
        return code, {"category": cat, "ordinal": _ordinal(pos, lang), "n": int(p["n_options"])}
    if code in ("visibility", "scope"):
        return f"{code}_{p['prefers']}", {}
    if code == "motivation":
        construct = str(p["construct"])
        if construct in ("autonomy", "mastery", "purpose"):
            return f"motivation_{construct}", {}
        return code, {"construct": _label(construct, lang)}
    if code == "survey":
        return code, {"construct": _label(str(p["construct"]).removeprefix(RANK_PREFIX), lang)}
    if code == "type_liked":
        return code, {}
    if code in ("rated_well", "similar_profile"):
        return code, {"people": _people(int(p["n"]), lang)}
    if code == "own_ratings":
        if "category" in p:
            what = _category(str(p["category"]), lang)
        else:
            sides, words = _ATTRIBUTE_SIDES[str(p["attribute"])]
            what = words[lang][sides.index(str(p["side"]))]
        return code, {"what": what}
    raise ValueError(f"unknown reason code: {code}")


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def render_for_manager(reason: Reason, lang: str = "en") -> str | None:
    """The reason as the rep's manager may read it: third person singular, scale level only.

    Managers see profile summaries, never item-level answers, so a reason that rests on a
    single item (the ranking question, or a learned link to one ranked option) is left out
    (None); the rest are phrased about the rep ("they", "hen") rather than to them.
    """
    if reason.code == "ranking" or (
        reason.code == "survey" and str(reason.params["construct"]).startswith(RANK_PREFIX)
    ):
        return None
    lang = _lang(lang)
    key, slots = _template(reason, lang)
    return TEMPLATES[("manager", key)][lang].format(**slots)


def render(reason: Reason, lang: str = "en") -> str:
    """A reason as one plain sentence in ``lang`` ("en" or "nb"; others fall back to en)."""
    lang = _lang(lang)
    key, slots = _template(reason, lang)
    return TEMPLATES[("rep", key)][lang].format(**slots)


def explain_item(
    ranker: HybridRanker,
    x: np.ndarray,
    u: np.ndarray,
    profile: int,
    item: int,
    *,
    person_bias: float = 0.0,
    promoted: bool | int = False,
    min_group_size: int | None = None,
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
    promoted : bool or int, default=False
        Whether diversification promoted the reward: an index in ``variety.ASPECTS`` of
        what it adds (True counts as "kind", a new kind of reward).
    min_group_size : int, optional
        Cite no rating summary of fewer distinct people (default: the ranker's).

    Returns
    -------
    Explanation
    """
    return explain_items(
        ranker,
        x,
        u,
        profile,
        [item],
        person_bias=person_bias,
        promoted=[promoted],
        min_group_size=min_group_size,
    )[0]


def explain_items(
    ranker: HybridRanker,
    x: np.ndarray,
    u: np.ndarray,
    profile: int,
    items: Sequence[int],
    *,
    person_bias: float = 0.0,
    promoted: Sequence[bool | int] | None = None,
    min_group_size: int | None = None,
) -> list[Explanation]:
    """``explain_item`` for several rewards of one person at once (a page's suggestions).

    ``promoted`` says for each reward whether diversification promoted it and what it adds,
    as ``explain_item`` takes it (default: none).
    The arithmetic is done once for the person and once for all the rewards together, so
    the reasons and scores are those ``explain_item`` gives reward by reward.
    """
    items = [int(item) for item in items]
    flags = [0] * len(items) if promoted is None else [int(p) for p in promoted]
    x = np.asarray(x, dtype=float)
    all_parts = _merged_parts(ranker, x, u, profile, items, min_group_size=min_group_size)
    # The person's part of every score (``_score``'s ``x @ W + u``), once.
    taste = x @ ranker.weights_ + u
    threshold = ranker.reason_threshold
    explanations = []
    for item, parts, was_promoted in zip(items, all_parts, flags, strict=True):
        a = ranker.item_attributes_[item]
        # Only parts above the threshold can be cited: sorting just those (stably, so ties
        # keep the order ``contributions`` meets them) gives the same reasons as sorting
        # them all.
        large = [(key, value) for key, value in parts.items() if not value <= threshold]
        chosen = []
        for (code, pairs), value in sorted(large, key=lambda part: -part[1]):
            if len(chosen) >= ranker.max_reasons:
                break
            params = dict(pairs)
            if params.get("shareable", True) is False:
                continue
            params = {k: v for k, v in params.items() if k != "shareable"}
            if not _believable_one(ranker, code, params, x, a):
                continue
            chosen.append(Reason(code, params, round(value, 4)))
        score = ranker.mu_ + ranker.item_bias_[item] + taste @ a
        if profile >= 0 and ranker.profile_effects_.shape[0]:
            score += ranker.profile_effects_[profile, item]
        explanations.append(
            Explanation(
                item,
                float(score) + float(person_bias),
                tuple(chosen),
                bool(was_promoted),
                ASPECTS[was_promoted],
            )
        )
    return explanations


def contributions(
    ranker: HybridRanker,
    x: np.ndarray,
    u: np.ndarray,
    profile: int,
    item: int,
    *,
    min_group_size: int | None = None,
) -> list[Reason]:
    """Every additive part of one score that can differ between rewards, merged by reason.

    The contributions sum to the score minus the global mean and the person's bias. A
    ``shareable`` parameter of False marks a rating summary that may not be cited (too
    few people, or a mean below the overall mean). People are counted, not ratings: ``n``
    is the number of distinct people behind the summary.
    """
    parts = _merged_parts(ranker, x, u, profile, [item], min_group_size=min_group_size)[0]
    return [Reason(code, dict(params), value) for (code, params), value in parts.items()]


def _merged_parts(
    ranker: HybridRanker,
    x: np.ndarray,
    u: np.ndarray,
    profile: int,
    items: Sequence[int],
    *,
    min_group_size: int | None = None,
) -> list[dict[tuple, float]]:
    """``contributions`` of each of ``items`` as ``{(code, sorted parameter items): value}``,
    in order met."""
    A = ranker.item_attributes_[list(items)]
    W = ranker.weights_
    layout = _layout(ranker)
    stories = _stories(ranker)
    merged: list[dict[tuple, float]] = [{} for _ in items]

    # Feature-by-attribute terms, (reward, feature, attribute). Pairs the prior links get
    # their own story when the learned weight still points the prior's way; the rest of a
    # feature's pull is summed into one neutral "survey" reason (or "type_liked" for the
    # constant feature).
    terms = (x[:, None] * W)[None, :, :] * A[:, None, :]
    rest = terms.sum(axis=2).tolist()
    linked = np.nonzero(stories.prior_linked[None, :, :] & (terms != 0))
    # Python floats from here on (the same values): indexing numpy scalars one at a time
    # cost more than the stories themselves.
    xs, values = x.tolist(), A.tolist()
    found = zip(*(index.tolist() for index in linked), terms[linked].tolist(), strict=True)
    for k, f_idx, a_idx, term in found:
        story = _story(ranker, layout, stories, f_idx, a_idx, xs[f_idx], values[k][a_idx])
        if story is not None:
            merged[k][story] = merged[k].get(story, 0.0) + term
            rest[k][f_idx] -= term

    asked = [f_idx for f_idx, value in enumerate(xs) if value != 0]
    tastes = np.asarray(u, dtype=float).tolist()
    min_n = _min_people(ranker, min_group_size)
    for k, item in enumerate(items):
        parts, remaining, a = merged[k], rest[k], values[k]
        # What each feature's remaining pull is filed under, with keys made once per fit.
        for f_idx in asked:
            key = layout.rest_keys[f_idx]
            parts[key] = parts.get(key, 0.0) + remaining[f_idx]
        for a_idx, value in enumerate(a):
            if value != 0 and tastes[a_idx] * value != 0.0:
                key = stories.own_keys[a_idx][value > 0]
                parts[key] = parts.get(key, 0.0) + tastes[a_idx] * value
        _add_rating_summaries(ranker, parts, profile, item, min_n)
    return merged


def _add_rating_summaries(
    ranker: HybridRanker, parts: dict[tuple, float], profile: int, item: int, min_n: int
) -> None:
    """The reward's own rating term and its profile's, each filed with who rated it."""

    def add(code: str, params: dict[str, object], value: float) -> None:
        key = (code, tuple(sorted(params.items())))
        parts[key] = parts.get(key, 0.0) + float(value)

    bias = ranker.item_bias_[item]
    if bias != 0.0:
        n = int(ranker.item_n_people_[item])
        mean = float(ranker.item_mean_rating_[item]) if n else float("nan")
        params = {"mean": round(mean, 2), "n": n}
        params["shareable"] = bool(n >= min_n and mean >= ranker.mu_)
        add("rated_well", params, bias)

    if profile >= 0 and ranker.profile_effects_.shape[0]:
        effect = ranker.profile_effects_[profile, item]
        if effect != 0.0:
            n = int(ranker.profile_n_people_[profile, item])
            mean = float(ranker.profile_mean_rating_[profile, item]) if n else float("nan")
            params = {"profile": int(profile), "mean": round(mean, 2), "n": n}
            params["shareable"] = bool(n >= min_n and mean >= ranker.mu_)
            add("similar_profile", params, effect)


def _story(
    ranker: HybridRanker,
    layout: _Layout,
    stories: _Stories,
    f_idx: int,
    a_idx: int,
    x: float,
    a: float,
) -> tuple | None:
    """The ``contributions`` key of one prior-linked term, None for the neutral "survey".

    ``_interaction_reason`` reads the person's value only through its sign (and, for a
    ranking feature, the place it stands for) and the reward's only through its sign; the
    weights are fixed per fit. So each combination is resolved once per fit and looked up
    afterwards: serving explains five rewards per page view.
    """
    place = _rank_position(x, layout.n_rank) if x > 0 and layout.is_rank[f_idx] else 0
    key = (f_idx, a_idx, x > 0, a > 0, place)
    if key in stories.found:
        return stories.found[key]
    code, params = _interaction_reason(
        ranker.feature_names_[f_idx],
        ranker.attribute_names_[a_idx],
        x,
        a,
        float(ranker.weights_[f_idx, a_idx]),
        float(ranker.prior_weights_[f_idx, a_idx]),
        layout.n_rank,
    )
    story = None if code == "survey" else (code, tuple(sorted(params.items())))
    stories.found[key] = story
    return story


@dataclass(frozen=True)
class _Stories:
    """What ``_merged_parts`` files each term under, for one fit (a refit starts afresh).

    Threads serving the same model share it; two finding the same story at once store
    the same value.
    """

    weights: object  # the fit's ``weights_``, to tell a refit
    prior_linked: np.ndarray  # (n_features, n_attributes): where the survey prior links
    own_keys: list[tuple[tuple, tuple]]  # each attribute's "own_ratings" key: (lower, higher)
    found: dict[tuple, tuple | None]  # ``_story``'s answers so far


def _stories(ranker: HybridRanker) -> _Stories:
    found = ranker.__dict__.get("_explain_stories")
    if found is None or found.weights is not ranker.weights_:
        found = _Stories(
            ranker.weights_,
            ranker.prior_weights_ != 0,
            [
                tuple(
                    ("own_ratings", tuple(sorted(_attribute_params(name, sign).items())))
                    for sign in (-1.0, 1.0)
                )
                for name in ranker.attribute_names_
            ],
            {},
        )
        ranker.__dict__["_explain_stories"] = found
    return found


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
    # The signs agree (a NaN weight agrees with nothing); plain comparisons, not np.sign,
    # since this runs for every linked term of every reward explained.
    along_prior = (w0 > 0.0 and w > 0.0) or (w0 < 0.0 and w < 0.0)
    category = attribute.removeprefix("category:") if attribute.startswith("category:") else None
    if along_prior and category in CATEGORIES:
        if feature == f"pref_{category}" and x > 0:
            return "preference", {"category": category}
        if feature == f"{RANK_PREFIX}pref_{category}" and x > 0:
            position = _rank_position(x, n_rank)
            return "ranking", {"category": category, "position": position, "n_options": n_rank}
    if along_prior and feature == "pref_public" and attribute == "visibility":
        return "visibility", {"prefers": "public" if a > 0 else "private"}
    if along_prior and feature == "pref_team" and attribute == "scope":
        return "scope", {"prefers": "team" if a > 0 else "individual"}
    if along_prior and x > 0 and feature in ("autonomy", "mastery", "purpose"):
        return "motivation", {"construct": feature}
    return "survey", {"construct": feature}


def _rank_position(x: float, n_rank: int) -> int:
    """Place (1 = first) of a ranking option from its rank feature in [-1, 1]."""
    rank_value = (x + 1.0) / 2.0
    return int(round((1.0 - rank_value) * (n_rank - 1))) + 1


def _top_ranks(n_rank: int) -> int:
    """How far down the ranking a place is still cited: the top third (3 of 7)."""
    return max(1, (n_rank + 2) // 3)


def _feature_midpoints(ranker: HybridRanker) -> np.ndarray:
    """Each feature's value for an answer at the middle of its scale (see ``SurveyFeatures``).

    A ranker fitted outside ``MotivoModel`` has none; its features are then read as
    centred on the midpoint.
    """
    mid = getattr(ranker, "feature_midpoints_", None)
    if mid is None or len(mid) != len(ranker.feature_names_):
        return np.zeros(len(ranker.feature_names_))
    return np.asarray(mid, dtype=float)


# Reasons that say something about the person's answers; the rest are about the reward.
_CLAIMS = ("preference", "ranking", "visibility", "scope", "motivation", "survey")


def _believable(
    ranker: HybridRanker, code: str, params: dict[str, object], X: np.ndarray, A: np.ndarray
) -> np.ndarray:
    """Whether a reason's claim about the person agrees with their own answers.

    A reason the person's own chart would contradict is never cited, even when its term
    raised the score: a stated preference needs a scale score on that side of the scale's
    midpoint (and of the average), a ranking needs a place in the top third, and a
    motivation or survey reason needs a construct the survey's prior links to this reward
    in the direction the answer points (no "mastery" reason for a team cake).

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    A : ndarray of shape (n, k, n_attributes)
        Attributes of the rewards being explained for each person.

    Returns
    -------
    ndarray of bool, shape (n, k)
    """
    n, k = A.shape[:2]
    if code not in _CLAIMS:
        return np.ones((n, k), dtype=bool)
    layout = _layout(ranker)
    column, n_rank = layout.column, layout.n_rank
    mid = _feature_midpoints(ranker)

    def side(feature: str, sign: float) -> np.ndarray:
        j = column.get(feature)
        if j is None:
            return np.zeros((n, k), dtype=bool)
        if feature.startswith(RANK_PREFIX):
            ok = (X[:, j] > 0) & (_rank_positions(X[:, j], n_rank) <= _top_ranks(n_rank))
        elif sign > 0:
            ok = X[:, j] > max(mid[j], 0.0)
        else:
            ok = X[:, j] < min(mid[j], 0.0)
        return np.broadcast_to(ok[:, None], (n, k))

    claims = _claim_weights(ranker)

    def related(feature: str) -> np.ndarray:
        j = column.get(feature)
        if j is None:
            return np.zeros((n, k), dtype=bool)
        return A @ claims[j] > 0

    if code == "preference":
        return side(f"pref_{params['category']}", 1.0)
    if code == "ranking":
        return side(f"{RANK_PREFIX}pref_{params['category']}", 1.0)
    if code == "visibility":
        return side("pref_public", 1.0 if params["prefers"] == "public" else -1.0)
    if code == "scope":
        return side("pref_team", 1.0 if params["prefers"] == "team" else -1.0)
    construct = str(params["construct"])
    return side(construct, 1.0) & related(construct)


def _believable_one(
    ranker: HybridRanker, code: str, params: dict[str, object], x: np.ndarray, a: np.ndarray
) -> bool:
    """``_believable`` for one person (features ``x``) and one reward (attributes ``a``).

    The same tests on plain floats: serving explains five rewards for one person, where
    building the arrays cost more than the tests.
    """
    if code not in _CLAIMS:
        return True
    layout = _layout(ranker)

    def side(feature: str, sign: float) -> bool:
        j = layout.column.get(feature)
        if j is None:
            return False
        value = float(x[j])
        if feature.startswith(RANK_PREFIX):
            n_rank = layout.n_rank
            return value > 0 and _rank_position(value, n_rank) <= _top_ranks(n_rank)
        mid = float(_feature_midpoints(ranker)[j])
        return value > max(mid, 0.0) if sign > 0 else value < min(mid, 0.0)

    if code == "preference":
        return side(f"pref_{params['category']}", 1.0)
    if code == "ranking":
        return side(f"{RANK_PREFIX}pref_{params['category']}", 1.0)
    if code == "visibility":
        return side("pref_public", 1.0 if params["prefers"] == "public" else -1.0)
    if code == "scope":
        return side("pref_team", 1.0 if params["prefers"] == "team" else -1.0)
    construct = str(params["construct"])
    if not side(construct, 1.0):
        return False
    # The product as ``_believable`` forms it, so the sign test sees the same number.
    return bool((a[None, None, :] @ _claim_weights(ranker)[layout.column[construct]])[0, 0] > 0)


# A construct's prior may also lean on how long a reward lasts (mastery on lasting rewards),
# but a reason says what the reward is about: "getting better at what you do" fits a
# course, not a weekend away that happens to last. Those links still score; they are
# never the ground for a reason.
_UNCLAIMED_ATTRIBUTES = ("horizon",)


def _claim_weights(ranker: HybridRanker) -> np.ndarray:
    """The prior's weights without the links no reason may rest on, built once per fit."""
    weights = ranker.prior_weights_
    found = ranker.__dict__.get("_claim_weights")
    if found is None or found[0] is not weights:
        claims = np.array(weights, dtype=float, copy=True)
        names = list(ranker.attribute_names_)
        for attribute in _UNCLAIMED_ATTRIBUTES:
            if attribute in names:
                claims[:, names.index(attribute)] = 0.0
        found = (weights, claims)
        ranker.__dict__["_claim_weights"] = found
    return found[1]


@dataclass(frozen=True)
class _Layout:
    """Where each feature is, and how many ranking options there are: fixed per fit."""

    names: object
    column: dict[str, int]
    n_rank: int
    rest_keys: list[tuple]  # each feature's "type_liked" or "survey" key in ``contributions``
    is_rank: list[bool]  # whether each feature is a ranking option's


def _layout(ranker: HybridRanker) -> _Layout:
    """The ranker's feature layout, built once per fitted feature list (a refit, which
    sets a new ``feature_names_``, builds it again)."""
    names = ranker.feature_names_
    found = ranker.__dict__.get("_explain_layout")
    if found is None or found.names is not names:
        found = _Layout(
            names,
            {name: j for j, name in enumerate(names)},
            sum(f.startswith(RANK_PREFIX) for f in names),
            [
                ("type_liked", ()) if f == BASELINE else ("survey", (("construct", f),))
                for f in names
            ],
            [f.startswith(RANK_PREFIX) for f in names],
        )
        ranker.__dict__["_explain_layout"] = found
    return found


def _rank_positions(x: np.ndarray, n_rank: int) -> np.ndarray:
    """``_rank_position`` for an array of rank features."""
    return np.rint((1.0 - (x + 1.0) / 2.0) * (n_rank - 1)).astype(np.int64) + 1


# --------------------------------------------------------------------------- many at once

# Rows of people explained per pass: bounds the (rows, k, features, attributes) term array.
_BATCH_ROWS = 1024
# How a slot's parameters vary: fixed, with the person's rank answer, with the reward
# (rating summary), or with the person's profile and the reward.
_FIXED, _RANK, _ITEM, _PROFILE = range(4)


@dataclass(frozen=True)
class _Slot:
    code: str
    params: dict[str, object]
    varies: int = _FIXED
    feature: int = -1  # the rank feature of a ranking slot


@dataclass(frozen=True)
class _Plan:
    """Every reason a fitted ranker can give, as numbered slots, and which term feeds which.

    ``contributions`` decides the story of a feature-by-attribute term from the feature,
    the attribute, the signs of the person's feature value and of the reward's attribute
    value, and the learned weight against the prior. Only the two signs vary between
    people and rewards, so each (term, sign, sign) combination is resolved once here.
    """

    slots: list[_Slot]
    pairs: list[tuple[int, int, float, float, int]]  # feature, attribute, x sign, a sign, slot
    features: list[int]  # slot of each feature's remaining pull ("survey" / "type_liked")
    own: list[tuple[int, float, int]]  # attribute, value sign, slot
    rated: int
    profile: int
    n_rank: int


def _plan(ranker: HybridRanker) -> _Plan:
    features = ranker.feature_names_
    attributes = ranker.attribute_names_
    W, W0 = ranker.weights_, ranker.prior_weights_
    n_rank = sum(f.startswith(RANK_PREFIX) for f in features)
    slots: list[_Slot] = []
    numbered: dict[tuple, int] = {}

    def slot(code: str, params: dict[str, object], varies: int = _FIXED, feature: int = -1):
        key = (code, tuple(sorted(params.items())), feature)
        if key not in numbered:
            numbered[key] = len(slots)
            slots.append(_Slot(code, dict(sorted(params.items())), varies, feature))
        return numbered[key]

    pairs = []
    for f_idx, a_idx in zip(*np.nonzero(W0 != 0), strict=True):
        for x_sign in (1.0, -1.0):
            for a_sign in (1.0, -1.0):
                code, params = _interaction_reason(
                    features[f_idx],
                    attributes[a_idx],
                    x_sign,
                    a_sign,
                    W[f_idx, a_idx],
                    W0[f_idx, a_idx],
                    n_rank,
                )
                if code == "survey":
                    continue  # stays in the feature's remaining pull
                if code == "ranking":
                    number = slot(code, {"category": params["category"]}, _RANK, int(f_idx))
                else:
                    number = slot(code, params)
                pairs.append((int(f_idx), int(a_idx), x_sign, a_sign, number))
    feature_slots = [
        slot("type_liked", {}) if name == BASELINE else slot("survey", {"construct": name})
        for name in features
    ]
    own = []
    for a_idx, name in enumerate(attributes):
        for a_sign in (1.0, -1.0):
            own.append((a_idx, a_sign, slot("own_ratings", _attribute_params(name, a_sign))))
    rated = slot("rated_well", {}, _ITEM)
    profile = slot("similar_profile", {}, _PROFILE)
    return _Plan(slots, pairs, feature_slots, own, rated, profile, n_rank)


class BatchExplanations:
    """Reasons for an (n, k) array of suggestions, kept as arrays until asked for.

    ``explain_batch`` builds it. Asking for ``texts`` renders each distinct reason once
    and reuses the sentence, so writing reasons for thousands of people stays cheap;
    ``explanation`` gives the same ``Explanation`` that ``explain_item`` would.

    Attributes
    ----------
    items : ndarray of int, shape (n, k)
        Reward columns, -1 for none.
    scores : ndarray of shape (n, k)
        Predicted ratings, as ``Explanation.score``; NaN where the column is -1.
    promoted : ndarray of bool, shape (n, k)
        Whether diversification promoted the reward.
    variety : ndarray of int8, shape (n, k)
        What each promoted reward adds, as an index in ``variety.ASPECTS`` (0 where not
        promoted).
    reason_slots : ndarray of int, shape (n, k, max_reasons)
        The chosen reasons, largest first, as numbers of the ranker's possible reasons;
        -1 pads.
    contributions : ndarray of shape (n, k, max_reasons)
        Their sizes in rating points (NaN pads).

    The arrays are the result, not inputs: changing them afterwards is not supported.
    """

    def __init__(
        self,
        plan: _Plan,
        ranker: HybridRanker,
        X: np.ndarray,
        profiles: np.ndarray,
        items: np.ndarray,
        scores: np.ndarray,
        variety: np.ndarray,
        reason_slots: np.ndarray,
        contributions: np.ndarray,
    ) -> None:
        self._plan = plan
        self._ranker = ranker
        self._X = X
        self._profiles = profiles
        self.items = items
        self.scores = scores
        self.variety = variety
        self.promoted = variety > 0
        self.reason_slots = reason_slots
        self.contributions = contributions
        self._texts: dict[tuple, str] = {}
        self._lists: tuple[list, list, list] | None = None

    def __len__(self) -> int:
        return int(self.items.shape[0])

    def _item(self, row: int, col: int) -> int:
        item = int(self.items[row, col])
        if item < 0:
            raise IndexError(f"no reward at row {row}, column {col}")
        return item

    def _variant(self, number: int, row: int, item: int) -> tuple:
        """What, besides the slot, the reason's parameters depend on."""
        varies = self._plan.slots[number].varies
        if varies == _RANK:
            feature = self._plan.slots[number].feature
            return (_rank_position(float(self._X[row, feature]), self._plan.n_rank),)
        if varies == _ITEM:
            return (item,)
        if varies == _PROFILE:
            return (int(self._profiles[row]), item)
        return ()

    def _params(self, number: int, variant: tuple) -> dict[str, object]:
        found = self._plan.slots[number]
        if found.varies == _RANK:
            return {**found.params, "n_options": self._plan.n_rank, "position": variant[0]}
        ranker = self._ranker
        if found.varies == _ITEM:
            (item,) = variant
            return _summary(float(ranker.item_mean_rating_[item]), int(ranker.item_n_people_[item]))
        if found.varies == _PROFILE:
            profile, item = variant
            params = _summary(
                float(ranker.profile_mean_rating_[profile, item]),
                int(ranker.profile_n_people_[profile, item]),
            )
            params["profile"] = profile
            return params
        return dict(found.params)

    def explanation(self, row: int, col: int) -> Explanation:
        """The ``Explanation`` of the reward at ``items[row, col]``."""
        item = self._item(row, col)
        reasons = []
        for number, size in zip(
            self.reason_slots[row, col].tolist(), self.contributions[row, col].tolist(), strict=True
        ):
            if number < 0:
                break
            params = self._params(number, self._variant(number, row, item))
            reasons.append(Reason(self._plan.slots[number].code, params, round(size, 4)))
        return Explanation(
            item,
            float(self.scores[row, col]),
            tuple(reasons),
            bool(self.promoted[row, col]),
            ASPECTS[int(self.variety[row, col])],
        )

    def explanations(self, row: int) -> list[Explanation]:
        """One ``Explanation`` per reward of ``row`` (columns that are -1 are skipped)."""
        return [self.explanation(row, col) for col in np.flatnonzero(self.items[row] >= 0)]

    def texts(self, row: int, col: int, lang: str = "en") -> list[str]:
        """The reasons of ``items[row, col]`` as sentences, as ``Explanation.texts`` gives."""
        if self._lists is None:
            # Called once per suggestion, often 100,000 times: plain lists index faster.
            self._lists = (self.items.tolist(), self.reason_slots.tolist(), self.variety.tolist())
        items, reason_slots, variety = self._lists
        item = items[row][col]
        if item < 0:
            raise IndexError(f"no reward at row {row}, column {col}")
        slots = self._plan.slots
        out = []
        for number in reason_slots[row][col]:
            if number < 0:
                break
            fixed = slots[number].varies == _FIXED
            key = (number, () if fixed else self._variant(number, row, item), lang)
            text = self._texts.get(key)
            if text is None:
                text = render(Reason(slots[number].code, self._params(number, key[1])), lang)
                self._texts[key] = text
            out.append(text)
        if variety[row][col]:
            out.append(variety_text(ASPECTS[variety[row][col]], "rep", lang))
        return out


def explain_batch(
    ranker: HybridRanker,
    X: np.ndarray,
    U: np.ndarray,
    profiles: np.ndarray,
    items: np.ndarray,
    *,
    person_bias: np.ndarray | None = None,
    promoted: np.ndarray | None = None,
    min_group_size: int | None = None,
) -> BatchExplanations:
    """Explain an (n, k) array of rewards for n people at once, as ``explain_item`` would.

    Every additive part of every score is computed as arrays and the largest shareable
    ones above ``reason_threshold`` are picked with one sort; sentences are rendered
    only when asked for, once per distinct reason.

    Parameters
    ----------
    ranker : HybridRanker
        Fitted ranker.
    X : ndarray of shape (n, n_features)
        Survey features of each person.
    U : ndarray of shape (n, n_attributes)
        Learned attribute tastes of each person (zeros for someone without ratings).
    profiles : ndarray of int, shape (n,)
        Profile of each person, -1 for none.
    items : ndarray of int, shape (n, k)
        Reward columns to explain; -1 marks no reward.
    person_bias : ndarray of shape (n,), optional
        Rating generosity of each person (part of the score, never a reason).
    promoted : ndarray of bool or int, shape (n, k), optional
        Whether diversification promoted each reward: indices in ``variety.ASPECTS`` of
        what it adds (``variety_aspects``), or bools (True reads as a new kind of reward).
    min_group_size : int, optional
        Cite no rating summary of fewer distinct people (default: the ranker's).

    Returns
    -------
    BatchExplanations
        ``explanation(row, col)`` equals ``explain_item`` for that person and reward.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    U = np.atleast_2d(np.asarray(U, dtype=float))
    items = np.atleast_2d(np.asarray(items, dtype=np.int64))
    n, k = items.shape
    profiles = np.broadcast_to(np.asarray(profiles, dtype=np.int64), (n,))
    bias = np.zeros(n) if person_bias is None else np.broadcast_to(person_bias, (n,))
    flags = (
        np.zeros((n, k), dtype=np.int8)
        if promoted is None
        else np.asarray(promoted).astype(np.int8)
    )
    if X.shape[0] != n or U.shape[0] != n or flags.shape != (n, k):
        raise ValueError("X, U, profiles, items and promoted must have one row per person")
    plan = _plan(ranker)
    n_keep = max(int(ranker.max_reasons), 0)
    min_n = _min_people(ranker, min_group_size)
    scores = np.full((n, k), np.nan)
    slots = np.full((n, k, n_keep), -1, dtype=np.int64)
    sizes = np.full((n, k, n_keep), np.nan)
    for start in range(0, n, _BATCH_ROWS):
        rows = slice(start, start + _BATCH_ROWS)
        scores[rows], slots[rows], sizes[rows] = _explain_rows(
            ranker, plan, n_keep, min_n, X[rows], U[rows], profiles[rows], items[rows], bias[rows]
        )
    valid = items >= 0
    return BatchExplanations(
        plan,
        ranker,
        X,
        profiles,
        items,
        np.where(valid, scores, np.nan),
        np.where(valid, flags, 0).astype(np.int8),
        slots,
        sizes,
    )


def _explain_rows(
    ranker: HybridRanker, plan: _Plan, n_keep: int, min_n: int, X, U, profiles, items, bias
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, k = items.shape
    cols = np.where(items >= 0, items, 0)
    A = ranker.item_attributes_[cols]  # (n, k, m)
    W = ranker.weights_
    n_slots = len(plan.slots)
    value = np.zeros((n, k, n_slots))
    present = np.zeros((n, k, n_slots), dtype=bool)

    # The same products and the same order of sums as ``contributions``, so each value is
    # identical to the one a single explanation computes, not merely close to it.
    terms = X[:, None, :, None] * W[None, None, :, :] * A[:, :, None, :]
    rest = terms.sum(axis=3)
    x_sign, a_sign = np.sign(X), np.sign(A)
    for f_idx, a_idx, xs, as_, number in plan.pairs:
        term = terms[:, :, f_idx, a_idx]
        hit = (x_sign[:, f_idx] == xs)[:, None] & (a_sign[:, :, a_idx] == as_) & (term != 0)
        moved = np.where(hit, term, 0.0)
        value[:, :, number] += moved
        present[:, :, number] |= hit
        rest[:, :, f_idx] -= moved
    for f_idx, number in enumerate(plan.features):
        nonzero = (X[:, f_idx] != 0)[:, None]
        value[:, :, number] += np.where(nonzero, rest[:, :, f_idx], 0.0)
        present[:, :, number] |= nonzero
    for a_idx, as_, number in plan.own:
        own = U[:, None, a_idx] * A[:, :, a_idx]
        hit = (a_sign[:, :, a_idx] == as_) & (own != 0)
        value[:, :, number] += np.where(hit, own, 0.0)
        present[:, :, number] |= hit

    mu = ranker.mu_
    item_bias = ranker.item_bias_[cols]
    value[:, :, plan.rated] = item_bias
    present[:, :, plan.rated] = item_bias != 0
    shareable = np.ones((n, k, n_slots), dtype=bool)
    with np.errstate(invalid="ignore"):
        item_ok = (ranker.item_n_people_ >= min_n) & (ranker.item_mean_rating_ >= mu)
    shareable[:, :, plan.rated] = item_ok[cols]
    effects = ranker.profile_effects_
    has_profile = (profiles >= 0) & (effects.shape[0] > 0)
    effect = np.zeros((n, k))
    if has_profile.any():
        prof = np.where(has_profile, profiles, 0)[:, None]
        effect = np.where(has_profile[:, None], effects[prof, cols], 0.0)
        value[:, :, plan.profile] = effect
        present[:, :, plan.profile] = effect != 0
        with np.errstate(invalid="ignore"):
            profile_ok = (ranker.profile_n_people_ >= min_n) & (ranker.profile_mean_rating_ >= mu)
        shareable[:, :, plan.profile] = profile_ok[prof, cols]

    # Nothing the person's own answers contradict is cited (see ``_believable``).
    for number, slot in enumerate(plan.slots):
        if slot.code in _CLAIMS:
            shareable[:, :, number] &= _believable(ranker, slot.code, slot.params, X, A)

    # Largest first, ties in the order ``contributions`` meets them: the stable sort
    # keeps slot order, which is that order.
    candidate = np.where(present & shareable, value, -np.inf)
    order = np.argsort(-candidate, axis=2, kind="stable")[:, :, :n_keep]
    chosen = np.take_along_axis(candidate, order, axis=2)
    keep = chosen > ranker.reason_threshold
    # Each row's kept reasons come first, so -1 pads only the end.
    slots = np.where(keep, order, -1)
    sizes = np.where(keep, chosen, np.nan)

    # Summed as in ``explain_item``: mean, reward bias, survey and taste terms, profile.
    score = ranker.mu_ + ranker.item_bias_[cols] + np.einsum("nm,nkm->nk", X @ W + U, A)
    score += effect
    score += bias[:, None]
    return score, slots, sizes


def _min_people(ranker: HybridRanker, min_group_size: int | None) -> int:
    """The fewest distinct people a cited rating summary may speak for."""
    return int(ranker.min_group_size if min_group_size is None else min_group_size)


def _summary(mean: float, n: int) -> dict[str, object]:
    """Parameters of a rating summary, as ``contributions`` writes them (keys sorted)."""
    return {"mean": round(mean if n else float("nan"), 2), "n": int(n)}
