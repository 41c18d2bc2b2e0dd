"""`motivo validate`: the exact JSON shape, a long CSV, clean errors, complete help."""

import csv
import io
import json

import pytest
from sqlmodel import select

from models.tables import AuditLog
from recommender.instrument import load_instrument
from tests.services.test_reliability_service import simulate, to_csv
from tests.web.test_survey_cli import NAME, SMALL, invoke

KEYS = ["instrument", "version", "n", "basis", "fit", "loadings", "omega", "warnings"]


def imported(runner, tmp_path, n: int):
    assert invoke(runner, "instrument", "import", str(SMALL)).exit_code == 0
    answers = simulate(load_instrument(SMALL), n, 0)
    codes = sorted({code for response in answers for code in response})
    path = tmp_path / "answers.csv"
    path.write_text(to_csv(answers, codes), encoding="utf-8")
    result = invoke(
        runner, "responses", "import", str(path), "--instrument", NAME, "--create-people"
    )
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def sixty(runner, tmp_path):
    imported(runner, tmp_path, 60)


def test_json_is_exactly_shaped(runner, sixty, session):
    result = invoke(runner, "validate", "--instrument", NAME, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report) == [*KEYS, "invariance", "retest"]
    assert (report["instrument"], report["version"], report["n"]) == (NAME, 1, 60)
    assert list(report["fit"]) == ["chi2", "df", "cfi", "tli", "rmsea", "srmr"]
    assert list(report["loadings"][0]) == ["item", "construct", "loading"]
    assert list(report["omega"]) == ["autonomy", "mastery", "purpose"]
    assert all(isinstance(w, str) for w in report["warnings"])
    assert report["invariance"]["tested"] is False
    assert report["retest"]["form"] == "ICC(A,1)"
    assert "60 complete responses" in result.stderr
    audit = session.exec(select(AuditLog).where(AuditLog.action == "export.validity")).all()
    assert len(audit) == 1


def test_csv_is_one_long_table(runner, sixty):
    result = invoke(runner, "validate", "--instrument", NAME, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["section", "name", "construct", "measure", "value"]
    report = json.loads(invoke(runner, "validate", "--instrument", NAME).stdout)
    fit = {r["measure"]: r["value"] for r in rows if r["section"] == "fit"}
    assert float(fit["cfi"]) == report["fit"]["cfi"]
    loadings = [r for r in rows if r["section"] == "loading"]
    assert len(loadings) == 12 and loadings[0]["name"] == "aut1"
    assert {r["measure"] for r in rows if r["section"] == "warning"} >= {"invariance", "retest"}


def test_clean_errors(runner, sixty):
    unknown = invoke(runner, "validate", "--instrument", "nonesuch")
    assert (unknown.exit_code, unknown.stdout) == (1, "")
    assert unknown.stderr.startswith("Error: No instrument 'nonesuch'")
    wave = invoke(runner, "validate", "--wave", "nonesuch")
    assert (wave.exit_code, wave.stderr.strip()) == (1, "Error: No wave 'nonesuch'.")
    weeks = invoke(runner, "validate", "--retest-weeks", "0")
    assert weeks.exit_code == 2


def test_too_few_responses(runner, tmp_path):
    imported(runner, tmp_path, 8)
    result = invoke(runner, "validate", "--instrument", NAME)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "Only 8 complete responses" in result.stderr
    assert "needs at least 13" in result.stderr


def test_help_names_every_option_and_the_cut_offs(runner):
    text = invoke(runner, "validate", "--help").output
    for word in (
        "--instrument",
        "--wave",
        "--include-flagged",
        "--retest-weeks",
        "--format",
        "CFI/TLI",
        ".95",
        "RMSEA",
        "SRMR",
        "ICC(A,1)",
        "MOTIVO_MIN_GROUP_SIZE",
        "audit log",
    ):
        assert word in text, word
