"""The user's language: their own setting, else the browser's Accept-Language."""

from __future__ import annotations

from flask import Flask, request

from web.auth_setup import viewer

SUPPORTED_LOCALES = ("en",)


def get_locale() -> str:
    person = viewer()
    if person is not None and person.locale in SUPPORTED_LOCALES:
        return person.locale
    if request:
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    return SUPPORTED_LOCALES[0]


def init_app(app: Flask) -> None:
    @app.context_processor
    def inject_locale() -> dict:
        return {"current_locale": get_locale()}
