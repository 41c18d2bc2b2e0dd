"""Offline evaluation: metrics on known values, and the quality targets on a simulated org."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.evaluate import (
    coverage,
    graded_gain,
    intra_list_diversity,
    ndcg_at_k,
    precision_at_k,
    render_markdown,
    survey_ceiling,
    targets_met,
    top_k,
    world_targets_met,
)
from seed.loaders import load_catalogue, load_seed_instrument
from seed.simulate import run_simulated_evaluation
from seed.world_additive import run_additive_evaluation


def test_top_k_respects_the_allowed_set_and_pads():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [1.0, 2.0, 3.0, 4.0]])
    allowed = np.array([[True, False, True, True], [True, False, False, False]])
    assert top_k(scores, allowed, 3).tolist() == [[3, 2, 0], [0, -1, -1]]
    assert top_k(scores, np.ones_like(allowed), 6).shape == (2, 6)


def test_ndcg_known_values():
    gains = np.array([[3.0, 2.0, 0.0, 1.0]])
    allowed = np.ones_like(gains, dtype=bool)
    assert ndcg_at_k(np.array([[0, 1, 3]]), gains, allowed)[0] == pytest.approx(1.0)
    dcg = 1.0 / np.log2(2) + 0.0 / np.log2(3) + 3.0 / np.log2(4)
    ideal = 3.0 / np.log2(2) + 2.0 / np.log2(3) + 1.0 / np.log2(4)
    assert ndcg_at_k(np.array([[3, 2, 0]]), gains, allowed)[0] == pytest.approx(dcg / ideal)
    # Only allowed rewards count towards the ideal list.
    narrow = np.array([[False, True, True, True]])
    assert ndcg_at_k(np.array([[1, 3, 2]]), gains, narrow)[0] == pytest.approx(1.0)
    assert np.isnan(ndcg_at_k(np.array([[2, -1, -1]]), np.zeros((1, 4)), allowed)[0])


def test_graded_gain_rescales_each_person_over_their_candidates():
    utility = np.array([[-1.0, 0.0, 1.0, 5.0], [10.0, 20.0, 30.0, 40.0]])
    allowed = np.array([[True, True, True, False], [True, True, True, True]])
    gain = graded_gain(utility, allowed)
    assert gain[0].tolist() == pytest.approx([0.0, 2.0**2 - 1, 2.0**4 - 1, 0.0])
    assert gain[1, 0] == 0.0 and gain[1, 3] == pytest.approx(15.0)


def test_precision_coverage_and_diversity_known_values():
    utility = np.array([[5.0, 4.0, 3.0, 2.0, 1.0]])
    allowed = np.ones_like(utility, dtype=bool)
    assert precision_at_k(np.array([[0, 4]]), utility, allowed)[0] == pytest.approx(0.5)
    ranked = np.array([[0, 1, 2], [0, 1, -1]])
    assert coverage(ranked, 10) == pytest.approx(0.3)
    category = np.array([0, 0, 1])
    # First list: pairs (0,1) same, (0,2) and (1,2) differ -> 2/3; second: (0,1) same -> 0.
    assert intra_list_diversity(ranked, category) == pytest.approx((2 / 3 + 0) / 2)


@pytest.fixture(scope="module")
def result():
    # The targets hold for the instrument Motivo ships (the current version, 2): simulated
    # reps answer it as new waves do. Version 1's figures are in README and bench/results.md.
    return run_simulated_evaluation(
        load_seed_instrument(), load_catalogue(), n_people=1200, random_state=3
    )


def test_hybrid_meets_the_quality_targets(result):
    met = targets_met(result)
    # Missed, and recorded as such below (test_cold_reaches_80_per_cent_of_the_oracle...).
    met.pop("cold at least 80% of the oracle")
    assert met == dict.fromkeys(met, True)
    cold = result["groups"]["cold"]["methods"]
    # The naive rule is a real baseline, well above chance and above popularity.
    assert cold["naive rule"]["ndcg"] > cold["random"]["ndcg"] + 0.1
    assert cold["naive rule"]["ndcg"] > cold["popularity"]["ndcg"]
    # Learning from colleagues' ratings beats the survey prior alone, even for cold reps.
    assert cold["hybrid"]["ndcg"] > cold["survey prior"]["ndcg"]
    # Diversified lists span categories; the naive rule's do not.
    assert cold["hybrid"]["diversity"] > 0.5 > cold["naive rule"]["diversity"]


def test_groups_and_markdown(result):
    assert result["groups"]["cold"]["n"] > 250 and result["groups"]["warm"]["n"] > 400
    assert result["n_heldout_ratings"] > 0 and result["organisation"]["violations"] == 0
    table = render_markdown(result)
    assert table.startswith("| group | people | method | NDCG@5 |")
    assert table.count("| cold |") == 7 and table.count("| warm |") == 7
    assert "true utility" in table


def test_survey_ceiling_is_cross_fitted_and_exact_on_a_linear_truth():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(40, 3))
    utility = 1.0 + values @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    fold = np.arange(40) % 2
    assert np.allclose(survey_ceiling(values, utility, fold), utility)
    # A missing score is filled with its column mean, never spread as NaN.
    values[0, 1] = np.nan
    assert np.isfinite(survey_ceiling(values, utility, fold)).all()


# --- ratings visibly help, on more than one world ----------------------------------------


@pytest.fixture(scope="module")
def additive():
    return run_additive_evaluation(
        load_seed_instrument(), load_catalogue(), n_people=1200, random_state=3
    )


@pytest.mark.slow
def test_warm_reps_gain_on_both_worlds(result, additive):
    for world in (result, additive):
        met = world_targets_met(world)
        assert met["warm beats cold by .03"], render_markdown(world)
        assert met["no ineligible or excluded suggestion"]
        cold = world["groups"]["cold"]["methods"]
        # Cold start takes most of what the survey can give (the ceiling reads the truth).
        assert cold["hybrid"]["ndcg"] >= 0.9 * cold["survey ceiling"]["ndcg"]
        assert cold["hybrid"]["ndcg"] > cold["naive rule"]["ndcg"] + 0.05


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="Not met: on both worlds even the survey ceiling is near 80% of an oracle that "
    "knows every taste (tastes the survey does not measure), so cold start stays at .74-.78",
)
def test_cold_reaches_80_per_cent_of_the_oracle_on_both_worlds(result, additive):
    for world in (result, additive):
        assert world_targets_met(world)["cold at least 80% of the oracle"]
