"""Exports of summaries, focus groups, budgets and the printable report, each written to
the audit log (who, when, what, which filters) before it is handed out. Amounts of money
are in the organisation's currency, which every budget export names.

CSV and XLSX cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return are prefixed with ``'``, so a spreadsheet never runs them as a formula. An
anonymous export carries no names, emails or external ids: summaries never do, and focus
groups only without ``anonymous``.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from models.tables import Wave
from services.access import Actor, require
from services.audit import record_export
from services.errors import InvalidInput, Problem, Unavailable
from services.focus_groups import focus_groups
from services.labels import (
    DIMENSIONS,
    EVERYONE,
    HEADINGS,
    YES_NO,
    hidden_text,
    localised_sheets,
    localised_table,
    word,
)
from services.summaries import summary
from services.tabular import csv_text, safe_cell
from services.text import without_refused

FORMATS = ("json", "csv", "xlsx")
REPORT_FORMATS = ("html", "pdf")
# Media types without parameters: the web layer adds "; charset=utf-8" to text types (the
# files are UTF-8), and a second one written here made the header carry it twice.
MIMETYPES = {
    "json": "application/json",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Export:
    """A finished export: what to call it, its type and its bytes."""

    filename: str
    mimetype: str
    content: bytes


def _cell(value: object) -> object:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = "; ".join(f"{k}: {v}" for k, v in value.items())
    return safe_cell(value)


def _xlsx_cell(value: object) -> object:
    # The XLSX format cannot hold most control characters: text stored before typed text
    # was checked for them (services.text) still exports, with each one shown as U+FFFD.
    value = _cell(value)
    return without_refused(value) if isinstance(value, str) else value


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """CSV with a header, UTF-8 with a byte order mark so spreadsheets read the letters."""
    cells = ([None if row.get(c) is None else _cell(row.get(c)) for c in columns] for row in rows)
    return csv_text(columns, cells).encode("utf-8-sig")


def to_xlsx(sheets: Mapping[str, tuple[Sequence[str], Sequence[Mapping[str, object]]]]) -> bytes:
    """A workbook with one sheet per section: ``{title: (columns, rows)}``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, (columns, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        sheet.append([_xlsx_cell(c) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_cell(row.get(c)) for c in columns])
        sheet.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            width = max([len(str(column))] + [len(str(_cell(r.get(column)))) for r in rows])
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def _check_format(fmt: str, allowed: Sequence[str]) -> None:
    if fmt not in allowed:
        known = ", ".join(allowed)
        raise InvalidInput(
            "Nothing was exported.",
            [Problem("format", "choice.one_of", f"must be one of {known}", {"known": known})],
            code="export.not_made",
        )


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in cleaned.split("-") if part) or "wave"


# ------------------------------------------------------------------------ summaries


def _heading(column: str, locale: str) -> str:
    return word(HEADINGS, column, locale)


def _construct_names(data: Mapping) -> dict[str, str]:
    return {c["key"]: c.get("label") or c["key"] for c in data["constructs"]}


def summary_rows(data: Mapping, locale: str = "en") -> tuple[list[str], list[dict]]:
    """One row per group (and the total), one column per construct, headed by its name.

    ``key`` stays as it is, for spreadsheets that join on it; every other heading and
    every label is in ``locale``.
    """
    names = _construct_names(data)
    fixed = {c: _heading(c, locale) for c in ("label", "n", "suppressed", "reason")}
    columns = ["key", *fixed.values(), *names.values()]
    rows = []
    total_label = EVERYONE.get(locale) or EVERYONE["en"]
    for group in [*data["groups"], {"key": "total", "label": total_label, **data["total"]}]:
        row = {"key": group.get("key")}
        for column in ("label", "n"):
            row[fixed[column]] = group.get(column)
        row[fixed["suppressed"]] = word(YES_NO, "yes" if group.get("suppressed") else "no", locale)
        row[fixed["reason"]] = hidden_text(group.get("reason"), data["min_group_size"], locale)
        for key, name in names.items():
            row[name] = (group.get("scores") or {}).get(key)
        rows.append(row)
    return columns, rows


def summary_sheets(data: Mapping, locale: str = "en") -> dict:
    columns, rows = summary_rows(data, locale)
    construct_name = _heading("construct_label", locale)
    ci_columns = ["key", "construct", construct_name, "mean", "ci_low", "ci_high"]
    ci_rows = []
    for group in [*data["groups"], {"key": "total", **data["total"]}]:
        if group.get("suppressed"):
            continue
        for c in data["constructs"]:
            low, high = (group.get("ci") or {}).get(c["key"], [None, None])
            ci_rows.append(
                {
                    "key": group["key"],
                    "construct": c["key"],
                    construct_name: c.get("label") or c["key"],
                    "mean": (group.get("scores") or {}).get(c["key"]),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    themes = [
        {"group": group["key"], "keywords": t["keywords"], "n_answers": t["n_answers"]}
        for group in [*data["groups"], {"key": "total", "themes": data["themes"]}]
        for t in group.get("themes") or []
    ]
    about = [
        {"setting": word(HEADINGS, setting, locale), "value": data[setting]}
        for setting in ("wave", "by", "min_group_size", "min_text_respondents")
    ]
    if locale != "en":  # English keeps the key other systems read
        about[1]["value"] = word(DIMENSIONS, data["by"], locale)
    return {
        "Summary": (columns, rows),
        "Intervals": (ci_columns, ci_rows),
        "Themes": (["group", "keywords", "n_answers"], themes),
        "About": (["setting", "value"], about),
    }


def export_summary(
    *,
    session: Session,
    viewer: Actor,
    by: str = "team",
    wave: str | int | Wave | None = None,
    fmt: str = "json",
    min_group_size: int | None = None,
    locale: str = "en",
    channel: str = "export",
) -> Export:
    """The anonymous summary as JSON, CSV or XLSX, recorded in the audit log."""
    require(viewer, "run_hr")
    _check_format(fmt, FORMATS)
    data = summary(
        session=session,
        viewer=viewer,
        by=by,
        wave=wave,
        min_group_size=min_group_size,
        locale=locale,
        channel=channel,
    )
    if fmt == "json":
        content = to_json(data)
    elif fmt == "csv":
        content = to_csv(*summary_rows(data, locale))
    else:
        content = to_xlsx(localised_sheets(summary_sheets(data, locale), locale))
    record_export(
        session,
        actor=viewer,
        kind="summary",
        fmt=fmt,
        filters={"wave": data["wave"], "by": by, "min_group_size": data["min_group_size"]},
    )
    return Export(f"summary-{_slug(data['wave'])}-{by}.{fmt}", MIMETYPES[fmt], content)


# ------------------------------------------------------------------------ focus groups


def focus_json(data: Mapping) -> dict:
    """The documented JSON shape: no contact details, members only when not anonymous."""
    return {
        "wave": data["wave"],
        "by": data["by"],
        "size": data["size"],
        "anonymous": data["anonymous"],
        "min_group_size": data["min_group_size"],
        "groups": [
            {"id": g["id"], "size": g["size"], "members": g["members"], "summary": g["summary"]}
            for g in data["groups"]
        ],
        "not_placed": data["not_placed"],
    }


def focus_sheets(data: Mapping, locale: str = "en") -> dict:
    """The sheets of a focus-group export, under their English names and column keys
    (``localised_sheets`` words them for a reader of another language). In English the
    columns and cells are the keys they always were (construct and category keys); in
    another language constructs and categories are named."""
    # Imported here: the recommender's wording module loads scikit-learn, which creating the
    # app must not.
    from recommender.explain import CATEGORY_PHRASES

    constructs = [c["key"] for c in data["constructs"]]
    names = {c: c for c in constructs} if locale == "en" else _construct_names(data)
    group_columns = ["id", "size", "suppressed", "reason", "profile_mix", "top_rewards"]
    group_columns += [names[c] for c in constructs]
    group_rows = []
    question_rows = []
    for g in data["groups"]:
        s = g["summary"]
        row = {
            "id": g["id"],
            "size": g["size"],
            "suppressed": word(YES_NO, "yes" if s["suppressed"] else "no", locale),
            "reason": hidden_text(s.get("reason"), data["min_group_size"], locale),
            "profile_mix": s["profile_mix"],
            "top_rewards": [
                c if locale == "en" else word(CATEGORY_PHRASES, c, locale) for c in s["top_rewards"]
            ],
        }
        row.update({names[c]: (s.get("scores") or {}).get(c) for c in constructs})
        group_rows.append(row)
        for lang, questions in s["questions"].items():
            for number, text in enumerate(questions, start=1):
                question_rows.append(
                    {"id": g["id"], "language": lang, "number": number, "question": text}
                )
    sheets = {"Groups": (group_columns, group_rows)}
    if not data["anonymous"]:
        members = [
            {"id": g["id"], **contact} for g in data["groups"] for contact in g.get("contacts", [])
        ]
        sheets["Members"] = (["id", "external_id", "name", "email"], members)
    sheets["Questions"] = (["id", "language", "number", "question"], question_rows)
    return sheets


def export_focus_groups(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    by: str = "profile",
    size: int = 6,
    anonymous: bool = False,
    fmt: str = "json",
    min_group_size: int | None = None,
    locale: str = "en",
    channel: str = "export",
) -> Export:
    """Focus groups as JSON, CSV (one row per group) or XLSX, recorded in the audit log."""
    require(viewer, "run_hr")
    _check_format(fmt, FORMATS)
    data = focus_groups(
        session=session,
        viewer=viewer,
        wave=wave,
        by=by,
        size=size,
        anonymous=anonymous,
        min_group_size=min_group_size,
        locale=locale,
        channel=channel,
    )
    if fmt == "json":
        content = to_json(focus_json(data))
    elif fmt == "csv":
        columns, rows = focus_sheets(data, locale)["Groups"]
        if not anonymous:
            columns = [*columns[:2], "members", *columns[2:]]
            members = {g["id"]: g["members"] for g in data["groups"]}
            rows = [{**r, "members": members[r["id"]]} for r in rows]
        content = to_csv(*localised_table(columns, rows, locale))
    else:
        content = to_xlsx(localised_sheets(focus_sheets(data, locale), locale))
    record_export(
        session,
        actor=viewer,
        kind="focus_groups",
        fmt=fmt,
        filters={
            "wave": data["wave"],
            "by": by,
            "size": size,
            "anonymous": anonymous,
            "min_group_size": data["min_group_size"],
        },
    )
    suffix = "-anonymous" if anonymous else ""
    return Export(f"focus-groups-{_slug(data['wave'])}-{by}{suffix}.{fmt}", MIMETYPES[fmt], content)


# ------------------------------------------------------------------------ report


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained printable page to PDF with WeasyPrint.

    The page carries its stylesheet and charts inline; nothing else is fetched, so a
    link in the page can never make the server reach out to the network.
    """
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # WeasyPrint loads Pango and its friends when it is imported
        raise Unavailable(_missing_library_message(exc)) from exc
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


def _missing_library_message(exc: OSError) -> str:
    found = re.search(r"cannot load library '([^']+)'", str(exc))
    library = found.group(1) if found else str(exc).splitlines()[0]
    return (
        f"PDF reports are unavailable on this server: the system library {library} could "
        "not be loaded. Install the Debian packages listed in "
        "requirements/debian-runtime.txt (the container image has them); the HTML report "
        "works without them."
    )


def export_report(
    *,
    session: Session,
    viewer: Actor,
    html: str,
    fmt: str,
    filters: Mapping,
) -> Export:
    """The printable report as HTML or PDF, recorded in the audit log."""
    require(viewer, "run_hr")
    _check_format(fmt, REPORT_FORMATS)
    content = html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
    record_export(session, actor=viewer, kind="report", fmt=fmt, filters=filters)
    wave = str(filters.get("wave") or "programme")
    return Export(f"motivo-report-{_slug(wave)}.{fmt}", MIMETYPES[fmt], content)


# ------------------------------------------------------------------------ budgets

BUDGET_COLUMNS = (
    "team",
    "quarter",
    "currency",
    "budget",
    "spent",
    "remaining",
    "over",
    "rewards",
    "band_1_spent",
    "band_2_spent",
    "band_3_spent",
    "band_4_spent",
)


def _amount(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


def export_budgets(
    *,
    session: Session,
    viewer: Actor,
    quarter: str | None = None,
    fmt: str = "csv",
    locale: str = "en",
) -> Export:
    """Every team's budget and spend for a quarter, in the organisation's currency; CSV and
    XLSX headings in ``locale``, JSON keys as they are."""
    from services.budgets import COST_BANDS, cost_band_ranges, list_budgets, resolve_quarter
    from services.organisation import currency

    require(viewer, "run_hr")
    _check_format(fmt, FORMATS)
    quarter = resolve_quarter(quarter)
    code = currency(session)
    rows = []
    for row in list_budgets(session=session, viewer=viewer, quarter=quarter):
        s = row.status
        rows.append(
            {
                "team": row.team.name,
                "quarter": quarter,
                "currency": code,
                "budget": _amount(s.amount),
                "spent": _amount(s.spent),
                "remaining": _amount(s.remaining),
                "over": s.over,
                "rewards": s.count,
                **{f"band_{b}_spent": _amount(s.by_band.get(b, 0.0)) for b in COST_BANDS},
            }
        )
    if fmt == "json":
        bands = cost_band_ranges(session=session)
        content = to_json(
            {
                "quarter": quarter,
                "currency": code,
                "cost_bands": {
                    str(b): {"lowest": _amount(lo), "highest": _amount(hi)}
                    for b, (lo, hi) in sorted(bands.items())
                },
                "teams": [{k: v for k, v in r.items() if k != "currency"} for r in rows],
            }
        )
    else:
        table = [{**r, "over": word(YES_NO, "yes" if r["over"] else "no", locale)} for r in rows]
        if fmt == "csv":
            content = to_csv(*localised_table(BUDGET_COLUMNS, table, locale))
        else:
            content = to_xlsx(localised_sheets({"Budgets": (list(BUDGET_COLUMNS), table)}, locale))
    record_export(session, actor=viewer, kind="budgets", fmt=fmt, filters={"quarter": quarter})
    return Export(f"budgets-{quarter.lower()}.{fmt}", MIMETYPES[fmt], content)
