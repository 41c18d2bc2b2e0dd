"""A manager's team pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlmodel import select

from models.tables import Person
from services.access import ensure_can_view_person
from services.people import direct_reports, team_name
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.get("/")
@requires("view_team")
def home():
    session = get_session()
    manager = viewer()
    reports = direct_reports(session=session, manager=manager)
    return render_template(
        "team/home.html", manager=manager, reports=reports, team=team_name(session, manager)
    )


@bp.get("/person/<external_id>")
@requires("view_own")
def person(external_id: str):
    session = get_session()
    found = session.exec(select(Person).where(Person.external_id == external_id)).first()
    person = ensure_can_view_person(viewer(), found)
    return render_template("team/person.html", person=person, team=team_name(session, person))
