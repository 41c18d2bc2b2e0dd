"""Bearer-token authentication for the integration API, and its JSON error responses.

Token endpoints read the ``Authorization: Bearer`` header and nothing else: a signed-in
browser's cookie opens none of them, which is why they can be exempt from CSRF checks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from services import api_tokens
from services.access import TokenActor
from services.api_tokens import ScopeMissing, TokenRefused
from services.errors import InvalidInput, NotFound
from services.rate_limits import DEFAULT_RATE_PER_MINUTE, RateLimited
from services.tabular import TableError
from web.config import ConfigError
from web.db import get_session
from web.errors import exception_headers

REALM = "motivo"
RATE_SETTING = "MOTIVO_API_RATE_PER_MINUTE"
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}


class ApiError(Exception):
    """A request the API cannot use (bad parameters, unreadable body): a JSON error."""

    def __init__(
        self, status: int, message: str, *, code: str, problems: list[str] | None = None
    ) -> None:
        self.status = status
        self.message = message
        self.code = code
        self.problems = list(problems or [])
        super().__init__(message)


def json_error(
    status: int,
    message: str,
    *,
    code: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Response, int, dict[str, str]]:
    """The one error shape: ``{"error": {"status", "code", "message", "problems"?}}``."""
    body: dict = {"status": status, "code": code, "message": message}
    if problems:
        body["problems"] = problems
    return jsonify({"error": body}), status, headers or {}


def _challenge(error: str | None = None, description: str = "", scope: str = "") -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append('error_description="{}"'.format(description.replace('"', "'")))
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


def bearer_token() -> str | None:
    """The token in the Authorization header, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_per_minute() -> int:
    return current_app.config[RATE_SETTING]


def current_actor() -> TokenActor:
    """The actor the current request's services run as: its token, with its scopes."""
    return g.api_actor


def token_required(scope: str) -> Callable:
    """The request must carry an active token with ``scope``; every such request is counted
    against the token's rate limit and audited (the rules live in ``services.api_tokens`` and
    ``services.rate_limits``)."""
    if scope not in api_tokens.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                g.api_actor, g.api_rate = api_tokens.authorise_request(
                    session=get_session(),
                    secret=bearer_token(),
                    scope=scope,
                    limit=rate_per_minute(),
                    method=request.method,
                    # With the query: what was read (filters, paging) is part of the record.
                    path=request.full_path.removesuffix("?"),
                )
            except ScopeMissing as exc:
                g.api_rate = exc.rate
                raise
            # After the token: a stranger learns nothing of the operation from its refusal.
            from web.api.inputs import documented_query_only

            documented_query_only()
            return view(*args, **kwargs)

        wrapped.required_scope = scope  # read by the OpenAPI test
        return wrapped

    return decorator


def _check_settings(app) -> None:
    value = app.config.get(RATE_SETTING, DEFAULT_RATE_PER_MINUTE)
    try:
        rate = int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{RATE_SETTING} must be a whole number, not {value!r}") from exc
    if rate < 1:
        raise ConfigError(f"{RATE_SETTING} must be at least 1.")
    app.config[RATE_SETTING] = rate


def init_blueprint(bp: Blueprint) -> None:
    """Settings check, error handlers and rate headers for the token blueprint."""
    bp.record_once(lambda state: _check_settings(state.app))

    @bp.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return json_error(exc.status, exc.message, code=exc.code, problems=exc.problems)

    @bp.errorhandler(TokenRefused)
    def handle_refused(exc: TokenRefused):
        challenge = _challenge(exc.error, str(exc) if exc.error else "")
        code = exc.error or "missing_token"
        return json_error(401, str(exc), code=code, headers={"WWW-Authenticate": challenge})

    @bp.errorhandler(ScopeMissing)
    def handle_scope(exc: ScopeMissing):
        challenge = _challenge("insufficient_scope", str(exc), exc.scope)
        return json_error(
            403, str(exc), code="insufficient_scope", headers={"WWW-Authenticate": challenge}
        )

    @bp.errorhandler(RateLimited)
    def handle_rate(exc: RateLimited):
        return json_error(
            429, str(exc), code="rate_limited", headers={"Retry-After": str(exc.retry_after)}
        )

    @bp.errorhandler(InvalidInput)
    def handle_invalid(exc: InvalidInput):
        return json_error(422, exc.args[0], code="invalid_input", problems=exc.problems)

    @bp.errorhandler(NotFound)
    def handle_not_found(exc: NotFound):
        return json_error(404, str(exc), code="not_found")

    @bp.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status, "error")
        headers = exception_headers(exc)  # keeps ``Allow`` on a 405
        return json_error(status, exc.description or code, code=code, headers=headers)

    @bp.errorhandler(TableError)
    def handle_table(exc: TableError):
        message = "Nothing was imported: the CSV body could not be read."
        return json_error(422, message, code="invalid_input", problems=[str(exc)])

    @bp.after_request
    def rate_headers(response: Response) -> Response:
        rate = g.get("api_rate")
        if rate is not None:
            response.headers["X-RateLimit-Limit"] = str(rate.limit)
            response.headers["X-RateLimit-Remaining"] = str(rate.remaining)
            response.headers["X-RateLimit-Reset"] = str(int(rate.reset_at.timestamp()))
        if response.status_code == 429:
            response.headers["X-RateLimit-Remaining"] = "0"
        # Answers about people must not linger in shared caches or proxies.
        response.headers["Cache-Control"] = "no-store"
        return response
