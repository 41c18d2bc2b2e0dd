"""Flask-Login and CSRF wiring, and the signed-in user wrapper."""

from __future__ import annotations

from flask import Flask, flash, g, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext
from flask_login import UserMixin, current_user

from models.tables import Person
from web.db import get_session
from web.errors import DATABASE_DOWN
from web.extensions import csrf, login_manager


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
            body = {"error": {"status": 401, "message": "Sign in or send a valid token."}}
            return jsonify(body), 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @login_manager.user_loader
    def load_user(user_id: str) -> Account | None:
        if g.get("database_down"):
            # Rendering the 503 page: nobody is signed in while the database is away.
            return None
        # Runs on every request: a session signed before a sign-out, a new password or a
        # deactivation carries an old version and is refused, whichever worker answers.
        person_id, _, version = user_id.partition(".")
        try:
            person = get_session().get(Person, int(person_id))
            version_number = int(version)
        except ValueError:
            return None
        except DATABASE_DOWN:
            # Not "signed out": the request becomes a 503 (web.errors), and later calls in
            # it (the page header, the locale) see an anonymous visitor, not this error.
            g.database_down = True
            raise
        if person is None or not person.active or person.session_version != version_number:
            return None
        return Account(person)


def viewer() -> Person | None:
    """The signed-in person, or None."""
    if current_user.is_authenticated:
        return current_user.person
    return None
