"""The Flask front end: the app factory, blueprints, templates and the ``motivo`` CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping

import click
from flask import Flask

from web import config as config_module


def create_app(config: Mapping[str, object] | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``config`` (tests pass a mapping)."""
    app = _core_app(config)
    _add_pages(app)
    from web.cli import register_commands

    # ``flask --app web`` and Flask's test runner read the commands from ``app.cli``; the
    # ``motivo`` script finds them itself and imports only the one it runs.
    register_commands(app)
    return app


def create_cli_app(config: Mapping[str, object] | None = None) -> Flask:
    """The app the ``motivo`` console script runs a command in: the same settings and
    engine as :func:`create_app`, without the pages (blueprints, sign-in, CSRF,
    translations), which no command uses and which would load every service at start-up."""
    return _core_app(config)


def _core_app(config: Mapping[str, object] | None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("MOTIVO_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    resolved = config_module.resolve(app.instance_path, config)
    app.config.update(resolved)
    if click.get_current_context(silent=True) is None:
        # Serving (gunicorn, tests): refuse a known key. CLI commands never sign cookies.
        config_module.check_secret_key(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    # Behind a reverse proxy: believe its X-Forwarded-For/-Proto (MOTIVO_TRUSTED_PROXIES).
    config_module.trust_proxies(app)

    from models.engine import make_engine

    app.extensions["motivo.engine"] = make_engine(str(app.config["DATABASE_URL"]))

    from web import db

    app.teardown_appcontext(db.close_session)
    return app


def _add_pages(app: Flask) -> None:
    from web import auth_setup, errors, filters, headers, i18n

    errors.read_bodies_whole(app)
    auth_setup.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    i18n.init_app(app)
    filters.init_app(app)

    from web.admin.routes import bp as admin_bp
    from web.api.admin import bp as api_tokens_bp
    from web.api.routes import bp as api_bp
    from web.auth.routes import bp as auth_bp
    from web.catalogue.routes import bp as catalogue_bp
    from web.experiments.routes import bp as experiments_bp
    from web.hr.routes import bp as hr_bp
    from web.insights.routes import bp as insights_bp
    from web.main.routes import bp as main_bp
    from web.me.routes import bp as me_bp
    from web.recognition.routes import bp as recognition_bp
    from web.survey.routes import bp as survey_bp
    from web.team.routes import bp as team_bp

    for blueprint in (
        main_bp,
        auth_bp,
        me_bp,
        survey_bp,
        team_bp,
        recognition_bp,
        hr_bp,
        catalogue_bp,
        insights_bp,
        experiments_bp,
        admin_bp,
        api_bp,
        api_tokens_bp,
    ):
        app.register_blueprint(blueprint)
