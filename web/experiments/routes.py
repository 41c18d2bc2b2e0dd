"""HR's experiment pages: list, create, results, and the KPI import with its coverage."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from services.errors import InvalidInput
from services.experiments import (
    ArmSpec,
    create_experiment,
    experiment_detail,
    experiment_results,
    finish_experiment,
    list_experiments,
    precision,
)
from services.kpis import import_kpis, kpi_coverage, metric_choices
from services.organisation import list_teams, min_group_size
from services.tabular import Table
from web.auth_setup import viewer
from web.confirm import ask_to_confirm, confirmed
from web.db import get_session
from web.experiments.forms import ARM_ROWS, ExperimentForm, FinishForm, KpiImportForm
from web.filters import period
from web.guards import requires
from web.messages import attach_problems
from web.uploads import confirm_upload, run_confirmed_upload

bp = Blueprint("experiments", __name__, url_prefix="/hr/experiments")

METRIC_NAMES = {
    "revenue": _l("revenue"),
    "deals_won": _l("deals won"),
    "conversion_rate": _l("conversion rate"),
    "cycle_days": _l("sales cycle (days)"),
    "goal_attainment": _l("goal attainment"),
    "activities": _l("activities"),
    "calls": _l("calls"),
    "emails": _l("emails"),
    "meetings": _l("meetings"),
}
METRIC_HELP = {
    "revenue": _l("Revenue closed in the period, in the organisation's currency."),
    "deals_won": _l("Deals won in the period."),
    "conversion_rate": _l("Share of opportunities won, from 0 to 1."),
    "cycle_days": _l("Average days from first contact to a won deal (lower is faster)."),
    "goal_attainment": _l("Share of the period's target reached (1.0 is the whole target)."),
    "activities": _l("Calls, emails and meetings together."),
    "calls": _l("Sales calls made."),
    "emails": _l("Sales emails sent."),
    "meetings": _l("Customer meetings held."),
}
# Examples shown as placeholders in the first rows of the arms table; never submitted. The
# key examples are translated too, into valid keys (lower-case letters only).
ARM_EXAMPLES = [
    {"key": _l("control"), "label": _l("Control (no change)")},
    {"key": _l("recognition"), "label": _l("Recognition rewards")},
    {"key": _l("experience"), "label": _l("Experiential rewards")},
]
# Service problems start with the name of what they are about; these go to form fields.
FIELD_OF_PROBLEM = {
    "name": "name",
    "description": "description",
    "metric": "metric",
    "period_before": "period_before",
    "period_after": "period_after",
    "teams": "teams",
    "seed": "seed",
    "starts_on": "starts_on",
    # Problems of the arms and of the control choice are listed above the arms table.
    "arms": "",
    "control": "",
}


def metric_name(metric: str) -> str:
    return str(METRIC_NAMES.get(metric, metric))


def figure(value: float | None, places: int) -> str:
    """A figure rounded as ``services.experiments.precision`` says, in the reader's locale."""
    if value is None:
        return ""
    rounded = round(value, places) or 0.0
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(rounded, format=pattern)


@bp.context_processor
def helpers() -> dict:
    return {
        "figure": figure,
        "metric_name": metric_name,
        "precision": precision,
        "min_group_size": min_group_size(get_session()),
    }


@bp.get("/")
@requires("run_hr")
def index():
    rows = list_experiments(session=get_session(), viewer=viewer())
    return render_template("experiments/index.html", experiments=rows)


def _experiment_form(**kwargs) -> ExperimentForm:
    session = get_session()
    form = ExperimentForm(**kwargs)
    form.metric.choices = [SelectChoice(m, metric_name(m)) for m in metric_choices(session)]
    teams = list_teams(session=session)
    form.teams.choices = [SelectChoice(t.name, t.name) for t in teams]
    return form


def _arm_specs(form: ExperimentForm) -> tuple[list[ArmSpec], str]:
    specs: list[ArmSpec] = []
    control = ""
    for index, entry in enumerate(form.arms.entries[:ARM_ROWS]):
        if entry.form.is_blank():
            continue  # a spare row; a partly filled one failed validation
        key = (entry.form.key.data or "").strip()
        label = (entry.form.label.data or "").strip()
        specs.append(
            ArmSpec(key=key, label=label, reward_category=entry.form.category.data or None)
        )
        if form.control.data == str(index):
            control = key
    return specs, control


@bp.route("/new", methods=["GET", "POST"])
@requires("run_hr")
def new():
    if request.method == "GET":
        form = _experiment_form(data={"control": "0"})
        return render_template(
            "experiments/new.html", form=form, arm_problems=[], arm_examples=ARM_EXAMPLES
        )
    form = _experiment_form()
    arm_problems: list[str] = []
    if form.validate_on_submit():
        specs, control = _arm_specs(form)
        try:
            experiment = create_experiment(
                session=get_session(),
                actor=viewer(),
                name=form.name.data,
                description=form.description.data or "",
                metric=form.metric.data,
                period_before=form.period_before.data,
                period_after=form.period_after.data,
                arms=specs,
                control=control or "",
                team_names=form.teams.data or [],
                stratified=form.assignment.data == "stratified",
                seed=form.seed.data,
                starts_on=form.starts_on.data,
                retrospective=bool(form.retrospective.data),
            )
        except InvalidInput as exc:
            arm_problems.extend(attach_problems(form, exc, FIELD_OF_PROBLEM))
        else:
            flash(
                _(
                    "The experiment %(name)s was created and people were assigned.",
                    name=experiment.name,
                ),
                "success",
            )
            return redirect(url_for("experiments.detail", experiment_id=experiment.id))
    return (
        render_template(
            "experiments/new.html",
            form=form,
            arm_problems=arm_problems,
            arm_examples=ARM_EXAMPLES,
        ),
        400,
    )


@bp.get("/<int:experiment_id>")
@requires("run_hr")
def detail(experiment_id: int):
    session = get_session()
    info = experiment_detail(session=session, viewer=viewer(), ref=experiment_id)
    results = experiment_results(
        session=session,
        viewer=viewer(),
        ref=experiment_id,
        min_group_size=min_group_size(get_session()),
        bootstrap=request.args.get("bootstrap") == "1",
    )
    return render_template(
        "experiments/detail.html", info=info, results=results, finish_form=FinishForm()
    )


@bp.post("/<int:experiment_id>/finish")
@requires("run_hr")
def finish(experiment_id: int):
    """Finish a running experiment after a confirmation step."""
    session = get_session()
    back = url_for("experiments.detail", experiment_id=experiment_id)
    if not FinishForm().validate_on_submit():
        return redirect(back)
    info = experiment_detail(session=session, viewer=viewer(), ref=experiment_id)
    if info.experiment.status != "running":
        return redirect(back)
    if not confirmed():
        return ask_to_confirm(
            title=_("Finish the experiment %(name)s?", name=info.experiment.name),
            consequences=[
                _("Managers stop seeing its arms and what to do for each of their reps."),
                _("It cannot be started again; a new experiment starts a new assignment."),
            ],
            keeps=[
                _("Everyone stays in the arm they were assigned to, and nothing is deleted."),
                _(
                    "Its results are shown once the after period %(after)s is over.",
                    after=period(info.experiment.period_after),
                ),
            ],
            button=_("Finish the experiment"),
            cancel_url=back,
        )
    finish_experiment(session=session, actor=viewer(), ref=experiment_id)
    flash(_("%(name)s is finished.", name=info.experiment.name), "success")
    return redirect(back)


@bp.route("/kpis", methods=["GET", "POST"])
@requires("run_hr")
def kpis():
    session = get_session()
    form = KpiImportForm()

    def attempt(table: Table, name: str, dry_run: bool):
        return import_kpis(
            session=session,
            table=table,
            allow_new_metrics=form.allow_new_metrics.data,
            actor=viewer(),
            source=name,
            dry_run=dry_run,
        )

    # Replacing stored values needs a second step that says how many.
    result = run_confirmed_upload(form, attempt)
    if result.pending:
        preview = result.pending.preview
        return confirm_upload(
            form,
            result.pending,
            title=_("Import %(file)s?", file=result.filename),
            consequences=[
                ngettext(
                    "%(num)d stored KPI value will be replaced by the file.",
                    "%(num)d stored KPI values will be replaced by the file.",
                    preview.updated,
                )
            ],
            keeps=[
                ngettext(
                    "%(num)d new KPI value is added.",
                    "%(num)d new KPI values are added.",
                    preview.created,
                ),
            ],
            button=_("Import and apply these changes"),
            cancel_url=url_for("experiments.kpis"),
            fields={
                "allow_new_metrics": "y" if form.allow_new_metrics.data else "",
            },
        )
    if result.done:
        summary = result.summary
        flash(
            _(
                "Imported %(file)s: %(created)s new, %(updated)s changed and %(unchanged)s "
                "unchanged KPI values.",
                file=result.filename,
                created=summary.created,
                updated=summary.updated,
                unchanged=summary.unchanged,
            ),
            "success",
        )
        return redirect(url_for("experiments.kpis"))
    coverage = kpi_coverage(session=session, viewer=viewer())
    return (
        render_template(
            "experiments/kpis.html",
            form=form,
            problems=result.problems,
            coverage=coverage,
            metric_help=METRIC_HELP,
        ),
        result.status,
    )
