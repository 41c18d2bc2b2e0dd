"""Flask-Login and CSRF wiring, and the signed-in user wrapper."""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, jsonify, redirect, request, url_for
from flask import session as cookie  # the signed session cookie, not a database session
from flask_babel import lazy_gettext
from flask_login import UserMixin, current_user

from models.tables import Person
from services.accounts import session_person
from web.db import get_session
from web.errors import DATABASE_DOWN
from web.extensions import csrf, login_manager

# Seconds since the epoch; a module attribute so tests can move time forward.
clock = time.time

# The session's own timestamps (seconds): when the person signed in and was last seen.
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
SEEN_EVERY = 60  # refresh "last seen" at most once a minute, not on every request


def start_session() -> None:
    """Stamp a new sign-in; call right after ``login_user``."""
    now = int(clock())
    cookie[SIGNED_IN_AT] = now
    cookie[SEEN_AT] = now


def _session_is_current() -> bool:
    """True while the session is within its idle and absolute lifetimes.

    A session without the stamps (signed before lifetimes existed) counts as ended.
    """
    now = int(clock())
    started, seen = cookie.get(SIGNED_IN_AT), cookie.get(SEEN_AT)
    if not isinstance(started, int) or not isinstance(seen, int):
        return False
    config = current_app.config
    idle = int(config["MOTIVO_SESSION_IDLE_MINUTES"]) * 60
    longest = int(config["MOTIVO_SESSION_MAX_HOURS"]) * 3600
    if now - seen > idle or now - started > longest:
        return False
    if now - seen >= SEEN_EVERY:
        cookie[SEEN_AT] = now
    return True


class Account(UserMixin):
    """What Flask-Login keeps for a signed-in person."""

    def __init__(self, person: Person):
        self.person = person

    def get_id(self) -> str:
        # The session version travels with the id, so raising it ends this session.
        return f"{self.person.id}.{self.person.session_version}"

    @property
    def is_active(self) -> bool:
        return bool(self.person.active)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    csrf.init_app(app)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            # Only operations for a signed-in browser (/api/v1/me) get here: token operations
            # refuse with their own 401.
            body = {
                "error": {
                    "status": 401,
                    "code": "not_signed_in",
                    "message": "Sign in to Motivo first: this operation is for a signed-in "
                    "browser session, not a token.",
                }
            }
            return jsonify(body), 401
        if g.get("session_ended"):
            flash(lazy_gettext("Your session has ended. Sign in again to continue."), "info")
        else:
            flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id: str) -> Account | None:
        if g.get("database_down"):
            # Rendering the 503 page: nobody is signed in while the database is away.
            return None
        # Runs on every request: a session signed before a sign-out, a new password or a
        # deactivation carries an old version and is refused, whichever worker answers.
        if not _session_is_current():
            # Idle too long or signed in too long ago: the cookie no longer signs anyone in.
            cookie.pop(SIGNED_IN_AT, None)
            cookie.pop(SEEN_AT, None)
            g.session_ended = True
            return None
        person_id, _, version = user_id.partition(".")
        try:
            person = session_person(get_session(), int(person_id), int(version))
        except ValueError:
            return None
        except DATABASE_DOWN:
            # Not "signed out": the request becomes a 503 (web.errors), and later calls in
            # it (the page header, the locale) see an anonymous visitor, not this error.
            g.database_down = True
            raise
        if person is None:
            return None
        return Account(person)


def viewer() -> Person | None:
    """The signed-in person, or None."""
    if current_user.is_authenticated:
        return current_user.person
    return None
