"""Hostile files through every import: the page, the CLI and the service refuse them with a
row and column, never a 500, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import Person, Reward, SurveyResponse
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.errors import InvalidInput
from services.imports import MAX_PROBLEMS
from services.people import import_people
from services.tabular import read_table_bytes
from tests.conftest import csrf_token, login

DATA = Path(__file__).resolve().parent / "data"
HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"


def upload(client, path: str, content: bytes, name: str = "hostile.csv"):
    """Post ``content`` as the page's file field, the body built here: the test client would
    spool a large body to a temporary file that a refused request never closes."""
    boundary = "hostile-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{csrf_token(client, path)}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode(),
        content,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return client.post(
        path, data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
    )


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def admin(client, factory):
    person = factory.person("admin")
    login(client, person.email)
    return person


# Control characters, NUL and bidi overrides ---------------------------------------------


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("roster_bidi.csv", "row 2, column name: contains the control character U+202E"),
        ("roster_nul.csv", "row 2, column name: contains the control character U+0000"),
    ],
)
def test_roster_page_refuses_control_characters_with_row_and_column(
    client, session, admin, filename, problem
):
    response = upload(client, "/admin/people", (DATA / filename).read_bytes())
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:3000]
    assert problem in html
    assert count(session, Person) == 1


def test_answers_page_refuses_bidi_and_bell_in_free_text(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, "/hr/responses/import", (DATA / "answers_controls.csv").read_bytes())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 2, column open1: contains the control character U+202E" in html
    assert "row 3, column open1: contains the control character U+0007" in html
    assert count(session, SurveyResponse) == 0


def test_kpi_page_refuses_nul_and_overlong_metric_without_a_500(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, "/hr/experiments/kpis", (DATA / "kpis_hostile.csv").read_bytes())
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:3000]
    assert "row 3, column person: contains the control character U+0000" in html


def test_rewards_cli_refuses_a_bidi_override_in_a_name(runner, session, tmp_path):
    ensure_seed_catalogue(session=session)
    exported = runner.invoke(args=["rewards", "export", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    lines = exported.stdout.splitlines()
    first = lines[1].split(",")
    first[1] = '"Lunch \u202eexe.txt"'
    path = tmp_path / "rewards.csv"
    path.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    before = [(r.slug, r.name) for r in session.exec(select(Reward))]
    result = runner.invoke(args=["rewards", "import", str(path)])
    assert result.exit_code == 1
    assert "row 2, column name_en: contains the control character U+202E" in result.stderr
    session.expire_all()
    assert [(r.slug, r.name) for r in session.exec(select(Reward))] == before


# Overlong cells ---------------------------------------------------------------------------


def test_roster_refuses_a_name_longer_than_its_column_on_every_database(client, session, admin):
    long_name = "N" * 201
    text = HEADER + f"R1,{long_name},kari@example.test,{'T' * 121},,manager,\n"
    response = upload(client, "/admin/people", text.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:3000]
    assert "row 2, column name: 201 characters, more than the 200 this column holds" in html
    assert "row 2, column team: 121 characters, more than the 120 this column holds" in html
    assert count(session, Person) == 1


def test_a_cell_over_the_cell_limit_is_refused_by_the_reader():
    with pytest.raises(InvalidInput) as caught:
        read_table_bytes(("person,open1\nE1," + "x" * 5000 + "\n").encode())
    assert caught.value.problems == [
        "row 2, column open1: 5000 characters, more than the 2000 any column holds"
    ]


# Swapped emails (an HRIS correction) -----------------------------------------------------


def test_a_roster_that_swaps_two_emails_imports(session, factory):
    team = factory.team("Oslo")
    kari = factory.person("manager", team=team)
    ola = factory.person("rep", team=team)
    kari_email, ola_email = kari.email, ola.email
    rows = [
        {"external_id": kari.external_id, "name": kari.name, "email": ola_email,
         "team": "Oslo", "manager_email": "", "access": "manager", "sales_role": "closer"},
        {"external_id": ola.external_id, "name": ola.name, "email": kari_email,
         "team": "Oslo", "manager_email": ola_email, "access": "rep", "sales_role": "closer"},
    ]  # fmt: skip
    summary = import_people(session=session, header=list(rows[0]), records=rows, actor=SYSTEM)
    assert sorted(summary.updated) == sorted([kari.external_id, ola.external_id])
    session.expire_all()
    assert session.get(Person, kari.id).email == ola_email
    assert session.get(Person, ola.id).email == kari_email
    assert session.get(Person, ola.id).manager_id == kari.id
    # The same file again changes nothing.
    again = import_people(session=session, header=list(rows[0]), records=rows, actor=SYSTEM)
    assert again.updated == [] and len(again.unchanged) == 2


def test_a_deactivated_person_is_reactivated_with_the_new_values(session, factory):
    rep = factory.person("rep", active=False)
    rows = [
        {"external_id": rep.external_id, "name": "New Name", "email": "new@example.test",
         "team": "", "manager_email": "", "access": "rep", "sales_role": "closer"},
    ]  # fmt: skip
    summary = import_people(
        session=session, header=list(rows[0]), records=rows, deactivate_missing=False, actor=SYSTEM
    )
    assert summary.reactivated == [rep.external_id]
    session.expire_all()
    stored = session.get(Person, rep.id)
    assert (stored.name, stored.email, stored.active) == ("New Name", "new@example.test", True)


# Sizes: 10,000 problems, 50 MB -------------------------------------------------------------


def test_ten_thousand_problems_give_a_short_page(client, session, admin):
    rows = "".join(f"R{n},,bad,,,chief,\n" for n in range(5000))
    response = upload(client, "/admin/people", (HEADER + rows).encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "15000 problems" in html
    assert html.count("<li>row ") == MAX_PROBLEMS
    assert "and 14900 more problems not listed" in html
    assert len(html) < 100_000


def test_a_50_mb_upload_gets_the_friendly_413_page(client, admin):
    response = upload(client, "/admin/people", b"x" * (50 * 1024 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "That file is too large" in html
    assert "larger than the 16 MB this server accepts" in html


def test_the_upload_limit_is_a_setting(engine, database_url, factory):
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test",
            "MOTIVO_MAX_UPLOAD_MB": 1,
        }
    )
    client = app.test_client()
    login(client, factory.person("admin").email)
    response = upload(client, "/admin/people", HEADER.encode() + b"\n" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert "larger than the 1 MB" in response.get_data(as_text=True)
    app.extensions["motivo.engine"].dispose()


def test_cli_import_refuses_a_file_over_the_limit_before_reading_it(runner, session, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(HEADER.encode())
        handle.truncate(17 * 1024 * 1024)
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1
    assert "the limit is 16 MB (MOTIVO_MAX_UPLOAD_MB)" in result.stderr
    assert count(session, Person) == 0


def test_the_kpi_cli_refuses_the_same(runner, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    result = runner.invoke(args=["kpis", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "MOTIVO_MAX_UPLOAD_MB" in result.stderr
