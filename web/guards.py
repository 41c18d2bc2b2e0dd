"""View decorators that ask ``services.access`` before a view runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import render_template, request
from flask_login import login_required

from services.access import require
from web.auth_setup import viewer


def requires(capability: str) -> Callable:
    """Sign-in required, then the capability; a missing one is a 403 page."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(viewer(), capability)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _from_another_site() -> bool:
    """Whether the browser says this request comes from a page of another site: a link or
    a redirect elsewhere, rather than a page of Motivo, a bookmark or a typed address."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site in ("cross-site", "same-site")
    referrer = request.referrer
    if not referrer:
        return False
    return urlsplit(referrer).netloc != urlsplit(request.host_url).netloc


def shown_on_purpose(view: Callable) -> Callable:
    """For a page that releases figures (which the wave's disclosure ledger records, and
    which decides what can be shown later): reached from another site, it first asks.

    A GET changes the ledger, so a link on another site could otherwise choose for HR which
    grouping a wave shows first, and so which it can never show. Put it above ``requires``:
    a visitor not signed in would otherwise be sent to sign in and then on to the page by
    Motivo's own redirect, which the browser reports as coming from this site."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if _from_another_site():
            return (
                render_template("insights/confirm_release.html", url=request.full_path),
                200,
                {"Referrer-Policy": "same-origin"},
            )
        return view(*args, **kwargs)

    return wrapped
