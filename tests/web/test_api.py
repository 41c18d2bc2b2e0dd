"""The integration API over HTTP: tokens, scopes, rate limits, imports, reads, the admin page
and the ``motivo tokens`` commands."""

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import KPI, ApiToken, AuditLog, Person, SurveyResponse, Wave
from services import api_tokens, rate_limits
from services.access import SYSTEM
from services.api_tokens import create_token
from services.instruments import import_instrument
from tests.conftest import csrf_token, login

DATA = Path(__file__).resolve().parent.parent / "data"
ROSTER = [
    {"external_id": "M1", "name": "Kari Nordmann", "email": "kari@example.test",
     "team": "Oslo", "manager_email": None, "access": "manager", "sales_role": "sales_manager"},
    {"external_id": "R1", "name": "Ola Hansen", "email": "ola@example.test",
     "team": "Oslo", "manager_email": "kari@example.test", "access": "", "sales_role": "closer"},
]  # fmt: skip
ROSTER_CSV = (
    "external_id,name,email,team,manager_email,access,sales_role\n"
    "M1,Kari Nordmann,kari@example.test,Oslo,,manager,sales_manager\n"
    "R1,Ola Hansen,ola@example.test,Oslo,kari@example.test,rep,closer\n"
)
ANSWERS_CSV = (
    "person,aut1,aut2,aut3,aut4,mas1,mas2,att1,mas3,mas4,pur1,pur2,pur3,pur4,rank1,open1\n"
    "R2,4,5,2,4,4,4,4,2,5,5,4,2,5,time>recognition>development,More time with my family\n"
    "R1,3,,3,3,4,4,4,2,4,3,3,3,4,recognition>time,\n"
)


def token_for(session, *scopes, **kwargs) -> str:
    return create_token(session=session, actor=SYSTEM, name="test", scopes=scopes, **kwargs)[1]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


# Authentication --------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client):
    response = client.get("/api/v1/people")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="motivo"'
    assert response.get_json()["error"]["code"] == "missing_token"


@pytest.mark.parametrize("header", ["Bearer mtv_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_a_wrong_token_is_401(client, session, header):
    token_for(session, "people:read")
    response = client.get("/api/v1/people", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="motivo"')
    assert response.is_json


def test_an_expired_token_is_401(client, session):
    secret = token_for(
        session, "people:read", expires_in_days=1, now=datetime.now(UTC) - timedelta(days=2)
    )
    response = client.get("/api/v1/people", headers=bearer(secret))
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge and "expired" in challenge
    assert response.get_json()["error"]["message"] == "The token has expired."


def test_a_token_without_the_scope_is_403(client, session):
    secret = token_for(session, "people:read", "kpis:read")
    response = client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="people:write"' in challenge
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert count(session, Person) == 0
    refused = session.exec(select(AuditLog).where(AuditLog.action == "api.request")).one()
    assert refused.details["refused"] == 403 and refused.details["scope"] == "people:write"


def test_a_signed_in_browser_cannot_use_token_endpoints(client, factory):
    admin = factory.person("admin")
    assert login(client, admin.email).status_code == 302
    assert client.get("/api/v1/me").get_json()["external_id"] == admin.external_id
    assert client.get("/api/v1/people").status_code == 401


def test_revoked_token_is_refused_at_once(client, session, runner):
    token, secret = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["people:read"])
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    result = runner.invoke(args=["tokens", "revoke", str(token.id)])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/people", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "The token has been revoked."


def test_every_token_request_is_audited_without_the_token(client, session):
    token, secret = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["people:read"])
    client.get("/api/v1/people?limit=1&include_inactive=true", headers=bearer(secret))
    row = session.exec(select(AuditLog).where(AuditLog.action == "api.request")).one()
    assert row.target == f"token {token.id}"
    assert row.details == {
        "method": "GET",
        # What was asked for, filters and paging included.
        "path": "/api/v1/people?limit=1&include_inactive=true",
        "scope": "people:read",
        "token": token.prefix,
        "actor": f"API token {token.prefix}… (CRM)",
    }
    assert secret not in json.dumps([a.details for a in session.exec(select(AuditLog))])
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at is not None


# Rate limit ------------------------------------------------------------------------------


def test_rate_limit_is_shared_by_every_worker(app, client, session, database_url, monkeypatch):
    from web import create_app

    clock = {"now": datetime(2026, 10, 1, 12, 0, 50, tzinfo=UTC)}
    monkeypatch.setattr(rate_limits, "utcnow", lambda: clock["now"])
    app.config["MOTIVO_API_RATE_PER_MINUTE"] = 3
    other = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "MOTIVO_API_RATE_PER_MINUTE": "3",
        }
    )
    try:
        secret = token_for(session, "people:read")
        remaining = []
        for worker in (client, other.test_client(), client):
            response = worker.get("/api/v1/people", headers=bearer(secret))
            assert response.status_code == 200
            remaining.append(response.headers["X-RateLimit-Remaining"])
        assert remaining == ["2", "1", "0"]
        for worker in (other.test_client(), client):
            refused = worker.get("/api/v1/people", headers=bearer(secret))
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "10"
            assert refused.get_json()["error"]["code"] == "rate_limited"
        # Another token has its own count.
        assert client.get("/api/v1/people", headers=bearer(token_for(session, "people:read")))
        clock["now"] += timedelta(seconds=10)  # the next minute
        assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    finally:
        other.extensions["motivo.engine"].dispose()


def test_rate_setting_must_be_a_positive_whole_number(database_url, engine):
    from web import create_app
    from web.config import ConfigError

    for bad in ("many", "0"):
        with pytest.raises(ConfigError, match="MOTIVO_API_RATE_PER_MINUTE"):
            create_app(
                {"TESTING": True, "DATABASE_URL": database_url, "MOTIVO_API_RATE_PER_MINUTE": bad}
            )
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    assert app.config["MOTIVO_API_RATE_PER_MINUTE"] == 120
    app.extensions["motivo.engine"].dispose()


# People ----------------------------------------------------------------------------------


def test_people_import_json_then_list_in_pages(client, session):
    secret = token_for(session, "people:read", "people:write")
    response = client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["counts"]["created"] == 2
    assert body["external_ids"]["created"] == ["M1", "R1"]

    page = client.get("/api/v1/people?limit=1", headers=bearer(secret)).get_json()
    assert page["total"] == 2 and page["next_offset"] == 1
    assert page["items"] == [
        {
            "external_id": "M1",
            "name": "Kari Nordmann",
            "email": "kari@example.test",
            "access": "manager",
            "team": "Oslo",
            "manager_email": None,
            "sales_role": "sales_manager",
            "active": True,
        }
    ]
    last = client.get("/api/v1/people?limit=1&offset=1", headers=bearer(secret)).get_json()
    assert [p["external_id"] for p in last["items"]] == ["R1"] and last["next_offset"] is None
    actions = [a.action for a in session.exec(select(AuditLog))]
    assert "people.import" in actions
    target = session.exec(select(AuditLog).where(AuditLog.action == "people.import")).one().target
    assert target.startswith("API token mtv_")


def test_people_import_csv_is_the_same_as_json(client, session):
    secret = token_for(session, "people:write")
    response = client.post(
        "/api/v1/people/import?keep_missing=true",
        data=ROSTER_CSV.encode(),
        content_type="text/csv; charset=utf-8",
        headers=bearer(secret),
    )
    assert response.status_code == 200
    again = client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    assert again.get_json()["counts"] == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "deactivated": 0,
        "reactivated": 0,
    }


def test_an_option_in_the_body_is_refused_not_ignored(client, session):
    """{"keep_missing": true} beside the rows was ignored, and the import deactivated
    everyone missing from them."""
    secret = token_for(session, "people:write")
    assert client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    response = client.post(
        "/api/v1/people/import",
        json={"rows": ROSTER[:1], "keep_missing": True},
        headers=bearer(secret),
    )
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_body"
    assert error["problems"] == [
        "keep_missing: not read from the body; send ?keep_missing=... instead"
    ]
    assert all(p.active for p in session.exec(select(Person)))


def test_a_bad_roster_is_422_with_every_problem_and_writes_nothing(client, session):
    secret = token_for(session, "people:write")
    rows = [*ROSTER, {"external_id": "R2", "name": "", "email": "bad", "access": "chief"}]
    response = client.post("/api/v1/people/import", json={"rows": rows}, headers=bearer(secret))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert "row 4, column name: empty" in error["problems"]
    assert "row 4, column email: 'bad' is not an email address" in error["problems"]
    assert count(session, Person) == 0


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": b"{not json", "content_type": "application/json"}, 400, "invalid_body"),
        ({"json": {"rows": []}}, 400, "invalid_body"),
        ({"json": {"rows": [{"external_id": ["a"]}]}}, 400, "invalid_body"),
        ({"data": b"<people/>", "content_type": "application/xml"}, 415, "unsupported_media_type"),
        ({"data": b"", "content_type": "text/csv"}, 422, "invalid_input"),
    ],
)
def test_unreadable_import_bodies(client, session, kwargs, status, code):
    secret = token_for(session, "people:write")
    response = client.post("/api/v1/people/import", headers=bearer(secret), **kwargs)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_a_body_over_the_size_limit_is_413(app, client, session):
    app.config["MAX_CONTENT_LENGTH"] = 64
    secret = token_for(session, "people:write")
    response = client.post(
        "/api/v1/people/import",
        data=ROSTER_CSV * 5,
        content_type="text/csv",
        headers=bearer(secret),
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    "query",
    # int() also reads " 1", "+1", "1_0" and full-width digits; the document says digits.
    [
        "limit=0",
        "limit=1001",
        "offset=-1",
        "limit=ten",
        "limit=%201",
        "limit=%2B1",
        "limit=1_0",
        "limit=%EF%BC%91",
    ],
)
def test_bad_paging_is_400(client, session, query):
    secret = token_for(session, "people:read")
    response = client.get(f"/api/v1/people?{query}", headers=bearer(secret))
    assert response.status_code == 400
    assert response.get_json()["error"]["problems"][0].split(":")[0] in {"limit", "offset"}


def test_imports_need_no_csrf_token_but_pages_still_do(client, session, factory):
    secret = token_for(session, "people:write")
    ok = client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    assert ok.status_code == 200
    admin = factory.person("admin")
    login(client, admin.email)
    forged = client.post("/admin/tokens/", data={"name": "x", "scopes": "people:read"})
    assert forged.status_code == 400
    assert count(session, ApiToken) == 1


# Waves and responses ---------------------------------------------------------------------


@pytest.fixture
def answered(client, session):
    data = tomllib.loads((DATA / "small_instrument.toml").read_text(encoding="utf-8"))
    import_instrument(session=session, actor=SYSTEM, data=data)
    secret = token_for(session, "people:write", "responses:write", "responses:read", "waves:read")
    # Only reps answer a survey: the answers file names Ola and a second rep, Per.
    people = [*ROSTER, {**ROSTER[1], "external_id": "R2", "name": "Per Berg",
                        "email": "per@example.test"}]  # fmt: skip
    client.post("/api/v1/people/import", json={"rows": people}, headers=bearer(secret))
    return secret


def test_responses_import_then_counts_never_answers(client, session, answered):
    response = client.post(
        "/api/v1/responses/import?instrument=motivation_test&source=survey-tool.csv",
        data=ANSWERS_CSV.encode(),
        content_type="text/csv",
        headers=bearer(answered),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["counts"]["created"] == 2
    assert body["wave"] == "Imported from survey-tool.csv"
    assert count(session, SurveyResponse) == 2

    waves = client.get("/api/v1/waves", headers=bearer(answered)).get_json()
    (wave,) = waves["items"]
    assert wave["name"] == "Imported from survey-tool.csv"
    # Two responses are fewer than the minimum group size of 5: the count is withheld.
    assert wave["submitted"] is None and "submitted" in wave["withheld"]
    details = client.get(f"/api/v1/waves/{wave['id']}", headers=bearer(answered)).get_json()
    assert details["id"] == wave["id"] and details["teams"] == []
    counts = client.get(f"/api/v1/waves/{wave['id']}/responses", headers=bearer(answered))
    assert counts.status_code == 200
    text = counts.get_data(as_text=True) + json.dumps(waves) + json.dumps(details)
    for private in ("More time with my family", "R2", "R1", "Ola", "Per", "recognition"):
        assert private not in text
    assert counts.get_json()["by_status"]["submitted"] is None


def test_responses_import_problems_are_422(client, session, answered):
    bad = ANSWERS_CSV.replace("R1,3,", "R9,7,")
    response = client.post(
        "/api/v1/responses/import?instrument=motivation_test",
        data=bad.encode(),
        content_type="text/csv",
        headers=bearer(answered),
    )
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert any(p.startswith("row 3, column aut1: 7 is out of range") for p in problems)
    assert any("unknown person 'R9'" in p for p in problems)
    assert count(session, SurveyResponse) == 0 and count(session, Wave) == 0


def test_unknown_wave_is_404(client, session, answered):
    assert client.get("/api/v1/waves/999", headers=bearer(answered)).status_code == 404
    missing = client.get("/api/v1/waves/999/responses", headers=bearer(answered))
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    into = client.post(
        "/api/v1/responses/import?wave=No+such+wave",
        data=ANSWERS_CSV.encode(),
        content_type="text/csv",
        headers=bearer(answered),
    )
    assert into.status_code == 404


# KPIs ------------------------------------------------------------------------------------


def test_kpis_import_then_read_aggregates_only(client, session):
    secret = token_for(session, "people:write", "kpis:write", "kpis:read")
    roster = [
        {"external_id": f"R{i}", "name": f"Rep {i}", "email": f"r{i}@example.test",
         "team": "Oslo" if i < 5 else "Bergen", "manager_email": "", "access": "rep", "sales_role": "closer"}
        for i in range(7)
    ]  # fmt: skip
    client.post("/api/v1/people/import", json={"rows": roster}, headers=bearer(secret))
    rows = [
        {"person": f"R{i}", "period": "2026-Q3", "metric": "revenue", "value": 1000 * (i + 1)}
        for i in range(7)
    ]
    response = client.post("/api/v1/kpis/import", json={"rows": rows}, headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 7
    assert count(session, KPI) == 7

    summary = client.get("/api/v1/kpis?metric=revenue", headers=bearer(secret)).get_json()
    assert summary["period"] == "2026-Q3"
    assert summary["overall"]["n"] == 7 and summary["overall"]["mean"] == pytest.approx(4000)
    groups = {g["group"]: g for g in summary["groups"]}
    # Bergen has 2 people: hidden, and Oslo with it, or the total minus Oslo would show Bergen.
    assert groups["Bergen"]["mean"] is None and groups["Oslo"]["mean"] is None
    assert sorted(summary["withheld"]) == ["Bergen", "Oslo"]
    assert "6000" not in json.dumps(summary) and "R5" not in json.dumps(summary)

    bad = client.get("/api/v1/kpis?metric=revenue&by=manager", headers=bearer(secret))
    assert bad.status_code == 422
    typo = client.post(
        "/api/v1/kpis/import",
        json={"rows": [{"person": "R1", "period": "2026-Q3", "metric": "revnue", "value": 1}]},
        headers=bearer(secret),
    )
    assert typo.status_code == 422
    new = client.post(
        "/api/v1/kpis/import?allow_new_metrics=true",
        json={"rows": [{"person": "R1", "period": "2026-Q3", "metric": "revnue", "value": 1}]},
        headers=bearer(secret),
    )
    assert new.get_json()["new_metrics"] == ["revnue"]


# The admin page --------------------------------------------------------------------------


@pytest.mark.parametrize(("access", "status"), [("rep", 403), ("manager", 403), ("hr", 403)])
def test_only_admins_see_the_token_page(client, factory, access, status):
    login(client, factory.person(access).email)
    assert client.get("/admin/tokens/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/tokens/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_admin_creates_a_token_that_is_shown_once_then_revokes_it(client, session, factory):
    admin = factory.person("admin")
    login(client, admin.email)
    page = client.get("/admin/tokens/")
    assert page.status_code == 200 and "No tokens yet." in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(client, "/admin/tokens/"),
        "name": "HRIS sync",
        "scopes": ["people:read", "people:write"],
        "expires_days": "90",
    }
    created = client.post("/admin/tokens/", data=form)
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    html = created.get_data(as_text=True)
    token = session.exec(select(ApiToken)).one()
    assert token.created_by_id == admin.id and token.scopes == ["people:read", "people:write"]
    start = html.index('id="token-value">') + len('id="token-value">')
    secret = html[start : html.index("</code>", start)]
    assert secret.startswith(token.prefix)
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    assert secret not in client.get("/admin/tokens/").get_data(as_text=True)

    csrf = csrf_token(client, "/admin/tokens/")
    asked = client.post(f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert asked.status_code == 200 and "Revoke the token" in asked.get_data(as_text=True)
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    revoke = client.post(
        f"/admin/tokens/{token.id}/revoke", data={"csrf_token": csrf, "confirm": "1"}
    )
    assert revoke.status_code == 302
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 401
    actions = [
        (a.action, a.actor_id)
        for a in session.exec(select(AuditLog).where(AuditLog.action.startswith("api_token")))
    ]
    assert actions == [("api_token.create", admin.id), ("api_token.revoke", admin.id)]


def test_the_token_form_lists_its_problems(client, session, factory):
    login(client, factory.person("admin").email)
    response = client.post(
        "/admin/tokens/",
        data={"csrf_token": csrf_token(client, "/admin/tokens/"), "name": "", "expires_days": "0"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the token a name." in html and "Choose at least one scope." in html
    assert count(session, ApiToken) == 0


# The command line ------------------------------------------------------------------------


def test_tokens_create_prints_the_token_once_on_stdout(runner, session):
    result = runner.invoke(
        args=["tokens", "create", "CRM", "--scope", "kpis:write", "--scope", "people:read",
              "--expires", "30"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("mtv_") and "\n" not in secret
    assert secret not in result.stderr and "Store it now" in result.stderr
    token = session.exec(select(ApiToken)).one()
    assert token.token_hash == api_tokens.digest(secret)

    listed = runner.invoke(args=["tokens", "list", "--format", "json"])
    rows = json.loads(listed.stdout)
    assert rows[0]["name"] == "CRM" and rows[0]["scopes"] == ["people:read", "kpis:write"]
    assert rows[0]["status"] == "active" and secret not in listed.stdout
    table = runner.invoke(args=["tokens", "list"])
    assert table.stdout.splitlines()[0].split()[:3] == ["id", "name", "prefix"]


def test_tokens_commands_refuse_bad_input(runner):
    unknown = runner.invoke(args=["tokens", "create", "CRM", "--scope", "people:delete"])
    assert unknown.exit_code == 2
    none = runner.invoke(args=["tokens", "create", "CRM"])
    assert none.exit_code == 2
    missing = runner.invoke(args=["tokens", "revoke", "42"])
    assert missing.exit_code == 1 and "No token with id 42" in missing.stderr


# Feedback and suggestions ----------------------------------------------------------------


def test_feedback_import_records_ratings_and_given_rewards(client, session):
    from models.tables import Grant, Rating
    from services.catalogue import ensure_seed_catalogue

    ensure_seed_catalogue(session=session)
    secret = token_for(session, "people:write", "feedback:write", "recommendations:read")
    client.post("/api/v1/people/import", json={"rows": ROSTER}, headers=bearer(secret))
    rows = [
        {"person": "R1", "reward_id": "team-meeting-shout-out", "rating": 5,
         "given_at": "2026-09-30", "comment": "Made my week"},
        {"person": "R1", "reward_id": "peer-nomination-award", "rating": 2},
    ]  # fmt: skip
    response = client.post("/api/v1/feedback", json={"rows": rows}, headers=bearer(secret))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 2, "updated": 0, "unchanged": 0, "grants_created": 1}
    assert count(session, Rating) == 2 and count(session, Grant) == 1
    again = client.post("/api/v1/feedback", json={"rows": rows}, headers=bearer(secret))
    assert again.get_json()["unchanged"] == 2

    bad = client.post(
        "/api/v1/feedback",
        json={"rows": [{"person": "R1", "reward_id": "no-such-reward", "rating": 9}]},
        headers=bearer(secret),
    )
    assert bad.status_code == 422
    assert len(bad.get_json()["error"]["problems"]) == 2

    # Rated rewards are not suggested again; the comment never comes back.
    suggestions = client.get("/api/v1/recommendations/R1?k=20", headers=bearer(secret))
    slugs = [s["reward_id"] for s in suggestions.get_json()["suggestions"]]
    assert "team-meeting-shout-out" not in slugs and len(slugs) == 20
    assert "Made my week" not in suggestions.get_data(as_text=True)
    # Each suggestion says what it costs, in the organisation's currency.
    first = suggestions.get_json()["suggestions"][0]
    assert first["currency"] == "NOK" and isinstance(first["cost"], int | float)


def test_suggestions_for_unknown_people_and_bad_k(client, session):
    secret = token_for(session, "recommendations:read")
    assert client.get("/api/v1/recommendations/nobody", headers=bearer(secret)).status_code == 404
    for k in ("0", "21", "five"):
        response = client.get(f"/api/v1/recommendations?k={k}", headers=bearer(secret))
        assert response.status_code == 400


def test_the_admin_page_describes_every_scope():
    from web.api.forms import SCOPE_LABELS

    assert list(SCOPE_LABELS) == list(api_tokens.SCOPES)
