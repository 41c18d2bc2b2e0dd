"""HR insights pages: summaries, focus groups, reminders, programme analytics and exports.

Views validate the filters, call one service and render; every download goes through
``services.exports``, which writes the audit log.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import SelectChoice

from services.analytics import programme_analytics
from services.errors import InvalidInput, NotFound
from services.exports import (
    FORMATS,
    Export,
    export_focus_groups,
    export_report,
    export_summary,
)
from services.focus_groups import focus_groups, size_bounds
from services.organisation import min_group_size
from services.reminders import (
    ReminderResult,
    RemindersBusy,
    reminder_overview,
    reminder_policy,
    send_reminders,
)
from services.summaries import DIMENSIONS, NONE_KEY, summary, summary_with_change
from services.waves import list_waves
from web.auth_setup import viewer
from web.charts import Bar, Span, bar_chart, span_chart
from web.db import get_session
from web.filters import category_label, role_label
from web.guards import requires, shown_on_purpose
from web.i18n import get_locale
from web.insights.forms import (
    FocusGroupForm,
    SendRemindersForm,
    SummaryFilterForm,
    WaveFilterForm,
)
from web.messages import error_text

bp = Blueprint("insights", __name__, url_prefix="/hr/insights")

PRINT_CSS = Path(__file__).resolve().parent.parent / "static" / "print.css"

NONE_LABELS = {
    "team": _l("No team"),
    "sales_role": _l("No sales role"),
    "profile": _l("No profile"),
}
DIMENSION_LABELS = {
    "team": _l("Team"),
    "sales_role": _l("Sales role"),
    "profile": _l("Motivation profile"),
}


def group_name(by: str, key: str, label: str | None = None) -> str:
    """How a group key reads on a page."""
    if key == NONE_KEY:
        return str(NONE_LABELS.get(by, key))
    if by == "sales_role":
        return role_label(key)
    return label or key


def category_name(key: str) -> str:
    return category_label(key)


@bp.context_processor
def labels() -> dict:
    return {
        "group_name": group_name,
        "category_name": category_name,
        "dimension_labels": DIMENSION_LABELS,
        "min_group_size": min_group_size(get_session()),
    }


def _min_size() -> int:
    return min_group_size(get_session())


def _wave_choices() -> list[SelectChoice]:
    waves = list_waves(session=get_session(), viewer=viewer())
    return [SelectChoice("", _("Newest wave with answers"))] + [
        SelectChoice(w.wave.name, w.wave.name) for w in waves
    ]


def _send(export: Export):
    return send_file(
        io.BytesIO(export.content),
        mimetype=export.mimetype,
        as_attachment=True,
        download_name=export.filename,
    )


def _hidden() -> str:
    return _("hidden (group too small)")


def _no_quartiles(group: dict, floor: int) -> str | None:
    """Why a group's row of a quartile chart is empty, in the words of its reason: a group
    whose mean the table shows must not read as "too small"."""
    if group["reason"] == "combined":
        # Short: on a phone the text sits in the chart's own width.
        return _("hidden: would reveal individuals")
    if group["quartiles_reason"] == "few_for_quartiles":
        return _("no quartiles: fewer than %(n)s people", n=floor)
    if group["quartiles_reason"] == "imported_for_quartiles":
        return _("no quartiles: too many answers imported")
    return None


# ---------------------------------------------------------------------- summaries


def summary_chart(data: dict, chart_id: str = "summary-chart"):
    total = data["total"]
    spans = [
        Span(
            c["label"],
            (total["scores"] or {}).get(c["key"]),
            ((total["ci"] or {}).get(c["key"]) or [None, None])[0],
            ((total["ci"] or {}).get(c["key"]) or [None, None])[1],
        )
        for c in data["constructs"]
    ]
    return span_chart(
        chart_id,
        _("Mean scale scores for everyone in %(wave)s", wave=data["wave"]),
        _(
            "Dots are means; lines are %(level)s%% confidence intervals, on the 1 to 5 scale.",
            level=95,
        ),
        spans,
        lo=1.0,
        hi=5.0,
        hidden_text=_hidden(),
    )


@bp.get("/")
@shown_on_purpose
@requires("run_hr")
def index():
    form = SummaryFilterForm(request.args)
    form.wave.choices = _wave_choices()
    data = chart = None
    problem = None
    if form.validate():
        try:
            data = summary_with_change(
                session=get_session(),
                viewer=viewer(),
                by=form.by.data,
                wave=form.wave.data or None,
                min_group_size=_min_size(),
                locale=get_locale(),
                channel="page",
            )
        except NotFound:
            problem = _("No wave has submitted answers yet.")
        if data is not None and not data["total"]["suppressed"]:
            chart = summary_chart(data)
    return render_template(
        "insights/index.html", form=form, data=data, chart=chart, problem=problem
    )


@bp.get("/summary.<fmt>")
@shown_on_purpose
@requires("run_hr")
def summary_download(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    by = request.args.get("by", "team")
    if by not in DIMENSIONS:
        abort(400)
    try:
        export = export_summary(
            session=get_session(),
            viewer=viewer(),
            by=by,
            wave=request.args.get("wave") or None,
            fmt=fmt,
            min_group_size=_min_size(),
            locale=get_locale(),
        )
    except NotFound as exc:  # nothing to export yet: say so where the button was
        flash(error_text(exc), "info")
        return redirect(url_for("insights.index"))
    return _send(export)


# ---------------------------------------------------------------------- focus groups


def _focus_form() -> FocusGroupForm:
    form = FocusGroupForm(request.args)
    form.wave.choices = _wave_choices()
    low, high = size_bounds(_min_size())
    form.size.choices = [SelectChoice(n, str(n)) for n in range(low, high + 1)]
    if form.size.data not in range(low, high + 1):
        form.size.data = min(max(6, low), high)
    return form


def _focus_args(form: FocusGroupForm) -> dict:
    return {
        "wave": form.wave.data or None,
        "by": form.by.data,
        "size": form.size.data,
        "anonymous": bool(form.anonymous.data),
        "min_group_size": _min_size(),
        "locale": get_locale(),
    }


@bp.get("/focus-groups")
@shown_on_purpose
@requires("run_hr")
def focus():
    form = _focus_form()
    data = None
    problem = None
    if "by" in request.args and form.validate():
        try:
            data = focus_groups(
                session=get_session(), viewer=viewer(), channel="page", **_focus_args(form)
            )
        except NotFound:
            problem = _("No wave has submitted answers yet.")
    return render_template("insights/focus_groups.html", form=form, data=data, problem=problem)


@bp.get("/focus-groups.<fmt>")
@shown_on_purpose
@requires("run_hr")
def focus_download(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    form = _focus_form()
    if not form.validate():
        abort(400)
    try:
        export = export_focus_groups(
            session=get_session(), viewer=viewer(), fmt=fmt, **_focus_args(form)
        )
    except NotFound as exc:
        flash(error_text(exc), "info")
        return redirect(url_for("insights.focus"))
    return _send(export)


# ---------------------------------------------------------------------- reminders


@bp.get("/reminders")
@requires("run_hr")
def reminders():
    form = WaveFilterForm(request.args)
    form.wave.choices = _wave_choices()
    data = problem = None
    policy = reminder_policy(current_app.config)
    if form.validate():
        try:
            data = reminder_overview(
                session=get_session(), viewer=viewer(), wave=form.wave.data or None, policy=policy
            )
        except InvalidInput:
            problem = _("Reminders are only for open waves. Choose an open wave.")
        except NotFound:
            problem = _("There is no such wave.")
    send_form = SendRemindersForm(wave=str(data["wave_id"])) if data else None
    return render_template(
        "insights/reminders.html",
        form=form,
        data=data,
        problem=problem,
        policy=policy,
        send_form=send_form,
        email_on=bool(current_app.config.get("MOTIVO_EMAIL_ENABLED")),
    )


def _report(result: ReminderResult) -> None:
    """Flash what the round did; failures outside Motivo as errors, plainly."""
    flash(
        ngettext(
            "%(num)s person was reminded in Motivo.",
            "%(num)s people were reminded in Motivo.",
            result.reminded,
        ),
        "success" if result.reminded else "info",
    )
    if result.capped or result.too_soon:
        flash(
            _(
                "Skipped so nobody is spammed: %(capped)s reached the limit for this wave,"
                " %(soon)s were reminded too recently.",
                capped=result.capped,
                soon=result.too_soon,
            ),
            "info",
        )
    if result.email.sent:
        flash(
            ngettext(
                "%(num)s reminder was also emailed.",
                "%(num)s reminders were also emailed.",
                result.email.sent,
            ),
            "success",
        )
    if result.email.error:
        flash(
            _(
                "The email copies could not be sent: %(reason)s The reminders in Motivo are"
                " kept; ask your administrator to check the email settings.",
                reason=result.email.error.splitlines()[0],
            ),
            "error",
        )
    for channel in result.channels:
        if channel.ok:
            flash(
                _("The numbers were posted to %(channel)s.", channel=_channel(channel.channel)),
                "success",
            )
        elif channel.status:
            flash(
                _(
                    "%(channel)s refused the message (HTTP status %(code)s). The reminders in"
                    " Motivo are kept; check the channel's webhook address.",
                    channel=_channel(channel.channel),
                    code=channel.status,
                ),
                "error",
            )
        else:
            flash(
                _(
                    "%(channel)s could not be reached (%(reason)s). The reminders in Motivo are"
                    " kept; check the channel's webhook address.",
                    channel=_channel(channel.channel),
                    reason=channel.reason,
                ),
                "error",
            )


def _channel(key: str) -> str:
    return {"slack": "Slack", "teams": "Microsoft Teams"}.get(key, key)


@bp.post("/reminders/send")
@requires("run_hr")
def reminders_send():
    form = SendRemindersForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = send_reminders(
            session=get_session(), actor=viewer(), wave=form.wave.data, settings=current_app.config
        )
    except InvalidInput:
        flash(_("Reminders are only for open waves. Choose an open wave."), "error")
        return redirect(url_for("insights.reminders"))
    except NotFound:
        flash(_("There is no such wave."), "error")
        return redirect(url_for("insights.reminders"))
    except RemindersBusy:
        flash(
            _(
                "Someone sent reminders for this wave at the same moment. Nobody was reminded"
                " twice; the list below shows who got one."
            ),
            "info",
        )
        return redirect(url_for("insights.reminders", wave=form.wave.data))
    _report(result)
    return redirect(url_for("insights.reminders", wave=result.wave))


# ---------------------------------------------------------------------- analytics


def analytics_charts(data: dict, construct: str | None = None) -> dict:
    """Every chart of the analytics page and the report, keyed by section."""
    hidden = _hidden()
    charts: dict = {}
    charts["waves"] = bar_chart(
        "chart-waves",
        _("Share of invited reps who answered, per wave"),
        _("One bar per wave, in per cent."),
        [Bar(w["wave"], None if w["rate"] is None else 100 * w["rate"]) for w in data["waves"]],
        hidden_text=hidden,
        maximum=100.0,
    )
    part = data.get("participation")
    if part:
        charts["participation"] = bar_chart(
            "chart-participation",
            _("Share who answered %(wave)s, per team", wave=part["wave"]),
            _("One bar per team, in per cent; small teams are hidden."),
            [
                Bar(group_name("team", t["key"]), None if t["rate"] is None else 100 * t["rate"])
                for t in part["teams"]
            ],
            hidden_text=hidden,
            maximum=100.0,
        )
    dist = data.get("distributions")
    if dist and dist["constructs"]:
        keys = [c["key"] for c in dist["constructs"]]
        chosen = construct if construct in keys else keys[0]
        label = next(c["label"] for c in dist["constructs"] if c["key"] == chosen)
        charts["construct"] = chosen
        for by in ("team", "sales_role"):
            spans = []
            for g in dist[by]["groups"]:
                figures = (g["constructs"] or {}).get(chosen) or {}
                spans.append(
                    Span(
                        group_name(by, g["key"]),
                        figures.get("median"),
                        figures.get("q1"),
                        figures.get("q3"),
                        _no_quartiles(g, dist[by]["quartile_min_size"]),
                    )
                )
            charts[f"dist_{by}"] = span_chart(
                f"chart-dist-{by}",
                _(
                    "%(construct)s by %(group)s",
                    construct=label,
                    group=str(DIMENSION_LABELS[by]).lower(),
                ),
                _("Dots are medians; lines run from the lower to the upper quartile."),
                spans,
                lo=1.0,
                hi=5.0,
                hidden_text=hidden,
            )
    change = (data.get("drift") or {}).get("change")
    # Two waves on survey versions that ask no scale the same way have no change to draw:
    # the pages say so instead of showing an empty axis.
    if change and change["constructs"]:
        labels = {c["key"]: c["label"] for c in data["drift"]["constructs"]}
        spans = [
            Span(labels.get(k, k), v["change"], v["ci"][0], v["ci"][1])
            for k, v in change["constructs"].items()
        ]
        charts["drift"] = span_chart(
            "chart-drift",
            _("Change from %(before)s to %(after)s", before=change["from"], after=change["to"]),
            _(
                "Dots are changes in mean scale score; lines are %(level)s%% confidence intervals.",
                level=95,
            ),
            spans,
            lo=-1.0,
            hi=1.0,
            reference=0.0,
            hidden_text=hidden,
            decimals=1,
        )
    uptake = data.get("uptake")
    if uptake:
        charts["uptake"] = bar_chart(
            "chart-uptake",
            _("Rewards given per category"),
            _("One bar per reward category: the number of rewards given."),
            [Bar(category_name(c["category"]), c["grants"]) for c in uptake["categories"]],
            hidden_text=hidden,
        )
    satisfaction = data.get("satisfaction")
    if satisfaction:
        charts["satisfaction"] = bar_chart(
            "chart-satisfaction",
            _("Mean rating of rewards given, per category"),
            _("One bar per reward category, on the 1 to 5 rating scale."),
            [
                Bar(category_name(c["category"]), c["mean_rating"])
                for c in satisfaction["categories"]
            ],
            hidden_text=hidden,
            maximum=5.0,
            decimals=1,
        )
    fairness = data.get("fairness")
    if fairness:
        for by in ("team", "sales_role"):
            charts[f"fair_{by}"] = bar_chart(
                f"chart-fair-{by}",
                _(
                    "Share of reps given a reward, by %(group)s",
                    group=str(DIMENSION_LABELS[by]).lower(),
                ),
                _(
                    "One bar per group, in per cent, over the last %(days)s days.",
                    days=fairness["days"],
                ),
                [
                    Bar(
                        group_name(by, g["key"]),
                        None if g["exposure"] is None else 100 * g["exposure"],
                    )
                    for g in fairness[by]
                ],
                hidden_text=hidden,
                maximum=100.0,
            )
    return charts


@bp.get("/analytics")
@shown_on_purpose
@requires("run_hr")
def analytics():
    form = WaveFilterForm(request.args)
    form.wave.choices = _wave_choices()
    if not form.validate():
        form.wave.data = ""
    data = programme_analytics(
        session=get_session(),
        viewer=viewer(),
        wave=form.wave.data or None,
        min_group_size=_min_size(),
        locale=get_locale(),
    )
    charts = analytics_charts(data, request.args.get("construct"))
    return render_template("insights/analytics.html", form=form, data=data, charts=charts)


# ---------------------------------------------------------------------- report


def _report_html() -> tuple[str, dict]:
    session = get_session()
    by = request.args.get("by", "team")
    if by not in DIMENSIONS:
        abort(400)
    wave = request.args.get("wave") or None
    try:
        data = summary(
            session=session,
            viewer=viewer(),
            by=by,
            wave=wave,
            min_group_size=_min_size(),
            locale=get_locale(),
            channel="report",
        )
    except NotFound:
        data = None
    analytics_data = programme_analytics(
        session=session,
        viewer=viewer(),
        wave=wave,
        min_group_size=_min_size(),
        locale=get_locale(),
    )
    charts = analytics_charts(analytics_data)
    if data is not None and not data["total"]["suppressed"]:
        charts["summary"] = summary_chart(data)
    html = render_template(
        "insights/report.html",
        data=data,
        analytics=analytics_data,
        charts=charts,
        print_css=PRINT_CSS.read_text(encoding="utf-8"),
    )
    filters = {"wave": data["wave"] if data else wave, "by": by, "min_group_size": _min_size()}
    return html, filters


@bp.get("/report")
@shown_on_purpose
@requires("run_hr")
def report():
    html, filters = _report_html()
    export_report(session=get_session(), viewer=viewer(), html=html, fmt="html", filters=filters)
    return html


@bp.get("/report.pdf")
@shown_on_purpose
@requires("run_hr")
def report_pdf():
    html, filters = _report_html()
    export = export_report(
        session=get_session(), viewer=viewer(), html=html, fmt="pdf", filters=filters
    )
    return _send(export)
