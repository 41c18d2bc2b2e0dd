"""The OpenAPI document matches the API: every route is described, every described status
code is what a real call returns, and a client that knows only the document can use it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from services import api_tokens, rate_limits
from services.access import SYSTEM
from services.api_tokens import SCOPES
from tests.conftest import login

SPEC = "/api/v1/openapi.json"
NO_SUCH_ID = 987654


def fetch_document(client) -> dict:
    response = client.get(SPEC)
    assert response.status_code == 200 and response.is_json
    return response.get_json()


class DocClient:
    """An API client that knows nothing but the OpenAPI document it was given."""

    def __init__(self, http, doc: dict):
        self.http = http
        self.doc = doc
        self.operations: dict[str, tuple[str, str, dict]] = {}
        for path, item in doc["paths"].items():
            for method, operation in item.items():
                self.operations[operation["operationId"]] = (method, path, operation)

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            *_, kind, name = node["$ref"].split("/")
            node = self.doc["components"][kind][name]
        return node

    def security(self, operation_id: str) -> list[dict]:
        return self.operations[operation_id][2].get("security", self.doc.get("security", []))

    def scopes(self, operation_id: str) -> list[str]:
        scopes = []
        for requirement in self.security(operation_id):
            for name, wanted in requirement.items():
                if self.doc["components"]["securitySchemes"][name].get("scheme") == "bearer":
                    scopes += wanted
        return scopes

    def auth_headers(self, operation_id: str, token: str | None) -> dict:
        if token is None:
            return {}
        for requirement in self.security(operation_id):
            for name in requirement:
                scheme = self.doc["components"]["securitySchemes"][name]
                if scheme["type"] == "http" and scheme["scheme"] == "bearer":
                    return {"Authorization": f"Bearer {token}"}
        return {}

    def example_body(self, operation_id: str, media: str):
        body = self.operations[operation_id][2]["requestBody"]["content"][media]
        return body["example"]

    def call(
        self,
        operation_id: str,
        *,
        token: str | None = None,
        path_params: dict | None = None,
        query: dict | None = None,
        json=None,
        data: bytes | str | None = None,
        content_type: str | None = None,
    ):
        method, path, operation = self.operations[operation_id]
        url = path.format(**(path_params or {}))
        kwargs: dict = {"headers": self.auth_headers(operation_id, token), "query_string": query}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = content_type
        response = self.http.open(url, method=method.upper(), **kwargs)
        self.check(operation_id, response)
        return response

    def check(self, operation_id: str, response) -> None:
        """The status is documented for this operation and the body and headers match."""
        operation = self.operations[operation_id][2]
        status = str(response.status_code)
        assert status in operation["responses"], (
            f"{operation_id} answered {status}, which is not documented: "
            f"{response.get_data(as_text=True)[:300]}"
        )
        documented = self.resolve(operation["responses"][status])
        for header in documented.get("headers", {}):
            assert header in response.headers, f"{operation_id} {status}: no {header} header"
        content = documented.get("content", {})
        if "application/json" in content:
            assert response.is_json, f"{operation_id} {status} is not JSON"
            schema = content["application/json"]["schema"]
            validator = Draft202012Validator(
                {"components": self.doc["components"], "allOf": [schema]}
            )
            errors = sorted(validator.iter_errors(response.get_json()), key=str)
            assert not errors, f"{operation_id} {status}: {errors[0].message}"


@pytest.fixture
def doc(client) -> dict:
    return fetch_document(client)


@pytest.fixture
def api(client, doc) -> DocClient:
    return DocClient(client, doc)


def all_doc_scopes(api: DocClient) -> list[str]:
    return sorted({s for op in api.operations for s in api.scopes(op)})


def make_token(runner, scopes, *extra: str) -> str:
    """Create a token the way an administrator does, through ``motivo tokens create``."""
    args = ["tokens", "create", "from-the-document"]
    for scope in scopes:
        args += ["--scope", scope]
    result = runner.invoke(args=[*args, *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


# The document itself ---------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_the_document_needs_no_token(client):
    assert client.get(SPEC).status_code == 200


def _flask_operations(app) -> dict[tuple[str, str], str]:
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method.lower(), path)] = rule.endpoint
    return found


def test_every_route_under_api_v1_is_documented_and_nothing_else(app, doc):
    routes = _flask_operations(app)
    documented = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert set(routes) == documented
    assert len(routes) >= 10


def test_each_operation_asks_for_the_scope_its_view_requires(app, api):
    for (method, path), endpoint in _flask_operations(app).items():
        operation = api.doc["paths"][path][method]
        required = getattr(app.view_functions[endpoint], "required_scope", None)
        documented = api.scopes(operation["operationId"])
        assert documented == ([required] if required else []), (method, path)
        if required:
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)


def test_every_scope_is_documented(api):
    description = api.doc["components"]["securitySchemes"]["bearerAuth"]["description"]
    for scope in SCOPES:
        assert f"`{scope}`" in description and f"`{scope}`" in api.doc["info"]["description"]
    assert set(all_doc_scopes(api)) == set(SCOPES)


def test_operation_ids_are_unique(api):
    ids = [op["operationId"] for item in api.doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


# Every documented status code, from a real call ------------------------------------------


@pytest.fixture
def world(api, runner, session, factory):
    """Data for every read: people, a wave with answers, KPIs, the reward catalogue; and a
    token with every scope."""
    from services.catalogue import ensure_seed_catalogue
    from services.instruments import ensure_default_instrument

    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    token = make_token(runner, all_doc_scopes(api))
    columns = ("team", "manager_email", "access", "sales_role")
    people = [
        {
            "external_id": f"E{i}",
            "name": f"Rep {i}",
            "email": f"e{i}@example.test",
            **dict.fromkeys(columns, ""),
            "team": "Oslo",
        }
        for i in range(6)
    ]
    # The documented examples name a person, so they are in the roster too.
    people += api.example_body("importPeople", "application/json")["rows"]
    api.call("importPeople", token=token, json={"rows": people}, query={"keep_missing": "true"})
    answers = "person,aut1,aut2,mas1\n" + "".join(f"E{i},4,{1 + i % 5},3\n" for i in range(6))
    api.call("importResponses", token=token, data=answers, content_type="text/csv")
    kpis = {
        "rows": [
            {"person": f"E{i}", "period": "2026-Q3", "metric": "revenue", "value": 10 * i}
            for i in range(6)
        ]
    }
    api.call("importKpis", token=token, json=kpis)
    wave_id = api.call("listWaves", token=token).get_json()["items"][0]["id"]
    return {
        "token": token,
        "path": {"wave_id": wave_id, "external_id": "E1"},
        "admin": factory.person("admin"),
    }


def _path_params(api: DocClient, op: str, world: dict, *, missing: bool = False) -> dict:
    path = api.operations[op][1]
    names = re.findall(r"{([^}]+)}", path)
    if missing:
        return dict.fromkeys(names, NO_SUCH_ID)
    return {name: world["path"][name] for name in names}


def _call_as(api: DocClient, op: str, world: dict, token: str | None):
    """A well-formed call to ``op`` with ``token`` (the documented example for imports)."""
    method = api.operations[op][0]
    params = _path_params(api, op, world)
    # Each operation gets only the parameters its document lists; others are refused.
    query = {"summariseKpis": {"metric": "revenue"}, "importPeople": {"keep_missing": "true"}}
    query = query.get(op, {})
    if method == "post":
        body = api.example_body(op, "text/csv")
        return api.call(
            op, token=token, path_params=params, data=body, content_type="text/csv", query=query
        )
    return api.call(op, token=token, path_params=params, query=query)


def _happy(api: DocClient, op: str, world: dict, client):
    if op == "getOpenApi":
        return api.call(op)
    if op == "getMe":
        login(client, world["admin"].email)
        response = api.call(op)
        client.delete_cookie("session")
        return response
    if op == "importPeople":  # the JSON example, where the others use the CSV one
        body = api.example_body(op, "application/json")
        return api.call(op, token=world["token"], json=body, query={"keep_missing": "true"})
    return _call_as(api, op, world, world["token"])


def _invalid(api: DocClient, op: str, world: dict):
    token = world["token"]
    if op == "summariseKpis":
        return api.call(op, token=token, query={"metric": "no_such_metric"})
    return api.call(op, token=token, json={"rows": [{"no_such_column": "x"}]})


def _not_found(api: DocClient, op: str, world: dict):
    token = world["token"]
    if op == "importResponses":
        body = api.example_body(op, "text/csv")
        return api.call(
            op, token=token, data=body, content_type="text/csv", query={"wave": str(NO_SUCH_ID)}
        )
    return api.call(op, token=token, path_params=_path_params(api, op, world, missing=True))


def _bad_request(api: DocClient, op: str, world: dict):
    operation = api.operations[op][2]
    names = {api.resolve(p)["name"] for p in operation.get("parameters", [])}
    params = _path_params(api, op, world)
    for name in ("limit", "k"):
        if name in names:
            return api.call(op, token=world["token"], path_params=params, query={name: "0"})
    return api.call(op, token=world["token"], data=b"{not json", content_type="application/json")


def _nul_in_query(api: DocClient, op: str, world: dict):
    params = _path_params(api, op, world)
    query = {"metric": "rev\x00enue"} if op == "summariseKpis" else {"note": "a\x00b"}
    return api.call(op, token=world["token"], path_params=params, query=query)


def test_every_documented_status_is_what_a_real_call_returns(
    api, world, app, client, runner, monkeypatch
):
    app.config["MOTIVO_API_RATE_PER_MINUTE"] = 10_000  # only the 429 check below hits a limit
    for op, (_, path, operation) in sorted(api.operations.items()):
        codes = set(operation["responses"])
        got: set[str] = set()

        def expect(status: str, response, op=op, got=got):
            body = response.get_data(as_text=True)[:300]
            assert str(response.status_code) == status, (op, status, body)
            got.add(status)

        expect("200", _happy(api, op, world, client))
        scopes = api.scopes(op)
        if op == "getMe":
            expect("401", api.call(op))
        if scopes:
            expect("401", _call_as(api, op, world, None))
            others = [s for s in SCOPES if s not in scopes]
            expect("403", _call_as(api, op, world, make_token(runner, others)))
            # A fixed clock keeps both calls in one minute.
            fixed = datetime(2026, 10, 1, 12, 0, 1, tzinfo=UTC)
            monkeypatch.setattr(rate_limits, "utcnow", lambda fixed=fixed: fixed)
            app.config["MOTIVO_API_RATE_PER_MINUTE"] = 1
            token = make_token(runner, scopes)
            assert _call_as(api, op, world, token).status_code != 429
            expect("429", _call_as(api, op, world, token))
            app.config["MOTIVO_API_RATE_PER_MINUTE"] = 10_000
            monkeypatch.undo()
        # Which errors a call can meet follows from the operation's shape, not from what is
        # documented, so an error left out of the document fails in ``DocClient.check``.
        names = {api.resolve(p)["name"] for p in operation.get("parameters", [])}
        has_body = "requestBody" in operation
        if has_body or names & {"limit", "k"}:
            expect("400", _bad_request(api, op, world))
        elif scopes:  # any token operation refuses U+0000 in a query parameter
            expect("400", _nul_in_query(api, op, world))
        if "{" in path or "wave" in names:
            expect("404", _not_found(api, op, world))
        if has_body:
            response = api.call(
                op, token=world["token"], data=b"<x/>", content_type="application/xml"
            )
            expect("415", response)
            app.config["MAX_CONTENT_LENGTH"] = 16
            body = "person,period,metric,value\n" * 4
            expect("413", api.call(op, token=world["token"], data=body, content_type="text/csv"))
            app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
        required = [p for p in operation.get("parameters", []) if api.resolve(p)["required"]]
        if has_body or any(api.resolve(p)["in"] == "query" for p in required):
            expect("422", _invalid(api, op, world))
        assert got == codes, f"{op}: documented {sorted(codes)}, exercised {sorted(got)}"


# A client that has only the document ------------------------------------------------------


def test_a_client_with_only_the_document_imports_people_and_kpis_and_reads_suggestions(
    client, runner, session
):
    from services.catalogue import ensure_seed_catalogue

    ensure_seed_catalogue(session=session)
    api = DocClient(client, fetch_document(client))
    # The administrator reads the scopes the wanted operations need from the document.
    wanted = [
        "importPeople",
        "listPeople",
        "importKpis",
        "summariseKpis",
        "getRecommendations",
        "listRecommendations",
    ]
    scopes = sorted({s for op in wanted for s in api.scopes(op)})
    assert scopes == [
        "kpis:read",
        "kpis:write",
        "people:read",
        "people:write",
        "recommendations:read",
    ]
    token = make_token(runner, scopes)

    roster = {
        "rows": [
            {"external_id": f"E{i}", "name": f"Rep {i}", "email": f"e{i}@example.test",
             "team": "Oslo" if i < 5 else "Bergen", "manager_email": "", "access": "rep", "sales_role": "closer"}
            for i in range(10)
        ]
    }  # fmt: skip
    imported = api.call("importPeople", token=token, json=roster)
    assert imported.status_code == 200 and imported.get_json()["counts"]["created"] == 10
    listed = api.call("listPeople", token=token, query={"limit": 20}).get_json()
    assert [p["external_id"] for p in listed["items"]] == sorted(f"E{i}" for i in range(10))

    kpis = "person,period,metric,value\n" + "".join(
        f"E{i},2026-Q3,deals_won,{i}\n" for i in range(10)
    )
    loaded = api.call("importKpis", token=token, data=kpis, content_type="text/csv")
    assert loaded.status_code == 200 and loaded.get_json()["created"] == 10
    summary = api.call("summariseKpis", token=token, query={"metric": "deals_won"}).get_json()
    assert summary["overall"] == {"n": 10, "mean": 4.5, "std": pytest.approx(3.02765, rel=1e-5)}
    groups = {g["group"]: g for g in summary["groups"]}
    assert groups["Oslo"]["mean"] == 2.0 and groups["Bergen"]["mean"] == 7.0

    one = api.call(
        "getRecommendations", token=token, path_params={"external_id": "E3"}, query={"k": 3}
    ).get_json()
    assert one["person"] == "E3" and [s["rank"] for s in one["suggestions"]] == [1, 2, 3]
    assert {"reasons", "score"}.isdisjoint(one["suggestions"][0])
    everyone = api.call("listRecommendations", token=token, query={"k": 2, "limit": 4})
    page = everyone.get_json()
    assert page["total"] == 10 and page["next_offset"] == 4
    assert [p["person"] for p in page["items"]] == ["E0", "E1", "E2", "E3"]
    assert page["items"][3]["suggestions"] == one["suggestions"][:2]

    # A token without the scope, and an expired one, are refused as the document says.
    narrow = make_token(runner, ["people:read"])
    assert api.call("importKpis", token=narrow, json={"rows": [{}]}).status_code == 403
    expired = api_tokens.create_token(
        session=session,
        actor=SYSTEM,
        name="old",
        scopes=scopes,
        expires_in_days=1,
        now=datetime(2020, 1, 1, tzinfo=UTC),
    )[1]
    assert api.call("listPeople", token=expired).status_code == 401
