"""A manager's team pages: the team, one person, and giving a reward."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms import SelectChoice

from models.tables import Person
from services.budgets import (
    OverBudget,
    spend_after,
)
from services.catalogue import find_reward
from services.errors import InvalidInput
from services.experiments import team_experiments
from services.grants import (
    GivenRecently,
    GiveOptions,
    give_options,
    give_reward,
    set_grant_status,
)
from services.notifications import format_day
from services.people import visible_person
from services.recognition import link_grant_to_achievements
from services.team import person_detail, team_overview
from web.auth_setup import viewer
from web.db import get_session
from web.experiments.routes import metric_name
from web.filters import money
from web.guards import requires
from web.i18n import get_locale
from web.me.routes import text
from web.messages import attach_problems
from web.team.forms import OCCASION_LABELS, GiveRewardForm

bp = Blueprint("team", __name__, url_prefix="/team")

CATEGORY_ORDER = (
    "recognition",
    "development",
    "experience",
    "wellness",
    "exclusive",
    "personal",
    "time",
)


@bp.get("/")
@requires("view_team")
def home():
    session = get_session()
    manager = viewer()
    overview = team_overview(session=session, manager=manager)
    return render_template(
        "team/home.html",
        overview=overview,
        experiments=team_experiments(session=session, manager=manager),
        metric_name=metric_name,
        text=text,
        locale=get_locale(),
    )


def _find(external_id: str) -> Person:
    return visible_person(session=get_session(), viewer=viewer(), external_id=external_id)


@bp.get("/person/<external_id>")
@requires("view_own")
def person(external_id: str):
    target = _find(external_id)
    detail = person_detail(session=get_session(), viewer=viewer(), person=target)
    return render_template(
        "team/person.html",
        detail=detail,
        text=text,
        locale=get_locale(),
        occasions=OCCASION_LABELS,
        can_give=viewer().id == target.manager_id,
    )


def _reward_choices(options: GiveOptions, suggested: list[str], locale: str) -> list[SelectChoice]:
    by_slug = {o.reward.slug: o for o in options.options}

    def choice(option, group: str) -> SelectChoice:
        # Each option carries its cost and what would be left, for give.js to show at once.
        reward = option.reward
        attrs = {"data-cost": money(reward.cost)}
        if option.after is not None and option.after.remaining_after is not None:
            attrs["data-after"] = _after_text(option.after)
            attrs["data-over"] = "1" if option.after.over else "0"
        label = f"{text(reward.name, locale)} — {money(reward.cost)}"
        return SelectChoice(reward.slug, label, render_kw=attrs, optgroup=group)

    choices = [
        choice(by_slug[slug], _("Suggested for this person"))
        for slug in suggested
        if slug in by_slug
    ]
    for category in CATEGORY_ORDER:
        for option in sorted(
            (o for o in options.options if o.reward.category == category),
            key=lambda o: (o.reward.cost, o.reward.slug),
        ):
            if option.reward.slug not in suggested:
                choices.append(choice(option, _("Whole catalogue")))
    return [SelectChoice("", _("Choose a reward"))] + choices


def _given_recently_text(person: Person, exc: GivenRecently) -> str:
    received = ngettext(
        "%(name)s received this reward %(num)s day ago, on %(day)s.",
        "%(name)s received this reward %(num)s days ago, on %(day)s.",
        exc.days_ago,
        name=person.name,
        day=format_day(exc.last, get_locale()),
    )
    if exc.cooldown_days:
        rule = ngettext(
            "It is given at most once a day.",
            "It is given at most once every %(num)s days.",
            exc.cooldown_days,
        )
    else:
        rule = _("It is a one-off reward.")
    return " ".join([received, rule, _("Give it again?")])


def _after_text(after) -> str:
    if after.over:
        return _(
            "This would take the team over this quarter's budget by %(amount)s.",
            amount=money(-after.remaining_after),
        )
    return _("%(amount)s left after this reward.", amount=money(after.remaining_after))


@bp.route("/person/<external_id>/give", methods=["GET", "POST"])
@requires("view_team")
def give(external_id: str):
    session = get_session()
    manager = viewer()
    target = _find(external_id)
    if target.id == manager.id:
        return redirect(url_for("team.home"))
    locale = get_locale()
    detail = person_detail(session=session, viewer=manager, person=target)
    suggested = [item.reward.slug for item in detail.suggestions.items]
    form = GiveRewardForm()
    if request.method == "GET" and request.args.get("reward"):
        form.reward.data = request.args["reward"]
    warning = None
    options = give_options(session=session, manager=manager, person=target)
    budget = options.budget
    form.reward.choices = _reward_choices(options, suggested, locale)
    status = 200
    if request.method == "POST" and request.form.get("preview"):
        # "Check the cost": show the cost and the budget after it, give nothing.
        if not form.validate_on_submit():
            status = 400
    elif form.validate_on_submit():
        reward = find_reward(session=session, slug=form.reward.data)
        try:
            # The budget check happens inside give_reward, under a lock on the budget row.
            grant = give_reward(
                session=session,
                manager=manager,
                person=target,
                reward_slug=form.reward.data,
                occasion=form.occasion.data,
                note=form.note.data or "",
                commit=False,
                # Each confirmation holds for the reward it was given for: choosing a dearer
                # one after the warning asks again.
                confirm_over_budget=bool(form.reward.data)
                and form.confirm_over_budget.data == form.reward.data,
                confirm_again=bool(form.reward.data)
                and form.confirm_again.data == form.reward.data,
            )
            link_grant_to_achievements(session, grant, commit=False)
            session.commit()
        except GivenRecently as exc:
            warning = _given_recently_text(target, exc)
            form.confirm_again.data = form.reward.data
            status = 409
        except OverBudget as exc:
            warning = _(
                "This reward costs %(cost)s and would take the team over this quarter's "
                "budget by %(amount)s. Give it anyway?",
                cost=money(exc.cost),
                amount=money(exc.over_by),
            )
            form.confirm_over_budget.data = form.reward.data
            budget = exc.status
            status = 409
        except InvalidInput as exc:
            session.rollback()
            form.form_errors.extend(attach_problems(form, exc))
            status = 400
        else:
            flash(
                _(
                    "%(name)s has been given %(reward)s. They will see it on their page and can rate it.",
                    name=target.name,
                    reward=text(reward.name, locale),
                ),
                "success",
            )
            return redirect(url_for("team.person", external_id=target.external_id))
    elif form.is_submitted():
        status = 400
    chosen = find_reward(session=session, slug=form.reward.data) if form.reward.data else None
    preview = spend_after(budget, chosen.cost) if chosen is not None and budget else None
    return (
        render_template(
            "team/give.html",
            form=form,
            detail=detail,
            warning=warning,
            budget=budget,
            chosen=chosen,
            preview=preview,
            after_text=_after_text(preview)
            if preview and preview.remaining_after is not None
            else "",
            text=text,
            locale=locale,
        ),
        status,
    )


@bp.post("/grant/<int:grant_id>/status")
@requires("view_team")
def grant_status(grant_id: int):
    from flask_wtf import FlaskForm

    if FlaskForm().validate_on_submit():
        grant = set_grant_status(
            session=get_session(),
            manager=viewer(),
            grant_id=grant_id,
            status=request.form.get("status", ""),
        )
        person = get_session().get(Person, grant.person_id)
        flash(_("Saved."), "success")
        return redirect(url_for("team.person", external_id=person.external_id) + "#history-heading")
    return redirect(url_for("team.home"))
