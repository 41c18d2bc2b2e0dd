"""The front door and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, url_for
from sqlalchemy.exc import SQLAlchemyError

from services.access import landing_endpoint
from services.health import ping_database
from web.auth_setup import viewer
from web.db import get_session
from web.errors import database_problem

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    person = viewer()
    if person is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(landing_endpoint(person)))


@bp.get("/healthz")
def healthz():
    """Database reachable and initialised, and the model version once one exists."""
    session = get_session()
    try:
        ping_database(session=session)
    except SQLAlchemyError as exc:
        current_app.logger.error("Health check: database unreachable: %s", exc)
        body = {"status": "error", "database": "unreachable", "reason": database_problem(exc)}
        return jsonify(body), 503
    from services.training import latest_version

    try:
        version = latest_version(session=session)
    except SQLAlchemyError as exc:
        current_app.logger.error("Health check: database not initialised: %s", exc)
        body = {"status": "error", "database": "not initialised", "reason": database_problem(exc)}
        return jsonify(body), 503
    return jsonify({"status": "ok", "database": "ok", "model_version": version})
