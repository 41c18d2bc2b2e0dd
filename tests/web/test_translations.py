"""The Norwegian Bokmål catalogue: complete, placeholder-safe, compiled, and used by the pages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale, ngettext

from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = ROOT / "web" / "translations" / "nb" / "LC_MESSAGES"
PO_PATH = CATALOGUE_DIR / "messages.po"
MO_PATH = CATALOGUE_DIR / "messages.mo"
# The same keywords as the Makefile's `translations` target (lazy strings in forms).
KEYWORDS = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None, NP_=(1, 2))

NAMED = re.compile(r"%\((\w+)\)[-#0 +]?(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrs]")


def _load_po() -> Catalog:
    with PO_PATH.open("rb") as fh:
        return read_po(fh, locale="nb")


def _messages(catalog: Catalog) -> list:
    return [m for m in catalog if m.id]


def _pairs(message) -> list[tuple[str, str]]:
    """(msgid, msgstr) for each form; the plural msgid pairs with every plural msgstr."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return [(singular, strings[0])] + [(plural, s) for s in strings[1:]]
    return [(message.id, message.string)]


def _format_parts(text: str) -> tuple[list[str], int, int]:
    """Named placeholders (sorted), count of escaped %%, count of any other lone %."""
    placeholders = sorted(m.group(0) for m in NAMED.finditer(text))
    rest = NAMED.sub("", text)
    escaped = rest.count("%%")
    lone = rest.replace("%%", "").count("%")
    return placeholders, escaped, lone


@pytest.fixture(scope="module")
def catalogue() -> Catalog:
    return _load_po()


def test_every_message_has_a_translation(catalogue):
    untranslated = []
    for message in _messages(catalogue):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if "fuzzy" in message.flags or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
    assert untranslated == []


def test_plural_messages_have_both_norwegian_forms(catalogue):
    assert catalogue.num_plurals == 2
    plurals = [m for m in _messages(catalogue) if isinstance(m.id, tuple)]
    assert plurals, "the catalogue should hold ngettext messages"
    for message in plurals:
        assert isinstance(message.string, tuple) and len(message.string) == 2, message.id


def test_header_is_not_fuzzy(catalogue):
    # pybabel compile silently skips a catalogue whose header is fuzzy or missing
    # (`pybabel update --omit-header` drops it), and the .mo then goes stale.
    assert not catalogue.fuzzy
    assert catalogue.mime_headers and dict(catalogue.mime_headers).get("Plural-Forms")


def test_placeholders_match(catalogue):
    wrong = []
    for message in _messages(catalogue):
        for msgid, msgstr in _pairs(message):
            id_names, id_escaped, id_lone = _format_parts(msgid)
            str_names, str_escaped, str_lone = _format_parts(msgstr)
            if (
                id_names != str_names
                or bool(id_escaped) != bool(str_escaped)
                or (str_lone and not id_lone)
            ):
                wrong.append((msgid, msgstr))
    assert wrong == []


def test_babel_format_checks_pass(catalogue):
    # Babel reads a literal "95% c" in a message without variables as a %c conversion;
    # such a message is shown as written (gettext formats only when given variables), so
    # test_placeholders_match covers it instead.
    problems = []
    for message in _messages(catalogue):
        if any(_format_parts(msgid)[2] for msgid, _ in _pairs(message)):
            continue
        problems.extend((message.id, str(error)) for error in message.check(catalogue))
    assert problems == []


def test_compiled_catalogue_matches_the_po(catalogue):
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    expected = read_mo(buffer)
    with MO_PATH.open("rb") as fh:
        committed = read_mo(fh)

    def contents(cat: Catalog) -> dict:
        def frozen(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {frozen(m.id): frozen(m.string) for m in cat if m.id}

    assert contents(committed) == contents(expected), (
        "messages.mo is stale: run `pybabel compile -d web/translations`"
    )


def _extracted_messages() -> dict:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")

    def only_web(path: str) -> bool:
        relative = Path(path).resolve().relative_to(ROOT).as_posix()
        return relative == "web" or relative.startswith("web/")

    found = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_web
    ):
        found[message[0] if isinstance(message, tuple) else message] = message
    return found


def test_catalogue_holds_every_string_in_the_sources(catalogue):
    extracted = _extracted_messages()
    assert "Sign in to Motivo" in extracted  # the extraction itself works
    missing = []
    for key, message in extracted.items():
        entry = catalogue.get(message if isinstance(message, str) else message[0])
        if entry is None or isinstance(entry.id, tuple) != isinstance(message, tuple):
            missing.append(key)
    assert missing == [], "run `make translations` and translate the new strings"


def test_login_page_is_norwegian(client):
    html = client.get("/auth/login", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Logg inn i Motivo" in html
    assert "Sign in to Motivo" not in html


def test_english_stays_the_default(client):
    html = client.get("/auth/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in to Motivo" in html


@pytest.mark.parametrize(
    ("access", "path", "norwegian", "english"),
    [
        ("rep", "/me/", "Belønninger foreslått for deg", "Rewards suggested for you"),
        ("rep", "/me/history", "Hvordan svarene dine har endret seg", "How your answers changed"),
        ("manager", "/team/", "Dine medarbeidere", "Your people"),
        ("hr", "/hr/", "Undersøkelsesrunder", "Survey waves"),
        ("hr", "/hr/budgets", "Belønningsbudsjetter", "Reward budgets"),
    ],
)
def test_signed_in_pages_are_norwegian(client, factory, access, path, norwegian, english):
    team = factory.team("Nord")
    person = factory.person(access, team=team)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    login(client, person.email)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert norwegian in html
    assert english not in html
    assert "Logg ut" in html


def test_plural_forms_follow_the_count(app):
    with app.test_request_context(), force_locale("nb"):
        one = ngettext("%(num)s unread notification.", "%(num)s unread notifications.", 1)
        many = ngettext("%(num)s unread notification.", "%(num)s unread notifications.", 3)
    assert one == "1 ulest varsel."
    assert many == "3 uleste varsler."


def test_escaped_percent_renders_once_in_templates(app):
    with app.test_request_context(), force_locale("nb"):
        text = render_template_string("{{ _('Answered (%%)') }}")
    assert text == "Svart (%)"
