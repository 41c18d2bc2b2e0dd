"""A rep's own pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from services.people import team_name, update_preferences
from services.survey import survey_status
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires
from web.me.forms import SettingsForm

bp = Blueprint("me", __name__, url_prefix="/me")


@bp.get("/")
@requires("view_own")
def home():
    session = get_session()
    person = viewer()
    statuses = survey_status(session=session, person=person)
    return render_template(
        "me/home.html",
        person=person,
        team=team_name(session, person),
        open_surveys=[s for s in statuses if s.status in ("not_started", "in_progress")],
        statuses=statuses,
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires("view_own")
def settings():
    person = viewer()
    form = SettingsForm(data={"locale": person.locale})
    if form.validate_on_submit():
        update_preferences(session=get_session(), person=person, locale=form.locale.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("me.settings"))
    return render_template("me/settings.html", form=form), 400 if form.errors else 200
