"""Friendly error pages, JSON errors under /api/, and service errors mapped to HTTP."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from services.errors import InvalidInput, NotAllowed, NotFound, Throttled

TITLES = {
    400: _l("That request could not be used"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("That action is not allowed here"),
    413: _l("That file is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(
    status: int, message: str, problems: list[str] | None = None, *, code: str | None = None
):
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if code:
            body["error"]["code"] = code
        if problems:
            body["error"]["problems"] = problems
        return jsonify(body), status
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, _l("Error")),
            message=message,
            problems=problems or [],
        ),
        status,
    )


# Every id column is a 32-bit INTEGER on PostgreSQL (and SQLite refuses more than 64 bits):
# a larger number in a URL names nothing, so it is a 404 and never reaches the database.
MAX_DATABASE_INT = 2**31 - 1


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers an id column can hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, MAX_DATABASE_INT if max is None else max, signed)


def _has_nul(values) -> str | None:
    for key, value in values.items(multi=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "")
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
        return error_response(exc.code or 500, exc.description or TITLES.get(exc.code, ""))

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
        return error_response(403, str(exc))

    @app.errorhandler(NotFound)
    def handle_not_found(exc: NotFound):
        return error_response(404, str(exc))

    @app.errorhandler(Throttled)
    def handle_throttled(exc: Throttled):
        return error_response(429, str(exc))

    @app.errorhandler(InvalidInput)
    def handle_invalid(exc: InvalidInput):
        return error_response(400, exc.args[0], exc.problems)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return handle_http(exc)
        app.logger.exception("Unhandled error on %s", request.path)
        return error_response(
            500, str(_l("The error has been logged. Please try again in a moment."))
        )
