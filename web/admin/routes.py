"""People administration: the roster, its import, and password links."""

from __future__ import annotations

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _

from services import accounts
from services.errors import NotFound
from services.people import find_person, import_people, list_people
from web.admin.forms import PasswordLinkForm, PeopleImportForm
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
