"""Reward, feedback, training and suggestion commands: data alone on stdout, messages on
stderr, exit 1 with the problems listed and nothing half-written."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import SQLModel, func, select

from models.engine import make_engine
from models.tables import AuditLog, Grant, ModelArtefact, Person, Rating, TrainingJob
from models.tables import Reward as RewardRow
from recommender.catalogue import CSV_COLUMNS
from seed.demo_org import demo_people
from seed.loaders import default_catalogue_path
from services.demo import load_demo_people, load_demo_survey
from services.training import queue_training
from tests.conftest import TEST_PASSWORD

EXPORT_FIELDS = {
    "id",
    "name",
    "description",
    "category",
    "visibility",
    "scope",
    "roles",
    "cost_band",
    "cost",
    "horizon",
    "cooldown_days",
    "active",
}
ROW_FIELDS = ["person", "rank", "reward_id", "score", "reasons"]


def invoke(runner, *args: str):
    return runner.invoke(args=list(args))


def ok(runner, *args: str):
    result = invoke(runner, *args)
    assert result.exit_code == 0, result.stderr
    return result


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def demo(session) -> None:
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)


def first_rep(session) -> Person:
    return session.exec(
        select(Person).where(Person.access == "rep").order_by(Person.external_id)
    ).first()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def seeded(runner):
    ok(runner, "rewards", "import", str(default_catalogue_path()))
    return runner


# --- rewards export / import -------------------------------------------------------------


def test_export_json_objects_have_exactly_the_catalogue_fields(seeded, session):
    result = ok(seeded, "rewards", "export", "--format", "json")
    data = json.loads(result.stdout)
    assert len(data) == 74
    assert all(set(item) == EXPORT_FIELDS for item in data)
    bell = next(item for item in data if item["id"] == "deal-bell")
    assert bell["roles"] == ["closer", "account_manager"]
    assert set(bell["name"]) == {"en", "nb"}
    assert isinstance(bell["active"], bool) and isinstance(bell["cooldown_days"], int)
    assert result.stderr == ""
    event = session.exec(select(AuditLog).where(AuditLog.action == "rewards.export")).one()
    assert (event.target, event.details) == ("json", {"rewards": 74, "actor": "command line"})


def test_export_csv_has_the_flat_columns(seeded):
    result = ok(seeded, "rewards", "export", "--format", "csv")
    reader = csv.DictReader(io.StringIO(result.stdout))
    rows = list(reader)
    assert reader.fieldnames == list(CSV_COLUMNS)
    assert len(rows) == 74
    bell = next(row for row in rows if row["id"] == "deal-bell")
    assert (bell["roles"], bell["active"]) == ("closer;account_manager", "true")


def test_import_reports_what_changed(runner, tmp_path):
    first = ok(runner, "rewards", "import", str(default_catalogue_path()))
    assert first.stdout == ""
    assert "74 created, 0 updated, 0 unchanged" in first.stderr
    again = ok(runner, "rewards", "import", str(default_catalogue_path()))
    assert "0 created, 0 updated, 74 unchanged" in again.stderr


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_round_trips(seeded, tmp_path, session, fmt):
    exported = ok(seeded, "rewards", "export", "--format", fmt).stdout
    path = write(tmp_path / f"rewards.{fmt}", exported)
    result = ok(seeded, "rewards", "import", str(path))
    assert "0 created, 0 updated, 74 unchanged" in result.stderr
    assert ok(seeded, "rewards", "export", "--format", fmt).stdout == exported

    # Into an empty database, the file recreates the same catalogue.
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    from web import create_app

    other = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x"})
    try:
        other_runner = other.test_cli_runner()
        assert "74 created" in ok(other_runner, "rewards", "import", str(path)).stderr
        assert ok(other_runner, "rewards", "export", "--format", fmt).stdout == exported
    finally:
        other.extensions["motivo.engine"].dispose()


def test_an_edited_csv_updates_only_the_changed_reward(seeded, tmp_path):
    text = ok(seeded, "rewards", "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["id"] == "deal-bell":
            row["cost"], row["active"] = "650", "false"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    result = ok(seeded, "rewards", "import", str(write(tmp_path / "edited.csv", out.getvalue())))
    assert "0 created, 1 updated, 73 unchanged" in result.stderr
    data = json.loads(ok(seeded, "rewards", "export").stdout)
    bell = next(item for item in data if item["id"] == "deal-bell")
    assert (bell["cost"], bell["active"]) == (650, False)


def test_a_bad_catalogue_file_lists_its_problems_and_writes_nothing(seeded, tmp_path, session):
    text = ok(seeded, "rewards", "export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["category"], rows[2]["active"] = "fame", "maybe"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(CSV_COLUMNS))
    writer.writeheader()
    writer.writerows(rows[:2])
    out.write("\n")  # a blank row keeps its place: the spreadsheet calls the next one row 5
    writer.writerows(rows[2:])
    path = write(tmp_path / "broken.csv", out.getvalue())
    before = (count(session, AuditLog), ok(seeded, "rewards", "export").stdout)
    result = invoke(seeded, "rewards", "import", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert problems[0].startswith("Error: Nothing was imported: 2 problems")
    assert problems[1].startswith("  row 2, column category: unknown category 'fame'")
    assert problems[2] == "  row 5, column active: expected true or false, got 'maybe'"
    assert (count(session, AuditLog) - 1, ok(seeded, "rewards", "export").stdout) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.json", "[{", "broken.json: not valid JSON"),
        ("wrapped.json", '{"items": []}', "expected a list of rewards"),
        ("broken.toml", "[[rewards]\nid = ", "broken.toml: not valid TOML"),
    ],
)
def test_an_unreadable_catalogue_file_is_a_clean_error(runner, tmp_path, name, content, message):
    result = invoke(runner, "rewards", "import", str(write(tmp_path / name, content)))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    missing = invoke(runner, "rewards", "import", str(tmp_path / "nowhere.json"))
    assert (missing.exit_code, missing.stderr.startswith("Error: ")) == (1, True)


# --- feedback import ---------------------------------------------------------------------


def test_feedback_import_is_all_or_nothing_and_idempotent(seeded, session, factory, tmp_path):
    rep = factory.person("rep", password=None)
    good = write(
        tmp_path / "feedback.csv",
        f"person,reward_id,rating,given_at,comment\n{rep.external_id},deal-bell,5,2026-03-02,ok\n"
        f"{rep.external_id},team-meeting-shout-out,2,,\n",
    )
    first = ok(seeded, "feedback", "import", str(good))
    assert first.stdout == ""
    assert "2 created, 0 updated, 0 unchanged rating(s); 1 reward recorded as given" in first.stderr
    again = ok(seeded, "feedback", "import", str(good))
    assert "0 created, 0 updated, 2 unchanged rating(s); 0 rewards" in again.stderr
    assert (count(session, Rating), count(session, Grant)) == (2, 1)

    bad = write(
        tmp_path / "bad.csv",
        f"person,reward_id,rating\n{rep.external_id},deal-bell,3\nNOBODY,deal-bell,7\n",
    )
    result = invoke(seeded, "feedback", "import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: Nothing was imported: 2 problems in {bad}.",
        "  row 3, column person: unknown person 'NOBODY'",
        "  row 3, column rating: '7' is not a whole number from 1 to 5",
    ]
    assert (count(session, Rating), count(session, Grant)) == (2, 1)
    assert sorted(session.exec(select(Rating.rating)).all()) == [2, 5]


# --- train -------------------------------------------------------------------------------


def test_train_without_responses_fails_cleanly(seeded, session):
    result = invoke(seeded, "train")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "Error: There are no submitted survey responses to train on yet."
    )
    assert count(session, ModelArtefact) == 0


def test_train_stores_versions_and_says_what_it_stored(runner, session):
    demo(session)
    first = ok(runner, "train")
    assert first.stdout == ""
    assert "Stored model version 1; 60 responses;" in first.stderr
    assert "profiles (silhouette" in first.stderr
    second = ok(runner, "train", "--seed", "0")
    assert "Stored model version 2;" in second.stderr
    row = session.exec(select(ModelArtefact).where(ModelArtefact.version == 2)).one()
    assert row.meta["card"]["parameters"]["random_state"] == 0


def test_train_job_runs_a_queued_job_and_fails_with_exit_1(runner, session, factory):
    hr = factory.person("hr", password=None)
    failing = queue_training(session=session, actor=hr)
    result = invoke(runner, "train", "--job", str(failing.id))
    assert result.exit_code == 1
    assert f"Job {failing.id}: failed." in result.stderr
    demo(session)
    job = queue_training(session=session, actor=hr)
    result = ok(runner, "train", "--job", str(job.id))
    assert f"Job {job.id}: done. model version 1;" in result.stderr
    session.expire_all()
    assert session.get(TrainingJob, job.id).model_version == 1
    missing = invoke(runner, "train", "--job", "999")
    assert (missing.exit_code, "No training job 999" in missing.stderr) == (1, True)


# --- recommend ---------------------------------------------------------------------------


def test_recommend_one_person_as_json_and_csv(runner, session):
    demo(session)
    ok(runner, "train")
    rep = first_rep(session)
    rows = json.loads(
        ok(runner, "recommend", "--person", rep.external_id, "--format", "json").stdout
    )
    assert len(rows) == 5
    # One person's suggestions, with reasons drawn from their answers, leave Motivo: audited.
    from models.tables import AuditLog

    session.expire_all()
    audited = session.exec(
        select(AuditLog).where(AuditLog.action == "export.recommendations")
    ).all()
    assert [a.target for a in audited] == [rep.external_id]
    for rank, row in enumerate(rows, start=1):
        assert list(row) == ROW_FIELDS
        assert (row["person"], row["rank"]) == (rep.external_id, rank)
        assert isinstance(row["score"], float) and np.isfinite(row["score"])
        assert row["reasons"] and all(isinstance(r, str) for r in row["reasons"])
    assert len({row["reward_id"] for row in rows}) == 5

    table = ok(runner, "recommend", "--person", rep.external_id).stdout
    reader = csv.reader(io.StringIO(table))
    assert next(reader) == ROW_FIELDS
    assert list(reader) == [
        [
            r["person"],
            str(r["rank"]),
            r["reward_id"],
            f"{r['score']:.4f}",
            " | ".join(r["reasons"]),
        ]
        for r in rows
    ]
    norwegian = json.loads(
        ok(
            runner, "recommend", "--person", rep.external_id, "--locale", "nb", "--format", "json"
        ).stdout
    )
    assert [r["reward_id"] for r in norwegian] == [r["reward_id"] for r in rows]
    assert norwegian[0]["reasons"] != rows[0]["reasons"]
    three = json.loads(
        ok(runner, "recommend", "--person", rep.external_id, "--k", "3", "--format", "json").stdout
    )
    assert three == rows[:3]


def test_recommend_without_a_model_gives_the_labelled_fallback(seeded, factory):
    rep = factory.person("rep", password=None)
    rows = json.loads(
        ok(seeded, "recommend", "--person", rep.external_id, "--format", "json").stdout
    )
    assert len(rows) == 5
    assert all(r["score"] is None for r in rows)
    assert all(
        r["reasons"] == ["A popular choice while Motivo learns what suits you"] for r in rows
    )
    table = list(
        csv.reader(io.StringIO(ok(seeded, "recommend", "--person", rep.external_id).stdout))
    )
    assert [row[3] for row in table[1:]] == [""] * 5


def test_recommend_all_covers_every_active_rep(runner, session):
    demo(session)
    ok(runner, "train")
    reps = session.exec(select(Person).where(Person.access == "rep", Person.active.is_(True))).all()
    roles = {p.external_id: p.sales_role for p in reps}
    rewards = {r.slug: r for r in session.exec(select(RewardRow))}
    result = ok(runner, "recommend", "--all", "--k", "3")
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert reader.fieldnames == ROW_FIELDS
    by_person = defaultdict(list)
    for row in reader:
        by_person[row["person"]].append(row)
        reward = rewards[row["reward_id"]]
        assert "all" in reward.roles or roles[row["person"]] in reward.roles
    assert set(by_person) == set(roles)
    for rows in by_person.values():
        assert [int(r["rank"]) for r in rows] == [1, 2, 3]
        assert len({r["reward_id"] for r in rows}) == 3
    as_json = json.loads(ok(runner, "recommend", "--all", "--k", "3", "--format", "json").stdout)
    assert {row["person"] for row in as_json} == set(roles)
    assert all(list(row) == ROW_FIELDS for row in as_json)
    # Everyone's suggestions left Motivo twice: both exports are in the audit log.
    from models.tables import AuditLog

    session.expire_all()
    audited = session.exec(
        select(AuditLog).where(AuditLog.action == "export.recommendations")
    ).all()
    assert [a.details["reps"] for a in audited] == [len(roles), len(roles)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give either --person EXTERNAL_ID or --all."),
        (("--all", "--person", "E1004"), "Give either --person EXTERNAL_ID or --all."),
        (("--person", "NOPE"), "No person 'NOPE'."),
    ],
)
def test_recommend_refuses_unclear_requests(runner, args, message):
    result = invoke(runner, "recommend", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == f"Error: {message}"


def test_feedback_imported_from_a_file_changes_suggestions_after_motivo_train(
    runner, session, tmp_path
):
    demo(session)
    ok(runner, "train")
    rep = first_rep(session)
    categories = {r.slug: r.category for r in session.exec(select(RewardRow))}

    def suggestions() -> list[dict]:
        args = ("recommend", "--person", rep.external_id, "--k", "50", "--format", "json")
        return json.loads(ok(runner, *args).stdout)

    def category_means(rows) -> dict[str, float]:
        scores = defaultdict(list)
        for row in rows:
            scores[categories[row["reward_id"]]].append(row["score"])
        return {c: float(np.mean(v)) for c, v in scores.items()}

    before = suggestions()
    means = category_means(before)
    disliked = categories[before[0]["reward_id"]]
    # A category with rewards left to suggest once four of them are rated (rated ones go).
    shown = Counter(categories[r["reward_id"]] for r in before)
    liked = min((c for c in means if c != disliked and shown[c] > 4), key=means.get)
    lines = ["person,reward_id,rating,given_at"]
    for category, stars in ((liked, 5), (disliked, 1)):
        picked = [r["reward_id"] for r in before if categories[r["reward_id"]] == category][:4]
        lines += [f"{rep.external_id},{slug},{stars},2026-10-01" for slug in picked]
    ok(runner, "feedback", "import", str(write(tmp_path / "ratings.csv", "\n".join(lines))))
    ok(runner, "train")
    after = category_means(suggestions())
    assert means[liked] < means[disliked]
    assert after[liked] > after[disliked]


# --- evaluate ----------------------------------------------------------------------------


def test_evaluate_prints_both_worlds_beside_the_same_run_references(tmp_path):
    from web import create_app

    # No database work, so one run (not one per database) is enough.
    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}", "SECRET_KEY": "x"}
    )
    try:
        result = ok(app.test_cli_runner(), "evaluate", "--people", "300")
    finally:
        app.extensions["motivo.engine"].dispose()
    worlds = result.stdout.split("## World: ")[1:]
    assert [w.split(",")[0] for w in worlds] == ["profiles", "additive"]
    for world in worlds:
        lines = world.splitlines()
        assert (
            lines[2] == "| group | people | method | NDCG@5 | precision@5 | coverage | diversity |"
        )
        methods = {
            (line.split("|")[1].strip(), line.split("|")[3].strip())
            for line in lines[4:]
            if line.startswith("|")
        }
        for group in ("cold", "warm"):
            for method in ("hybrid", "random", "popularity", "naive rule", "oracle"):
                assert (group, method) in methods
        assert any(line.startswith("Relevance:") and "300 people" in line for line in lines)
        assert "constraint violations: 0" in world
    assert "Targets (profiles):" in result.stderr and "Targets (additive):" in result.stderr
    assert "Targets" not in result.stdout
    assert "answering motivation v2" in result.stderr  # the current instrument by default


def test_evaluate_can_simulate_an_older_instrument_version(tmp_path):
    from web import create_app

    app = create_app(
        {"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}", "SECRET_KEY": "x"}
    )
    try:
        runner = app.test_cli_runner()
        result = ok(
            runner,
            "evaluate",
            "--people",
            "200",
            "--world",
            "additive",
            "--instrument-version",
            "1",
        )
        assert "answering motivation v1" in result.stderr
        missing = runner.invoke(args=["evaluate", "--people", "200", "--instrument-version", "9"])
        assert missing.exit_code != 0
        assert "no seed instrument version 9" in missing.output
    finally:
        app.extensions["motivo.engine"].dispose()
