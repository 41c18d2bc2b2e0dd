"""Sign in, sign out, and choosing a password through a one-time link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from services import accounts
from services.access import landing_endpoint
from services.errors import Throttled
from web.auth.forms import LoginForm, LogoutForm, SetPasswordForm
from web.auth_setup import Account, viewer
from web.db import get_session

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str | None:
    # Only same-site paths, so the login form cannot be used as an open redirect.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if viewer() is not None:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        policy = accounts.ThrottlePolicy(
            max_failures=current_app.config["MOTIVO_LOGIN_MAX_FAILURES"],
            window_seconds=current_app.config["MOTIVO_LOGIN_WINDOW_SECONDS"],
        )
        try:
            person = accounts.authenticate(
                session=get_session(),
                email=form.email.data,
                password=form.password.data,
                ip=request.remote_addr or "unknown",
                policy=policy,
            )
        except Throttled:
            minutes = max(1, current_app.config["MOTIVO_LOGIN_WINDOW_SECONDS"] // 60)
            form.form_errors.append(
                _("Too many failed sign-in attempts. Wait %(n)s minutes and try again.", n=minutes)
            )
            status = 429
        except accounts.BadCredentials:
            form.form_errors.append(_("Email or password is not right."))
            status = 401
        else:
            login_user(Account(person))
            target = _safe_next(request.args.get("next"))
            return redirect(target or url_for(landing_endpoint(person)))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    session = get_session()
    person = accounts.password_link_person(session=session, token=token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.use_password_link(session=session, token=token, password=form.password.data)
        flash(_("Your password is saved. Sign in with it now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, person=person)
