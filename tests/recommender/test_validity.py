"""Known answers for recommender.validity: simulated factor structures, invariance, ICC."""

import math

import numpy as np
import pytest

from recommender.instrument import parse_instrument
from recommender.validity import (
    ValidityError,
    _MultiGroup,
    cfa_report,
    fit_cfa,
    icc_a1,
    invariance,
    retest,
)

LOADINGS = np.array([0.8, 0.7, 0.6, 0.5, 0.75, 0.65, 0.55, 0.45])
OWNERS = ("drive",) * 4 + ("team",) * 4
CODES = tuple(f"i{j}" for j in range(8))
FACTOR_R = 0.3


def simulate(n, rng, intercepts=None, loadings=LOADINGS):
    """Standardised items: two correlated factors, four items each."""
    phi = np.array([[1.0, FACTOR_R], [FACTOR_R, 1.0]])
    eta = rng.multivariate_normal(np.zeros(2), phi, size=n)
    big = np.zeros((8, 2))
    big[:4, 0] = loadings[:4]
    big[4:, 1] = loadings[4:]
    noise = rng.normal(size=(n, 8)) * np.sqrt(1 - loadings**2)
    x = eta @ big.T + noise
    return x if intercepts is None else x + intercepts


def test_loadings_of_a_known_structure_are_recovered():
    x = simulate(3000, np.random.default_rng(1))
    result = fit_cfa(x, CODES, OWNERS)
    assert result.constructs == ("drive", "team")
    np.testing.assert_allclose(result.loadings, LOADINGS, atol=0.04)
    assert result.fit.df == 8 * 9 // 2 - (2 * 8 + 1)
    # The true model: good fit, and every index says so.
    assert result.fit.cfi > 0.99 and result.fit.rmsea < 0.03 and result.fit.srmr < 0.02
    text = " ".join(result.warnings)
    assert "Item 'i7' loads only" in text  # true loading .45
    assert "Item 'i0'" not in text and "CFI" not in text
    # Omega of congeneric items: (sum l)^2 / ((sum l)^2 + sum(1 - l^2)).
    true = LOADINGS[:4].sum() ** 2 / (LOADINGS[:4].sum() ** 2 + (1 - LOADINGS[:4] ** 2).sum())
    assert result.omega["drive"] == pytest.approx(true, abs=0.02)


def test_a_misspecified_model_is_called_poor():
    rng = np.random.default_rng(2)
    x = simulate(1500, rng)
    # Two items that belong to "team" are declared as "drive" items.
    owners = ("drive",) * 6 + ("team",) * 2
    order = [0, 1, 2, 3, 4, 5, 6, 7]
    result = fit_cfa(x[:, order], CODES, owners)
    assert result.fit.cfi < 0.90
    assert any("the one-factor-per-construct model does not fit" in w for w in result.warnings)


def test_reverse_keyed_items_are_scored_before_the_fit():
    instrument = parse_instrument(
        {
            "name": "t",
            "version": 1,
            "title": {"en": "T"},
            "scale": {"min": 1, "max": 5, "labels": {"en": ["1", "2", "3", "4", "5"]}},
            "constructs": [
                {"key": "a", "group": "motivation", "label": {"en": "A"}},
                {"key": "b", "group": "motivation", "label": {"en": "B"}},
            ],
            "items": [
                {"code": f"a{j}", "construct": "a", "type": "likert", "text": {"en": "x"}}
                for j in range(3)
            ]
            + [
                {
                    "code": "a3",
                    "construct": "a",
                    "type": "likert",
                    "reverse": True,
                    "text": {"en": "x"},
                }
            ]
            + [
                {"code": f"b{j}", "construct": "b", "type": "likert", "text": {"en": "x"}}
                for j in range(2)
            ],
        }
    )
    rng = np.random.default_rng(3)
    eta = rng.normal(size=400)
    raw = np.clip(np.round(3 + eta[:, None] + rng.normal(size=(400, 4)) * 0.8), 1, 5)
    raw[:, 3] = 6 - raw[:, 3]  # the reverse-keyed item is answered the other way round
    answers = [{**{f"a{j}": int(row[j]) for j in range(4)}, "b0": 3, "b1": 4} for row in raw]
    result = cfa_report(instrument, answers, min_group_size=5)
    assert (result.loadings > 0.6).all()
    assert result.constructs == ("a",)
    assert any("Construct 'b' has only 2 Likert item(s)" in w for w in result.warnings)
    with pytest.raises(ValidityError) as caught:
        cfa_report(instrument, answers[:4], min_group_size=5)
    assert caught.value.code == "below_group_size"
    assert caught.value.params == {"minimum": 5}
    assert "4" not in str(caught.value)
    with pytest.raises(ValidityError) as caught:
        cfa_report(instrument, answers[:4], min_group_size=3)
    assert caught.value.code == "too_few_responses"  # four items need five responses
    assert caught.value.params == {"n": 4, "minimum": 5}


def test_configural_model_is_the_sum_of_the_separate_fits():
    rng = np.random.default_rng(4)
    a, b = simulate(300, rng), simulate(250, rng)
    columns = [[0, 1, 2, 3], [4, 5, 6, 7]]
    together = _MultiGroup([a, b], columns, "configural").fit()
    apart = [fit_cfa(x, CODES, OWNERS).fit for x in (a, b)]
    assert together.chi2 == pytest.approx(sum(f.chi2 for f in apart), rel=1e-3)
    assert together.df == sum(f.df for f in apart)


def test_invariance_holds_when_the_languages_measure_alike():
    rng = np.random.default_rng(5)
    report = invariance({"en": simulate(400, rng), "nb": simulate(400, rng)}, OWNERS)
    assert report["tested"]
    assert [s["step"] for s in report["steps"]] == ["configural", "metric", "scalar"]
    assert all(s["holds"] for s in report["steps"])
    metric, scalar = report["steps"][1:]
    assert metric["df"] == report["steps"][0]["df"] + 8 - 2
    assert scalar["df"] == metric["df"] + 8 - 2


def test_scalar_invariance_fails_when_intercepts_differ():
    rng = np.random.default_rng(5)
    shift = np.zeros(8)
    shift[[1, 5]] = 1.0  # one item per scale answered a whole SD higher in one language
    report = invariance({"en": simulate(400, rng), "nb": simulate(400, rng, shift)}, OWNERS)
    configural, metric, scalar = report["steps"]
    assert configural["holds"] and metric["holds"]
    assert not scalar["holds"]
    assert scalar["delta_cfi"] < -0.010 and scalar["delta_rmsea"] > 0.015


def test_invariance_is_not_tested_on_small_or_single_groups():
    rng = np.random.default_rng(6)
    small = invariance({"en": simulate(400, rng), "nb": simulate(150, rng)}, OWNERS)
    assert not small["tested"] and small["steps"] == []
    assert small["notes"] == [
        ("invariance_small_groups", {"minimum": 200, "counts": "en: 400, nb: 150"})
    ]
    single = invariance({"en": simulate(400, rng)}, OWNERS)
    assert single["notes"][0][0] == "invariance_one_language"


def test_icc_of_a_small_example_computed_by_hand():
    # Grand mean 3; SS rows 9, columns 2, error 1; MSR 3, MSC 2, MSE 1/3;
    # ICC(A,1) = (3 - 1/3) / (3 + 1/3 + 2/4 * (2 - 1/3)) = 16/25.
    x = np.array([[1, 2], [2, 3], [3, 5], [4, 4]])
    assert icc_a1(x) == pytest.approx(0.64)


def test_icc_of_shrout_and_fleiss_table_2():
    # Shrout & Fleiss (1979), six targets rated by four judges: ICC(2,1) = .29.
    x = np.array(
        [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    )
    assert round(icc_a1(x), 2) == 0.29


def test_icc_penalises_a_shift_between_waves():
    first = np.arange(10, dtype=float)
    assert icc_a1(np.column_stack([first, first])) == pytest.approx(1.0)
    assert icc_a1(np.column_stack([first, first + 3])) < 0.8


def test_retest_respects_the_minimum_group_size():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(4, 2))
    out = retest(a, a, ["drive", "team"], weeks=8, min_group_size=5)
    assert out["scales"] == {}
    assert out["n"] is None  # not even the count of so few people is shown
    assert out["notes"] == [("retest_too_few", {"weeks": 8, "minimum": 5})]
    b = rng.normal(size=(30, 2))
    out = retest(
        b, b + rng.normal(size=(30, 2)) * 0.3, ["drive", "team"], weeks=8, min_group_size=5
    )
    assert out["form"] == "ICC(A,1)"
    assert 0.7 < out["scales"]["drive"]["icc"] < 1
    assert not math.isnan(out["scales"]["team"]["icc"])


@pytest.mark.parametrize("step", ["configural", "metric", "scalar"])
def test_multi_group_gradient_matches_finite_differences(step):
    from scipy.optimize import approx_fprime

    rng = np.random.default_rng(8)
    model = _MultiGroup(
        [simulate(200, rng), simulate(150, rng)], [[0, 1, 2, 3], [4, 5, 6, 7]], step
    )
    x = model.start() + rng.normal(size=model.start().size) * 0.1
    _value, gradient = model.objective_and_gradient(x)
    numeric = approx_fprime(x, model.objective, 1e-7)
    np.testing.assert_allclose(gradient, numeric, atol=1e-5)
