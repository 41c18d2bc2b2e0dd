import csv
import io
import json
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageStat
from sqlmodel import select

from models.tables import AuditLog
from services.access import SYSTEM
from services.exports import (
    export_focus_groups,
    export_report,
    export_summary,
    html_to_pdf,
    safe_cell,
    to_csv,
)
from tests.services import insights_org
from tests.services.insights_org import small_organisation

org_db = insights_org.org_db
org_session = insights_org.org_session


def audit_rows(session, action):
    return session.exec(
        select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
    ).all()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tX", "'\tX"),
        ("Oslo", "Oslo"),
        (-0.5, -0.5),
        (None, None),
    ],
)
def test_cells_that_look_like_formulas_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_team_names_that_look_like_formulas_are_neutralised_in_csv_and_xlsx(session):
    layout = {"=cmd|' /C calc'!A0": ["closer"] * 6, "@Inside": ["sdr"] * 6, "-North": ["sdr"] * 5}
    wave, _ = small_organisation(session, layout)
    export = export_summary(session=session, viewer=SYSTEM, by="team", wave=wave.name, fmt="csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    keys = [r[0] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in keys and "'@Inside" in keys and "'-North" in keys
    assert not any(k[:1] in "=+-@" for k in keys)
    book = load_workbook(
        io.BytesIO(
            export_summary(
                session=session, viewer=SYSTEM, by="team", wave=wave.name, fmt="xlsx"
            ).content
        )
    )
    cells = [c.value for row in book["Summary"].iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(isinstance(c, str) and c.startswith("=") for c in cells)


def test_summary_json_has_the_documented_shape_and_is_audited(org_db, org_session):
    before = len(audit_rows(org_session, "export.summary"))
    export = export_summary(
        session=org_session, viewer=org_db.org.hr, by="team", wave=org_db.org.first_wave.name
    )
    data = json.loads(export.content)
    assert data["min_group_size"] == 5
    for group in data["groups"]:
        assert {"key", "n", "suppressed", "scores"} <= set(group)
        if group["suppressed"]:
            assert group["n"] is None and group["scores"] is None
    rows = audit_rows(org_session, "export.summary")
    assert len(rows) == before + 1
    assert rows[-1].actor_id == org_db.org.hr.id
    assert rows[-1].details == {
        "format": "json",
        "filters": {"wave": org_db.org.first_wave.name, "by": "team", "min_group_size": 5},
    }
    assert export.filename.endswith(".json")


def test_summary_csv_has_no_figures_for_hidden_groups(org_db, org_session):
    export = export_summary(
        session=org_session, viewer=SYSTEM, by="team", wave=org_db.org.first_wave.name, fmt="csv"
    )
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    planted = next(r for r in rows if r["key"] == insights_org.PLANTED_TEAM)
    assert planted["respondents"] == "" and planted["Autonomy"] == ""
    assert all(int(r["respondents"]) >= 5 for r in rows if r["respondents"])
    # Words a spreadsheet reader knows, and the whole wave named as the pages name it.
    assert planted["hidden"] == "yes" and {r["hidden"] for r in rows} == {"yes", "no"}
    assert [r["group"] for r in rows if r["key"] == "total"] == ["Everyone"]


def test_xlsx_opens_with_one_sheet_per_section(org_db, org_session):
    export = export_summary(
        session=org_session,
        viewer=SYSTEM,
        by="sales_role",
        wave=org_db.org.first_wave.name,
        fmt="xlsx",
    )
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Summary", "Intervals", "Themes", "About"]
    header = [c.value for c in book["Summary"][1]]
    assert header[:4] == ["key", "group", "respondents", "hidden"]
    ns = [row[2] for row in book["Summary"].iter_rows(min_row=2, values_only=True)]
    assert all(n is None or n >= 5 for n in ns)


def test_focus_group_exports(org_db, org_session):
    wave = org_db.org.first_wave.name
    data = json.loads(
        export_focus_groups(session=org_session, viewer=SYSTEM, wave=wave, fmt="json").content
    )
    assert set(data) >= {"groups"}
    group = data["groups"][0]
    assert set(group) == {"id", "size", "members", "summary"}
    assert len(group["members"]) == group["size"]

    book = load_workbook(
        io.BytesIO(
            export_focus_groups(session=org_session, viewer=SYSTEM, wave=wave, fmt="xlsx").content
        )
    )
    assert book.sheetnames == ["Groups", "Members", "Questions"]
    anonymous = export_focus_groups(
        session=org_session, viewer=SYSTEM, wave=wave, fmt="xlsx", anonymous=True
    )
    book = load_workbook(io.BytesIO(anonymous.content))
    assert book.sheetnames == ["Groups", "Questions"]


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_anonymous_exports_hold_no_names_emails_or_ids(org_db, org_session, fmt):
    export = export_focus_groups(
        session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name, fmt=fmt, anonymous=True
    )
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(export.content))
        text = " ".join(
            str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
        )
    else:
        text = export.content.decode("utf-8-sig")
    for person in [*org_db.org.planted, org_db.org.rep]:
        assert person.external_id not in text
        assert person.name not in text
        assert person.email not in text
    rows = audit_rows(org_session, "export.focus_groups")
    assert rows[-1].details["filters"]["anonymous"] is True


def test_to_csv_writes_lists_and_missing_values():
    content = to_csv(["a", "b"], [{"a": ["x", "y"], "b": None}]).decode("utf-8-sig")
    # Every text cell is quoted, so a spreadsheet splitting on ";" keeps "x; y" whole.
    assert content.splitlines() == ["a,b", '"x; y",""']
    assert list(csv.reader(io.StringIO(content))) == [["a", "b"], ["x; y", ""]]


def test_the_pdf_report_renders_and_is_audited(org_db, org_session, tmp_path):
    from web.charts import Bar, bar_chart

    chart = bar_chart(
        "c", "Rewards", "Bars", [Bar("Time", 3), Bar("Hidden", None)], hidden_text="hidden"
    )
    html = f"<html><body><h1>Report</h1><table><tr><th>Time</th><td>3</td></tr></table>{chart}</body></html>"
    export = export_report(
        session=org_session, viewer=SYSTEM, html=html, fmt="pdf", filters={"wave": "x"}
    )
    assert export.content.startswith(b"%PDF")
    assert audit_rows(org_session, "export.report")[-1].details["format"] == "pdf"
    png = render_first_page(export.content, tmp_path)
    assert not_blank(png)


def render_first_page(pdf: bytes, folder) -> str:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is needed to check the PDF")
    source = folder / "report.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(source), str(folder / "page")],
        check=True,
    )
    pages = sorted(folder.glob("page*.png"))
    assert pages, "pdftoppm wrote no page"
    return str(pages[0])


def not_blank(png: str) -> bool:
    with Image.open(png) as image:
        grey = image.convert("L")
        extrema = grey.getextrema()
        dark = sum(grey.histogram()[:200])
        return extrema[0] < 128 and dark > 50 and ImageStat.Stat(grey).stddev[0] > 5


def test_the_pdf_refuses_to_fetch_anything():
    pdf = html_to_pdf('<img src="http://127.0.0.1:9/x.png"><p>text</p>')
    assert pdf.startswith(b"%PDF")


def test_norwegian_summary_csv_uses_labels_and_keeps_the_key_column(session):
    layout = {"North": ["account_manager"] * 5 + ["Key Account Lead"] * 5 + ["sdr"] * 2}
    wave, _ = small_organisation(session, layout)
    from services.sales_roles import remember_labels

    remember_labels(session, ["Key Account Lead"])
    session.commit()
    export = export_summary(
        session=session, viewer=SYSTEM, by="sales_role", wave=wave.name, fmt="csv", locale="nb"
    )
    text = export.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header[0] == "key" and "Autonomi" in header and "autonomy" not in header
    assert "gruppe" in header and "label" not in header
    labels = {r["key"]: r["gruppe"] for r in rows}
    assert labels["account_manager"] == "Kundeansvarlig"
    assert labels["key_account_lead"] == "Key Account Lead"
    assert labels["sdr"] == "Salgsutvikling (SDR)"
    hidden = [r["hvorfor skjult"] for r in rows if r["hvorfor skjult"]]
    assert hidden and all(reason.startswith("skjult") for reason in hidden)
    assert {r["skjult"] for r in rows} == {"ja", "nei"}
    assert labels["total"] == "Alle"


def test_english_summary_workbook_names_constructs(org_db, org_session):
    export = export_summary(
        session=org_session,
        viewer=SYSTEM,
        by="sales_role",
        wave=org_db.org.first_wave.name,
        fmt="xlsx",
    )
    book = load_workbook(io.BytesIO(export.content))
    header = [c.value for c in book["Summary"][1]]
    assert "Autonomy" in header and "autonomy" not in header
    intervals = [c.value for c in book["Intervals"][1]]
    assert intervals[:3] == ["key", "construct", "construct name"]
    names = {row[1]: row[2] for row in book["Intervals"].iter_rows(min_row=2, values_only=True)}
    assert names["autonomy"] == "Autonomy"


# Every word a Norwegian reader sees in a file: sheet names and headings. Kept as they
# are: the key and id columns spreadsheets join on ("team" is Norwegian too).
ENGLISH_HEADINGS = {
    "group",
    "respondents",
    "hidden",
    "mean",
    "ci_low",
    "ci_high",
    "keywords",
    "n_answers",
    "setting",
    "value",
    "size",
    "reason",
    "profile_mix",
    "top_rewards",
    "language",
    "number",
    "question",
    "name",
    "email",
    "members",
    "quarter",
    "currency",
    "budget",
    "spent",
    "remaining",
    "over",
    "rewards",
}


def _headings(book) -> set[str]:
    return {str(c.value) for sheet in book for c in sheet[1] if c.value is not None}


def test_norwegian_workbooks_are_norwegian_but_for_their_keys(org_db, org_session, session):
    wave = org_db.org.first_wave.name
    summary = load_workbook(
        io.BytesIO(
            export_summary(
                session=org_session, viewer=SYSTEM, wave=wave, fmt="xlsx", locale="nb"
            ).content
        )
    )
    assert summary.sheetnames == ["Sammendrag", "Intervaller", "Temaer", "Om"]
    assert not _headings(summary) & ENGLISH_HEADINGS, _headings(summary)
    about = dict(summary["Om"].iter_rows(min_row=2, values_only=True))
    assert "min_group_size" not in about and "minste gruppestørrelse" in about
    assert about["gruppert etter"] in ("team", "salgsrolle", "profil")

    focus = load_workbook(
        io.BytesIO(
            export_focus_groups(
                session=org_session, viewer=SYSTEM, wave=wave, fmt="xlsx", locale="nb"
            ).content
        )
    )
    assert focus.sheetnames == ["Grupper", "Deltakere", "Spørsmål"]
    assert not _headings(focus) & ENGLISH_HEADINGS, _headings(focus)
    assert "id" in _headings(focus) and "Autonomi" in _headings(focus)
    tops = list(focus["Grupper"].iter_rows(min_row=2, values_only=True))
    header = [c.value for c in focus["Grupper"][1]]
    column = header.index("mest ønskede belønninger")
    assert all("wellness" not in (r[column] or "") for r in tops)

    from services.exports import export_budgets

    budgets = load_workbook(
        io.BytesIO(export_budgets(session=session, viewer=SYSTEM, fmt="xlsx", locale="nb").content)
    )
    assert budgets.sheetnames == ["Budsjetter"]
    assert not _headings(budgets) & ENGLISH_HEADINGS, _headings(budgets)


def test_english_focus_group_files_keep_their_columns_and_keys(org_db, org_session):
    """Files read by other systems: the English columns and cells stay the keys they were."""
    wave = org_db.org.first_wave.name
    book = load_workbook(
        io.BytesIO(
            export_focus_groups(
                session=org_session, viewer=SYSTEM, wave=wave, fmt="xlsx", anonymous=True
            ).content
        )
    )
    header = [c.value for c in book["Groups"][1]]
    assert header[:6] == ["id", "size", "suppressed", "reason", "profile_mix", "top_rewards"]
    assert "autonomy" in header and "Autonomy" not in header
