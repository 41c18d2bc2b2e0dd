"""The HR workspace: waves, reliability, validity and importing answers."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from services import waves as wave_service
from services.errors import InvalidInput, NotFound
from services.organisation import headcount_by_team, list_teams
from services.tabular import Table
from web.auth_setup import viewer
from web.confirm import ask_to_confirm, confirmed
from web.db import get_session
from web.filters import day, moment
from web.guards import requires
from web.hr.forms import CloseWaveForm, OpenWaveForm, ResponsesImportForm
from web.hr.job_text import changed_rewards, job_reason, job_result
from web.messages import attach_problems, error_text
from web.uploads import Pending, confirm_upload, run_confirmed_upload

bp = Blueprint("hr", __name__, url_prefix="/hr")


def _open_form() -> OpenWaveForm:
    form = OpenWaveForm()
    form.teams.choices = [(t.name, t.name) for t in list_teams(session=get_session())]
    return form


@bp.get("/")
@requires("run_hr")
def home():
    session = get_session()
    rows = headcount_by_team(session=session)
    summaries = wave_service.list_waves(session=session, viewer=viewer())
    return render_template(
        "hr/home.html",
        rows=rows,
        waves=summaries,
        form=_open_form(),
        close_form=CloseWaveForm(),
        today=wave_service.today(),
    )


@bp.post("/waves")
@requires("run_hr")
def open_wave():
    form = _open_form()
    overlap = False
    if form.validate_on_submit():
        try:
            wave = wave_service.open_wave(
                session=get_session(),
                actor=viewer(),
                name=form.name.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                team_names=form.teams.data or [],
                confirm_overlap=bool(form.confirm_overlap.data),
            )
        except wave_service.OverlapsOpenWave as exc:
            form.form_errors.append(error_text(exc))
            overlap = True
        except InvalidInput as exc:
            form.form_errors.extend(attach_problems(form, exc))
        else:
            if wave_service.wave_state(wave) == "scheduled":
                flash(
                    _(
                        "The wave %(name)s is scheduled: it opens on %(day)s.",
                        name=wave.name,
                        day=day(wave.opens_on),
                    ),
                    "success",
                )
            else:
                flash(_("The wave %(name)s is open.", name=wave.name), "success")
            return redirect(url_for("hr.home"))
    session = get_session()
    rows = headcount_by_team(session=session)
    summaries = wave_service.list_waves(session=session, viewer=viewer())
    return (
        render_template(
            "hr/home.html",
            rows=rows,
            waves=summaries,
            form=form,
            close_form=CloseWaveForm(),
            open_form_failed=True,
            overlap=overlap,
            today=wave_service.today(),
        ),
        400,
    )


@bp.post("/waves/<int:wave_id>/close")
@requires("run_hr")
def close_wave(wave_id: int):
    """Close a wave after a confirmation step that says who has not answered yet."""
    back = url_for("hr.home") + f"#wave-{wave_id}"
    if not CloseWaveForm().validate_on_submit():
        return redirect(back)
    session = get_session()
    summary = wave_service.wave_summary(session=session, viewer=viewer(), wave_id=wave_id)
    if summary.wave.status == "closed":
        return redirect(back)
    if not confirmed():
        missing = max(summary.invited - summary.submitted, 0)
        consequences = [
            _("Closing the wave stops new answers at once; it cannot be opened again."),
            ngettext(
                "%(num)d person has not answered.",
                "%(num)d people have not answered.",
                missing,
            ),
        ]
        if summary.in_progress:
            consequences.append(
                ngettext(
                    "%(num)d person has started but not submitted; their answers are not counted.",
                    "%(num)d people have started but not submitted; their answers are not counted.",
                    summary.in_progress,
                )
            )
        return ask_to_confirm(
            title=_("Close the wave %(name)s?", name=summary.wave.name),
            consequences=consequences,
            keeps=[
                ngettext(
                    "The %(num)d submitted answer stays in the results.",
                    "The %(num)d submitted answers stay in the results.",
                    summary.submitted,
                )
            ],
            button=_("Close the wave"),
            cancel_url=back,
        )
    wave = wave_service.close_wave(session=session, actor=viewer(), wave_id=wave_id)
    flash(_("The wave %(name)s is closed.", name=wave.name), "success")
    return redirect(back)


@bp.get("/reliability")
@requires("run_hr")
def reliability():
    """The survey's reliability per construct, for the chosen wave or the newest instrument."""
    from services.reliability import reliability as reliability_report

    session = get_session()
    wave = request.args.get("wave") or None
    exclude_flagged = request.args.get("exclude_flagged") == "1"
    report, problem = None, None
    try:
        report = reliability_report(
            session=session, viewer=viewer(), wave=wave, include_flagged=not exclude_flagged
        )
    except (InvalidInput, NotFound) as exc:
        problem = error_text(exc)
    waves = wave_service.list_waves(session=session, viewer=viewer())
    return render_template(
        "hr/reliability.html",
        report=report,
        problem=problem,
        waves=waves,
        selected_wave=wave,
        exclude_flagged=exclude_flagged,
    )


@bp.get("/validity")
@requires("run_hr")
def validity():
    """The survey's construct validity: factor analysis, invariance across languages, retest."""
    from services.validity import RETEST_WEEKS, RETEST_WEEKS_RANGE
    from services.validity import validity as validity_report

    session = get_session()
    wave = request.args.get("wave") or None
    include_flagged = request.args.get("include_flagged") == "1"
    low, high = RETEST_WEEKS_RANGE
    weeks = request.args.get("retest_weeks", type=int) or RETEST_WEEKS
    weeks = min(max(weeks, low), high)
    report, problem = None, None
    try:
        report = validity_report(
            session=session,
            viewer=viewer(),
            wave=wave,
            include_flagged=include_flagged,
            retest_weeks=weeks,
        )
    except (InvalidInput, NotFound) as exc:
        problem = error_text(exc)
    waves = wave_service.list_waves(session=session, viewer=viewer())
    return render_template(
        "hr/validity.html",
        report=report,
        problem=problem,
        waves=waves,
        selected_wave=wave,
        include_flagged=include_flagged,
        retest_weeks=weeks,
    )


@bp.route("/responses/import", methods=["GET", "POST"])
@requires("run_hr")
def import_responses():
    """Upload answers collected with another survey tool (all or nothing)."""
    from services.responses_import import import_responses as run_import

    form = ResponsesImportForm()

    def attempt(table: Table, name: str, dry_run: bool):
        return run_import(
            session=get_session(),
            table=table,
            wave=form.wave.data or None,
            create_people=form.create_people.data,
            actor=viewer(),
            source=name,
            replace_survey_responses=form.replace_survey.data,
            dry_run=dry_run,
        )

    # Overwriting stored answers needs a second step that says how many.
    result = run_confirmed_upload(form, attempt)
    if result.pending:
        return _confirm_replacing(form, result.filename, result.pending)
    if result.done:
        flash(
            _(
                "Imported %(file)s: %(summary)s.",
                file=result.filename,
                summary=result.summary.describe(),
            ),
            "success",
        )
        return redirect(url_for("hr.import_responses"))
    return (
        render_template("hr/responses_import.html", form=form, problems=result.problems),
        result.status,
    )


def _confirm_replacing(form: ResponsesImportForm, filename: str, pending: Pending):
    preview = pending.preview
    imported_before = preview.updated - preview.survey_replaced
    consequences = []
    if preview.survey_replaced:
        consequences.append(
            ngettext(
                "%(num)d response given through the survey will be overwritten by the file; "
                "the audit log names the person.",
                "%(num)d responses given through the survey will be overwritten by the file; "
                "the audit log names the people.",
                preview.survey_replaced,
            )
        )
    if imported_before:
        consequences.append(
            ngettext(
                "%(num)d response imported earlier will be replaced by the file's answers.",
                "%(num)d responses imported earlier will be replaced by the file's answers.",
                imported_before,
            )
        )
    return confirm_upload(
        form,
        pending,
        title=_("Import %(file)s?", file=filename),
        consequences=consequences,
        keeps=[
            ngettext(
                "%(num)d new response is added.",
                "%(num)d new responses are added.",
                preview.created,
            ),
        ],
        button=_("Import and apply these changes"),
        cancel_url=url_for("hr.import_responses"),
        fields={
            "wave": form.wave.data or "",
            "create_people": "y" if form.create_people.data else "",
            "replace_survey": "y" if form.replace_survey.data else "",
        },
    )


@bp.get("/model")
@requires("run_hr")
def model():
    """The current model's card, when and why it trained, what is pending, and the button
    that queues training."""
    from services.retraining import RetrainPolicy, training_status
    from services.training import model_card

    session = get_session()
    status = training_status(
        session=session,
        viewer=viewer(),
        policy=RetrainPolicy.from_settings(current_app.config),
    )
    return render_template(
        "hr/model.html",
        card=model_card(session=session),
        status=status,
        jobs=status.jobs,
        changed_rewards=changed_rewards,
        job_reason=job_reason,
        job_result=job_result,
        form=CloseWaveForm(),
    )


@bp.post("/model/train")
@requires("run_hr")
def train():
    from services.training import request_training

    if CloseWaveForm().validate_on_submit():
        job, joined = request_training(session=get_session(), actor=viewer())
        if joined and job.status == "queued":
            flash(
                _(
                    "Training job %(id)s, asked for at %(time)s, is already waiting for the "
                    "worker; this page shows when it is done.",
                    time=moment(job.requested_at),
                    id=job.id,
                ),
                "info",
            )
        elif joined:
            since = job.started_at or job.requested_at
            flash(
                _(
                    "A training is already running since %(time)s (job %(id)s); "
                    "this page shows when it is done.",
                    time=moment(since),
                    id=job.id,
                ),
                "info",
            )
        else:
            flash(
                _("Training job %(id)s is queued; this page shows when it is done.", id=job.id),
                "success",
            )
    return redirect(url_for("hr.model"))
