"""The OpenAPI 3.1 description of ``/api/v1/``, kept as data next to the views.

``tests/web/test_openapi.py`` checks that every route under ``/api/v1/`` is described here
(method and path), that each operation asks for the scope its view requires, and that the
documented status codes and bodies are what real calls return. Change both together.
"""

from __future__ import annotations

import copy
import functools

from models.roster import ROSTER_FIELDS
from services.api_tokens import SCOPES
from services.rate_limits import DEFAULT_RATE_PER_MINUTE
from web.api.inputs import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, MAX_TEXT, MAX_VERSION

JSON = "application/json"
CSV = "text/csv"


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _schema(name: str) -> dict:
    return _ref("schemas", name)


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _page_of(item: str) -> dict:
    return {
        "allOf": [
            _schema("Page"),
            {"type": "object", "properties": {"items": {"type": "array", "items": _schema(item)}}},
        ]
    }


# Text parameters: not empty, and never U+0000, which no text Motivo stores may hold.
TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": "^[^\\u0000]*$"}
PERIOD = {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


# Responses every token endpoint can give, named once in components.
# 400 too: any query may hold a value its schema refuses, or U+0000.
TOKEN_ERRORS = ("BadRequest", "Unauthorized", "Forbidden", "TooManyRequests")


def _token_operation(
    *,
    scope: str,
    operation_id: str,
    summary: str,
    description: str,
    ok: dict,
    errors: tuple[str, ...] = (),
    parameters: list[dict] | None = None,
    body: dict | None = None,
) -> dict:
    responses: dict[str, dict] = {"200": ok}
    codes = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "Forbidden": "403",
        "NotFound": "404",
        "PayloadTooLarge": "413",
        "UnsupportedMediaType": "415",
        "InvalidInput": "422",
        "TooManyRequests": "429",
    }
    for name in (*errors, *TOKEN_ERRORS):
        responses[codes[name]] = _ref("responses", name)
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "security": [{"bearerAuth": [scope]}],
        "parameters": parameters or [],
        "responses": dict(sorted(responses.items())),
    }
    if body is not None:
        operation["requestBody"] = body
    return operation


SUGGESTION_NOTE = (
    "Suggestions come without reasons or scores: a reason such as 'you ranked time off "
    "highest' is a survey answer, and a token never sees answers. Someone who has turned "
    "personalisation off, or has not answered, gets the same non-personal list the pages "
    "show, unmarked."
)
PAGING = [_ref("parameters", "limit"), _ref("parameters", "offset")]
IMPORT_ERRORS = ("BadRequest", "PayloadTooLarge", "UnsupportedMediaType", "InvalidInput")


def _import_body(columns: str, example_row: dict, csv_example: str) -> dict:
    return {
        "required": True,
        "description": (
            f"The rows to import, as JSON or as CSV. Columns: {columns}. "
            "All or nothing: any problem means nothing is written, and the 422 response "
            "lists every problem as `row N, column X: problem` (the first data row is row 2, "
            "as in a spreadsheet)."
        ),
        "content": {
            JSON: {"schema": _schema("Rows"), "example": {"rows": [example_row]}},
            CSV: {"schema": {"type": "string"}, "example": csv_example},
        },
    }


def _scope_table() -> str:
    return "\n".join(f"- `{scope}`: {text}" for scope, text in SCOPES.items())


INTRO = f"""\
The JSON API HRIS and CRM systems use to keep Motivo's roster, survey answers, ratings and
KPIs in step, and to read suggestions and aggregates back.

**Authentication.** Send `Authorization: Bearer <token>`. An administrator creates tokens on
the page *Admin → API tokens* or with `motivo tokens create NAME --scope SCOPE ...
[--expires DAYS]`; the token is shown once. Only its SHA-256 digest is stored. A missing,
unknown, expired or revoked token gets 401, a token without the operation's scope gets 403;
both come with a `WWW-Authenticate` header. Each operation names the scope it needs in its
`security` requirement.

**Scopes.**
{_scope_table()}

**Rate limit.** {DEFAULT_RATE_PER_MINUTE} requests per token per minute unless the server
sets `MOTIVO_API_RATE_PER_MINUTE`; every worker shares the count. Over the limit the answer
is 429 with `Retry-After` (seconds). Successful answers carry `X-RateLimit-Limit`,
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix time).

**Anonymity.** A token acts for the organisation, not for a person, and sees what HR's pages
show: counts and aggregates, never who answered a survey, never item-level answers, free
text or scale scores. A count or aggregate over fewer people than the minimum group size
(`MOTIVO_MIN_GROUP_SIZE`, 5 unless set) is `null` and named in `withheld`.

**Audit.** Every request made with a token, and every change it causes, is written to the
audit log with the token's id and prefix.

**Lists** take `limit` (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT}) and `offset`, and answer
with `items`, `total`, `limit`, `offset` and `next_offset` (null on the last page).

**Query parameters** are exactly as their schemas say: leave out one you do not mean to
send. An empty value (`k=`, `offset=`, `keep_missing=`, `metric=`) is not the default but a
mistake, refused with 400. Text parameters hold at most {MAX_TEXT} characters and never
U+0000 (400). A parameter the operation does not list (a misspelt `Keep_Missing`), or one
given twice, is refused with 400 rather than ignored.

**Imports** are all or nothing. A body over the server's upload limit
(`MOTIVO_MAX_UPLOAD_MB`, 16 MB unless set) gets 413 before it is read. A cell with a control
character (U+0000 to U+001F other than tab and line breaks, U+007F to U+009F) or a bidi
embedding, override or isolate (U+202A to U+202E, U+2066 to U+2069), a cell longer than
2,000 characters, or a value longer than its column holds (e.g. 200 characters for a name)
is refused with 422, naming its row and column. A refusal lists the first 100 problems and
counts the rest.

**Errors** are JSON: `{{"error": {{"status", "code", "message", "problems"}}}}`.
"""

_WITHHELD = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Names of the figures withheld because they cover too few people.",
}

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "code": {
                        "type": "string",
                        "description": (
                            "Machine-readable reason, on every error: not_signed_in, "
                            "missing_token, "
                            "invalid_token, insufficient_scope, rate_limited, "
                            "invalid_parameter, invalid_body, invalid_input, conflict, "
                            "unsupported_media_type, not_found, method_not_allowed, "
                            "too_large, server_error, unavailable"
                        ),
                    },
                    "message": {"type": "string"},
                    "problems": {"type": "array", "items": {"type": "string"}},
                },
            }
        },
    },
    "Page": {
        "type": "object",
        "required": ["items", "total", "limit", "offset", "next_offset"],
        "properties": {
            "items": {"type": "array"},
            "total": {"type": "integer", "minimum": 0},
            "limit": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "next_offset": _nullable("integer", minimum=0),
        },
    },
    "Rows": {
        "type": "object",
        "required": ["rows"],
        # Options such as keep_missing are query parameters; any other key is refused.
        "additionalProperties": False,
        "properties": {
            "rows": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
                },
            }
        },
    },
    "Person": {
        "type": "object",
        "required": list(ROSTER_FIELDS),
        "properties": {
            "external_id": {"type": "string"},
            "name": {"type": "string"},
            "email": _nullable("string"),
            "access": {"type": "string", "enum": ["rep", "manager", "hr", "admin"]},
            "team": _nullable("string"),
            "manager_email": _nullable("string"),
            "sales_role": {"type": "string"},
            "active": {"type": "boolean"},
        },
    },
    "PeopleImport": {
        "type": "object",
        "required": ["counts", "external_ids"],
        "properties": {
            "counts": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "created, updated, unchanged, deactivated, reactivated",
            },
            "external_ids": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
    "Wave": {
        "type": "object",
        "required": [
            "id",
            "name",
            "instrument",
            "status",
            "opens_on",
            "closes_on",
            "invited",
            "submitted",
            "in_progress",
            "response_rate",
            "withheld",
            "min_group_size",
        ],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "instrument": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "answerable": {"type": "boolean", "description": "Open and within its dates."},
            "opens_on": {"type": "string", "format": "date"},
            "closes_on": {"type": "string", "format": "date"},
            "audience": {"type": "string", "enum": ["all", "teams"]},
            "invited": _nullable("integer"),
            "submitted": _nullable("integer"),
            "in_progress": _nullable("integer"),
            "response_rate": _nullable("number", minimum=0),
            "withheld": _WITHHELD,
            "min_group_size": {"type": "integer"},
        },
    },
    "WaveDetails": {
        "allOf": [
            _schema("Wave"),
            {
                "type": "object",
                "required": ["teams"],
                "properties": {
                    "teams": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "The teams the wave is meant for; empty for everyone.",
                    }
                },
            },
        ]
    },
    "ResponseCounts": {
        "type": "object",
        "required": ["wave_id", "wave", "by_status", "submitted_by_source", "flagged", "withheld"],
        "properties": {
            "wave_id": {"type": "integer"},
            "wave": {"type": "string"},
            "by_status": {
                "type": "object",
                "properties": {
                    "submitted": _nullable("integer"),
                    "in_progress": _nullable("integer"),
                },
            },
            "submitted_by_source": {
                "type": "object",
                "additionalProperties": _nullable("integer"),
                "description": "web, import or demo.",
            },
            "flagged": _nullable(
                "integer",
                description=(
                    "Submitted responses with a quality flag: null while the wave is open, "
                    "and when fewer than the minimum group size."
                ),
            ),
            "withheld": _WITHHELD,
            "min_group_size": {"type": "integer"},
        },
    },
    "ResponsesImport": {
        "type": "object",
        "required": ["counts", "wave", "instrument"],
        "properties": {
            "counts": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "created, updated, unchanged, people_created "
                "(and survey_replaced when survey answers were replaced)",
            },
            "wave": {"type": "string"},
            "instrument": {"type": "string"},
        },
    },
    "KpiImport": {
        "type": "object",
        "required": ["created", "updated", "unchanged", "periods", "metrics", "new_metrics"],
        "properties": {
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "periods": {"type": "array", "items": {"type": "string"}},
            "metrics": {"type": "array", "items": {"type": "string"}},
            "new_metrics": {"type": "array", "items": {"type": "string"}},
        },
    },
    "KpiFigures": {
        "type": "object",
        "required": ["n", "mean", "std"],
        "properties": {
            "n": _nullable("integer", description="People with a value."),
            "mean": _nullable("number"),
            "std": _nullable("number", description="Sample standard deviation."),
        },
    },
    "KpiSummary": {
        "type": "object",
        "required": [
            "metric",
            "period",
            "periods",
            "by",
            "overall",
            "groups",
            "withheld",
            "min_group_size",
        ],
        "properties": {
            "metric": {"type": "string"},
            "period": {"type": "string", "description": "YYYY-MM or YYYY-Qn."},
            "periods": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Every period with values for this metric, oldest first.",
            },
            "by": {"type": "string", "enum": ["team", "sales_role", "none"]},
            "overall": _schema("KpiFigures"),
            "groups": {
                "type": "array",
                "items": {
                    "allOf": [
                        _schema("KpiFigures"),
                        {
                            "type": "object",
                            "required": ["group"],
                            "properties": {"group": {"type": "string"}},
                        },
                    ]
                },
            },
            "withheld": _WITHHELD,
            "min_group_size": {"type": "integer"},
        },
    },
    "Suggestion": {
        "type": "object",
        "required": ["rank", "reward_id", "name", "category", "cost_band"],
        "properties": {
            "rank": {"type": "integer", "minimum": 1},
            "reward_id": {"type": "string", "description": "The reward's stable id (slug)."},
            "name": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "The reward's name by language (en, nb).",
            },
            "category": {"type": "string"},
            "cost_band": {"type": "integer"},
            "cost": {
                "type": "number",
                "description": "The reward's catalogue cost, in the organisation's currency.",
            },
            "currency": {
                "type": "string",
                "description": "The organisation's currency (ISO 4217), e.g. NOK.",
            },
        },
    },
    "PersonSuggestions": {
        "type": "object",
        "required": ["person", "suggestions"],
        "properties": {
            "person": {"type": "string", "description": "The person's external_id."},
            "suggestions": {"type": "array", "items": _schema("Suggestion")},
        },
    },
    "FeedbackImport": {
        "type": "object",
        "required": ["created", "updated", "unchanged", "grants_created"],
        "properties": {
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "grants_created": {
                "type": "integer",
                "description": "Rewards recorded as given, from rows with given_at.",
            },
        },
    },
    "Me": {
        "type": "object",
        "required": ["external_id", "name", "access"],
        "properties": {
            "external_id": {"type": "string"},
            "name": {"type": "string"},
            "email": _nullable("string"),
            "access": {"type": "string"},
            "team": _nullable("string"),
            "sales_role": {"type": "string"},
            "locale": {"type": "string"},
        },
    },
}


def _error_response(description: str, headers: dict | None = None) -> dict:
    response = _json(_schema("Error"), description)
    if headers:
        response["headers"] = headers
    return response


RESPONSES: dict[str, dict] = {
    "BadRequest": _error_response("A query parameter or the body could not be read."),
    "Unauthorized": _error_response(
        "No token, or one that is unknown, expired or revoked.",
        {"WWW-Authenticate": _ref("headers", "WWW-Authenticate")},
    ),
    "Forbidden": _error_response(
        "The token lacks the scope this operation needs.",
        {"WWW-Authenticate": _ref("headers", "WWW-Authenticate")},
    ),
    "NotFound": _error_response("No such thing."),
    "PayloadTooLarge": _error_response("The body is larger than the server accepts."),
    "UnsupportedMediaType": _error_response("Send application/json or text/csv."),
    "InvalidInput": _error_response(
        "Nothing was written; `problems` lists every reason, one line each."
    ),
    "TooManyRequests": _error_response(
        "Over the token's rate limit.", {"Retry-After": _ref("headers", "Retry-After")}
    ),
}

HEADERS = {
    "WWW-Authenticate": {
        "description": 'The bearer challenge (RFC 6750), e.g. `Bearer realm="motivo", '
        'error="insufficient_scope", scope="people:read"`.',
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds until the token's next minute starts.",
        "schema": {"type": "integer", "minimum": 1},
    },
}

PARAMETERS = {
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        "description": f"Items per page (default {DEFAULT_LIMIT}).",
    },
    "offset": {
        "name": "offset",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        "description": "How many items to skip (0 for the first page).",
    },
    "k": {
        "name": "k",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 20},
        "description": "Suggestions per person (default 5).",
    },
    "wave_id": {
        "name": "wave_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    },
}


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


PATHS: dict[str, dict] = {
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "description": "Public: it describes the API and holds no data.",
            "security": [],
            "responses": {
                "200": _json({"type": "object"}, "The OpenAPI 3.1 document."),
            },
        }
    },
    "/api/v1/me": {
        "get": {
            "operationId": "getMe",
            "summary": "The signed-in person (browser session only)",
            "description": (
                "For Motivo's own pages: answers with the person signed in through the "
                "browser. Tokens act for the organisation and have no 'me'."
            ),
            "security": [{"sessionCookie": []}],
            "responses": {
                "200": _json(_schema("Me"), "The signed-in person."),
                "401": _error_response("Not signed in."),
            },
        }
    },
    "/api/v1/people": {
        "get": _token_operation(
            scope="people:read",
            operation_id="listPeople",
            summary="List people",
            description=(
                "The roster in the import's columns, by external_id. Active people only "
                "unless `include_inactive=true`."
            ),
            parameters=[
                *PAGING,
                _query("include_inactive", {"type": "boolean"}, "Include deactivated people too."),
            ],
            ok=_json(_page_of("Person"), "One page of people."),
            errors=("BadRequest",),
        )
    },
    "/api/v1/people/import": {
        "post": _token_operation(
            scope="people:write",
            operation_id="importPeople",
            summary="Import the roster",
            description=(
                "Creates or updates people by external_id; re-sending the same rows changes "
                "nothing. People missing from the rows are deactivated (never deleted) "
                "unless `keep_missing=true`; admins and HR people are never deactivated. "
                "A token never gives anyone access above manager, never removes admin or hr "
                "access and never changes an admin's or HR person's email: rows that would "
                "are refused (422) and nothing is written."
            ),
            parameters=[
                _query(
                    "keep_missing",
                    {"type": "boolean"},
                    "A partial roster: keep people who are not in it active.",
                ),
                _query(
                    "allow_mass_deactivation",
                    {"type": "boolean"},
                    "A full roster may deactivate more than half of the active people (more "
                    "than 5). Without it such a file is refused with 422, in case it is a "
                    "partial roster sent without `keep_missing=true`.",
                ),
            ],
            body=_import_body(
                "external_id, name, email, team, manager_email, access (rep, manager, hr, "
                "admin), sales_role. Every column must be present in every row (in JSON, "
                'every key in every object, "" for a blank cell), so a left-out one never '
                "blanks people's data; cells may be empty except external_id, name and email "
                "(an empty access means rep)",
                {
                    "external_id": "E1001",
                    "name": "Kari Nordmann",
                    "email": "kari@example.com",
                    "team": "Oslo Enterprise",
                    "manager_email": "",
                    "access": "rep",
                    "sales_role": "account_manager",
                },
                "external_id,name,email,team,manager_email,access,sales_role\n"
                "E1001,Kari Nordmann,kari@example.com,Oslo Enterprise,,rep,account_manager\n",
            ),
            ok=_json(_schema("PeopleImport"), "What the import did."),
            errors=IMPORT_ERRORS,
        )
    },
    "/api/v1/waves": {
        "get": _token_operation(
            scope="waves:read",
            operation_id="listWaves",
            summary="List survey waves",
            description="Newest first, with participation counts; small counts are withheld.",
            parameters=PAGING,
            ok=_json(_page_of("Wave"), "One page of waves."),
            errors=("BadRequest",),
        )
    },
    "/api/v1/waves/{wave_id}": {
        "get": _token_operation(
            scope="waves:read",
            operation_id="getWave",
            summary="One wave's participation",
            description="Counts of invited, submitted and started; small counts are withheld.",
            parameters=[_ref("parameters", "wave_id")],
            ok=_json(_schema("WaveDetails"), "The wave."),
            errors=("NotFound",),
        )
    },
    "/api/v1/waves/{wave_id}/responses": {
        "get": _token_operation(
            scope="responses:read",
            operation_id="countWaveResponses",
            summary="A wave's responses, counted",
            description=(
                "Responses by status, submitted responses by source, and how many carry a "
                "quality flag. Never per person: Motivo's pages do not show who answered, "
                "so a token cannot either; answers and scale scores are never returned."
            ),
            parameters=[_ref("parameters", "wave_id")],
            ok=_json(_schema("ResponseCounts"), "The counts."),
            errors=("NotFound",),
        )
    },
    "/api/v1/responses/import": {
        "post": _token_operation(
            scope="responses:write",
            operation_id="importResponses",
            summary="Import survey answers from another tool",
            description=(
                "One row per person: `person` (their external_id) and one column per item "
                "code; a blank cell is a missing answer, a ranking is option codes joined by "
                "`>`, a best-worst task is its two chosen option codes as `best>worst`. "
                "Without `wave`, the answers go into a closed wave named "
                '"Imported from <source>", created on the first import and reused after. '
                "Re-sending the same rows changes nothing. A response a person gave through "
                "the survey is never replaced without `replace_survey_answers=true`."
            ),
            parameters=[
                _query("wave", TEXT, "An existing wave, by id or name."),
                _query(
                    "source",
                    TEXT,
                    "Where the answers come from; names the wave when `wave` is not given "
                    "(default: API upload).",
                ),
                _query("instrument", TEXT, "Instrument name (default: Motivo's)."),
                _query(
                    "version",
                    {"type": "integer", "minimum": 1, "maximum": MAX_VERSION},
                    "Instrument version (default: the newest).",
                ),
                _query(
                    "create_people",
                    {"type": "boolean"},
                    "Create unknown people as respondents without a login.",
                ),
                _query(
                    "replace_survey_answers",
                    {"type": "boolean"},
                    "Replace responses people gave through the survey; without it such rows "
                    "are conflicts (422, nothing written). Replacements are audited.",
                ),
            ],
            body=_import_body(
                "person, then item codes of the instrument",
                {"person": "E1001", "aut1": 4, "aut2": 5},
                "person,aut1,aut2\nE1001,4,5\n",
            ),
            ok=_json(_schema("ResponsesImport"), "What the import did."),
            errors=(*IMPORT_ERRORS, "NotFound"),
        )
    },
    "/api/v1/kpis/import": {
        "post": _token_operation(
            scope="kpis:write",
            operation_id="importKpis",
            summary="Import KPI values",
            description=(
                "One value per person, period and metric. Periods are `YYYY-MM` or "
                "`YYYY-Qn`. Metrics Motivo knows: revenue, deals_won, conversion_rate, "
                "cycle_days, goal_attainment, activities, calls, emails, meetings; others "
                "need `allow_new_metrics=true` (so a typo does not become a metric). "
                "Re-sending the same rows changes nothing; a changed value replaces the "
                "stored one."
            ),
            parameters=[
                _query(
                    "allow_new_metrics",
                    {"type": "boolean"},
                    "Accept metrics Motivo does not know yet.",
                )
            ],
            body=_import_body(
                "person (external_id), period, metric, value",
                {"person": "E1001", "period": "2026-Q3", "metric": "revenue", "value": 125000},
                "person,period,metric,value\nE1001,2026-Q3,revenue,125000\n",
            ),
            ok=_json(_schema("KpiImport"), "What the import did."),
            errors=IMPORT_ERRORS,
        )
    },
    "/api/v1/kpis": {
        "get": _token_operation(
            scope="kpis:read",
            operation_id="summariseKpis",
            summary="A KPI aggregated over teams or sales roles",
            description=(
                "Count, mean and standard deviation of one metric in one period, overall "
                "and per team or sales role; never a person's value. Groups smaller than "
                "the minimum group size, and groups whose figures the overall minus the "
                "rest would reveal, show `null` and are named in `withheld`."
            ),
            parameters=[
                {
                    "name": "metric",
                    "in": "query",
                    "required": True,
                    "schema": TEXT,
                    "description": "The metric, e.g. revenue; an empty value is refused.",
                },
                _query("period", PERIOD, "YYYY-MM or YYYY-Qn (default: the latest)."),
                _query(
                    "by",
                    {"type": "string", "enum": ["team", "sales_role", "none"], "default": "team"},
                    "How to group people.",
                ),
            ],
            ok=_json(_schema("KpiSummary"), "The aggregates."),
            errors=("InvalidInput",),
        )
    },
    "/api/v1/recommendations": {
        "get": _token_operation(
            scope="recommendations:read",
            operation_id="listRecommendations",
            summary="Suggestions for every active rep",
            description=(
                "One item per rep, by external_id, each with their top `k` rewards in "
                "order. Paged over people. " + SUGGESTION_NOTE
            ),
            parameters=[*PAGING, _ref("parameters", "k")],
            ok=_json(_page_of("PersonSuggestions"), "One page of people's suggestions."),
            errors=("BadRequest",),
        )
    },
    "/api/v1/recommendations/{external_id}": {
        "get": _token_operation(
            scope="recommendations:read",
            operation_id="getRecommendations",
            summary="One person's suggestions",
            description=("The person's top `k` rewards, best first. " + SUGGESTION_NOTE),
            parameters=[
                {
                    "name": "external_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[^\\u0000]*$"},
                    "description": "The person's id in the HRIS.",
                },
                _ref("parameters", "k"),
            ],
            ok=_json(_schema("PersonSuggestions"), "The suggestions."),
            errors=("BadRequest", "NotFound"),
        )
    },
    "/api/v1/feedback": {
        "post": _token_operation(
            scope="feedback:write",
            operation_id="importFeedback",
            summary="Import ratings of rewards",
            description=(
                "A person's 1 to 5 rating of a reward (reward_id is the catalogue's id). "
                "With `given_at` the reward is also recorded as given on that day, once. "
                "Re-sending the same rows changes nothing; a changed rating replaces the "
                "stored one. Comments are stored for HR's summaries and never returned."
            ),
            body=_import_body(
                "person (external_id), reward_id, rating (1 to 5); given_at (YYYY-MM-DD), comment",
                {
                    "person": "E1001",
                    "reward_id": "team-meeting-shout-out",
                    "rating": 5,
                    "given_at": "2026-09-30",
                },
                "person,reward_id,rating,given_at\nE1001,team-meeting-shout-out,5,2026-09-30\n",
            ),
            ok=_json(_schema("FeedbackImport"), "What the import did."),
            errors=IMPORT_ERRORS,
        )
    },
}


def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Motivo integration API",
            "version": "1.0.0",
            "description": INTRO,
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "opaque, starts with mtv_",
                    "description": "A token an administrator created. Scopes:\n" + _scope_table(),
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "Motivo's own signed-in browser session.",
                },
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
            "parameters": PARAMETERS,
            "headers": HEADERS,
        },
    }


@functools.cache
def _query_names() -> dict[tuple[str, str], frozenset[str]]:
    names = {}
    for path, operations in PATHS.items():
        for method, operation in operations.items():
            found = set()
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = PARAMETERS[parameter["$ref"].rsplit("/", 1)[1]]
                if parameter.get("in") == "query":
                    found.add(parameter["name"])
            names[(path, method.upper())] = frozenset(found)
    return names


def query_parameters(path: str, method: str) -> frozenset[str] | None:
    """The query parameters the document gives the operation at ``path`` (``{name}`` for a
    path parameter), or None for an operation it does not describe."""
    return _query_names().get((path, method.upper()))


def openapi_document() -> dict:
    """A fresh copy of the document, safe for the caller to change."""
    return copy.deepcopy(_document())
