"""Reasons a person believes: grammatical in both languages, true to their own answers.

Every sentence is one of the translated templates with every slot filled, none has a known
agreement slip, and no reason says something the person's own chart contradicts (a
preference on the low side of the scale's midpoint, a ranking near the bottom, a
construct the reward has nothing to do with).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender.artefact import MotivoModel
from recommender.catalogue import CATEGORIES
from recommender.explain import (
    TEMPLATES,
    VARIETY_TEXTS,
    Explanation,
    Reason,
    render,
    render_for_manager,
)
from recommender.ratings import Ratings
from recommender.scoring import ScaleScores, score_responses
from recommender.variety import ASPECTS
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()
MIDPOINT = 3.0
CONSTRUCTS = (
    "autonomy",
    "mastery",
    "purpose",
    *(f"pref_{c}" for c in CATEGORIES),
    "pref_public",
    "pref_team",
)

# Agreement slips and leftovers that must never reach a reader.
FORBIDDEN = [
    r"\b(recognition|access|flexibility|wellness|mentoring|growth) matter\b",
    r"\b(experiences|gifts|rewards) matters\b",
    r"\bmatter to them\b",
    r"\b1 people\b",
    r"\b1 personer\b",
    r"\bfor dem\b",  # the rep is one person: "hen", not "dem"
    r"\bderes\b",
    r"\bde (jobber|gjør)\b",
    r"^(Prefers|Puts|Has|Fits|Foretrekker|Legger|Har|Passer)\b",  # no subject
    r"[{}]",
    r"\b(None|nan|NaN)\b",
    r"  ",
    r"^\s|\s$",
]


def every_reason() -> list[Reason]:
    """One reason of each shape the explainer can produce."""
    out = []
    for c in CATEGORIES:
        out.append(Reason("preference", {"category": c}))
        out.append(Reason("own_ratings", {"category": c}))
        for n in (3, 7, 12):
            for pos in range(1, n + 1):
                out.append(Reason("ranking", {"category": c, "position": pos, "n_options": n}))
    for prefers in ("public", "private"):
        out.append(Reason("visibility", {"prefers": prefers}))
    for prefers in ("team", "individual"):
        out.append(Reason("scope", {"prefers": prefers}))
    for construct in (*CONSTRUCTS, "grit"):
        out.append(Reason("motivation", {"construct": construct}))
        out.append(Reason("survey", {"construct": construct}))
        out.append(Reason("survey", {"construct": f"rank:{construct}"}))
    for attribute, sides in (
        ("visibility", ("public", "private")),
        ("scope", ("team", "individual")),
        ("horizon", ("long", "short")),
        ("cost_band", ("higher", "lower")),
    ):
        for side in sides:
            out.append(Reason("own_ratings", {"attribute": attribute, "side": side}))
    out.append(Reason("type_liked", {}))
    for n in (1, 2, 5, 40):
        out.append(Reason("rated_well", {"mean": 4.25, "n": n}))
        out.append(Reason("similar_profile", {"profile": 0, "mean": 3.96, "n": n}))
    return out


def template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\S(?:.*\S)?)"
        for i, part in enumerate(parts)
    )
    return re.compile(regex)


PATTERNS = {
    (audience, lang): [
        template_pattern(t[lang])
        for (aud, _), t in (*TEMPLATES.items(), *VARIETY_TEXTS.items())
        if aud == audience
    ]
    for audience in ("rep", "manager")
    for lang in ("en", "nb")
}


def assert_well_formed(sentence: str, audience: str, lang: str) -> None:
    assert any(p.fullmatch(sentence) for p in PATTERNS[(audience, lang)]), (
        f"not a {lang} {audience} template: {sentence!r}"
    )
    for pattern in FORBIDDEN:
        assert not re.search(pattern, sentence), f"{pattern!r} in {sentence!r}"
    assert sentence[:1].isupper(), sentence


def test_every_template_exists_in_both_languages():
    for key, texts in (*TEMPLATES.items(), *VARIETY_TEXTS.items()):
        assert set(texts) == {"en", "nb"}, key
        for lang in ("en", "nb"):
            slots_en = set(re.findall(r"\{(\w+)\}", texts["en"]))
            assert set(re.findall(r"\{(\w+)\}", texts[lang])) == slots_en, key


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_every_reason_reads_as_a_filled_template_for_the_rep_and_the_manager(lang):
    for reason in every_reason():
        assert_well_formed(render(reason, lang), "rep", lang)
        text = render_for_manager(reason, lang)
        if text is not None:
            assert_well_formed(text, "manager", lang)
    for aspect in ASPECTS[1:]:
        flagged = Explanation(0, 4.0, (Reason("type_liked"),), True, aspect)
        assert_well_formed(flagged.texts(lang)[-1], "rep", lang)
        assert_well_formed(flagged.texts_for_manager(lang)[-1], "manager", lang)


def test_manager_reasons_speak_of_one_person():
    preference = Reason("preference", {"category": "recognition"})
    assert render_for_manager(preference, "en") == "They rated recognition highly in the survey"
    assert render_for_manager(preference, "nb") == "Hen ga anerkjennelse høy score i undersøkelsen"
    mastery = Reason("motivation", {"construct": "mastery"})
    assert render_for_manager(mastery, "nb") == "Det betyr mye for hen å bli bedre i det hen gjør"
    assert render_for_manager(Reason("scope", {"prefers": "team"}), "en") == (
        "They prefer rewards shared with the team"
    )
    one = Reason("rated_well", {"mean": 5.0, "n": 1})
    assert render(one, "en") == "Colleagues rated this above average (1 person)"
    assert render(one, "nb") == "Kolleger vurderte denne over snittet (1 person)"


# --------------------------------------------------------------------------- claims


def related(construct: str, reward) -> bool:
    """Whether the survey's prior links a high answer on ``construct`` to this reward."""
    key = construct.removeprefix("rank:")
    if key.startswith("pref_") and key.removeprefix("pref_") in CATEGORIES:
        return reward.category == key.removeprefix("pref_")
    return {
        "pref_public": reward.visibility == "public",
        "pref_team": reward.scope == "team",
        "mastery": reward.category == "development" or reward.horizon == "long",
        "autonomy": reward.category in ("time", "experience"),
        "purpose": reward.scope == "team" or reward.category == "personal",
    }.get(key, False)


def rank_position(rank_values: np.ndarray, ranking: tuple[str, ...], construct: str) -> int:
    value = rank_values[ranking.index(construct)]
    return int(round((1.0 - value) * (len(ranking) - 1))) + 1


def contradictions(reason: Reason, raw: dict[str, float], ranks, ranking, reward) -> list[str]:
    """What the person's own answers say against this reason (empty: nothing)."""
    p, code = reason.params, reason.code
    bad = []

    def high(key: str) -> None:
        if not raw.get(key, np.nan) > MIDPOINT:
            bad.append(f"{code} cites {key} at {raw.get(key)}")

    if code == "preference":
        high(f"pref_{p['category']}")
        if reward.category != p["category"]:
            bad.append("preference for another category")
    elif code == "ranking":
        pos = rank_position(ranks, ranking, f"pref_{p['category']}")
        if pos != p["position"] or pos > 3:
            bad.append(f"ranking cited at position {pos} ({p})")
    elif code == "visibility":
        value = raw["pref_public"]
        if p["prefers"] == "public" and not (value > MIDPOINT and reward.visibility == "public"):
            bad.append(f"says prefers public at {value}")
        if p["prefers"] == "private" and not (value < MIDPOINT and reward.visibility == "private"):
            bad.append(f"says prefers private at {value}")
    elif code == "scope":
        value = raw["pref_team"]
        if p["prefers"] == "team" and not (value > MIDPOINT and reward.scope == "team"):
            bad.append(f"says prefers team rewards at {value}")
        if p["prefers"] == "individual" and not (value < MIDPOINT and reward.scope == "individual"):
            bad.append(f"says prefers individual rewards at {value}")
    elif code in ("motivation", "survey"):
        construct = str(p["construct"])
        if construct.startswith("rank:"):
            if rank_position(ranks, ranking, construct.removeprefix("rank:")) > 3:
                bad.append(f"cites a low rank of {construct}")
        else:
            high(construct)
        if not related(construct, reward):
            bad.append(f"{construct} has nothing to do with {reward.id}")
    return bad


@pytest.fixture(scope="module")
def fitted():
    org = simulate_organisation(INSTRUMENT, REWARDS, 200, random_state=5)
    sim = simulate_ratings(org, REWARDS, random_state=6)
    scores = score_responses(INSTRUMENT, org.answers)
    # A light weight penalty lets the ratings move many feature-by-attribute weights away
    # from the prior, the source of the neutral "survey" reasons.
    model = MotivoModel(ranker_params={"weight_alpha": 5.0}, random_state=0).fit(
        scores, Ratings(sim.person, sim.reward, sim.rating), REWARDS
    )
    return model, scores


def check_all_rewards(model, scores: ScaleScores, explanations, rows) -> int:
    cited = 0
    for r, row in enumerate(rows):
        raw = dict(zip(scores.constructs, scores.values[row].tolist(), strict=True))
        for j, reward in enumerate(REWARDS):
            explanation = explanations.explanation(r, j)
            for reason in explanation.reasons:
                cited += 1
                problems = contradictions(
                    reason, raw, scores.rank_values[row], scores.ranking, reward
                )
                assert not problems, (reward.id, reason, problems)
            for lang in ("en", "nb"):
                for text in explanations.texts(r, j, lang):
                    assert_well_formed(text, "rep", lang)
                for text in explanation.texts_for_manager(lang):
                    assert_well_formed(text, "manager", lang)
    return cited


def test_no_reason_contradicts_the_persons_own_scores(fitted):
    model, scores = fitted
    n = scores.values.shape[0]
    rows = np.arange(n)
    items = np.tile(np.arange(len(REWARDS)), (n, 1))
    explanations = model.ranker_.explain_batch(rows, items)
    assert check_all_rewards(model, scores, explanations, rows) > n  # reasons were cited
    # One at a time gives the same reasons.
    for row in range(0, n, 37):
        for j in range(0, len(REWARDS), 5):
            assert model.ranker_.explain(row, j).reasons == explanations.explanation(row, j).reasons


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(
        st.floats(1.0, 5.0, allow_nan=False), min_size=len(CONSTRUCTS), max_size=len(CONSTRUCTS)
    ),
    order=st.permutations(range(7)),
)
def test_new_answers_get_no_contradicting_reason(fitted, values, order):
    model, scores = fitted
    position = {c: j for j, c in enumerate(CONSTRUCTS)}
    row = np.asarray([values[position[c]] for c in scores.constructs])[None, :]
    n_rank = len(scores.ranking)
    ranks = np.asarray([(n_rank - 1 - order[j]) / (n_rank - 1) for j in range(n_rank)])[None, :]
    new = ScaleScores(scores.constructs, row, scores.ranking, ranks)
    X, labels = model.person_terms(new)
    items = np.arange(len(REWARDS))[None, :]
    profiles = labels if model.use_profiles_ else None
    explanations = model.ranker_.explain_batch(None, items, features=X, profiles=profiles)
    check_all_rewards(model, new, explanations, [0])


def test_a_stated_preference_needs_a_score_past_the_scale_midpoint():
    from tests.recommender.test_explain import INDEX, NAMES, fit, person

    ranker = fit()
    public = INDEX.column("wellness-public-individual")
    private = INDEX.column("wellness-private-individual")
    column = NAMES.index("pref_public")

    def says(x, item) -> set:
        return {str(r.params.get("prefers")) for r in ranker.explain(x, item).reasons}

    keen, shy = person(pref_public=1.0), person(pref_public=-1.0)
    assert "public" in says(keen, public) and "private" in says(shy, private)
    # Most colleagues disagree with public praise: 1.0 above their mean is still below 3.
    ranker.feature_midpoints_ = np.zeros(len(NAMES))
    ranker.feature_midpoints_[column] = 1.5
    assert "public" not in says(keen, public)
    assert "private" in says(shy, private)
    # Most colleagues love it: 1.0 below their mean is still above 3, not "private".
    ranker.feature_midpoints_[column] = -1.5
    assert "private" not in says(shy, private)
    assert "public" in says(keen, public)


def test_midpoints_place_the_scale_middle_on_the_feature_scale(fitted):
    model, scores = fitted
    mid = model.features_.midpoints()
    assert mid.shape == (len(model.features_.names),)
    at_three = ScaleScores(
        scores.constructs,
        np.full((1, len(scores.constructs)), 3.0),
        scores.ranking,
        np.full((1, len(scores.ranking)), 0.5),
    )
    X = model.features_.transform(at_three)[0]
    assert X[1:] == pytest.approx(mid[1:])
    assert mid[0] == 0.0
    assert model.ranker_.feature_midpoints_ == pytest.approx(mid)
