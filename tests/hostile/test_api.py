"""Hostile requests to the integration API: NUL bytes, huge numbers, overlong and control
characters in cells, a 50 MB body, 10,000 problems, swapped emails. Always a 4xx with a
reason, never a 500, and the document says what the code does."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from models.tables import Person
from services.access import SYSTEM
from services.api_tokens import SCOPES, create_token
from services.imports import MAX_PROBLEMS
from web.api.inputs import MAX_VERSION
from web.api.openapi import openapi_document

COLUMNS = ["external_id", "name", "email", "team", "manager_email", "access", "sales_role"]


@pytest.fixture
def auth(session) -> dict:
    secret = create_token(session=session, actor=SYSTEM, name="hostile", scopes=list(SCOPES))[1]
    return {"Authorization": f"Bearer {secret}"}


def person_row(external_id: str, name: str, email: str, **extra) -> dict:
    row = dict.fromkeys(COLUMNS, "")
    row.update(external_id=external_id, name=name, email=email, **extra)
    return row


def post_rows(client, auth, path: str, rows: list[dict]):
    return client.post(path, json={"rows": rows}, headers=auth)


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_nul_in_a_query_parameter_is_a_400_not_a_500(client, auth):
    response = client.get("/api/v1/kpis?metric=rev%00enue", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_a_nul_in_a_path_is_refused(client, auth):
    response = client.get("/api/v1/recommendations/E1%00", headers=auth)
    assert response.status_code == 400


# A lone surrogate (JSON "\ud800") cannot be encoded at all: it made the import a 500.
@pytest.mark.parametrize(
    "cell", ["Kari\x00Nordmann", "Kari \u202eNordmann", "Kari\x1b[31m", "Kari\ud800Nordmann"]
)
def test_control_characters_in_json_cells_are_named_by_row_and_column(client, session, auth, cell):
    response = post_rows(
        client, auth, "/api/v1/people/import", [person_row("E1", cell, "kari@example.test")]
    )
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert problems[0].startswith("row 2, column name: contains the control character U+")
    assert count(session, Person) == 0


def test_a_nul_in_a_csv_body_is_named_by_row_and_column(client, session, auth):
    body = ",".join(COLUMNS) + "\nE1,Kari,kari@example.test,Oslo\x00,,,\n"
    response = client.post(
        "/api/v1/people/import",
        data=body.encode(),
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["problems"] == [
        "row 2, column team: contains the control character U+0000; remove it and import again"
    ]


def test_overlong_roster_values_are_refused_with_the_column_limit(client, session, auth):
    row = person_row("E" * 65, "N" * 201, "kari@example.test", sales_role="r" * 65)
    response = post_rows(client, auth, "/api/v1/people/import", [row])
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert "row 2, column external_id: 65 characters, more than the 64 this column holds" in (
        problems
    )
    assert "row 2, column name: 201 characters, more than the 200 this column holds" in problems
    assert "row 2, column sales_role: 65 characters, more than the 64 this column holds" in (
        problems
    )
    assert count(session, Person) == 0


def test_a_people_import_that_swaps_two_emails_is_imported(client, session, auth):
    rows = [
        person_row("E1", "Kari", "kari@example.test", access="manager"),
        person_row("E2", "Ola", "ola@example.test", manager_email="kari@example.test"),
    ]
    assert post_rows(client, auth, "/api/v1/people/import", rows).status_code == 200
    rows[0]["email"], rows[1]["email"] = "ola@example.test", "kari@example.test"
    rows[1]["manager_email"] = "ola@example.test"
    response = post_rows(client, auth, "/api/v1/people/import", rows)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["counts"]["updated"] == 2
    session.expire_all()
    emails = dict(session.exec(select(Person.external_id, Person.email)).all())
    assert emails == {"E1": "ola@example.test", "E2": "kari@example.test"}


def test_ten_thousand_problems_are_capped(client, auth):
    rows = [person_row(f"E{n}", "", "bad") for n in range(10_000)]
    response = post_rows(client, auth, "/api/v1/people/import", rows)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"].startswith("Nothing was imported: 20000 problems")
    assert len(error["problems"]) == MAX_PROBLEMS + 1
    assert error["problems"][-1] == "… and 19900 more problems not listed"
    assert len(response.get_data()) < 50_000


def test_ten_thousand_unreadable_rows_are_capped_too(client, auth):
    response = client.post("/api/v1/people/import", json={"rows": [1] * 10_000}, headers=auth)
    assert response.status_code == 400
    problems = response.get_json()["error"]["problems"]
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == "… and 9900 more problems not listed"


def test_a_50_mb_body_is_refused_with_413_before_it_is_read(client, auth):
    body = b'{"rows": [' + b" " * (50 * 1024 * 1024) + b"]}"
    response = client.post(
        "/api/v1/people/import",
        data=body,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert "16 MB" in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/recommendations?k=",
        "/api/v1/recommendations?offset=",
        "/api/v1/people?limit=",
        "/api/v1/people?include_inactive=",
        "/api/v1/kpis?metric=",
        f"/api/v1/recommendations?offset={'9' * 30}",
        f"/api/v1/people?limit={'9' * 400}",
        f"/api/v1/kpis?metric={'m' * 201}",
    ],
)
def test_empty_and_huge_parameters_are_refused_as_the_document_says(client, auth, query):
    response = client.get(query, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_parameter"


def test_the_document_states_every_maximum_and_refuses_empty_text():
    document = openapi_document()
    operation = document["paths"]["/api/v1/responses/import"]["post"]
    version = next(p for p in operation["parameters"] if p["name"] == "version")
    assert version["schema"]["maximum"] == MAX_VERSION
    kpis = document["paths"]["/api/v1/kpis"]["get"]
    metric = next(p for p in kpis["parameters"] if p["name"] == "metric")
    assert metric["schema"]["minLength"] == 1
    assert "maximum" in document["components"]["parameters"]["offset"]["schema"]
    assert "empty value" in document["info"]["description"]


def test_a_version_over_the_documented_maximum_is_refused(client, auth):
    response = client.post(
        f"/api/v1/responses/import?version={MAX_VERSION + 1}",
        json={"rows": [{"person": "E1"}]},
        headers=auth,
    )
    assert response.status_code == 400


def test_mass_deactivation_has_an_api_parameter(client, session, auth, factory):
    people = [factory.person("rep") for _ in range(8)]
    keep = people[0]
    row = person_row(keep.external_id, keep.name, keep.email, sales_role="closer")
    refused = post_rows(client, auth, "/api/v1/people/import", [row])
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "allow_mass_deactivation=true" in json.dumps(error)
    allowed = client.post(
        "/api/v1/people/import?allow_mass_deactivation=true",
        json={"rows": [row]},
        headers=auth,
    )
    assert allowed.status_code == 200, allowed.get_json()
    assert allowed.get_json()["counts"]["deactivated"] == 7
    document = openapi_document()
    parameters = document["paths"]["/api/v1/people/import"]["post"]["parameters"]
    assert "allow_mass_deactivation" in [p["name"] for p in parameters]


def test_huge_ids_in_api_paths_are_404(client, auth):
    response = client.get("/api/v1/waves/99999999999999999999", headers=auth)
    assert response.status_code == 404


def test_a_json_row_missing_columns_the_others_give_is_refused_and_blanks_nobody(
    client, session, auth, factory
):
    """JSON rows were read as a table whose header is every key any row gives: a row that
    left out team, access and sales_role demoted a manager to a rep in no team."""
    team = factory.team("North")
    kari = factory.person("manager", team=team, name="Kari", sales_role="sales_manager")
    rows = [
        person_row("E1", "Ola", "ola@example.test", team="North", access="rep"),
        {"external_id": kari.external_id, "name": "Kari", "email": kari.email},
    ]
    response = client.post(
        "/api/v1/people/import?keep_missing=true", json={"rows": rows}, headers=auth
    )
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    left_out = 'left out of this row; give every column in every row ("" for a blank cell)'
    assert problems == [
        f"row 3, column {column}: {left_out}"
        for column in ("team", "manager_email", "access", "sales_role")
    ]
    session.expire_all()
    assert (kari.access, kari.team_id) == ("manager", team.id)
    assert count(session, Person) == 1


def test_json_nested_two_hundred_thousand_deep_is_a_400_not_a_500(client, auth):
    body = '{"rows":' + "[" * 200_000 + "]" * 200_000 + "}"
    response = client.post(
        "/api/v1/kpis/import", data=body, content_type="application/json", headers=auth
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_body"
    assert "nested too deeply" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(("source", "code"), [("\u202etxt.exe", "U+202E"), ("line1\nline2", None)])
def test_a_source_that_would_name_a_wave_is_held_to_the_rule_for_names(
    client, session, auth, source, code
):
    from models.tables import Wave
    from services.instruments import ensure_default_instrument

    ensure_default_instrument(session=session)
    response = client.post(
        "/api/v1/responses/import",
        query_string={"source": source, "create_people": "true"},
        json={"rows": [{"person": "SRC1", "aut1": 3}]},
        headers=auth,
    )
    assert response.status_code == 422
    problems = " ".join(response.get_json()["error"]["problems"])
    assert "source: " in problems
    assert (f"control character {code}" if code else "keep it on one line") in problems
    assert count(session, Wave) == 0


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (
            '{"rows": [{"person": "E1", "metric": "deals_won", "period": "2026-10", '
            '"value": 2, "value": 7}]}',
            "application/json",
            "The body gives the key 'value' more than once in one object.",
        ),
        (
            '{"rows": [{"person": "E1", "metric": "deals_won", "period": "2026-10", '
            '"value": 2, "VALUE ": 7}]}',
            "application/json",
            "row 2, column value: given more than once ('value' and 'VALUE ')",
        ),
        (
            "person,metric,period,value,Value\nE1,deals_won,2026-10,2,7\n",
            "text/csv",
            "row 1: column 'Value' appears more than once",
        ),
    ],
    ids=["json-same-key", "json-case", "csv-case"],
)
def test_a_column_given_twice_is_refused_not_read_as_its_last_value(
    client, session, auth, body, content_type, problem
):
    from models.tables import KPI

    session.add(Person(external_id="E1", name="Ada", email="ada@example.test"))
    session.commit()
    response = client.post(
        "/api/v1/kpis/import", data=body, content_type=content_type, headers=auth
    )
    assert response.status_code in (400, 422)
    error = response.get_json()["error"]
    assert problem in " ".join([error["message"], *error.get("problems", [])])
    assert count(session, KPI) == 0


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("Keep_Missing=true", "Keep_Missing: not a parameter of this operation (it takes "
         "allow_mass_deactivation, keep_missing)"),
        ("keep_missing=true&keep_missing=false", "keep_missing: given more than once"),
    ],
)  # fmt: skip
def test_a_misspelt_or_repeated_query_parameter_is_refused_not_ignored(
    client, session, auth, factory, query, problem
):
    """A misspelt keep_missing was ignored, so a partial roster was read as the full one and
    only the mass-deactivation guard stood between it and everyone else losing access."""
    for i in range(4):
        factory.person(name=f"Rep{i}")
    rows = [person_row("E1", "Ola", "ola@example.test")]
    response = client.post(f"/api/v1/people/import?{query}", json={"rows": rows}, headers=auth)
    assert response.status_code == 400
    assert response.get_json()["error"]["problems"] == [problem]
    assert count(session, Person) == 4


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing", 404, "not_found"),
        ("delete", "/api/v1/people", 405, "method_not_allowed"),
    ],
)
def test_every_json_error_carries_a_code(client, auth, method, path, status, code):
    response = getattr(client, method)(path, headers=auth)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
