"""People administration: the roster, its import, and password links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from services import accounts
from services.errors import InvalidInput, NotFound
from services.people import find_person, import_people, list_people
from services.webhooks import list_webhooks, set_webhook
from web.admin.forms import ChannelsForm, PasswordLinkForm, PeopleImportForm
from web.auth.routes import password_link_address
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires
from web.uploads import run_upload

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/people", methods=["GET", "POST"])
@requires("import_people")
def people():
    session = get_session()
    form = PeopleImportForm()
    result = run_upload(
        form,
        lambda table, name: import_people(
            session=session,
            header=table.header,
            records=table.rows,
            actor=viewer(),
            deactivate_missing=not form.keep_missing.data,
            source=name,
        ),
    )
    if result.done:
        flash(
            _(
                "Imported %(file)s: %(summary)s.",
                file=result.filename,
                summary=result.summary.describe(),
            ),
            "success",
        )
    return (
        render_template(
            "admin/people.html",
            form=form,
            link_form=PasswordLinkForm(),
            people=list_people(session=session, viewer=viewer(), include_inactive=True),
            problems=result.problems,
            can_link=viewer().access == "admin",
        ),
        result.status,
    )


@bp.post("/people/<external_id>/password-link")
@requires("manage_accounts")
def password_link(external_id: str):
    session = get_session()
    form = PasswordLinkForm()
    if not form.validate_on_submit():
        return render_template("admin/password_link.html", link=None, person=None), 400
    person = find_person(session=session, viewer=viewer(), external_id=external_id)
    if not person.email:
        raise NotFound("No such person, or they have no email address.")
    token = accounts.create_password_link(session=session, actor=viewer(), email=person.email)
    link = password_link_address(token)
    return render_template("admin/password_link.html", link=link, person=person)


@bp.route("/channels", methods=["GET", "POST"])
@requires("manage_channels")
def channels():
    """Slack and Microsoft Teams webhooks that get counts-only reminder messages."""
    session = get_session()
    form = ChannelsForm()
    status = 200
    if form.validate_on_submit():
        changed = False
        for channel in ("slack", "teams"):
            url_field = getattr(form, channel)
            if getattr(form, f"remove_{channel}").data:
                set_webhook(session=session, actor=viewer(), channel=channel, url="")
                changed = True
            elif (url_field.data or "").strip():
                try:
                    set_webhook(
                        session=session, actor=viewer(), channel=channel, url=url_field.data
                    )
                except InvalidInput:
                    url_field.errors.append(
                        _(
                            "Use an https:// address (http:// only for 127.0.0.1 or localhost),"
                            " without spaces, user name or password."
                        )
                    )
                    continue
                changed = True
        if not (form.slack.errors or form.teams.errors):
            if changed:
                flash(_("The chat channels are saved."), "success")
            return redirect(url_for("admin.channels"))
    if form.errors or form.slack.errors or form.teams.errors:
        status = 400
    return (
        render_template(
            "admin/channels.html",
            form=form,
            channels=list_webhooks(session=session, viewer=viewer()),
        ),
        status,
    )
