"""The careless-responding flags on simulated respondents from both simulated worlds.

Targets from issue 14: at most 1 % of attentive people flagged, at least 80 % of each
careless pattern. Large samples on a fixed seed, so the figures are not a coin toss:
2,000 attentive people (1 % = 20 of them) and 500 per pattern.
"""

import numpy as np
import pytest

from recommender.quality import quality_flags
from seed.careless import PATTERNS, WORLDS, flag_rates, simulate_responses, with_disagree_checks
from seed.loaders import load_catalogue, load_default_instrument, load_seed_instrument

DEFAULT = load_default_instrument()
INSTRUMENTS = {
    "v1": DEFAULT,
    "two_checks": with_disagree_checks(DEFAULT),
    "v2": load_seed_instrument(2),  # the instrument Motivo ships: best-worst tasks, bipolar items
}


@pytest.fixture(scope="module")
def rewards():
    return load_catalogue()


@pytest.mark.slow
@pytest.mark.parametrize("world", WORLDS)
@pytest.mark.parametrize("name", list(INSTRUMENTS))
def test_flags_meet_the_targets_on_simulated_respondents(name, world, rewards):
    rates = flag_rates(
        INSTRUMENTS[name],
        world,
        n_attentive=2000,
        n_per_pattern=500,
        random_state=0,
        rewards=rewards,
    )
    assert rates["attentive"] <= 0.01, rates
    for pattern in PATTERNS:
        assert rates[pattern] >= 0.80, (pattern, rates)


def test_the_two_check_instrument_asks_for_disagree_answers_and_one_is_on_page_one():
    instrument = INSTRUMENTS["two_checks"]
    checks = [item for item in instrument.items if item.type == "attention"]
    assert len(checks) == 2
    assert all(item.expected < 3 for item in checks)
    first_page = instrument.pages()[0][1]
    assert any(item.type == "attention" for item in first_page)


@pytest.mark.parametrize("world", WORLDS)
def test_patterns_look_like_what_they_claim(world, rewards):
    sim = simulate_responses(
        DEFAULT, world, n_attentive=50, n_per_pattern=20, random_state=3, rewards=rewards
    )
    codes = [item.code for item in DEFAULT.likert_items()]
    values = np.array([[r.get(c, np.nan) for c in codes] for r in sim.answers], dtype=float)
    spread = np.nanstd(values, axis=1)
    assert (spread[sim.pattern == "straight_line"] == 0).all()
    assert (spread[sim.pattern == "attentive"] > 0.5).all()
    pace = np.array(
        [
            sum(s.values()) / max(len(r), 1)
            for r, s in zip(sim.answers, sim.page_seconds, strict=True)
        ]
    )
    assert np.median(pace[sim.pattern == "speeding"]) < 1.5
    assert np.median(pace[sim.pattern == "attentive"]) > 4.0
    again = simulate_responses(
        DEFAULT, world, n_attentive=50, n_per_pattern=20, random_state=3, rewards=rewards
    )
    assert again.answers == sim.answers and again.page_seconds == sim.page_seconds


def test_attentive_people_who_agree_with_everything_are_rarely_flagged(rewards):
    # The respondents most at risk of an unfair flag: the 5 % of attentive people whose
    # answers vary least. Soft signs fire for them, but two together stay rare.
    sim = simulate_responses(
        DEFAULT, "additive", n_attentive=2000, n_per_pattern=0, random_state=5, rewards=rewards
    )
    codes = [item.code for item in DEFAULT.likert_items()]
    values = np.array([[r.get(c, np.nan) for c in codes] for r in sim.answers], dtype=float)
    narrow = np.nanstd(values, axis=1) <= np.percentile(np.nanstd(values, axis=1), 5)
    flags = quality_flags(DEFAULT, sim.answers, sim.page_seconds)
    flagged = np.array([bool(f) for f in flags])
    assert flagged[narrow].mean() <= 0.03


@pytest.mark.slow
@pytest.mark.parametrize("world", WORLDS)
def test_with_two_checks_an_occasional_mis_tap_is_not_punished(world, rewards):
    # 2 % of instructed answers mis-tapped: with two checks one slip is only a soft sign.
    two = flag_rates(
        INSTRUMENTS["two_checks"],
        world,
        n_attentive=2000,
        n_per_pattern=0,
        random_state=0,
        rewards=rewards,
        slip_rate=0.02,
    )
    assert two["attentive"] <= 0.01
    # With the single check of version 1 every slip is a hard flag: the cost of one item.
    one = flag_rates(
        DEFAULT,
        world,
        n_attentive=2000,
        n_per_pattern=0,
        random_state=0,
        rewards=rewards,
        slip_rate=0.02,
    )
    assert one["attentive"] > two["attentive"]
