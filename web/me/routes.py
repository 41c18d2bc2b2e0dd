"""A rep's own pages: profile, suggestions, rewards received, history, settings."""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from models.tables import Grant
from services.errors import InvalidInput, NotFound
from services.feedback import (
    dismiss_reward,
    dismissed_rewards,
    rate_grant,
    received_rewards,
    undo_dismissal,
)
from services.me import (
    construct_labels,
    measured_otherwise,
    my_scores,
    score_changes,
    score_history,
)
from services.organisation import min_group_size
from services.own_data import my_answers, my_data, my_responses
from services.people import team_name, update_preferences
from services.quality import flag_notice, reopen_flagged_response
from services.recommendations import person_profile, suggest_rewards
from services.survey import survey_status
from web.auth_setup import viewer
from web.charts import comparison_chart
from web.db import get_session
from web.guards import requires
from web.i18n import get_locale
from web.me.forms import ActionForm, RateForm, SettingsForm
from web.messages import attach_problems, error_text

bp = Blueprint("me", __name__, url_prefix="/me")


def text(texts: dict[str, str], locale: str) -> str:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")


def _home(rate_forms: dict[int, RateForm] | None = None, status: int = 200):
    session = get_session()
    person = viewer()
    locale = get_locale()
    statuses = survey_status(session=session, person=person)
    scores = my_scores(session=session, person=person)
    chart = None
    if scores:
        # Without any median to show (too few teammates, or a closed wave asked the scales
        # another way) the chart must not describe diamonds it does not draw.
        medians = any(r.team_median is not None for r in scores)
        chart = comparison_chart(
            "my-scores",
            _("Your scale scores (1-5) beside your team's median")
            if medians
            else _("Your scale scores (1-5)"),
            _("One row per scale: your score as a dot, your team's median as a diamond.")
            if medians
            else _("One row per scale: your score as a dot."),
            [(text(r.label, locale), r.own, r.team_median) for r in scores],
            lo=1,
            hi=5,
            own_label=_("You"),
            other_label=_("Team median") if medians else None,
            hidden_text=_("not answered"),
        )
    received = received_rewards(session=session, person=person)
    forms = rate_forms or {}
    for grant, _reward, rating in received:
        if grant.id not in forms:
            data = {"rating": rating.rating, "comment": rating.comment} if rating else None
            forms[grant.id] = RateForm(formdata=None, data=data, prefix=f"g{grant.id}")
    return (
        render_template(
            "me/home.html",
            person=person,
            team=team_name(session, person),
            open_surveys=[s for s in statuses if s.status in ("not_started", "in_progress")],
            statuses=statuses,
            flag_notice=flag_notice(session=session, person=person),
            profile=person_profile(session=session, viewer=person, person=person),
            scores=scores,
            chart=chart,
            min_group_size=min_group_size(session),
            suggestions=suggest_rewards(session=session, viewer=person, person=person, k=5),
            received=received,
            rate_forms=forms,
            dismissed=dismissed_rewards(session=session, person=person),
            action_form=ActionForm(),
            text=text,
            locale=locale,
        ),
        status,
    )


@bp.get("/")
@requires("view_own")
def home():
    return _home()


@bp.post("/rate/<int:grant_id>")
@requires("view_own")
def rate(grant_id: int):
    grant = get_session().get(Grant, grant_id)
    if grant is None or grant.person_id != viewer().id:
        raise NotFound("No such reward.")
    form = RateForm(prefix=f"g{grant_id}")
    if not form.validate_on_submit():
        return _home({grant_id: form}, status=400)
    try:
        rate_grant(
            session=get_session(),
            person=viewer(),
            grant_id=grant_id,
            rating=form.rating.data,
            comment=form.comment.data or "",
        )
    except InvalidInput as exc:
        get_session().rollback()
        form.form_errors.extend(attach_problems(form, exc))
        return _home({grant_id: form}, status=400)
    flash(_("Thank you: your rating is saved and will improve your next suggestions."), "success")
    return redirect(url_for("me.home") + "#received")


@bp.post("/not-for-me/<slug>")
@requires("view_own")
def not_for_me(slug: str):
    if ActionForm().validate_on_submit():
        dismiss_reward(session=get_session(), person=viewer(), reward_slug=slug)
        flash(_("Noted: we will not suggest that reward again."), "success")
    return redirect(url_for("me.home") + "#suggestions")


@bp.post("/not-for-me/<slug>/undo")
@requires("view_own")
def undo_not_for_me(slug: str):
    if ActionForm().validate_on_submit():
        undo_dismissal(session=get_session(), person=viewer(), reward_slug=slug)
    return redirect(url_for("me.home") + "#suggestions")


@bp.post("/survey/<int:wave_id>/revise")
@requires("view_own")
def revise_flagged(wave_id: int):
    """Reopen a flagged response so the rep can review their answers and submit again."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("me.home"))
    try:
        reopen_flagged_response(session=get_session(), person=viewer(), wave_id=wave_id)
    except (InvalidInput, NotFound) as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("me.home"))
    flash(_("Your answers are open again: check each page, then submit."), "success")
    return redirect(url_for("survey.review", wave_id=wave_id))


@bp.get("/history")
@requires("view_own")
def history():
    session = get_session()
    person = viewer()
    constructs, waves = score_history(session=session, person=person)
    return render_template(
        "me/history.html",
        constructs=constructs,
        waves=waves,
        changes=score_changes(waves),
        measured_otherwise=measured_otherwise(waves),
        labels=construct_labels(session=session),
        profile=person_profile(session=session, viewer=person, person=person),
        text=text,
        locale=get_locale(),
    )


@bp.route("/settings", methods=["GET", "POST"])
@requires("view_own")
def settings():
    person = viewer()
    form = SettingsForm(data={"locale": person.locale, "personalise": person.personalise})
    if form.validate_on_submit():
        update_preferences(
            session=get_session(),
            person=person,
            locale=form.locale.data,
            personalise=form.personalise.data,
        )
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("me.settings"))
    return render_template("me/settings.html", form=form), 400 if form.errors else 200


@bp.get("/answers")
@requires("view_own")
def answers():
    """Every response the signed-in person gave; nobody else's exists here."""
    responses = my_responses(session=get_session(), person=viewer(), locale=get_locale())
    return render_template("me/answers.html", responses=responses)


@bp.get("/answers/<int:response_id>")
@requires("view_own")
def answer_detail(response_id: int):
    own = my_answers(
        session=get_session(), person=viewer(), response_id=response_id, locale=get_locale()
    )
    return render_template("me/answer_detail.html", own=own, text=text, locale=get_locale())


@bp.get("/data.json")
@requires("view_own")
def data_download():
    """The signed-in person's own data as a JSON file."""
    person = viewer()
    data = my_data(session=get_session(), person=person, locale=get_locale())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="motivo-my-data.json"'},
    )
