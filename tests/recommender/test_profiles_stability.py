"""Profiles on demo-sized simulated organisations: planted profiles are found, and a
retraining after a few changed answers keeps the same profiles under the same names."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from recommender.profiles import MotivationProfiles, describe_profiles
from recommender.quality import quality_flags
from recommender.scoring import score_responses
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation

INSTRUMENT = load_default_instrument()
REWARDS = load_catalogue()
DEMO_REPS = 57  # consenting reps in the demo organisation
DEMO_SEED = 11  # services.demo.load_demo_survey's random_state


def scored(answers, page_seconds):
    scores = score_responses(INSTRUMENT, answers)
    flags = quality_flags(INSTRUMENT, answers, page_seconds)
    return scores, np.asarray([bool(f) for f in flags])


def change_answers(answers, share: float, seed: int):
    """Move ``share`` of all likert answers one step up or down."""
    rng = np.random.default_rng(seed)
    changed = [dict(a) for a in answers]
    cells = [
        (person, item)
        for person, response in enumerate(changed)
        for item in INSTRUMENT.likert_items()
        if isinstance(response.get(item.code), int)
    ]
    for index in rng.choice(len(cells), size=round(share * len(cells)), replace=False):
        person, item = cells[index]
        value = changed[person][item.code] + int(rng.choice([-1, 1]))
        changed[person][item.code] = int(np.clip(value, item.min, item.max))
    return changed


@pytest.mark.parametrize("seed", [DEMO_SEED, 12, 14, 16])
def test_demo_sized_organisation_recovers_the_planted_profiles(seed):
    org = simulate_organisation(INSTRUMENT, REWARDS, DEMO_REPS, random_state=seed)
    scores, flagged = scored(org.answers, org.page_seconds)
    model = MotivationProfiles(random_state=0).fit(scores.values[~flagged])
    assert model.n_profiles_ == 4
    assert adjusted_rand_score(org.profiles[~flagged], model.labels_) >= 0.8
    # No catch-all profile swallowing most of the organisation.
    assert model.counts_.max() <= 0.5 * model.counts_.sum()
    labels = describe_profiles(model.means_, scores.constructs)
    assert all(label.name["en"] != "Balanced" for label in labels)


@pytest.mark.parametrize("seed", [DEMO_SEED, 12, 13, 14])
def test_retraining_after_five_percent_changed_answers_keeps_profiles_and_names(seed):
    org = simulate_organisation(INSTRUMENT, REWARDS, DEMO_REPS, random_state=seed)
    before, flagged_before = scored(org.answers, org.page_seconds)
    after, flagged_after = scored(change_answers(org.answers, 0.05, seed), org.page_seconds)

    first = MotivationProfiles(random_state=0).fit(before.values[~flagged_before])
    first_labels = describe_profiles(first.means_, before.constructs)
    second = MotivationProfiles(random_state=1, previous_centroids=first.cluster_centers_).fit(
        after.values[~flagged_after]
    )
    kept = [first_labels[j] if j >= 0 else None for j in second.previous_label_]
    second_labels = describe_profiles(second.means_, after.constructs, previous=kept)

    # The two trainings partition today's answers (almost) the same way.
    usable = after.values[~flagged_after]
    assert adjusted_rand_score(first.predict(usable), second.predict(usable)) >= 0.9
    assert second.n_profiles_ == first.n_profiles_
    assert [label.name for label in second_labels] == [label.name for label in first_labels]
