"""The HR workspace."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from services.organisation import headcount_by_team
from web.db import get_session
from web.guards import requires

bp = Blueprint("hr", __name__, url_prefix="/hr")


@bp.get("/")
@requires("run_hr")
def home():
    rows = headcount_by_team(
        session=get_session(), min_group_size=current_app.config["MOTIVO_MIN_GROUP_SIZE"]
    )
    return render_template("hr/home.html", rows=rows)
