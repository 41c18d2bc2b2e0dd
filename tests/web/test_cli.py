"""The motivo command group: output on stdout, messages on stderr, clean failures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import Person

ROSTER = (
    "external_id,name,email,team,manager_email,access,sales_role\n"
    "M1,Kari Nordmann,kari@example.test,Oslo Enterprise,,manager,sales_manager\n"
    "R1,Ola Hansen,ola@example.test,Oslo Enterprise,kari@example.test,rep,closer\n"
)
MOTIVO = str(Path(sys.executable).with_name("motivo"))


def test_people_import_then_users_list_json(runner, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(roster)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.stderr

    listed = runner.invoke(args=["users", "list", "--format", "json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)  # stdout holds the JSON and nothing else
    assert rows == [
        {
            "external_id": "M1",
            "name": "Kari Nordmann",
            "email": "kari@example.test",
            "access": "manager",
            "team": "Oslo Enterprise",
            "manager_email": None,
            "sales_role": "sales_manager",
        },
        {
            "external_id": "R1",
            "name": "Ola Hansen",
            "email": "ola@example.test",
            "access": "rep",
            "team": "Oslo Enterprise",
            "manager_email": "kari@example.test",
            "sales_role": "closer",
        },
    ]


def test_users_list_table_has_a_header(runner, factory):
    factory.person("rep", name="Ola Hansen")
    result = runner.invoke(args=["users", "list"])
    assert result.stdout.splitlines()[0].split() == [
        "external_id",
        "name",
        "email",
        "access",
        "team",
        "manager_email",
        "sales_role",
    ]
    assert "Ola Hansen" in result.stdout


def test_bad_roster_exits_non_zero_and_writes_nothing(runner, tmp_path, session):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER + "R2,,bad-email,,,chief,\n", encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(roster)])
    assert result.exit_code == 1
    assert "Nothing was imported" in result.stderr
    assert "row 4, column email: 'bad-email' is not an email address" in result.stderr
    assert "row 4, column access: unknown access role 'chief'" in result.stderr
    assert result.stdout == ""
    assert session.exec(select(func.count()).select_from(Person)).one() == 0


def test_missing_file_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(args=["people", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'nope.csv'}: no such file"


def test_set_password_from_stdin(runner, factory, client):
    rep = factory.person("rep", password=None)
    result = runner.invoke(args=["users", "set-password", rep.email], input="a long new password\n")
    assert result.exit_code == 0, result.output
    from tests.conftest import login

    assert login(client, rep.email, "a long new password").status_code == 302


def test_set_password_refuses_short_passwords_and_unknown_people(runner, factory):
    rep = factory.person("rep")
    short = runner.invoke(args=["users", "set-password", rep.email], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    nobody = runner.invoke(
        args=["users", "set-password", "x@example.test"], input="long enough pw\n"
    )
    assert nobody.exit_code == 1 and "No active person" in nobody.stderr


def test_unknown_option_is_a_usage_error(runner):
    result = runner.invoke(args=["users", "list", "--colour"])
    assert result.exit_code == 2
    assert "No such option" in result.output


def _run_motivo(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(env_extra)
    return subprocess.run(
        [MOTIVO, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_unreachable_database_is_a_clear_message(tmp_path):
    result = _run_motivo(
        "db",
        "upgrade",
        env_extra={"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: cannot use the database at postgresql+psycopg://")
    assert "Traceback" not in result.stderr


def test_wrong_database_scheme_is_a_clear_message():
    result = _run_motivo("db", "upgrade", env_extra={"DATABASE_URL": "mysql://root@localhost/x"})
    assert result.returncode == 1
    assert "scheme 'mysql' is not supported" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_mistyped_sqlite_path_is_named_and_no_empty_file_is_left_behind(tmp_path):
    """Any command made an empty database file at a mistyped path, then said to upgrade it."""
    path = tmp_path / "motivo-typo.db"
    env = {"DATABASE_URL": f"sqlite:///{path}", "MOTIVO_INSTANCE_PATH": str(tmp_path / "i")}
    result = _run_motivo("users", "list", env_extra=env)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: there is no database at {path} (DATABASE_URL). Run `motivo init` to create "
        "one, or check the path.\n"
    )
    assert not path.exists()
    assert _run_motivo("db", "upgrade", env_extra=env).returncode == 0
    assert _run_motivo("users", "list", env_extra=env).returncode == 0


def test_every_command_has_help():
    top = _run_motivo("--help", env_extra={})
    assert top.returncode == 0
    for command in (
        ["init"],
        ["db", "upgrade"],
        ["serve"],
        ["people", "import"],
        ["users", "set-password"],
        ["users", "list"],
    ):
        result = _run_motivo(*command, "--help", env_extra={})
        assert result.returncode == 0, command
        assert "Usage: motivo" in result.stdout


def test_a_database_at_an_older_schema_says_to_upgrade(runner, factory, session):
    """It said "Check DATABASE_URL and that the database server is running" (SQLite), or
    printed a traceback (PostgreSQL), for a database one migration behind."""
    from sqlalchemy import text

    factory.person("rep")
    session.execute(text("ALTER TABLE person DROP COLUMN sales_role"))
    session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 1
    assert "Run `motivo db upgrade`, then try again." in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_listing_the_roster_is_an_audited_export(runner, session, tmp_path):
    """``motivo users list`` prints every email; it wrote no audit row."""
    from sqlmodel import select

    from models.tables import AuditLog

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    runner.invoke(args=["people", "import", str(roster)])
    assert runner.invoke(args=["users", "list", "--format", "json"]).exit_code == 0
    session.expire_all()
    row = session.exec(select(AuditLog).where(AuditLog.action == "export.people")).one()
    assert row.actor_id is None and row.details["actor"] == "command line"
    assert row.details["format"] == "json" and row.at is not None


@pytest.mark.parametrize(
    ("args", "action"),
    [
        (["kpis", "list", "--format", "csv"], "export.kpi_coverage"),
        (["waves", "list", "--format", "json"], "export.waves"),
        (["experiments", "list", "--format", "json"], "export.experiments"),
        (["tokens", "list", "--format", "json"], "export.tokens"),
        (["instrument", "export"], "export.instrument"),
    ],
)
def test_every_listing_that_leaves_motivo_is_audited(runner, session, args, action):
    """Participation counts per wave, KPI coverage per period, experiments and their
    audiences, tokens and the questionnaire left Motivo with no audit row."""
    from models.tables import AuditLog
    from services.instruments import ensure_default_instrument

    ensure_default_instrument(session=session)
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.stderr
    session.expire_all()
    row = session.exec(select(AuditLog).where(AuditLog.action == action)).one()
    assert row.details["format"] == (args[-1] if "--format" in args else "json")
