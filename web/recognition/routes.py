"""Recognition pages: a manager's recognition page, HR's budgets and fairness, notifications.

The partials ``recognition/_budget.html``, ``_due.html`` and ``_fairness.html`` are meant
for other pages too; they need only ``budget``, ``due`` or ``fairness`` in the context.
Every page's header can show ``notification_count``, which this blueprint injects for
signed-in people.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from wtforms import SelectChoice

from models.queries import as_id
from services.budgets import budget_status, list_budgets, resolve_quarter, set_budget
from services.errors import InvalidInput
from services.exports import FORMATS, export_budgets
from services.fairness import fairness
from services.notifications import list_notifications, mark_read, render, unread_count
from services.organisation import list_teams, min_group_size
from services.people import direct_reports
from services.recognition import recent_achievements, recognition_due, record_achievement
from web.auth_setup import viewer
from web.db import get_session
from web.filters import organisation_currency
from web.guards import requires
from web.i18n import get_locale
from web.messages import attach_problems, error_text, problem_texts
from web.recognition.forms import AchievementForm, BudgetForm, MarkReadForm

bp = Blueprint("recognition", __name__)


def notification_count() -> dict:
    """``notification_count`` for the header of every page a signed-in person sees."""
    if not has_request_context():
        return {}
    person = viewer()
    if person is None:
        return {}
    try:
        return {"notification_count": unread_count(session=get_session(), person=person)}
    except SQLAlchemyError:
        # An error page after a failed query must still render; the count can wait.
        current_app.logger.warning("Could not count notifications", exc_info=True)
        return {"notification_count": 0}


@bp.record_once
def _register(state) -> None:
    state.app.context_processor(notification_count)


def _quarter(*, strict: bool = False) -> str:
    """The quarter the page is asked for, the current one when none is given.

    One typed wrong ("2026-Q5") shows the page for the current quarter with the box saying
    what is wrong (``_quarter.html``; see ``_status``); ``strict`` refuses it instead, for
    a download, which has no box to show it in.
    """
    typed = request.args.get("quarter") or None
    try:
        return resolve_quarter(typed)
    except InvalidInput as exc:
        if strict:
            raise
        g.quarter_typed = typed
        g.quarter_error = "; ".join(problem_texts(exc)) or error_text(exc)
        return resolve_quarter(None)


def _status(status: int = 200) -> int:
    """400 when the page answers a quarter typed wrong, else ``status``."""
    return 400 if g.get("quarter_error") else status


def _field_errors(form, exc: InvalidInput) -> None:
    """Put each service problem under the field it is about, in the reader's language."""
    form.form_errors.extend(attach_problems(form, exc))


# --- a manager's recognition page -----------------------------------------------------


@bp.route("/team/recognition", methods=["GET", "POST"])
@requires("view_team")
def team():
    session = get_session()
    manager = viewer()
    quarter = _quarter()
    reports = direct_reports(session=session, manager=manager)
    form = AchievementForm()
    form.person.choices = [SelectChoice("", _("Choose a person"))] + [
        SelectChoice(p.external_id, p.name) for p in reports
    ]
    status = 200
    if form.validate_on_submit():
        # The choices are the manager's own people, so the form has checked who it is.
        person = next(p for p in reports if p.external_id == form.person.data)
        try:
            record_achievement(
                session=session,
                manager=manager,
                person=person,
                title=form.title.data,
                achieved_on=form.achieved_on.data,
            )
        except InvalidInput as exc:
            session.rollback()
            _field_errors(form, exc)
            status = 400
        else:
            flash(
                _(
                    "The achievement of %(name)s was recorded. Recognise it within 7 days.",
                    name=person.name,
                ),
                "success",
            )
            return redirect(url_for("recognition.team", quarter=request.args.get("quarter")))
    elif form.is_submitted():
        status = 400
    days = int(current_app.config["MOTIVO_RECOGNITION_DUE_DAYS"])
    return (
        render_template(
            "recognition/team.html",
            form=form,
            quarter=quarter,
            days=days,
            due=recognition_due(session=session, manager=manager, days=days),
            achievements=recent_achievements(session=session, manager=manager),
            fairness=fairness(
                session=session,
                viewer=manager,
                quarter=quarter,
                min_group_size=min_group_size(get_session()),
            ),
            budget=(
                budget_status(session=session, team_id=manager.team_id, quarter=quarter)
                if manager.team_id
                else None
            ),
        ),
        _status(status),
    )


# --- HR -------------------------------------------------------------------------------


def _budget_form(quarter: str, **kwargs) -> BudgetForm:
    form = BudgetForm(**kwargs)
    teams = list_teams(session=get_session())
    form.team.choices = [SelectChoice("", _("Choose a team"))] + [
        SelectChoice(str(t.id), t.name) for t in teams
    ]
    if not form.is_submitted() and not form.quarter.data:
        form.quarter.data = quarter
    form.amount.description = _(
        "For the whole quarter, in %(currency)s.", currency=organisation_currency()
    )
    return form


@bp.get("/hr/budgets.<fmt>")
@requires("run_hr")
def budgets_download(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    export = export_budgets(
        session=get_session(),
        viewer=viewer(),
        quarter=_quarter(strict=True),
        fmt=fmt,
        locale=str(get_locale()),
    )
    return send_file(
        io.BytesIO(export.content),
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
    )


@bp.route("/hr/budgets", methods=["GET", "POST"])
@requires("run_hr")
def budgets():
    session = get_session()
    quarter = _quarter()
    form = _budget_form(quarter)
    status = 200
    team_id = as_id(request.args.get("team", ""))
    if request.method == "GET" and team_id is not None:
        form.team.data = str(team_id)
        current = budget_status(session=session, team_id=team_id, quarter=quarter)
        form.amount.data = current.amount
    if form.validate_on_submit():
        try:
            budget = set_budget(
                session=session,
                actor=viewer(),
                team_id=int(form.team.data),
                quarter=form.quarter.data,
                amount=float(form.amount.data),
            )
        except InvalidInput as exc:
            session.rollback()
            _field_errors(form, exc)
            status = 400
        else:
            team = next(t.name for t in list_teams(session=session) if t.id == budget.team_id)
            flash(
                _(
                    "The budget of %(team)s for %(quarter)s is saved.",
                    team=team,
                    quarter=budget.quarter,
                ),
                "success",
            )
            return redirect(url_for("recognition.budgets", quarter=budget.quarter))
    elif form.is_submitted():
        status = 400
    rows = list_budgets(session=session, viewer=viewer(), quarter=quarter)
    return (
        render_template("recognition/budgets.html", form=form, rows=rows, quarter=quarter),
        _status(status),
    )


@bp.get("/hr/fairness")
@requires("run_hr")
def hr_fairness():
    quarter = _quarter()
    report = fairness(
        session=get_session(),
        viewer=viewer(),
        quarter=quarter,
        min_group_size=min_group_size(get_session()),
    )
    return (
        render_template("recognition/fairness.html", fairness=report, quarter=quarter),
        _status(),
    )


# --- notifications --------------------------------------------------------------------


@bp.get("/me/notifications")
@requires("view_own")
def notifications():
    person = viewer()
    locale = get_locale()
    rows = list_notifications(session=get_session(), person=person)
    items = [(n, render(n, locale), n.link if n.link.startswith("/") else "") for n in rows]
    return render_template("notifications/index.html", items=items, form=MarkReadForm())


@bp.post("/me/notifications/read")
@requires("view_own")
def read_all():
    form = MarkReadForm()
    if not form.validate_on_submit():
        return redirect(url_for("recognition.notifications"))
    count = mark_read(session=get_session(), person=viewer())
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("recognition.notifications"))
