"""Configuration: defaults, then the environment, then the mapping passed to ``create_app``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_SECRET_KEY = "dev-only-not-secret"

DEFAULTS: dict[str, object] = {
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "MOTIVO_MIN_GROUP_SIZE": 5,
    # The organisation's currency (ISO 4217): budgets and reward costs are in it.
    "MOTIVO_CURRENCY": "NOK",
    "MOTIVO_LOGIN_MAX_FAILURES": 5,
    "MOTIVO_LOGIN_WINDOW_SECONDS": 300,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto. 0 believes
    # no forwarded header: the proxy's address is then everyone's address for throttling.
    "MOTIVO_TRUSTED_PROXIES": 0,
    "MOTIVO_RECOGNITION_DUE_DAYS": 45,
    # A signed-in session ends after this long without a request, and in any case this long
    # after signing in: a copied cookie stops working even if nobody signs out.
    "MOTIVO_SESSION_IDLE_MINUTES": 120,
    "MOTIVO_SESSION_MAX_HOURS": 12,
    "MOTIVO_MODEL_RETENTION": 5,  # model versions kept; older ones are deleted after training
    # Retraining policy (services.retraining): the model is stale after this many new
    # submitted responses or new ratings, or at this age in days when anything is new.
    "MOTIVO_RETRAIN_NEW_RESPONSES": 10,
    "MOTIVO_RETRAIN_NEW_RATINGS": 25,
    "MOTIVO_RETRAIN_MAX_AGE_DAYS": 7,
    "MOTIVO_RETRAIN_RETRY_MINUTES": 60,  # wait after a failed training before trying again
    "MOTIVO_WORKER_INTERVAL": 60,  # seconds between the worker's looks
    "MOTIVO_DEFAULT_LOCALE": "en",
    # Email copies of notifications (`motivo notifications send-email`); off by default.
    "MOTIVO_EMAIL_ENABLED": False,
    "MOTIVO_SMTP_HOST": "",
    "MOTIVO_SMTP_PORT": 587,
    "MOTIVO_SMTP_USER": "",
    "MOTIVO_SMTP_PASSWORD": "",
    "MOTIVO_SMTP_FROM": "",
    "MOTIVO_SMTP_TLS": True,
    # Survey reminders: at most this many per person and wave, at least this many hours apart.
    # Chat webhooks may name this machine (a relay on the same host, or a test receiver).
    "MOTIVO_WEBHOOK_ALLOW_LOCAL": False,
    "MOTIVO_REMINDER_MAX_PER_WAVE": 3,
    "MOTIVO_REMINDER_MIN_HOURS": 48,
    "MOTIVO_BASE_URL": "",  # makes the links in emails absolute, e.g. https://motivo.example.org
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # The largest request body, uploads included; MAX_CONTENT_LENGTH is derived from it, so
    # a larger body gets 413 before it is read. `motivo ... import FILE` refuses the same.
    "MOTIVO_MAX_UPLOAD_MB": 16,
}

INT_KEYS = {
    "MOTIVO_MIN_GROUP_SIZE",
    "MOTIVO_LOGIN_MAX_FAILURES",
    "MOTIVO_LOGIN_WINDOW_SECONDS",
    "MOTIVO_TRUSTED_PROXIES",
    "MOTIVO_RECOGNITION_DUE_DAYS",
    "MOTIVO_SESSION_IDLE_MINUTES",
    "MOTIVO_SESSION_MAX_HOURS",
    "MOTIVO_MODEL_RETENTION",
    "MOTIVO_RETRAIN_NEW_RESPONSES",
    "MOTIVO_RETRAIN_NEW_RATINGS",
    "MOTIVO_RETRAIN_MAX_AGE_DAYS",
    "MOTIVO_RETRAIN_RETRY_MINUTES",
    "MOTIVO_WORKER_INTERVAL",
    "MOTIVO_SMTP_PORT",
    "MOTIVO_MAX_UPLOAD_MB",
    "MOTIVO_REMINDER_MAX_PER_WAVE",
    "MOTIVO_REMINDER_MIN_HOURS",
}
BOOL_KEYS = {
    "SESSION_COOKIE_SECURE",
    "MOTIVO_EMAIL_ENABLED",
    "MOTIVO_SMTP_TLS",
    "MOTIVO_WEBHOOK_ALLOW_LOCAL",
}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to change."""


def _coerce(key: str, value: str) -> object:
    if key in INT_KEYS:
        try:
            return int(value)
        except ValueError as exc:
            raise ConfigError(f"{key} must be a whole number, not {value!r}") from exc
    if key in BOOL_KEYS:
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return value


def check_currency(value: object) -> str:
    """The currency code in capitals, or ``ConfigError`` if Babel does not know it."""
    from babel.numbers import list_currencies

    code = str(value or "").strip().upper()
    if code not in list_currencies():
        raise ConfigError(
            f"MOTIVO_CURRENCY must be an ISO 4217 currency code such as NOK, SEK or EUR, "
            f"not {value!r}."
        )
    return code


def from_environment(environ: Mapping[str, str]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in environ.items():
        if key in {"SECRET_KEY", "DATABASE_URL"} or key.startswith("MOTIVO_"):
            found[key] = _coerce(key, value)
    if "MOTIVO_SECURE_COOKIES" in environ:
        secure = _coerce("SESSION_COOKIE_SECURE", environ["MOTIVO_SECURE_COOKIES"])
        found["SESSION_COOKIE_SECURE"] = secure
        found["REMEMBER_COOKIE_SECURE"] = secure
    return found


def resolve(
    instance_path: str,
    overrides: Mapping[str, object] | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """Merge the three layers and fill in derived values."""
    config = dict(DEFAULTS)
    config.update(from_environment(os.environ if environ is None else environ))
    config.update(overrides or {})
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = "sqlite:///" + str(Path(instance_path) / "motivo.db")
    upload_mb = int(config["MOTIVO_MAX_UPLOAD_MB"])
    if not 1 <= upload_mb <= 1024:
        raise ConfigError("MOTIVO_MAX_UPLOAD_MB must be between 1 and 1024.")
    config["MAX_CONTENT_LENGTH"] = upload_mb * 1024 * 1024
    size = int(config["MOTIVO_MIN_GROUP_SIZE"])
    if not 3 <= size <= 10:
        raise ConfigError("MOTIVO_MIN_GROUP_SIZE must be between 3 and 10.")
    config["MOTIVO_CURRENCY"] = check_currency(config["MOTIVO_CURRENCY"])
    proxies = int(config["MOTIVO_TRUSTED_PROXIES"])
    if not 0 <= proxies <= 5:
        raise ConfigError(
            "MOTIVO_TRUSTED_PROXIES must be the number of reverse proxies in front of Motivo "
            "(0 to 5; 1 behind a single nginx or Caddy)."
        )
    idle, longest = (
        int(config["MOTIVO_SESSION_IDLE_MINUTES"]),
        int(config["MOTIVO_SESSION_MAX_HOURS"]),
    )
    if idle < 1 or longest < 1 or idle > longest * 60:
        raise ConfigError(
            "MOTIVO_SESSION_IDLE_MINUTES and MOTIVO_SESSION_MAX_HOURS must be at least 1, "
            "and the idle limit no longer than the absolute one."
        )
    for key in (
        "MOTIVO_RETRAIN_NEW_RESPONSES",
        "MOTIVO_RETRAIN_NEW_RATINGS",
        "MOTIVO_RETRAIN_MAX_AGE_DAYS",
        "MOTIVO_WORKER_INTERVAL",
    ):
        if int(config[key]) < 1:
            raise ConfigError(f"{key} must be at least 1.")
    if int(config["MOTIVO_RETRAIN_RETRY_MINUTES"]) < 0:
        raise ConfigError("MOTIVO_RETRAIN_RETRY_MINUTES must not be negative.")
    if int(config["MOTIVO_MODEL_RETENTION"]) < 1:
        raise ConfigError("MOTIVO_MODEL_RETENTION must be at least 1 (the model in use).")
    if (
        int(config["MOTIVO_REMINDER_MAX_PER_WAVE"]) < 1
        or int(config["MOTIVO_REMINDER_MIN_HOURS"]) < 1
    ):
        raise ConfigError(
            "MOTIVO_REMINDER_MAX_PER_WAVE and MOTIVO_REMINDER_MIN_HOURS must be at least 1."
        )
    return config


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from the last ``MOTIVO_TRUSTED_PROXIES`` hops."""
    proxies = int(app.config["MOTIVO_TRUSTED_PROXIES"])
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def check_secret_key(config: Mapping[str, object]) -> None:
    """Refuse to serve real users with a key everybody knows."""
    if config.get("TESTING") or config.get("DEBUG"):
        return
    key = str(config.get("SECRET_KEY") or "")
    if not key or key == DEFAULT_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value, for example:\n"
            "  export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\""
        )
