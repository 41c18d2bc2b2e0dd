"""The user's language: their own setting, else the browser's Accept-Language.

Flask-Babel does the translating; catalogues live in ``web/translations`` (see the README
for the extract/update/compile commands).
"""

from __future__ import annotations

import functools

from flask import Flask, Request, request
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
        # The browser's languages, most wanted first, by their primary tag: "nb-NO" is
        # bokmål, and "no" (Norwegian) and "nn" (nynorsk) readers read bokmål more easily
        # than English.
        for value, _quality in request.accept_languages:
            found = _LANGUAGE_OF.get(value.split("-")[0].lower())
            if found:
                return found
    return SUPPORTED_LOCALES[0]


_LANGUAGE_OF = {"en": "en", "nb": "nb", "no": "nb", "nn": "nb"}


@functools.cache
def _wtforms_catalogue(locale: str):
    from babel.support import Translations
    from wtforms.i18n import messages_path

    return Translations.load(messages_path(), [locale], domain="wtforms")


class MotivoRequest(Request):
    """A request whose WTForms messages come from a catalogue read once per process.

    Flask-WTF looks for ``request.wtforms_translations`` and, when missing, reads the
    catalogue from disk, once per request that validates a form (a survey save among them).
    """

    @property
    def wtforms_translations(self):
        from flask_babel import get_locale as babel_locale

        return _wtforms_catalogue(str(babel_locale()))

    @wtforms_translations.setter
    def wtforms_translations(self, _value) -> None:
        pass  # the property above is already that catalogue


def init_app(app: Flask) -> None:
    app.request_class = MotivoRequest
    babel.init_app(app, locale_selector=get_locale, default_translation_directories="translations")

    @app.context_processor
    def inject_locale() -> dict:
        return {"current_locale": get_locale(), "locale_names": LOCALE_NAMES}
