"""The reliability report says how many responses missing answers cost, on every output."""

import csv
import io
import json

from services.access import SYSTEM
from services.reliability import reliability
from services.waves import open_wave
from tests.conftest import login
from tests.services import test_reliability_service as base
from tests.services.test_reliability_service import NAME, load, simulate

definition = base.definition
instrument = base.instrument

WAVE = "Autumn pulse"


def one_unanswered(session, instrument, n: int = 35):
    """``n`` complete responses in a wave, but one left an autonomy item blank."""
    open_wave(session=session, actor=SYSTEM, name=WAVE, instrument_name=NAME)
    answers = simulate(instrument, n, 0)
    answers[3]["aut2"] = None
    load(session, answers, wave=WAVE)


def test_listwise_report_counts_the_response_left_out(session, instrument):
    one_unanswered(session, instrument)
    report = reliability(session=session, viewer=SYSTEM, wave=WAVE)
    scales = {s["construct"]: s for s in report["scales"]}
    assert scales["autonomy"]["n"] == 34 and scales["mastery"]["n"] == 35
    assert report["n_responses"] == 35
    assert (report["n_incomplete"], report["n_in_every_scale"]) == (1, 34)
    assert report["missing_data_policy"] == "listwise"

    median = reliability(session=session, viewer=SYSTEM, wave=WAVE, missing="median")
    assert {s["n"] for s in median["scales"]} == {35}
    assert (median["n_incomplete"], median["n_in_every_scale"]) == (1, 35)


def test_reliability_page_says_how_many_were_used_and_why(client, session, factory, instrument):
    one_unanswered(session, instrument)
    hr = factory.person("hr")
    login(client, hr.email)
    html = client.get(f"/hr/reliability?wave={WAVE}").get_data(as_text=True)
    assert "all 35 responses used" not in html
    assert "35 responses, 34 of them used in every scale" in html
    assert "Responses with a missing answer: 1." in html and "listwise" in html
    assert '<td class="num">34</td>' in html


def test_reliability_cli_states_its_missing_data_treatment(runner, session, instrument):
    one_unanswered(session, instrument)
    result = runner.invoke(args=["reliability", "--wave", WAVE])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["missing_data_policy"] == "listwise"
    assert "missing answers: listwise" in result.stderr
    assert "1 response with a missing answer" in result.stderr

    csv_out = runner.invoke(args=["reliability", "--wave", WAVE, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert {r["missing_data_policy"] for r in rows} == {"listwise"}
    median = runner.invoke(args=["reliability", "--wave", WAVE, "--missing", "median"])
    assert "missing answers: median" in median.stderr
