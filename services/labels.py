"""Words for keys in files people open (exports), in both languages.

Pages translate through the web catalogue; a service writing a CSV or a workbook has no
request, so the few words an export needs live here, keyed by locale.
"""

from __future__ import annotations

from collections.abc import Mapping

SALES_ROLES: dict[str, dict[str, str]] = {
    "presales": {"en": "Presales", "nb": "Presales"},
    "sdr": {"en": "Sales development (SDR)", "nb": "Salgsutvikling (SDR)"},
    "closer": {"en": "Closer", "nb": "Closer"},
    "account_manager": {"en": "Account manager", "nb": "Kundeansvarlig"},
    "customer_success": {"en": "Customer success", "nb": "Kundesuksess"},
    "sales_manager": {"en": "Sales manager", "nb": "Salgsleder"},
}
NO_GROUP = {
    "team": {"en": "No team", "nb": "Uten team"},
    "sales_role": {"en": "No sales role", "nb": "Uten salgsrolle"},
    "profile": {"en": "No profile", "nb": "Uten profil"},
}
HEADINGS: dict[str, dict[str, str]] = {
    "label": {"en": "group", "nb": "gruppe"},
    "n": {"en": "respondents", "nb": "svar"},
    "suppressed": {"en": "hidden", "nb": "skjult"},
    "reason": {"en": "why hidden", "nb": "hvorfor skjult"},
    "construct_label": {"en": "construct name", "nb": "navn på målet"},
}
EVERYONE = {"en": "Everyone", "nb": "Alle"}
"""The whole wave's row, named as the pages name it."""
YES_NO = {"yes": {"en": "yes", "nb": "ja"}, "no": {"en": "no", "nb": "nei"}}
"""A yes/no cell in words: a spreadsheet reader sees no Python literals."""

HIDDEN_TEXT = {
    "small": {
        "en": "hidden: fewer than {k} people",
        "nb": "skjult: færre enn {k} personer",
    },
    "combined": {
        "en": "hidden: together with figures already shown for this wave it would reveal "
        "individuals",
        "nb": "skjult: sammen med tall som allerede er vist for denne runden ville det "
        "avsløre enkeltpersoner",
    },
    "named": {
        "en": "no figures: a list that names its members never carries them",
        "nb": "ingen tall: en liste som navngir deltakerne, viser aldri tall",
    },
}


def word(table: Mapping[str, Mapping[str, str]], key: str, locale: str) -> str:
    """``table[key]`` in ``locale``, else in English, else the key."""
    texts = table.get(key) or {}
    return texts.get(locale) or texts.get("en") or key


def humanise(key: str) -> str:
    """A key nobody gave a label, made readable: ``key_account`` -> "Key account"."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def sales_role_label(key: str, locale: str, stored: Mapping[str, str] | None = None) -> str:
    """A known role in ``locale``; else the label it was first typed with; else readable."""
    if key in SALES_ROLES:
        return word(SALES_ROLES, key, locale)
    return (stored or {}).get(key) or humanise(key)


def hidden_text(reason: str | None, min_size: int, locale: str = "en") -> str | None:
    """Why a row of an export shows no figures, in plain words (None when it shows them)."""
    if reason is None:
        return None
    texts = HIDDEN_TEXT.get(reason, HIDDEN_TEXT["combined"])
    return (texts.get(locale) or texts["en"]).format(k=min_size)
