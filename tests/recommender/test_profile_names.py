"""Profile names and descriptions follow the distinctive constructs and never contradict them.

A construct is distinctive when its standardised profile mean is at least the threshold
away from 0. "Balanced" means none is; a name cites only distinctive constructs on the
side the name says; a description says "more than most" only of high ones and "less"
only of low ones, and names every construct the name uses.
"""

from __future__ import annotations

import json
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recommender.profiles import BALANCED, CONSTRUCT_PHRASES, describe_profiles

CONSTRUCTS = tuple(CONSTRUCT_PHRASES)
THRESHOLD = 0.3
LEAD = {
    "en": (
        r"People in this profile care more than most about (?P<high>.+?)(, and less about "
        r"(?P<low>.+?))?\.|People in this profile care less than most about (?P<only_low>.+?)\."
    ),
    "nb": (
        r"Personer i denne profilen er mer opptatt enn de fleste av (?P<high>.+?)(, og mindre "
        r"av (?P<low>.+?))?\.|Personer i denne profilen er mindre opptatt enn de fleste av "
        r"(?P<only_low>.+?)\."
    ),
}


def phrase(key: str, lang: str) -> str:
    return CONSTRUCT_PHRASES[key][lang][1]


def label(key: str, lang: str) -> str:
    return CONSTRUCT_PHRASES[key][lang][0]


def cited(text: str | None, lang: str) -> set[str]:
    if not text:
        return set()
    return {key for key in CONSTRUCTS if phrase(key, lang) in text}


def named(name: str, lang: str) -> set[str]:
    """Constructs a profile name is made of: labels joined by "and", after a lead."""
    bare = re.sub(r" \d+$", "", name)
    bare = re.sub(r"^(Less drawn to|Mindre opptatt av) ", "", bare)
    by_label = {label(k, lang).lower(): k for k in CONSTRUCTS}
    parts = bare.lower().split(" and " if lang == "en" else " og ")
    assert all(part in by_label for part in parts), name
    return {by_label[part] for part in parts}


def check(labels, means: np.ndarray) -> None:
    for row, profile in zip(means, labels, strict=True):
        high = {k for k, v in zip(CONSTRUCTS, row, strict=True) if v >= THRESHOLD}
        low = {k for k, v in zip(CONSTRUCTS, row, strict=True) if v <= -THRESHOLD}
        for lang in ("en", "nb"):
            name, text = profile.name[lang], profile.description[lang]
            balanced = re.fullmatch(rf"{BALANCED[lang]}( \d+)?", name) is not None
            assert balanced == (not high and not low), (name, row)
            if balanced:
                assert not cited(text, lang), text
                continue
            found = re.match(LEAD[lang], text)
            assert found, text
            said_high = cited(found["high"], lang)
            said_low = cited(found["low"] or found["only_low"], lang)
            assert said_high <= high and said_low <= low, (name, text, row)
            assert said_high or said_low
            assert bool(found["high"]) == bool(high)  # "care less" only without any high
            # The constructs in the name are distinctive on the side it says, and described.
            in_name = named(name, lang)
            if name.startswith(("Less drawn to", "Mindre opptatt av")):
                assert not high and in_name and in_name <= low, (name, row)
                assert in_name <= said_low
            else:
                assert in_name and in_name <= high, (name, row)
                assert in_name <= said_high


means_strategy = st.integers(1, 6).flatmap(
    lambda k: arrays(
        float,
        (k, len(CONSTRUCTS)),
        elements=st.sampled_from([0.0, 0.1, -0.1, 0.29, -0.29, 0.3, -0.3, 0.8, -0.8, 1.5, -1.5]),
    )
)


@settings(max_examples=200, deadline=None)
@given(means=means_strategy)
def test_names_and_descriptions_follow_the_distinctive_constructs(means):
    check(describe_profiles(means, CONSTRUCTS, threshold=THRESHOLD), means)


@settings(max_examples=100, deadline=None)
@given(before=means_strategy, shift=st.floats(-1.0, 1.0), seed=st.integers(0, 100))
def test_kept_names_never_contradict_the_new_means(before, shift, seed):
    first = describe_profiles(before, CONSTRUCTS, threshold=THRESHOLD)
    rng = np.random.default_rng(seed)
    after = before + shift * rng.normal(size=before.shape)
    check(describe_profiles(after, CONSTRUCTS, threshold=THRESHOLD, previous=first), after)


def test_a_balanced_profile_never_mentions_time_off():
    means = np.zeros((2, len(CONSTRUCTS)))
    means[0, CONSTRUCTS.index("pref_time")] = -0.9
    means[1, CONSTRUCTS.index("pref_time")] = -0.2
    labels = describe_profiles(means, CONSTRUCTS, threshold=THRESHOLD)
    assert labels[0].name["en"] == "Less drawn to flexibility"
    assert labels[1].name == BALANCED
    assert "time off" not in labels[1].description["en"]
    check(labels, means)


def test_a_stored_label_that_contradicts_its_profile_is_rewritten_on_loading():
    from recommender.artefact import MotivoModel, from_artefact, to_artefact
    from recommender.ratings import Ratings
    from recommender.scoring import score_responses
    from seed.loaders import load_catalogue, load_default_instrument
    from seed.simulate import simulate_organisation

    instrument, rewards = load_default_instrument(), load_catalogue()
    org = simulate_organisation(instrument, rewards, 150, random_state=3)
    scores = score_responses(instrument, org.answers)
    model = MotivoModel(
        profile_params={"min_silhouette": 0.0, "min_entropy": 0.0}, random_state=0
    ).fit(scores, Ratings.empty(), rewards)
    blob, meta = to_artefact(model)
    # Loading a sound model changes nothing.
    assert from_artefact(blob, meta).profile_labels_ == model.profile_labels_
    # An artefact written before names followed the means: a distinctive profile is
    # "Balanced" and described as caring less about time off.
    means = model.profiles_.means_
    constructs = model.features_.constructs
    distinctive = int(np.argmax(np.abs(means).max(axis=1)))
    assert np.abs(means[distinctive]).max() >= THRESHOLD
    bad = json.loads(json.dumps(meta))
    bad["profile_labels"][distinctive]["name"] = dict(BALANCED)
    bad["profile_labels"][distinctive]["description"] = {
        "en": "People in this profile care less than most about time and flexibility.",
        "nb": "Personer i denne profilen er mindre opptatt enn de fleste av tid og fleksibilitet.",
    }
    restored = from_artefact(blob, bad)
    assert restored.profile_labels_[distinctive].name != BALANCED
    assert restored.profile_labels_ == describe_profiles(means, constructs)
    check_for(restored.profile_labels_, means, constructs)


def check_for(labels, means: np.ndarray, constructs) -> None:
    """``check`` for a model's own constructs (columns in a different order)."""
    order = [list(constructs).index(k) for k in CONSTRUCTS if k in constructs]
    assert len(order) == len(CONSTRUCTS)
    check(labels, means[:, order])
