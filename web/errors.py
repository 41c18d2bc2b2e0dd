"""Friendly error pages, JSON errors under /api/, and service errors mapped to HTTP."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from models.queries import MAX_ID
from services.errors import InvalidInput, NotAllowed, NotFound, Throttled, Unavailable
from web.messages import error_text, problem_texts

TITLES = {
    400: _l("That request could not be used"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    409: _l("Saved at the same moment"),
    413: _l("That file is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("Motivo is not available right now"),
}
MESSAGES = {
    400: _l("The request could not be used. Go back and try again."),
    404: _l(
        "There is no page at this address. Check the address, or start again from the front page."
    ),
    405: _l("This address cannot be used that way. Go back and use the page's own buttons."),
}
# The database cannot be reached (stopped, refused, unreadable file, pool exhausted, locked).
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30

# What went wrong, in words an operator can act on; the driver's message (with host names
# and file paths) goes to the log only.
TABLES_MISSING = "tables missing: run `motivo init` (or `motivo db upgrade`)"
_PROBLEMS = (
    ("connection refused", "connection refused: is the database server running?"),
    ("timeout expired", "connection timed out"),
    ("timed out", "connection timed out"),
    ("password authentication failed", "the database refused the user name or password"),
    ("no such table", TABLES_MISSING),
    ("undefinedtable", TABLES_MISSING),
    ("unable to open database file", "cannot open the SQLite database file"),
    ("readonly database", "the SQLite database file is read-only"),
    ("database is locked", "the SQLite database is locked by another process"),
    ("does not exist", "the database does not exist"),
    ("could not translate host name", "unknown database host"),
)


def database_problem(exc: BaseException) -> str:
    """A short reason for a database failure that names no host, user or path."""
    original = getattr(exc, "orig", None) or exc
    text = f"{original.__class__.__name__} {original}".lower()
    if "relation" in text and "does not exist" in text:
        return TABLES_MISSING
    for needle, reason in _PROBLEMS:
        if needle in text:
            return reason
    return original.__class__.__name__


def _unique_violation(exc: IntegrityError) -> bool:
    """Whether the database refused a duplicate (PostgreSQL's SQLSTATE 23505, SQLite's
    "UNIQUE constraint failed"), not some other broken rule."""
    original = exc.orig
    return getattr(original, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(
        original
    )


def wants_json() -> bool:
    return request.path.startswith("/api/")


def exception_headers(exc: HTTPException) -> dict[str, str]:
    """The headers Werkzeug gives an HTTP error (``Allow`` on 405), minus its content type."""
    return {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def error_response(
    status: int,
    message: str,
    problems: list[str] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
    *,
    code: str | None = None,
):
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        # Every JSON error carries a code a client can branch on, the HTTP ones included.
        code = code or STATUS_CODES.get(status, f"http_{status}")
        body["error"]["code"] = code
        if problems:
            body["error"]["problems"] = problems
        return jsonify(body), status, headers or {}
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or TITLES.get(status, _l("Error")),
            message=message,
            problems=problems or [],
        ),
        status,
        headers or {},
    )


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers an id column can hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


def _has_nul(values) -> str | None:
    for key, value in values.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "")
    return None


def read_bodies_whole(app: Flask) -> None:
    """Registered before every other request hook (CSRF reads the form): see below."""

    @app.before_request
    def read_chunked_bodies_whole():
        """A body sent in chunks carries no Content-Length to refuse it by before it is read,
        and Werkzeug stops reading at ``MAX_CONTENT_LENGTH`` without a word: an import read
        what came before the cut as if it were the whole file. Such a body is read here, first
        of all, and one that reaches the limit is refused like any other that is too large."""
        limit = app.config.get("MAX_CONTENT_LENGTH")
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if limit is None or request.content_length is not None or not chunked:
            return None
        if len(request.get_data(cache=True)) >= limit:
            raise RequestEntityTooLarge()
        return None


def init_app(app: Flask) -> None:
    # Before any blueprint adds its routes, so every <int:...> is bounded.
    app.url_map.converters["int"] = DatabaseIntConverter

    @app.before_request
    def refuse_nul_characters():
        """No text Motivo stores may hold U+0000 (PostgreSQL refuses it): a clear 400."""
        field = None
        if "\x00" in request.path:
            field = "the address"
        else:
            field = _has_nul(request.args)
            if field is None and request.mimetype in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            ):
                field = _has_nul(request.form)
        if field is not None:
            return error_response(
                400,
                str(
                    _l(
                        "%(field)s contains a NUL character (U+0000), which Motivo cannot"
                        " store. Remove it and try again.",
                        field=field,
                    )
                ),
                code="invalid_parameter",
            )
        return None

    @app.errorhandler(RequestEntityTooLarge)
    def handle_too_large(exc: RequestEntityTooLarge):
        limit_mb = int(app.config["MOTIVO_MAX_UPLOAD_MB"])
        return error_response(
            413,
            str(
                _l(
                    "The file or form is larger than the %(limit)d MB this server accepts."
                    " Split the file into smaller parts and import them one by one.",
                    limit=limit_mb,
                )
            ),
            code="too_large",
        )

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        # Werkzeug's own descriptions are English; a description given on purpose is kept.
        own = exc.description and exc.description != type(exc).description
        return error_response(
            exc.code or 500,
            exc.description if own else str(MESSAGES.get(exc.code, TITLES.get(exc.code, ""))),
            headers=exception_headers(exc),
        )

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        return error_response(
            400,
            str(
                _l(
                    "The form had expired or was not sent from Motivo. Reload the page and try again."
                )
            ),
        )

    @app.errorhandler(NotAllowed)
    def handle_not_allowed(exc: NotAllowed):
        return error_response(403, error_text(exc))

    @app.errorhandler(NotFound)
    def handle_not_found(exc: NotFound):
        return error_response(404, error_text(exc))

    @app.errorhandler(Throttled)
    def handle_throttled(exc: Throttled):
        return error_response(429, error_text(exc))

    @app.errorhandler(Unavailable)
    def handle_unavailable(exc: Unavailable):
        app.logger.error("%s", exc)
        # One feature is missing, not the whole server.
        return error_response(503, str(exc), title=str(_l("Not available on this server")))

    @app.errorhandler(InvalidInput)
    def handle_invalid(exc: InvalidInput):
        if wants_json():  # the API keeps its documented English problems
            return error_response(400, exc.args[0], exc.problems)
        return error_response(400, error_text(exc), problem_texts(exc))

    def handle_database_down(exc: SQLAlchemyError):
        # The page below must not try the database again (see auth_setup.load_user).
        g.database_down = True
        app.logger.error("Database unavailable on %s: %s", request.path, exc)
        return error_response(
            503,
            str(
                _l(
                    "Motivo cannot reach its database just now. Please try again in a few "
                    "minutes; if this goes on, tell your administrator."
                )
            ),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    for error_class in DATABASE_DOWN:
        app.register_error_handler(error_class, handle_database_down)

    @app.errorhandler(IntegrityError)
    def handle_same_moment(exc: IntegrityError):
        # Two requests made the same new thing at once (a double click, two tabs): the
        # database kept one, as its unique constraints say, and this one wrote nothing.
        # Any other integrity error (a missing row a key points at) is a fault: a 500.
        from web.db import get_session

        get_session().rollback()
        if not _unique_violation(exc):
            return handle_unexpected(exc)
        app.logger.warning("Refused as a duplicate on %s: %s", request.path, exc.orig)
        return error_response(
            409,
            str(
                _l(
                    "The same thing was saved by another request at the same moment, so this "
                    "one saved nothing. Reload the page to see what is stored."
                )
            ),
            code="conflict",
        )

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return handle_http(exc)
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(
            500, str(_l("The error has been logged. Please try again in a moment."))
        )
