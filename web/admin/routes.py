"""People administration: the roster, its import, and password links."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from models.queries import as_id
from services import accounts
from services.errors import InvalidInput, NotFound
from services.labels import SALES_ROLES, sales_role_label
from services.organisation import list_teams
from services.people import (
    PEOPLE_STATUSES,
    find_person,
    import_people,
    search_people,
)
from services.tabular import Table
from services.webhooks import list_webhooks, set_webhook
from web.admin.forms import ChannelsForm, PasswordLinkForm, PeopleImportForm
from web.auth.routes import password_link_address
from web.auth_setup import viewer
from web.confirm import ask_to_confirm, confirmed
from web.db import get_session
from web.guards import requires
from web.i18n import get_locale
from web.uploads import Pending, confirm_upload, run_confirmed_upload

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACCESS_FILTERS = ("rep", "manager", "hr", "admin")
PER_PAGE = 50


def _filters() -> dict[str, str]:
    """The roster filters from the query string; unknown values are kept (they match nobody)."""
    args = request.args
    status = args.get("status", "all")
    return {
        "q": args.get("q", "").strip()[:200],
        "team": args.get("team", ""),
        "role": args.get("role", ""),
        "access": args.get("access", ""),
        "status": status if status in PEOPLE_STATUSES else "all",
    }


def _confirm_roster(form: PeopleImportForm, filename: str, pending: Pending):
    preview, shown = pending.preview, 20
    consequences = []
    if preview.deactivated:
        consequences.append(
            ngettext(
                "%(num)d person will be deactivated and signed out: %(names)s",
                "%(num)d people will be deactivated and signed out: %(names)s",
                len(preview.deactivated),
                names=_listed(preview.deactivated[:shown], preview.names),
            )
            + (
                " " + _("and %(n)d more.", n=len(preview.deactivated) - shown)
                if len(preview.deactivated) > shown
                else ""
            )
        )
    for external_id, before, after in preview.access_changes:
        person = _listed([external_id], preview.names)
        consequences.append(
            _("%(person)s: %(before)s → %(after)s", person=person, before=before, after=after)
        )
    return confirm_upload(
        form,
        pending,
        title=_("Import %(file)s?", file=filename),
        consequences=consequences,
        keeps=[
            _("Deactivated people are never deleted: their answers and grants are kept."),
        ],
        button=_("Import and apply these changes"),
        cancel_url=url_for("admin.people"),
        fields={
            "keep_missing": "y" if form.keep_missing.data else "",
        },
    )


def _listed(external_ids: list[str], names: dict[str, str]) -> str:
    return ", ".join(f"{names.get(eid, '')} ({eid})" for eid in external_ids)


def _page_number() -> int:
    return as_id(request.args.get("page", "1")) or 1


@bp.route("/people", methods=["GET", "POST"])
@requires("import_people")
def people():
    session = get_session()
    form = PeopleImportForm()

    def attempt(table: Table, name: str, dry_run: bool):
        return import_people(
            session=session,
            header=table.header,
            records=table.rows,
            actor=viewer(),
            deactivate_missing=not form.keep_missing.data,
            source=name,
            dry_run=dry_run,
        )

    # Deactivating people and changing access need a second step that names them.
    result = run_confirmed_upload(form, attempt)
    if result.pending:
        return _confirm_roster(form, result.filename, result.pending)
    if result.done:
        flash(
            _(
                "Imported %(file)s: %(summary)s.",
                file=result.filename,
                summary=result.summary.describe(),
            ),
            "success",
        )
    filters = _filters()
    found = search_people(
        session=session,
        viewer=viewer(),
        q=filters["q"],
        team=filters["team"],
        sales_role=filters["role"],
        access=filters["access"],
        status=filters["status"],
        page=_page_number(),
        per_page=PER_PAGE,
    )
    kept = {key: value for key, value in filters.items() if value}
    return (
        render_template(
            "admin/people.html",
            form=form,
            link_form=PasswordLinkForm(),
            found=found,
            filters=filters,
            teams=[t.name for t in list_teams(session=session)],
            roles={key: sales_role_label(key, get_locale()) for key in SALES_ROLES},
            access_roles=ACCESS_FILTERS,
            page_url=lambda n: url_for("admin.people", **kept, page=n),
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
        current = {c["channel"]: c for c in list_webhooks(session=session, viewer=viewer())}
        losing = [
            c["name"]
            for channel, c in current.items()
            if c["set"]
            and (
                getattr(form, f"remove_{channel}").data
                or (getattr(form, channel).data or "").strip()
            )
        ]
        if losing and not confirmed():
            # A stored address is a secret never shown again: removing or replacing it
            # cannot be undone, so it asks first.
            return ask_to_confirm(
                title=_("Change the chat channels?"),
                consequences=[
                    _(
                        "The stored address of %(channel)s will be removed or replaced; it "
                        "cannot be shown again, so keep a copy if you may need it.",
                        channel=name,
                    )
                    for name in losing
                ],
                button=_("Change the channels"),
                cancel_url=url_for("admin.channels"),
                fields={
                    name: value
                    for name, value in request.form.items()
                    if name in ("slack", "teams", "remove_slack", "remove_teams")
                },
            )
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
                            "Use the channel's public https:// address, without spaces, user "
                            "name or password."
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
