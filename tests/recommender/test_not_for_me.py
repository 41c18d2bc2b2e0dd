""" "Not for me" removes a reward and steers its replacement away from the same kind.

A reward's kind is its category and visibility. After a dismissal the ranker suggests
nothing of a dismissed kind while anything else is eligible.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.recommender.test_ranker import (
    FITTED,
    INDEX,
    REWARDS,
    fit,
    leaning_towards,
    person_features,
)

KIND = [(r.category, r.visibility) for r in REWARDS]


def test_the_replacement_is_not_the_kind_just_rejected():
    ranker = fit(person_features(5))
    x = leaning_towards("recognition", 4.0)
    x[list(ranker.feature_names_).index("pref_public")] = 2.0
    first = ranker.recommend(x, k=1).item_indices[0]
    assert KIND[first] == ("recognition", "public")
    after = ranker.recommend(x, k=5, dismissed=[first]).item_indices
    assert first not in after
    assert ("recognition", "public") not in {KIND[j] for j in after}
    # Other recognition rewards, given in private, are still fine.
    assert ("recognition", "private") in {KIND[j] for j in after}


def test_the_same_kind_comes_back_only_when_nothing_else_is_eligible():
    ranker = fit(person_features(5))
    x = leaning_towards("recognition", 4.0)
    same = [j for j, kind in enumerate(KIND) if kind == KIND[0]]
    assert len(same) >= 2
    only = np.zeros(len(REWARDS), dtype=bool)
    only[same] = True
    after = ranker.recommend(x, k=3, candidates=only, dismissed=[same[0]]).item_indices
    assert after.tolist() and same[0] not in after
    assert {KIND[j] for j in after} == {KIND[0]}
    # With one other reward eligible, it comes first.
    other = next(j for j, kind in enumerate(KIND) if kind != KIND[0] and REWARDS[j].active)
    only[other] = True
    after = ranker.recommend(x, k=3, candidates=only, dismissed=[same[0]]).item_indices
    assert after[0] == other
    assert (
        not ranker.recommend(x, k=3, candidates=only, dismissed=[same[0]])
        .explanations[0]
        .promoted_for_variety
    )


@settings(max_examples=60, deadline=None)
@given(
    person=st.integers(0, 24),
    k=st.integers(1, 10),
    allowed=st.lists(st.booleans(), min_size=len(REWARDS), max_size=len(REWARDS)),
    dismissed=st.sets(st.integers(0, len(REWARDS) - 1), max_size=4),
)
def test_dismissed_kinds_wait_until_nothing_else_is_left(person, k, allowed, dismissed):
    mask = np.asarray(allowed)
    result = FITTED.recommend(person, k, candidates=mask, dismissed=dismissed)
    idx = result.item_indices.tolist()
    rejected = {KIND[j] for j in dismissed}
    rated = set(
        FITTED.rated_items_[FITTED.rated_indptr_[person] : FITTED.rated_indptr_[person + 1]]
    )
    eligible = [j for j in np.flatnonzero(mask) if j not in dismissed and j not in rated]
    fresh = [j for j in eligible if KIND[j] not in rejected]
    assert not set(idx) & dismissed
    assert len(idx) == min(k, len(eligible))
    # Every fresh reward comes before any reward of a rejected kind.
    kinds = [KIND[j] in rejected for j in idx]
    assert kinds == sorted(kinds)
    assert sum(not flag for flag in kinds) == min(k, len(fresh))
    batch, _ = FITTED.recommend_batch([person], k, candidates=mask, dismissed=[dismissed])
    assert batch[0][batch[0] >= 0].tolist() == idx
    as_mask = np.zeros((1, len(REWARDS)), dtype=bool)
    as_mask[0, list(dismissed)] = True
    again, _ = FITTED.recommend_batch([person], k, candidates=mask, dismissed=as_mask)
    assert again.tolist() == batch.tolist()


def test_without_dismissals_nothing_changes():
    idx, scores = FITTED.recommend_batch(None, 5)
    same, same_scores = FITTED.recommend_batch(None, 5, dismissed=[()] * len(idx))
    assert same.tolist() == idx.tolist()
    assert INDEX.attribute_names == FITTED.attribute_names_
