"""A rep's own pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from services.people import team_name
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("/")
@requires("view_own")
def home():
    person = viewer()
    return render_template("me/home.html", person=person, team=team_name(get_session(), person))
