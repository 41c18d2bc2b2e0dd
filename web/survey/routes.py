"""A rep answering a wave: notice, one page per construct group, review, submit."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from services import survey as survey_service
from services.errors import InvalidInput
from services.organisation import min_group_size
from services.quality import flag_notice
from services.recommendations import why_not_personal_after_submitting
from web.auth_setup import viewer
from web.db import get_session
from web.guards import requires
from web.i18n import get_locale
from web.messages import error_text
from web.survey.forms import build_page_form, localised, read_posted_page, seconds_since

bp = Blueprint("survey", __name__, url_prefix="/survey")


def _view(wave_id: int, *, with_answers: bool = True, person=None):
    return survey_service.survey_for(
        session=get_session(),
        person=person or viewer(),
        wave_id=wave_id,
        with_answers=with_answers,
    )


@bp.get("/")
@requires("view_own")
def index():
    statuses = survey_service.survey_status(session=get_session(), person=viewer())
    return render_template("survey/index.html", statuses=statuses)


@bp.get("/<int:wave_id>/")
@requires("view_own")
def start(wave_id: int):
    view = _view(wave_id)
    if view.submitted:
        return redirect(url_for("survey.done", wave_id=wave_id))
    return render_template(
        "survey/notice.html",
        view=view,
        next_page=view.first_incomplete_page(),
        min_group_size=min_group_size(get_session()),
    )


@bp.route("/<int:wave_id>/page/<page_key>", methods=["GET", "POST"])
@requires("view_own")
def page(wave_id: int, page_key: str):
    session = get_session()
    person = viewer()
    # A post carries the page's answers itself: the saved ones are not needed to save it.
    view = _view(wave_id, with_answers=request.method == "GET", person=person)
    if view.submitted:
        return redirect(url_for("survey.done", wave_id=wave_id))
    if not view.editable:
        flash(_("This survey wave is closed."), "info")
        return redirect(url_for("survey.index"))
    items = view.items_on(page_key)
    keys = view.page_keys
    position = keys.index(page_key)
    order_key = f"{view.wave.id}:{view.person_id}"
    if request.method == "GET":
        form = build_page_form(
            view.instrument, items, get_locale(), view.answers, order_key=order_key
        )
        return _render_page(view, page_key, form, position)

    nav = request.form.get("nav", "next")
    moving_on = nav == "next"
    # A post the form would accept as it stands is read without building the form; the
    # form, built only when something needs saying, words what is wrong. CSRF was checked
    # before the view ran (``csrf_valid``), as the form would have.
    answers = None
    if g.get("csrf_valid"):
        answers = read_posted_page(items, request.form, complete=moving_on)
    form = None
    if answers is None:
        form = _checked_form(view, items, nav, order_key)
        if form.refused:
            if form.csrf_token.errors:
                form.form_errors.append(
                    _("The form had expired. Your answers are below; send again.")
                )
            return _render_page(view, page_key, form, position, status=400)
        # Only questions left unanswered: the service saves the rest and says what is left.
        answers = form.answers()
    try:
        survey_service.save_page(
            session=session,
            person=person,
            wave_id=wave_id,
            page_key=page_key,
            answers=answers,
            seconds=seconds_since(request.form.get("shown_at")),
            view=view,
            moving_on=moving_on,
        )
    except InvalidInput as exc:
        form = form or _checked_form(view, items, nav, order_key)
        if exc.code == "survey.page_incomplete":
            # Saved, time included: the page shown again is a new visit, timed afresh.
            form.shown_at.data = f"{time.time():.3f}"
        form.form_errors.append(error_text(exc))
        return _render_page(view, page_key, form, position, status=400)
    if nav == "leave":
        flash(_("Your answers are saved. Come back any time before the wave closes."), "success")
        return redirect(url_for("me.home"))
    if nav == "back" and position > 0:
        return redirect(url_for("survey.page", wave_id=wave_id, page_key=keys[position - 1]))
    if nav == "next" and position + 1 < len(keys):
        return redirect(url_for("survey.page", wave_id=wave_id, page_key=keys[position + 1]))
    return redirect(url_for("survey.review", wave_id=wave_id))


def _checked_form(view, items, nav, order_key):
    """The posted page bound to its form and checked: field and ranking errors set, and
    ``refused`` when something other than an unanswered question is wrong.

    The language is looked up here, not for every post: a save read without the form
    needs none.
    """
    form = build_page_form(
        view.instrument,
        items,
        get_locale(),
        view.answers,
        formdata=request.form,
        order_key=order_key,
    )
    form.validate()  # CSRF, known choices, text length
    form.ranking_errors = form.ranking_problems()
    # A value the page does not offer (or an expired form) refuses the post unsaved; a
    # question merely left unanswered does not.
    form.refused = bool(form.ranking_errors) or any(field.errors for field in form)
    if nav == "next":
        # Moving on needs a complete page; going back or leaving keeps a partial one.
        for item in form.missing():
            if item.type == "ranking":
                form.ranking_errors.setdefault(item.code, _("Give every option a place."))
            elif item.type == "best_worst":
                form.ranking_errors.setdefault(
                    item.code, _("Choose the one you want most and the one you want least.")
                )
            else:
                form[item.code].errors = [*form[item.code].errors, _("Choose an answer.")]
    return form


def _render_page(view, page_key, form, position, status=200):
    form.ranking_errors = getattr(form, "ranking_errors", {})
    return (
        render_template(
            "survey/page.html",
            view=view,
            page_key=page_key,
            form=form,
            position=position,
            total=len(view.page_keys),
            localised=localised,
            locale=get_locale(),
        ),
        status,
    )


@bp.get("/<int:wave_id>/review")
@requires("view_own")
def review(wave_id: int):
    view = _view(wave_id)
    if view.submitted:
        return redirect(url_for("survey.done", wave_id=wave_id))
    incomplete = [key for key in view.page_keys if view.missing_on(key)]
    return render_template("survey/review.html", view=view, incomplete=incomplete, form=FlaskForm())


@bp.post("/<int:wave_id>/submit")
@requires("view_own")
def submit(wave_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        survey_service.submit_response(session=get_session(), person=viewer(), wave_id=wave_id)
    except InvalidInput as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("survey.review", wave_id=wave_id))
    return redirect(url_for("survey.done", wave_id=wave_id))


@bp.get("/<int:wave_id>/done")
@requires("view_own")
def done(wave_id: int):
    view = _view(wave_id)
    if not view.submitted:
        return redirect(url_for("survey.start", wave_id=wave_id))
    # A flagged submission, a resubmission above all, is not told all is well.
    notice = None
    if view.response.flags:
        notice = flag_notice(session=get_session(), person=viewer(), wave_id=wave_id)
    why_not = why_not_personal_after_submitting(get_session(), viewer())
    return render_template("survey/done.html", view=view, flag_notice=notice, why_not=why_not)
