"""The JSON API. Errors under /api/ are JSON (see ``web.errors``)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import login_required

from services.people import team_name
from web.auth_setup import viewer
from web.db import get_session

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/v1/me")
@login_required
def me():
    person = viewer()
    return jsonify(
        {
            "external_id": person.external_id,
            "name": person.name,
            "email": person.email,
            "access": person.access,
            "team": team_name(get_session(), person),
            "sales_role": person.sales_role,
            "locale": person.locale,
        }
    )
