"""The latent-profile simulator: realistic answers, known truth, plausible ratings."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.catalogue import SALES_ROLES
from recommender.quality import quality_flags
from recommender.reliability import cronbach_alpha
from recommender.scoring import answer_matrix, keyed_matrix, score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import PHRASES, eligible_mask, simulate_organisation, simulate_ratings

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()


@pytest.fixture(scope="module")
def org():
    return simulate_organisation(INSTRUMENT, REWARDS, 600, random_state=21)


def test_same_seed_same_organisation():
    a = simulate_organisation(INSTRUMENT, REWARDS, 40, random_state=5)
    b = simulate_organisation(INSTRUMENT, REWARDS, 40, random_state=5)
    c = simulate_organisation(INSTRUMENT, REWARDS, 40, random_state=6)
    assert a.answers == b.answers and np.array_equal(a.utility, b.utility)
    assert a.answers != c.answers
    ra = simulate_ratings(a, REWARDS, random_state=1)
    rb = simulate_ratings(b, REWARDS, random_state=1)
    assert np.array_equal(ra.reward, rb.reward) and np.array_equal(
        ra.rating, rb.rating, equal_nan=True
    )


def test_shapes_roles_and_languages(org):
    n = 600
    assert len(org.answers) == len(org.roles) == len(org.languages) == n
    assert org.utility.shape == (n, len(REWARDS)) and org.reward_ids == tuple(r.id for r in REWARDS)
    assert set(org.roles) <= set(SALES_ROLES) and set(org.languages) == {"en", "nb"}
    assert org.traits.shape == (n, len(INSTRUMENT.constructs))
    assert set(np.unique(org.profiles)) == set(range(4))
    given = simulate_organisation(INSTRUMENT, REWARDS, 3, random_state=0, roles=["sdr"] * 3)
    assert given.roles == ["sdr"] * 3
    with pytest.raises(ValueError, match="roles"):
        simulate_organisation(INSTRUMENT, REWARDS, 3, random_state=0, roles=["sdr"])


def test_answers_are_valid_for_the_instrument(org):
    ranking = INSTRUMENT.ranking_item()
    codes = sorted(o.code for o in ranking.options)
    for response in org.answers:
        for item in INSTRUMENT.likert_items():
            value = response.get(item.code)
            assert value is None or (isinstance(value, int) and item.min <= value <= item.max)
        assert sorted(response[ranking.code]) == codes
    score_responses(INSTRUMENT, org.answers)  # the scorer accepts every answer


def test_scales_are_reliable_and_track_the_latent_traits(org):
    keyed = keyed_matrix(INSTRUMENT, answer_matrix(INSTRUMENT, org.answers))
    likert = INSTRUMENT.likert_items()
    scores = score_responses(INSTRUMENT, org.answers)
    careful = ~org.careless
    for j, construct in enumerate(scores.constructs):
        columns = [c for c, item in enumerate(likert) if item.construct == construct]
        block = keyed[np.ix_(careful, columns)]
        complete = ~np.isnan(block).any(axis=1)
        assert 0.65 < cronbach_alpha(block[complete]) < 0.95, construct
        trait = org.traits[careful, org.constructs.index(construct)]
        ok = ~np.isnan(scores.values[careful, j])
        assert np.corrcoef(scores.values[careful, j][ok], trait[ok])[0, 1] > 0.6, construct


def test_reverse_keyed_items_run_against_their_scale(org):
    raw = answer_matrix(INSTRUMENT, org.answers)[~org.careless]
    likert = INSTRUMENT.likert_items()
    for construct in ("autonomy", "pref_public"):
        normal = [c for c, i in enumerate(likert) if i.construct == construct and not i.reverse]
        reverse = [c for c, i in enumerate(likert) if i.construct == construct and i.reverse]
        assert reverse
        ok = ~np.isnan(raw[:, normal[0]]) & ~np.isnan(raw[:, reverse[0]])
        assert np.corrcoef(raw[ok, normal[0]], raw[ok, reverse[0]])[0, 1] < -0.2


def test_ranking_follows_latent_category_preferences(org):
    scores = score_responses(INSTRUMENT, org.answers)
    careful = ~org.careless
    for j, construct in enumerate(scores.ranking):
        trait = org.traits[careful, org.constructs.index(construct)]
        assert np.corrcoef(scores.rank_values[careful, j], trait)[0, 1] > 0.5


def test_careless_respondents_are_caught_and_careful_ones_mostly_not(org):
    assert 0.005 < org.careless.mean() < 0.08
    flags = quality_flags(INSTRUMENT, org.answers, org.page_seconds)
    caught = np.array(["attention" in f for f in flags])
    assert np.array_equal(caught, org.careless)
    assert all({"straightlining", "speeding"} <= flags[i] for i in np.flatnonzero(org.careless))
    flagged_careful = np.mean([bool(f) for f, c in zip(flags, org.careless, strict=True) if not c])
    assert flagged_careful < 0.15
    pages = [key for key, _ in INSTRUMENT.pages()]
    assert all(list(seconds) == pages for seconds in org.page_seconds)


def test_free_text_comes_from_the_phrase_bank_in_the_persons_language(org):
    text_items = [item.code for item in INSTRUMENT.items if item.type == "text"]
    answered = 0
    for response, language, careless in zip(org.answers, org.languages, org.careless, strict=True):
        for code in text_items:
            if code in response:
                answered += 1
                assert not careless
                bank = {p for phrases in PHRASES.values() for p in phrases[language]}
                assert response[code] in bank
    assert 0.2 < answered / (len(org.answers) * len(text_items)) < 0.5


def test_utility_reflects_latent_preferences(org):
    public = np.array([r.visibility == "public" for r in REWARDS])
    lean = org.traits[:, org.constructs.index("pref_public")]
    gap = org.utility[:, public].mean(axis=1) - org.utility[:, ~public].mean(axis=1)
    assert np.corrcoef(gap, lean)[0, 1] > 0.5
    development = np.array([r.category == "development" for r in REWARDS])
    lean = org.traits[:, org.constructs.index("pref_development")]
    assert np.corrcoef(org.utility[:, development].mean(axis=1), lean)[0, 1] > 0.5


def test_ratings_are_plausible(org):
    sim = simulate_ratings(org, REWARDS, random_state=4)
    eligible = eligible_mask(REWARDS, org.roles)
    assert eligible[sim.person, sim.reward].all()
    pairs = set(zip(sim.person.tolist(), sim.reward.tolist(), strict=True))
    assert len(pairs) == len(sim.person)  # nobody gets the same reward twice
    given = ~sim.dismissed
    assert set(np.unique(sim.rating[given])) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 0.0 < sim.dismissed.mean() < 0.1
    # Managers choose with some sense of fit, and ratings follow true utility.
    chosen = org.utility[sim.person, sim.reward].mean()
    assert chosen > org.utility[eligible].mean() + 0.2
    assert np.corrcoef(sim.rating[given], org.utility[sim.person, sim.reward][given])[0, 1] > 0.5
    assert 3.0 < np.nanmean(sim.rating) < 4.3
    fixed = simulate_ratings(org, REWARDS, n_per_person=2, random_state=4)
    assert np.bincount(fixed.person, minlength=600).tolist() == [2] * 600
