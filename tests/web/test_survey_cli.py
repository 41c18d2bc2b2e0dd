"""Survey commands: data on stdout alone, messages on stderr, exit 1 with a clean message."""

import csv
import io
import json
import tomllib
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import Answer, Instrument, Person, SurveyResponse, Wave
from services.instruments import ensure_default_instrument

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL = DATA / "small_instrument.toml"
NAME = "motivation_test"
HEADER = "person,aut1,aut2,aut3,aut4,mas1,mas2,att1,mas3,mas4,pur1,pur2,pur3,pur4,rank1,open1"
ROWS = [
    "R1,4,5,2,4,4,4,4,2,5,5,4,2,2,time>recognition>development,",
    "R2,3,3,3,3,4,4,4,2,4,3,3,3,5,recognition>time,",
    "R3,5,5,1,5,5,4,4,1,5,4,4,2,1,development>time,",
    "R4,2,2,4,2,2,3,4,4,2,3,3,3,4,,",
    "R5,4,4,2,5,4,5,4,2,4,4,5,2,1,time,",
    "R6,5,5,5,5,5,5,1,5,5,5,5,5,5,,",
]


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def invoke(runner, *args: str):
    return runner.invoke(args=list(args))


@pytest.fixture
def small(runner):
    result = invoke(runner, "instrument", "import", str(SMALL))
    assert result.exit_code == 0, result.stderr
    return SMALL


@pytest.fixture
def answers_csv(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def imported(runner, small, answers_csv):
    result = invoke(
        runner, "responses", "import", str(answers_csv), "--instrument", NAME, "--create-people"
    )
    assert result.exit_code == 0, result.stderr
    return answers_csv


# instrument ---------------------------------------------------------------------------


def test_instrument_import_reports_new_versions_and_unchanged(runner, tmp_path):
    first = invoke(runner, "instrument", "import", str(SMALL))
    assert (first.exit_code, first.stdout) == (0, "")
    assert first.stderr.strip() == f"Imported {NAME} version 1"
    again = invoke(runner, "instrument", "import", str(SMALL))
    assert again.stderr.strip() == f"unchanged: {NAME} version 1"

    changed = tomllib.loads(SMALL.read_text(encoding="utf-8"))
    changed["title"] = {"en": "Motivation survey, second edition"}
    path = tmp_path / "second.json"
    path.write_text(json.dumps(changed), encoding="utf-8")
    second = invoke(runner, "instrument", "import", str(path))
    assert second.stderr.strip() == f"Imported {NAME} version 2"


def test_instrument_import_lists_every_problem_and_exits_1(runner, session, tmp_path):
    broken = SMALL.read_text(encoding="utf-8").replace(
        'construct = "autonomy"\ntype = "likert"', 'construct = "autonmy"\ntype = "likert"', 1
    )
    broken = broken.replace("expected = 4", "expected = 9")
    path = tmp_path / "broken.toml"
    path.write_text(broken, encoding="utf-8")
    result = invoke(runner, "instrument", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: Nothing was imported: 2 problems")
    assert "unknown construct 'autonmy'" in lines[1]
    assert "field 'expected'" in lines[2]
    assert count(session, Instrument) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("instrument.yaml", "name: x", "expected a .toml or .json instrument file"),
        ("instrument.json", "{not json", "cannot be read"),
        ("missing.toml", None, "no such file"),
    ],
)
def test_instrument_import_unreadable_files(runner, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = invoke(runner, "instrument", "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_instrument_export_round_trips(runner, small, tmp_path):
    result = invoke(runner, "instrument", "export", NAME, "--format", "json")
    assert result.exit_code == 0
    exported = json.loads(result.stdout)
    assert exported["name"] == NAME and exported["version"] == 1
    assert len(exported["items"]) == 15
    path = tmp_path / "exported.json"
    path.write_text(result.stdout, encoding="utf-8")
    again = invoke(runner, "instrument", "import", str(path))
    assert again.stderr.strip() == f"unchanged: {NAME} version 1"


def test_instrument_export_defaults_to_the_motivation_instrument(runner, session):
    missing = invoke(runner, "instrument", "export")
    assert missing.exit_code == 1
    assert "No instrument 'motivation'" in missing.stderr
    ensure_default_instrument(session=session)
    result = invoke(runner, "instrument", "export")
    assert json.loads(result.stdout)["name"] == "motivation"
    unknown = invoke(runner, "instrument", "export", "--version", "7")
    assert (unknown.exit_code, unknown.stdout) == (1, "")


def test_instrument_list_json_and_table(runner, imported):
    listed = invoke(runner, "instrument", "list", "--format", "json")
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["version"], r["items"], r["responses"]) for r in rows] == [
        (NAME, 1, 15, len(ROWS))
    ]
    table = invoke(runner, "instrument", "list").stdout.splitlines()
    assert table[0].split() == ["name", "version", "title", "items", "responses", "created_at"]
    assert table[1].startswith(NAME)


# responses ----------------------------------------------------------------------------


def test_responses_import_then_reimport(runner, session, small, answers_csv):
    result = invoke(
        runner, "responses", "import", str(answers_csv), "--instrument", NAME, "--create-people"
    )
    assert (result.exit_code, result.stdout) == (0, "")
    assert "6 created, 0 updated, 0 unchanged response(s), 6 new respondents" in result.stderr
    assert "'Imported from answers.csv'" in result.stderr
    again = invoke(runner, "responses", "import", str(answers_csv), "--instrument", NAME)
    assert "0 created, 0 updated, 6 unchanged" in again.stderr
    assert count(session, SurveyResponse) == 6


def test_responses_import_errors_exit_1_and_write_nothing(runner, session, small, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{ROWS[0].replace('R1,4,5,', 'R1,4,8,')}\n", encoding="utf-8")
    result = invoke(runner, "responses", "import", str(path), "--instrument", NAME)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: Nothing was imported: 2 problems in {path}."
    assert lines[1].strip().startswith("row 2, column aut2: 8 is out of range")
    assert lines[2].strip().startswith("row 2, column person: unknown person 'R1'")
    assert (count(session, SurveyResponse), count(session, Answer), count(session, Person)) == (
        0,
        0,
        0,
    )


def test_responses_import_of_a_missing_file(runner, small, tmp_path):
    result = invoke(runner, "responses", "import", str(tmp_path / "nope.csv"))
    assert result.exit_code == 1
    assert "no such file" in result.stderr


def test_responses_import_into_a_wave(runner, session, small, answers_csv):
    opened = invoke(runner, "waves", "open", "Spring", "--instrument", NAME)
    assert opened.exit_code == 0, opened.stderr
    result = invoke(
        runner, "responses", "import", str(answers_csv), "--wave", "Spring", "--create-people"
    )
    assert result.exit_code == 0, result.stderr
    wave = session.exec(select(Wave).where(Wave.name == "Spring")).one()
    assert {r.wave_id for r in session.exec(select(SurveyResponse))} == {wave.id}


# reliability --------------------------------------------------------------------------


def test_reliability_json_on_stdout_alone(runner, imported):
    result = invoke(runner, "reliability", "--instrument", NAME, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["instrument"] == NAME
    # R6 fails the attention check: one flagged response is fewer than the minimum group
    # size, so neither the count nor the figures without it are given.
    assert report["n_flagged"] is None and report["flagged_fewer_than"] == 5
    assert (report["n_responses"], report["n_flagged_excluded"]) == (6, 0)
    assert report["missing_data_policy"] == "listwise"
    assert [s["construct"] for s in report["scales"]] == ["autonomy", "mastery", "purpose"]
    assert report["scales"][0]["unflagged"] is None
    assert "6 responses (fewer than 5 flagged, 0 left out), figures and warnings on all" in (
        result.stderr
    )

    unflagged = invoke(runner, "reliability", "--instrument", NAME, "--exclude-flagged")
    assert unflagged.exit_code == 1 and "fewer than 5 responses" in unflagged.stderr
    old_scripts = json.loads(
        invoke(runner, "reliability", "--instrument", NAME, "--include-flagged").stdout
    )
    assert old_scripts == report
    both = invoke(runner, "reliability", "--exclude-flagged", "--include-flagged")
    assert both.exit_code == 1 and "not both" in both.stderr
    median = json.loads(
        invoke(runner, "reliability", "--instrument", NAME, "--missing", "median").stdout
    )
    assert median["missing_data_policy"] == "median"


def test_reliability_csv_has_one_row_per_item(runner, imported):
    result = invoke(runner, "reliability", "--instrument", NAME, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "construct",
        "n",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "omega",
        "item",
        "item_total_r",
        "alpha_if_deleted",
        "warnings",
        "n_unflagged",
        "alpha_unflagged",
        "alpha_unflagged_ci_low",
        "alpha_unflagged_ci_high",
        "omega_unflagged",
        "missing_data_policy",
    ]
    assert rows[0]["n_unflagged"] == rows[0]["alpha_unflagged"] == ""  # 1 flagged: withheld
    assert [r["item"] for r in rows] == [
        "aut1",
        "aut2",
        "aut3",
        "aut4",
        "mas1",
        "mas2",
        "mas3",
        "mas4",
        "pur1",
        "pur2",
        "pur3",
        "pur4",
    ]
    report = json.loads(invoke(runner, "reliability", "--instrument", NAME).stdout)
    purpose = report["scales"][2]
    last = rows[-1]
    assert last["construct"] == "purpose" and last["n"] == str(purpose["n"])
    assert float(last["alpha"]) == purpose["alpha"]
    assert float(last["alpha_ci_low"]) == purpose["alpha_ci"][0]
    assert len(purpose["warnings"]) >= 2  # pur4 runs against the rest of its scale
    assert last["warnings"] == " | ".join(purpose["warnings"])


def test_reliability_without_responses_is_one_clean_error(runner, small):
    result = invoke(runner, "reliability", "--instrument", NAME)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.strip() == f"Error: No submitted responses to {NAME} version 1 yet."


def test_reliability_rejects_an_unknown_missing_policy(runner, imported):
    result = invoke(runner, "reliability", "--missing", "mean")
    assert result.exit_code == 2  # a usage error, caught by click before any work


# waves --------------------------------------------------------------------------------


def test_waves_open_list_close(runner, session, small, factory):
    factory.team("Oslo Enterprise")
    autumn = [
        "waves", "open", "Autumn 2025", "--opens", "2025-09-01", "--closes", "2025-09-21",
        "--instrument", NAME, "--team", "Oslo Enterprise",
    ]  # fmt: skip
    opened = invoke(runner, *autumn)
    # Its days have passed: refused unless it records a survey already held.
    assert opened.exit_code == 1
    assert "closes_on: that day has passed" in opened.stderr
    opened = invoke(runner, *autumn, "--already-held")
    assert opened.exit_code == 0, opened.stderr
    assert "Opened wave 'Autumn 2025'" in opened.stderr
    assert "for Oslo Enterprise, 2025-09-01 to 2025-09-21" in opened.stderr

    listed = json.loads(invoke(runner, "waves", "list", "--format", "json").stdout)
    assert len(listed) == 1
    wave = listed[0]
    assert {k: wave[k] for k in ("name", "instrument", "status", "audience")} == {
        "name": "Autumn 2025",
        "instrument": f"{NAME} v1",
        "status": "ended",
        "audience": "teams",
    }
    assert (wave["opens_on"], wave["closes_on"]) == ("2025-09-01", "2025-09-21")

    closed = invoke(runner, "waves", "close", str(wave["id"]))
    assert closed.exit_code == 0
    assert closed.stderr.strip() == "Wave 'Autumn 2025' is closed."
    table = invoke(runner, "waves", "list").stdout.splitlines()
    assert table[0].split()[:4] == ["id", "name", "instrument", "status"]
    assert "closed" in table[1]


def test_waves_open_problems_exit_1(runner, small):
    result = invoke(
        runner, "waves", "open", "Bad", "--team", "Nowhere", "--opens", "2025-09-10",
        "--closes", "2025-09-01", "--instrument", NAME,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Error: The wave was not opened." in result.stderr
    assert "no team called 'Nowhere'" in result.stderr
    assert "must close on or after" in result.stderr


def test_waves_open_rejects_a_malformed_date(runner, small):
    result = invoke(runner, "waves", "open", "Bad", "--opens", "1 September")
    assert result.exit_code == 2
    assert "Invalid value for '--opens'" in result.stderr


def test_waves_close_unknown_wave(runner):
    result = invoke(runner, "waves", "close", "Winter")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: No wave 'Winter'."


# help ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "summary"),
    [
        (["instrument", "import"], "Import an instrument from a .toml or .json FILE."),
        (["instrument", "export"], "Print an instrument (default: motivation) as JSON"),
        (["instrument", "list"], "List every stored instrument version"),
        (["responses", "import"], "Import submitted responses from a CSV FILE"),
        (["reliability"], "Report scale reliability: alpha with its 95% interval"),
        (["waves", "open"], "Open a wave called NAME"),
        (["waves", "close"], "Close WAVE (name or id)"),
        (["waves", "list"], "List every wave with its instrument"),
    ],
)
def test_every_command_has_help(runner, args, summary):
    result = invoke(runner, *args, "--help")
    assert result.exit_code == 0
    assert summary in " ".join(result.stdout.split())


def test_waves_open_refuses_asking_people_twice_unless_allowed(runner, small, factory):
    factory.person("rep", team=factory.team("Oslo"))
    assert invoke(runner, "waves", "open", "Winter", "--instrument", NAME).exit_code == 0
    refused = invoke(runner, "waves", "open", "Oslo pulse", "--team", "Oslo", "--instrument", NAME)
    assert refused.exit_code == 1
    assert "1 of the people this wave asks are asked already in Winter" in refused.stderr
    assert refused.stdout == ""
    allowed = invoke(
        runner, "waves", "open", "Oslo pulse", "--team", "Oslo", "--instrument", NAME,
        "--allow-overlap",
    )  # fmt: skip
    assert allowed.exit_code == 0, allowed.stderr
