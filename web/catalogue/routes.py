"""HR edits the reward catalogue: list, create, edit, retire and bring back rewards."""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from recommender.catalogue import ALL_ROLES, CATEGORIES
from services.actors import SYSTEM
from services.catalogue import (
    catalogue_rows,
    create_reward,
    export_catalogue_csv,
    retirement_effects,
    reward_history,
    reward_record,
    reward_version,
    set_reward_active,
    update_reward,
)
from services.errors import InvalidInput
from web.auth_setup import viewer
from web.catalogue.forms import (
    HORIZON_LABELS,
    SCOPE_LABELS,
    VISIBILITY_LABELS,
    RewardActionForm,
    RewardForm,
)
from web.confirm import ask_to_confirm, confirmed
from web.db import get_session
from web.filters import category_label, decimal, number, role_label
from web.guards import requires
from web.i18n import get_locale

bp = Blueprint("catalogue", __name__, url_prefix="/hr/rewards")

STATUSES = ("active", "retired", "all")


def _text(texts: dict, locale: str) -> str:
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")


@bp.get("/")
@requires("run_hr")
def index():
    """The whole catalogue, active and retired, with a search and filters."""
    session = get_session()
    locale = str(get_locale())
    status = request.args.get("status", "active")
    status = status if status in STATUSES else "active"
    category = request.args.get("category", "")
    q = request.args.get("q", "").strip()
    rows = catalogue_rows(session=session)
    counts = {
        "active": sum(r.active for r in rows),
        "retired": sum(not r.active for r in rows),
        "all": len(rows),
    }
    shown = [
        r
        for r in rows
        if (status == "all" or r.active == (status == "active"))
        and (not category or r.category == category)
        and (
            not q
            or q.casefold()
            in " ".join([r.slug, *r.name.values(), *r.description.values()]).casefold()
        )
    ]
    return render_template(
        "catalogue/index.html",
        rows=shown,
        counts=counts,
        status=status,
        category=category,
        q=q,
        name=lambda r: _text(r.name, locale),
        categories=[(c, category_label(c)) for c in CATEGORIES],
        action_form=RewardActionForm(),
    )


@bp.get("/export.csv")
@requires("run_hr")
def export():
    """The whole catalogue as CSV, in the columns the import reads."""
    file = export_catalogue_csv(session=get_session(), actor=viewer())
    return send_file(
        io.BytesIO(file.content),
        mimetype=file.mimetype,
        as_attachment=True,
        download_name=file.filename,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("run_hr")
def new():
    """A form for a new reward, checked by the same rules as an imported file."""
    form = RewardForm()
    if not form.is_submitted():
        form.roles.data = ["all"]
        form.cost_band.data = "1"
        form.cooldown_days.data = "0"
    elif form.validate_on_submit():
        try:
            row = create_reward(session=get_session(), actor=viewer(), record=form.record())
        except InvalidInput as exc:
            form.show_problems(exc.problems)
        else:
            flash(_("The reward %(name)s is in the catalogue.", name=row.name["en"]), "success")
            return redirect(url_for("catalogue.edit", slug=row.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("catalogue/edit.html", form=form, reward=None), status


@bp.route("/<slug>", methods=["GET", "POST"])
@requires("run_hr")
def edit(slug: str):
    """Change one reward's texts and facts; its history shows every change before and after."""
    session = get_session()
    history = reward_history(session=session, viewer=viewer(), slug=slug)
    effects = retirement_effects(session=session, viewer=viewer(), slug=slug)
    reward = effects.reward
    form = RewardForm()
    form.slug.data = slug
    status = 200
    if not form.is_submitted():
        form.fill(reward_record(reward))
        form.version.data = reward_version(reward)
    elif form.validate_on_submit():
        try:
            update_reward(
                session=session,
                actor=viewer(),
                slug=slug,
                record=form.record(),
                version=form.version.data or "",
            )
        except InvalidInput as exc:
            form.show_problems(exc.problems)
            # The form now answers to the reward as it is stored (and as its history shows).
            form.version.data = reward_version(reward)
            status = 400
        else:
            flash(
                _(
                    "Your changes to %(name)s are saved.",
                    name=_text(reward.name, str(get_locale())),
                ),
                "success",
            )
            return redirect(url_for("catalogue.edit", slug=slug))
    else:
        status = 400
    return (
        render_template(
            "catalogue/edit.html",
            form=form,
            reward=reward,
            effects=effects,
            history=history,
            action_form=RewardActionForm(),
            labels=_field_labels(form),
            action_labels=_action_labels(),
            change_by=_who,
            display_name=_text(reward.name, str(get_locale())),
        ),
        status,
    )


def _action_labels() -> dict[str, str]:
    return {
        "reward.create": _("Added"),
        "reward.update": _("Edited"),
        "reward.retire": _("Retired"),
        "reward.reactivate": _("Brought back"),
        "reward.import": _("Imported from a file"),
    }


@bp.app_template_filter("history_value")
def history_value(value: object, field: str = "") -> str:
    """A field's value in the history table, readable rather than raw JSON."""
    if field == "roles":  # sales roles by their names, never their keys
        roles = value if isinstance(value, list) else [value]
        return ", ".join(_("Every role") if r == ALL_ROLES else role_label(str(r)) for r in roles)
    if field == "category" and isinstance(value, str):
        return category_label(value)
    if field in _CHOICE_LABELS and isinstance(value, str):
        return str(_CHOICE_LABELS[field].get(value, value))
    if isinstance(value, bool):
        return _("in use") if value else _("retired")
    if isinstance(value, dict):  # a text in each language, named in the reader's
        return "; ".join(f"{_language(lang)}: {text}" for lang, text in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value) if float(value).is_integer() else decimal(value, 2)
    return str(value)


_CHOICE_LABELS = {
    "visibility": VISIBILITY_LABELS,
    "scope": SCOPE_LABELS,
    "horizon": HORIZON_LABELS,
}


def _language(code: str) -> str:
    return {"en": _("English"), "nb": _("Norwegian")}.get(code, code)


def _who(change) -> str:
    """Who made a change: a person by name; the command line and tokens in the reader's
    language."""
    if change.actor_id is not None:
        return change.who
    if change.who == SYSTEM.label:
        return _("the command line")
    return change.who


def _field_labels(form: RewardForm) -> dict[str, str]:
    labels = {name: str(getattr(form, name).label.text) for name in form.data if name != "submit"}
    labels.update(
        {
            "name": _("Name"),
            "description": _("Description"),
            "active": _("Status"),
            "cost_band": labels["cost_band"],
        }
    )
    return labels


@bp.post("/<slug>/retire")
@requires("run_hr")
def retire(slug: str):
    """Retire a reward after a confirmation step; grants and ratings keep it in their history."""
    session = get_session()
    back = url_for("catalogue.edit", slug=slug)
    if not RewardActionForm().validate_on_submit():
        return redirect(back)
    effects = retirement_effects(session=session, viewer=viewer(), slug=slug)
    reward = effects.reward
    if not reward.active:
        return redirect(back)
    name = _text(reward.name, str(get_locale()))
    if not confirmed():
        return ask_to_confirm(
            title=_("Retire the reward %(name)s?", name=name),
            consequences=[
                _("It is no longer suggested to anyone, from now on."),
                _("Managers can no longer give it."),
            ],
            keeps=[
                ngettext(
                    "%(num)d grant already given keeps it in its history, with its rating.",
                    "%(num)d grants already given keep it in their history, with their ratings.",
                    effects.grants,
                )
                + " "
                + ngettext("(%(num)d person)", "(%(num)d people)", effects.people),
                _("You can bring it back at any time."),
            ],
            button=_("Retire the reward"),
            cancel_url=back,
        )
    set_reward_active(session=session, actor=viewer(), slug=slug, active=False)
    flash(_("%(name)s is retired: it is no longer suggested or given.", name=name), "success")
    return redirect(back)


@bp.post("/<slug>/reactivate")
@requires("run_hr")
def reactivate(slug: str):
    """Bring a retired reward back into suggestions (nothing is lost, so no second step)."""
    if RewardActionForm().validate_on_submit():
        row = set_reward_active(session=get_session(), actor=viewer(), slug=slug, active=True)
        name = _text(row.name, str(get_locale()))
        flash(_("%(name)s is back in the catalogue.", name=name), "success")
    return redirect(url_for("catalogue.edit", slug=slug))
