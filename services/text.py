"""What text typed into Motivo may hold: one rule for forms, the API, the CLI and imports.

Text people type is stored and shown again: on pages, in emails, in spreadsheets HR opens.
A control character shows on no page as it was meant, ends an email header early, and makes
a spreadsheet export fail (the XLSX format cannot hold most of them); a bidi override makes a
name display as something else. So they are refused where the text comes in, with the field
and the character named, and nothing is stored.
"""

from __future__ import annotations

import re
import unicodedata

from services.errors import Problem

# C0 controls other than tab, line feed and carriage return (NUL among them), DEL, C1
# controls, and the bidi embeddings, overrides and isolates that let a name display as
# something else (U+202E turns "exe.txt" around). Marks such as U+200F stay allowed.
# Lone surrogates (U+D800-U+DFFF, half of a UTF-16 pair, which JSON can carry as "\\ud800")
# have no UTF-8 form: stored or written out, they fail.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# In free text (a comment, a note, an answer) people paste from phones and word processors,
# which wrap right-to-left words in embeddings and isolates (U+202A-U+202C, U+2066-U+2069);
# those only keep the words in order. The overrides, which reorder what follows, are refused.
_REFUSED_IN_PROSE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e\ud800-\udfff]")
# Line and paragraph breaks, and tabs: a name, a title or a wave's name is one line.
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")


# Letters and marks that show as nothing though Unicode does not call them spaces or format
# characters: the combining grapheme joiner, the Hangul fillers and the blank braille pattern.
_BLANK_LOOKALIKES = frozenset("\u034f\u115f\u1160\u3164\uffa0\u2800")


def invisible(character: str) -> bool:
    """A character that shows as nothing, or as a gap other than the ordinary space: other
    spaces (U+00A0), line breaks, format characters such as the zero-width space (U+200B) and
    the byte order mark (U+FEFF), and letters that draw nothing (U+3164)."""
    if character == " ":
        return False
    return (
        character.isspace()
        or unicodedata.category(character) in ("Cf", "Zs", "Zl", "Zp")
        or character in _BLANK_LOOKALIKES
    )


def refused_character(value: str) -> str | None:
    """The first character of ``value`` no stored text may hold, as ``U+XXXX``, or None."""
    match = _REFUSED.search(value)
    return f"U+{ord(match.group()):04X}" if match else None


def without_refused(value: str) -> str:
    """``value`` with each refused character shown as U+FFFD: for writing out text stored
    before the rule existed, which must still export rather than fail."""
    return _REFUSED.sub("\ufffd", value)


def text_problems(field: str, value: object, *, one_line: bool = False) -> list[Problem]:
    """The problems of one typed value: a refused character, and for ``one_line`` fields (a
    name) a line break or tab too. Free text keeps bidi embeddings and isolates, names do
    not. Empty when the value is fine or is not text."""
    if not isinstance(value, str):
        return []
    problems = []
    match = (_REFUSED if one_line else _REFUSED_IN_PROSE).search(value)
    code = f"U+{ord(match.group()):04X}" if match else None
    if code:
        problems.append(
            Problem(
                field,
                "text.control_character",
                f"contains the control character {code}; remove it",
                {"character": code},
            )
        )
    if one_line and _LINE_BREAK.search(value):
        problems.append(
            Problem(field, "text.line_break", "holds a line break or a tab; keep it on one line")
        )
    return problems


# Scripts one language writes together: Japanese mixes kanji with both kana, Korean hangul
# with hanja. Within such a family, letters of several scripts are not a lookalike.
_WRITTEN_TOGETHER = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}


def scripts(value: str) -> list[str]:
    """The writing systems of ``value``'s letters, by Unicode name (LATIN, CYRILLIC, GREEK,
    CJK, ...), in the order they first appear; digits and punctuation belong to none, and
    the scripts one language writes together count as one."""
    found: list[str] = []
    for character in value:
        if not character.isalpha():
            continue
        script = unicodedata.name(character, "UNKNOWN").split(" ")[0]
        script = _WRITTEN_TOGETHER.get(script, script)
        if script not in found:
            found.append(script)
    return found


def mixed_scripts(email: str) -> list[str]:
    """The scripts of the first part of an email address (its local part, then each label of
    its domain) that mixes letters of several, or an empty list: "hаnne" with a Cyrillic "а"
    mixes; "иван@firma.no" does not (each part is written in one script)."""
    local, _, domain = email.rpartition("@")
    for part in [local, *domain.split(".")]:
        found = scripts(part)
        if len(found) > 1:
            return found
    return []


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and its noun in the right number: "1 response", "6 responses"."""
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
