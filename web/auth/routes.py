"""Sign in, sign out, and choosing a password through a one-time link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services import accounts
from services.access import landing_endpoint
from services.errors import Throttled
from web.auth.forms import LoginForm, LogoutForm, OpenLinkForm, SetPasswordForm
from web.auth_setup import Account, start_session, viewer
from web.db import get_session
from web.messages import error_text

bp = Blueprint("auth", __name__, url_prefix="/auth")

# A browser that signed in to an account keeps a signed cookie naming that account and a
# random device id; it then has its own allowance of failed sign-ins (see accounts.py).
DEVICE_COOKIE = "motivo_device"
DEVICE_DAYS = 180


def _device_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="motivo.known-device")


def _known_device() -> accounts.KnownDevice | None:
    value = request.cookies.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        data = _device_signer().loads(value, max_age=DEVICE_DAYS * 24 * 3600)
        return accounts.KnownDevice(email=str(data["e"]), device_id=str(data["d"]))
    except (BadSignature, KeyError, TypeError):
        return None


def _remember_device(response: Response, email: str) -> None:
    value = _device_signer().dumps({"e": email, "d": accounts.new_device_id()})
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_DAYS * 24 * 3600,
        path=url_for("auth.login"),
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )


def password_link_address(token: str) -> str:
    """The address to hand out: the token sits after '#', which browsers never send."""
    return url_for("auth.set_password", _external=True) + "#" + token


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
                device=_known_device(),
            )
        except Throttled as exc:
            form.form_errors.append(error_text(exc))
            status = 429
        except accounts.BadCredentials:
            form.form_errors.append(_("Email or password is not right."))
            status = 401
        else:
            login_user(Account(person))
            start_session()
            target = _safe_next(request.args.get("next"))
            response = redirect(target or url_for(landing_endpoint(person)))
            _remember_device(response, person.email)
            return response
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        person = viewer()
        if person is not None:
            accounts.sign_out(session=get_session(), person=person)
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password", methods=["GET", "POST"])
def set_password():
    """Choose a password through a one-time link; the token only ever travels in POST bodies.

    The link ends in ``#<token>``: the page's script posts it (or the person pastes it), so
    neither access logs nor proxies nor the Referer header ever see it.
    """
    session = get_session()
    if request.method == "POST" and "password" in request.form:
        form = SetPasswordForm()
        person = accounts.password_link_person(session=session, token=form.token.data or "")
        if form.validate_on_submit():
            accounts.use_password_link(
                session=session, token=form.token.data, password=form.password.data
            )
            flash(_("Your password is saved. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
        return render_template("auth/set_password.html", form=form, person=person)
    opener = OpenLinkForm()
    if opener.validate_on_submit():
        person = accounts.password_link_person(session=session, token=opener.token.data.strip())
        form = SetPasswordForm(formdata=None, token=opener.token.data.strip())
        return render_template("auth/set_password.html", form=form, person=person)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/open_link.html", form=opener), status
