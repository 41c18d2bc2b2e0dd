"""The front door and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from sqlalchemy import text

from services.access import landing_endpoint
from web.auth_setup import viewer
from web.db import get_session

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    person = viewer()
    if person is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for(landing_endpoint(person)))


@bp.get("/healthz")
def healthz():
    """Database reachable, and the model version once one exists."""
    body: dict[str, object] = {"status": "ok"}
    try:
        get_session().exec(text("SELECT 1")).one()
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        body.update(status="error", database=f"unreachable: {exc.__class__.__name__}")
        return jsonify(body), 503
    from services.training import latest_version

    body["model_version"] = latest_version(session=get_session())
    return jsonify(body)
