"""A reward picked for variety says what it adds, and only what a rep can see is new.

"Added to vary your suggestions" on a third personal gift, under two personal gifts, reads as
false: the list a rep sees is what they check the sentence against. A pick of a category
the list already has is called varied only for a side (public or private, team or alone,
lasting or right away) that every earlier pick of its category lacks, and says which.
"""

from __future__ import annotations

import numpy as np
import pytest

from recommender.artefact import MotivoModel
from recommender.explain import variety_text
from recommender.ratings import Ratings
from recommender.scoring import score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()
SIDES = {
    "visibility": {1.0: "public", -1.0: "private"},
    "scope": {1.0: "team", -1.0: "individual"},
    "horizon": {1.0: "long", -1.0: "short"},
}


@pytest.fixture(scope="module")
def ranker():
    org = simulate_organisation(INSTRUMENT, REWARDS, 300, random_state=31)
    sim = simulate_ratings(org, REWARDS, random_state=32)
    scores = score_responses(INSTRUMENT, org.answers)
    model = MotivoModel(random_state=0).fit(
        scores, Ratings(sim.person, sim.reward, sim.rating), REWARDS
    )
    return model.ranker_


def _describe(ranker, item):
    names = list(ranker.attribute_names_)
    a = ranker.item_attributes_[item]
    category = next(n for j, n in enumerate(names) if n.startswith("category:") and a[j] > 0)
    sides = {attr: SIDES[attr][float(np.sign(a[names.index(attr)]))] for attr in SIDES}
    return category, sides


def test_a_variety_pick_names_what_the_list_above_it_lacks(ranker):
    items, _, explanations = ranker.recommend_batch(None, 5, explain=True)
    generic = {variety_text("kind", "rep", lang) for lang in ("en", "nb")}
    named, new_kind = 0, 0
    for person in range(items.shape[0]):
        above = []
        for col in range(items.shape[1]):
            item = int(items[person, col])
            category, sides = _describe(ranker, item)
            explanation = explanations.explanation(person, col)
            texts = explanations.texts(person, col) + explanations.texts(person, col, "nb")
            same = [s for c, s in above if c == category]
            if explanation.promoted_for_variety:
                if not same:
                    assert explanation.variety == "kind"
                    new_kind += 1
                else:
                    # The side it names: every earlier pick of its category has the other.
                    attr = next(a for a, v in SIDES.items() if explanation.variety in v.values())
                    assert sides[attr] == explanation.variety
                    assert all(s[attr] != explanation.variety for s in same)
                    named += 1
                    assert not generic & set(texts)
                    assert variety_text(explanation.variety, "rep", "en") in texts
                    assert variety_text(explanation.variety, "rep", "nb") in texts
            else:
                assert not any("vary" in t or "variasjon" in t for t in texts)
            above.append((category, sides))
    # Both kinds of pick occur in this organisation, or the test checks nothing.
    assert named and new_kind


def test_the_manager_reads_the_same_side():
    from recommender.explain import Explanation, Reason

    shown = Explanation(0, 4.0, (Reason("type_liked"),), True, "team")
    assert shown.texts_for_manager()[-1] == variety_text("team", "manager", "en")
    assert shown.texts()[-1] == variety_text("team", "rep", "en")
    assert "team" in shown.texts()[-1] and "team" in shown.texts_for_manager("nb")[-1]
    assert shown.to_dict()["variety"] == "team"
    # An explanation built before sides existed still reads as before.
    old = Explanation(0, 4.0, (Reason("type_liked"),), promoted_for_variety=True)
    assert old.texts()[-1] == "Added to vary your suggestions"


def test_a_pick_that_adds_nothing_visible_is_not_called_varied():
    from recommender.variety import ASPECTS, RewardSides, variety_aspects

    names = ("category:time", "category:wellness", "visibility", "scope", "horizon")
    attributes = np.array(
        [
            [1, 0, -1, -1, -1],  # 0: private time off for one, right away
            [1, 0, -1, -1, 1],  # 1: the same, lasting
            [0, 1, 1, 1, 1],  # 2: public team wellness, lasting
            [1, 0, -1, -1, -1],  # 3: a twin of 0
            [1, 0, 1, -1, -1],  # 4: public time off
        ],
        dtype=float,
    )
    sides = RewardSides.of(attributes, names)
    items = np.array([[0, 2, 3, 1, 4], [0, 1, -1, -1, -1]])
    promoted = np.array([[True, True, True, True, True], [False, True, True, False, False]])
    got = [[ASPECTS[c] for c in row] for row in variety_aspects(items, promoted, sides)]
    # The first pick is never a variety pick; a twin adds nothing; a lasting one under a
    # right-away one says so; public beats the horizon because visibility is looked at first.
    assert got == [["", "kind", "", "long", "public"], ["", "long", "", "", ""]]
