import json
import math

import numpy as np
import pytest

from recommender.instrument import parse_instrument
from recommender.reliability import (
    MISSING_POLICY,
    ItemReport,
    ScaleReport,
    cronbach_alpha,
    feldt_interval,
    item_statistics,
    omega_total,
    reliability_report,
    report_to_dict,
)

# 4 people x 3 items.
HAND = np.array(
    [
        [1, 1, 2],
        [2, 3, 2],
        [3, 2, 4],
        [4, 4, 4],
    ],
    dtype=float,
)
# Item variances (n - 1 = 3):
#   item 1: 1,2,3,4 mean 2.5, squared deviations 2.25+0.25+0.25+2.25 = 5 -> 5/3
#   item 2: 1,3,2,4 mean 2.5, same squares                          = 5 -> 5/3
#   item 3: 2,2,4,4 mean 3,   1+1+1+1                               = 4 -> 4/3
#   sum of item variances = 14/3
# Totals: 4, 7, 9, 12, mean 8, squared deviations 16+1+1+16 = 34 -> variance 34/3
# alpha = 3/2 * (1 - (14/3)/(34/3)) = 3/2 * 20/34 = 15/17 = 0.882353...
HAND_ALPHA = 15 / 17


def congeneric(n, loadings, rng, noise_sd=None):
    loadings = np.asarray(loadings, dtype=float)
    if noise_sd is None:
        noise_sd = np.sqrt(1 - loadings**2)
    factor = rng.standard_normal((n, 1))
    return factor * loadings + rng.standard_normal((n, loadings.size)) * noise_sd


def test_alpha_of_the_hand_computed_matrix():
    assert cronbach_alpha(HAND) == pytest.approx(HAND_ALPHA, abs=1e-12)


def test_alpha_needs_two_items_and_variation():
    assert math.isnan(cronbach_alpha(HAND[:, :1]))
    assert math.isnan(cronbach_alpha(HAND[:1]))
    assert math.isnan(cronbach_alpha(np.full((5, 3), 2.0)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_four_items_loading_point_seven_give_alpha_near_point_seventy_nine(seed):
    # Population alpha: average r = .49, 4 * .49 / (1 + 3 * .49) = .7935.
    x = congeneric(2000, [0.7] * 4, np.random.default_rng(seed))
    assert cronbach_alpha(x) == pytest.approx(0.7935, abs=0.03)


def test_pure_noise_gives_alpha_near_zero():
    x = np.random.default_rng(4).standard_normal((2000, 5))
    assert abs(cronbach_alpha(x)) < 0.1


def test_omega_equals_alpha_for_tau_equivalent_items():
    x = congeneric(5000, [0.6] * 5, np.random.default_rng(5), noise_sd=0.8)
    assert omega_total(x, random_state=0) == pytest.approx(cronbach_alpha(x), abs=0.01)


def test_omega_exceeds_alpha_when_loadings_differ():
    x = congeneric(5000, [0.9, 0.8, 0.4, 0.3], np.random.default_rng(6))
    assert omega_total(x, random_state=0) > cronbach_alpha(x) + 0.01


def test_omega_is_nan_when_not_computable():
    assert math.isnan(omega_total(HAND[:, :1]))
    assert math.isnan(omega_total(HAND[:2]))
    assert math.isnan(omega_total(np.full((10, 3), 3.0)))


def test_feldt_interval_contains_alpha_and_narrows_with_n():
    widths = []
    for n in (30, 300, 3000):
        lower, upper = feldt_interval(0.8, n, 5)
        assert lower < 0.8 < upper
        widths.append(upper - lower)
    assert widths[0] > widths[1] > widths[2]


def test_feldt_interval_known_value():
    from scipy import stats

    lower, upper = feldt_interval(0.8, 100, 4, level=0.9)
    assert lower == pytest.approx(1 - 0.2 * stats.f.ppf(0.95, 99, 297))
    assert upper == pytest.approx(1 - 0.2 * stats.f.ppf(0.05, 99, 297))


def test_feldt_interval_not_computable():
    assert all(math.isnan(v) for v in feldt_interval(math.nan, 100, 4))
    assert all(math.isnan(v) for v in feldt_interval(0.8, 1, 4))


def test_item_statistics_match_direct_computation():
    rng = np.random.default_rng(7)
    x = congeneric(500, [0.8, 0.7, 0.6, 0.0], rng)
    item_total_r, alpha_if_deleted = item_statistics(x)
    for j in range(4):
        rest = np.delete(x, j, axis=1).sum(axis=1)
        assert item_total_r[j] == pytest.approx(np.corrcoef(x[:, j], rest)[0, 1])
        assert alpha_if_deleted[j] == pytest.approx(cronbach_alpha(np.delete(x, j, axis=1)))
    assert item_total_r[3] < 0.1  # the noise item
    assert alpha_if_deleted[3] > cronbach_alpha(x)


def test_item_statistics_hand_matrix():
    item_total_r, alpha_if_deleted = item_statistics(HAND)
    # Without item 3 the matrix is items 1 and 2: variances 5/3 each, totals 2, 5, 5, 8
    # (mean 5, squares 9+0+0+9 = 18 -> 6); alpha = 2 * (1 - (10/3)/6) = 8/9.
    assert alpha_if_deleted[2] == pytest.approx(8 / 9)
    assert item_total_r[0] == pytest.approx(np.corrcoef(HAND[:, 0], HAND[:, 1] + HAND[:, 2])[0, 1])


def test_item_statistics_two_and_one_items():
    r, a = item_statistics(HAND[:, :2])
    assert r[0] == pytest.approx(np.corrcoef(HAND[:, 0], HAND[:, 1])[0, 1])
    assert np.isnan(a).all()
    r, a = item_statistics(HAND[:, :1])
    assert np.isnan(r).all() and np.isnan(a).all()


# --- reliability_report ----------------------------------------------------------------


def make_instrument(scales: dict[str, int], reverse: tuple[str, ...] = ()):
    constructs = [{"key": key, "group": "motivation", "label": {"en": key}} for key in scales]
    items = [
        {
            "code": f"{key}{i + 1}",
            "construct": key,
            "type": "likert",
            "reverse": f"{key}{i + 1}" in reverse,
            "text": {"en": f"{key} item {i + 1}"},
        }
        for key, k in scales.items()
        for i in range(k)
    ]
    return parse_instrument(
        {
            "name": "rel",
            "version": 2,
            "title": {"en": "Reliability test"},
            "scale": {"min": 1, "max": 5},
            "constructs": constructs,
            "items": items,
        }
    )


def to_answers(codes, matrix):
    return [
        {code: int(v) for code, v in zip(codes, row, strict=True) if not np.isnan(v)}
        for row in matrix
    ]


def likert(latent_x):
    return np.clip(np.round(3 + latent_x), 1, 5)


def test_report_uses_listwise_deletion_within_each_scale():
    assert MISSING_POLICY == "listwise"
    instrument = make_instrument({"a": 3, "b": 3})
    rng = np.random.default_rng(8)
    x = np.hstack(
        [likert(congeneric(200, [0.8] * 3, rng)), likert(congeneric(200, [0.8] * 3, rng))]
    )
    x[:10, 0] = np.nan  # ten people skip a1: they leave scale a only
    x[5:25, 5] = np.nan  # twenty skip b3: they leave scale b only
    codes = [item.code for item in instrument.likert_items()]
    reports = reliability_report(instrument, to_answers(codes, x), random_state=0)
    assert [r.construct for r in reports] == ["a", "b"]
    assert reports[0].n == 190
    assert reports[1].n == 180
    complete_a = x[10:, :3]
    assert reports[0].alpha == pytest.approx(cronbach_alpha(complete_a))
    lower, upper = reports[0].alpha_ci
    assert lower < reports[0].alpha < upper
    assert reports[0].omega is not None
    assert [item.code for item in reports[0].items] == ["a1", "a2", "a3"]


def test_report_reverse_keys_before_analysis():
    instrument = make_instrument({"a": 4}, reverse=("a4",))
    rng = np.random.default_rng(9)
    x = likert(congeneric(300, [0.8] * 4, rng))
    raw = x.copy()
    raw[:, 3] = 6 - x[:, 3]  # as a reverse-worded item would be answered
    report = reliability_report(instrument, to_answers(["a1", "a2", "a3", "a4"], raw))[0]
    assert report.alpha == pytest.approx(cronbach_alpha(x))
    assert report.warnings == ()


def test_report_excludes_flagged_responses():
    instrument = make_instrument({"a": 3})
    rng = np.random.default_rng(10)
    x = likert(congeneric(100, [0.8] * 3, rng))
    exclude = np.zeros(100, dtype=bool)
    exclude[:30] = True
    answers = to_answers(["a1", "a2", "a3"], x)
    report = reliability_report(instrument, answers, exclude=exclude.tolist())[0]
    assert report.n == 70
    assert report.alpha == pytest.approx(cronbach_alpha(x[30:]))
    with pytest.raises(ValueError, match="exclude"):
        reliability_report(instrument, answers, exclude=[True])


def test_report_median_policy_imputes_and_keeps_everyone():
    instrument = make_instrument({"a": 3})
    x = HAND.copy()
    x[0, 2] = np.nan
    report = reliability_report(instrument, to_answers(["a1", "a2", "a3"], x), missing="median")[0]
    imputed = HAND.copy()
    imputed[0, 2] = 4.0  # median of 2, 4, 4
    assert report.n == 4
    assert report.alpha == pytest.approx(cronbach_alpha(imputed))
    with pytest.raises(ValueError, match="missing"):
        reliability_report(instrument, [], missing="pairwise")


def test_report_warnings_in_plain_english():
    instrument = make_instrument({"a": 4})
    rng = np.random.default_rng(11)
    good = likert(congeneric(400, [0.85] * 3, rng))
    noise = rng.integers(1, 6, (400, 1)).astype(float)
    report = reliability_report(
        instrument, to_answers(["a1", "a2", "a3", "a4"], np.hstack([good, noise]))
    )[0]
    text = " ".join(report.warnings)
    assert "Item 'a4' correlates only" in text
    assert "Dropping item 'a4' would raise alpha" in text
    assert "'a1'" not in text and "'a2'" not in text and "'a3'" not in text


def test_report_warns_on_low_alpha():
    instrument = make_instrument({"a": 3})
    noise = np.random.default_rng(12).integers(1, 6, (300, 3)).astype(float)
    report = reliability_report(instrument, to_answers(["a1", "a2", "a3"], noise))[0]
    assert any(w.startswith("Cronbach's alpha is") and "below" in w for w in report.warnings)


def test_report_not_computable_cases():
    instrument = make_instrument({"single": 1, "pair": 2})
    answers = [{"single1": 3, "pair1": 2, "pair2": 3}, {"single1": 4, "pair1": 4, "pair2": 5}]
    single, pair = reliability_report(instrument, answers)
    assert single.alpha is None and single.omega is None and single.alpha_ci is None
    assert "single item" in single.warnings[0]
    assert pair.n == 2 and pair.alpha is None
    assert "Only 2 complete response(s)" in pair.warnings[0]
    assert pair.items == (ItemReport("pair1", None, None), ItemReport("pair2", None, None))


def test_report_to_dict_shape_and_rounding():
    instrument = make_instrument({"a": 3, "single": 1})
    answers = to_answers(["a1", "a2", "a3"], HAND)
    reports = reliability_report(instrument, answers)
    data = report_to_dict(instrument, reports, n_responses=4)
    json.dumps(data)
    assert data["instrument"] == "rel" and data["version"] == 2 and data["n_responses"] == 4
    scale = data["scales"][0]
    assert scale["construct"] == "a" and scale["n"] == 4
    assert scale["alpha"] == 0.882  # 15/17 rounded to 3 decimals
    assert len(scale["alpha_ci"]) == 2
    assert all(round(v, 3) == v for v in scale["alpha_ci"])
    assert set(scale["items"][0]) == {"code", "item_total_r", "alpha_if_deleted"}
    assert scale["items"][2]["alpha_if_deleted"] == round(8 / 9, 3)
    assert isinstance(scale["warnings"], list)
    single = data["scales"][1]
    assert single["n"] == 0
    assert single["alpha"] is None and single["alpha_ci"] is None and single["omega"] is None
    assert single["items"] == [{"code": "single1", "item_total_r": None, "alpha_if_deleted": None}]


def test_report_dataclass_fields():
    report = ScaleReport("a", 10, 0.8, (0.7, 0.9), 0.82, (), ())
    assert report.alpha_ci == (0.7, 0.9)
