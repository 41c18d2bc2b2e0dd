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
    "n": {"en": "respondents", "nb": "personer"},
    "suppressed": {"en": "hidden", "nb": "skjult"},
    "reason": {"en": "why hidden", "nb": "hvorfor skjult"},
    "construct_label": {"en": "construct name", "nb": "navn på målet"},
    # Columns of the other sheets and exports, under their own (English) names.
    "group": {"en": "group", "nb": "gruppe"},
    "mean": {"en": "mean", "nb": "snitt"},
    "ci_low": {"en": "ci_low", "nb": "nedre grense (95 %)"},
    "ci_high": {"en": "ci_high", "nb": "øvre grense (95 %)"},
    "keywords": {"en": "keywords", "nb": "stikkord"},
    "n_answers": {"en": "n_answers", "nb": "antall svar"},
    "setting": {"en": "setting", "nb": "innstilling"},
    "value": {"en": "value", "nb": "verdi"},
    "size": {"en": "size", "nb": "størrelse"},
    "profile_mix": {"en": "profile_mix", "nb": "profiler"},
    "top_rewards": {"en": "top_rewards", "nb": "mest ønskede belønninger"},
    "members": {"en": "members", "nb": "deltakere"},
    "language": {"en": "language", "nb": "språk"},
    "number": {"en": "number", "nb": "nummer"},
    "question": {"en": "question", "nb": "spørsmål"},
    "name": {"en": "name", "nb": "navn"},
    "email": {"en": "email", "nb": "e-post"},
    "team": {"en": "team", "nb": "team"},
    "quarter": {"en": "quarter", "nb": "kvartal"},
    "currency": {"en": "currency", "nb": "valuta"},
    "budget": {"en": "budget", "nb": "budsjett"},
    "spent": {"en": "spent", "nb": "brukt"},
    "remaining": {"en": "remaining", "nb": "igjen"},
    "over": {"en": "over", "nb": "overskredet"},
    "rewards": {"en": "rewards", "nb": "belønninger"},
    # The settings an "About" sheet lists.
    "wave": {"en": "wave", "nb": "runde"},
    "by": {"en": "by", "nb": "gruppert etter"},
    "min_group_size": {"en": "min_group_size", "nb": "minste gruppestørrelse"},
    "min_text_respondents": {"en": "min_text_respondents", "nb": "minste antall fritekstsvar"},
}
for _band in range(1, 5):
    HEADINGS[f"band_{_band}_spent"] = {
        "en": f"band_{_band}_spent",
        "nb": f"brukt i kostnadsnivå {_band}",
    }
DIMENSIONS: dict[str, dict[str, str]] = {
    "team": {"en": "team", "nb": "team"},
    "sales_role": {"en": "sales role", "nb": "salgsrolle"},
    "profile": {"en": "profile", "nb": "profil"},
}
SHEETS: dict[str, dict[str, str]] = {
    "Summary": {"en": "Summary", "nb": "Sammendrag"},
    "Intervals": {"en": "Intervals", "nb": "Intervaller"},
    "Themes": {"en": "Themes", "nb": "Temaer"},
    "About": {"en": "About", "nb": "Om"},
    "Groups": {"en": "Groups", "nb": "Grupper"},
    "Members": {"en": "Members", "nb": "Deltakere"},
    "Questions": {"en": "Questions", "nb": "Spørsmål"},
    "Budgets": {"en": "Budgets", "nb": "Budsjetter"},
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


Table = tuple[list[str], list[dict]]


def localised_table(columns, rows, locale: str) -> Table:
    """Headings in ``locale`` (``HEADINGS``); a column it does not know keeps its name, so
    the key and id columns that spreadsheets join on stay as they are. English keeps every
    column as it is: files read by other systems were written with those names."""
    if locale == "en":
        return list(columns), list(rows)
    names = [word(HEADINGS, c, locale) if c in HEADINGS else c for c in columns]
    return names, [
        {name: row.get(column) for name, column in zip(names, columns, strict=True)} for row in rows
    ]


def localised_sheets(sheets: Mapping[str, Table], locale: str) -> dict[str, Table]:
    """``localised_table`` for every sheet, each under its name in ``locale``."""
    return {
        word(SHEETS, name, locale): localised_table(columns, rows, locale)
        for name, (columns, rows) in sheets.items()
    }


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
