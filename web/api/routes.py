"""The JSON API. Errors under /api/ are JSON (see ``web.errors``).

``/api/v1/me`` serves Motivo's own pages through the browser session; everything else
under ``/api/v1/`` is the token-authorised integration API in ``web.api.v1``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import login_required

from services.people import team_name
from web.api.v1 import bp as v1_bp
from web.auth_setup import viewer
from web.db import get_session

bp = Blueprint("api", __name__, url_prefix="/api")
bp.register_blueprint(v1_bp)


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
