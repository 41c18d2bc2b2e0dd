"""The admin page for integration tokens: create one (shown once), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext

from services.api_tokens import (
    create_token,
    describe_token,
    list_tokens,
    revoke_token,
    token_for_revoking,
)
from services.errors import InvalidInput
from web.api.forms import SCOPE_LABELS, RevokeForm, TokenForm
from web.auth_setup import viewer
from web.confirm import ask_to_confirm, confirmed
from web.db import get_session
from web.filters import moment
from web.guards import requires
from web.messages import attach_problems

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/tokens")


def _page(form: TokenForm, *, created: dict | None = None, secret: str | None = None, status=200):
    session = get_session()
    tokens = [describe_token(t) for t in list_tokens(session=session, viewer=viewer())]
    response = render_template(
        "admin/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens,
        scope_labels=SCOPE_LABELS,
        created=created,
        secret=secret,
    )
    # The page may hold a token that is never shown again: keep it out of every cache.
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/")
@requires("manage_accounts")
def index():
    return _page(TokenForm(formdata=None))


@bp.post("/")
@requires("manage_accounts")
def create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        token, secret = create_token(
            session=get_session(),
            actor=viewer(),
            name=form.name.data,
            scopes=form.scopes.data,
            expires_in_days=form.expires_days.data,
        )
    except InvalidInput as exc:
        left = attach_problems(form, exc, {"expires": "expires_days"})
        form.name.errors = [*form.name.errors, *left]
        return _page(form, status=400)
    return _page(TokenForm(formdata=None), created=describe_token(token), secret=secret)


@bp.post("/<int:token_id>/revoke")
@requires("manage_accounts")
def revoke(token_id: int):
    if not RevokeForm().validate_on_submit():
        return _page(TokenForm(formdata=None), status=400)
    info = token_for_revoking(session=get_session(), viewer=viewer(), token_id=token_id)
    if info["status"] == "revoked":
        return redirect(url_for("api_tokens.index"))
    if not confirmed():
        last_used = moment(info["last_used_at"]) if info["last_used_at"] else gettext("never")
        return ask_to_confirm(
            title=gettext("Revoke the token %(name)s?", name=info["name"]),
            consequences=[
                gettext(
                    "Every system that uses the token starting with %(prefix)s is refused "
                    "from its next request.",
                    prefix=info["prefix"],
                ),
                gettext("A revoked token cannot be used again; a new one must be created."),
                gettext("It was last used: %(when)s.", when=last_used),
            ],
            button=gettext("Revoke the token"),
            cancel_url=url_for("api_tokens.index"),
        )
    token = revoke_token(session=get_session(), actor=viewer(), token_id=token_id)
    flash(gettext("Token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
