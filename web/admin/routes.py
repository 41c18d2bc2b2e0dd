"""People administration: the roster, its import, and password links."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, url_for
from flask_babel import gettext as _
from sqlmodel import select

from models.tables import Person
from services import accounts
from services.errors import InvalidInput, NotFound
from services.people import import_people, list_people
from services.tabular import TableError, read_table_bytes
from web.admin.forms import PasswordLinkForm, PeopleImportForm
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/people", methods=["GET", "POST"])
@requires("import_people")
def people():
    session = get_session()
    form = PeopleImportForm()
    problems: list[str] = []
    summary_text = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            table = read_table_bytes(upload.read(), name=upload.filename)
            summary = import_people(
                session=session,
                header=table.header,
                records=table.rows,
                actor=viewer(),
                deactivate_missing=not form.keep_missing.data,
                source=upload.filename,
            )
        except (TableError, InvalidInput) as exc:
            problems = getattr(exc, "problems", []) or [str(exc)]
            form.file.errors = list(form.file.errors) + [exc.args[0]]
            status = 400
        else:
            summary_text = summary.describe()
            flash(
                _("Imported %(file)s: %(summary)s.", file=upload.filename, summary=summary_text),
                "success",
            )
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "admin/people.html",
            form=form,
            link_form=PasswordLinkForm(),
            people=list_people(session=session, viewer=viewer(), include_inactive=True),
            problems=problems,
            can_link=viewer().access == "admin",
        ),
        status,
    )


@bp.post("/people/<external_id>/password-link")
@requires("manage_accounts")
def password_link(external_id: str):
    session = get_session()
    form = PasswordLinkForm()
    if not form.validate_on_submit():
        return render_template("admin/password_link.html", link=None, person=None), 400
    person = session.exec(select(Person).where(Person.external_id == external_id)).first()
    if person is None or not person.email:
        raise NotFound("No such person, or they have no email address.")
    token = accounts.create_password_link(session=session, actor=viewer(), email=person.email)
    link = url_for("auth.set_password", token=token, _external=True)
    return render_template("admin/password_link.html", link=link, person=person)
