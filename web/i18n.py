"""The user's language: their own setting, else the browser's Accept-Language.

Flask-Babel does the translating; catalogues live in ``web/translations`` (see the README
for the extract/update/compile commands).
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from web.auth_setup import viewer

SUPPORTED_LOCALES = ("en", "nb")
LOCALE_NAMES = {"en": "English", "nb": "Norsk bokmål"}

babel = Babel()


def get_locale() -> str:
    person = viewer()
    if person is not None and person.locale in SUPPORTED_LOCALES:
        return person.locale
    if request:
        asked = request.args.get("lang")
        if asked in SUPPORTED_LOCALES:
            return asked
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    return SUPPORTED_LOCALES[0]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=get_locale, default_translation_directories="translations")

    @app.context_processor
    def inject_locale() -> dict:
        return {"current_locale": get_locale(), "locale_names": LOCALE_NAMES}
