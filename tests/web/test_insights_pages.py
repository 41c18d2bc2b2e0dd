import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from models.tables import AuditLog
from tests.conftest import login
from tests.services import insights_org
from tests.services.insights_org import PLANTED_TEAM

org_db = insights_org.org_db
TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates" / "insights"
PAGES = [
    "/hr/insights/",
    "/hr/insights/?by=profile",
    "/hr/insights/focus-groups",
    "/hr/insights/focus-groups?by=profile&size=6",
    "/hr/insights/analytics",
    "/hr/insights/reminders",
    "/hr/insights/report",
]
DOWNLOADS = [
    "/hr/insights/summary.csv?by=team",
    "/hr/insights/summary.xlsx?by=sales_role",
    "/hr/insights/summary.json?by=profile",
    "/hr/insights/focus-groups.json?by=mixed&size=6",
    "/hr/insights/report.pdf",
]


@pytest.fixture(scope="module")
def app(org_db):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": org_db.url, "SECRET_KEY": "test-secret-key"})
    yield app
    app.extensions["motivo.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def hr_client(client, org_db):
    login(client, org_db.org.hr.email)
    return client


@pytest.mark.parametrize("path", PAGES + DOWNLOADS)
def test_reps_managers_and_admins_get_403(client, org_db, path):
    for person in (org_db.org.rep, org_db.org.manager, org_db.org.admin):
        login(client, person.email)
        assert client.get(path).status_code == 403
        client.post("/auth/logout", data={"csrf_token": csrf(client)})


def csrf(client) -> str:
    html = client.get("/me/settings").get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/hr/insights/analytics")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_hr_pages_show_no_small_group(hr_client, path):
    response = hr_client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for caption in re.findall(r"<caption[^>]*>(.*?)</caption>", html, re.S):
        assert caption.strip()
    if "reminders" in path:
        return  # names for reminders, no figures
    rows = [r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if PLANTED_TEAM in r]
    for row in rows:
        assert "Hidden: fewer than 5 people" in row
        assert not re.search(r'<td class="num">\d', row)
    for n in re.findall(r'<th scope="row">[^<]*</th>\s*<td class="num">(\d+)</td>', html):
        assert int(n) >= 5


def test_summary_page_lists_groups_with_accessible_table(hr_client, org_db):
    html = hr_client.get(f"/hr/insights/?by=team&wave={org_db.org.first_wave.name}").get_data(
        as_text=True
    )
    table = html[html.index('id="summary-table"') :]
    table = table[: table.index("</table>")]
    assert "<caption>" in table and 'scope="col"' in table and 'scope="row"' in table
    planted_row = table[table.index(PLANTED_TEAM) :].split("</tr>")[0]
    assert "Hidden: fewer than 5 people" in planted_row
    assert not re.search(r'<td class="num">\d', planted_row)
    people = [int(n) for n in re.findall(r'</th>\s*<td class="num">(\d+)</td>', table)]
    assert people and all(n >= 5 for n in people)
    assert 'role="img"' in html and "aria-labelledby=" in html


def test_focus_group_page_lists_members_unless_anonymous(hr_client, org_db):
    wave = org_db.org.first_wave.name
    html = hr_client.get(f"/hr/insights/focus-groups?wave={wave}&by=profile&size=6").get_data(
        as_text=True
    )
    assert "Who to invite" in html and "@" in html
    anonymous = hr_client.get(
        f"/hr/insights/focus-groups?wave={wave}&by=profile&size=6&anonymous=y"
    ).get_data(as_text=True)
    assert "Who to invite" not in anonymous
    assert org_db.org.planted[0].email not in anonymous
    assert "Questions to start with" in anonymous


def test_the_pages_follow_the_language(hr_client, org_db):
    html = hr_client.get(
        f"/hr/insights/?by=team&wave={org_db.org.first_wave.name}&lang=nb"
    ).get_data(as_text=True)
    assert "Autonomi" in html


def test_downloads_are_files_and_are_audited(hr_client, org_db):
    engine = org_db.engine
    with Session(engine) as session:
        before = len(session.exec(select(AuditLog).where(AuditLog.action.like("export.%"))).all())
    csv_response = hr_client.get("/hr/insights/summary.csv?by=team")
    assert csv_response.mimetype == "text/csv"
    # One charset parameter: a client reading the header strictly refused two.
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(hr_client.get("/hr/insights/summary.xlsx?by=sales_role").data))
    assert "Summary" in book.sheetnames
    data = json.loads(hr_client.get("/hr/insights/focus-groups.json?by=mixed&size=6").data)
    assert all(5 <= g["size"] <= 8 for g in data["groups"])
    pdf = hr_client.get("/hr/insights/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    report = hr_client.get("/hr/insights/report")
    assert report.status_code == 200 and "<style>" in report.get_data(as_text=True)
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action.like("export.%"))).all()
    assert len(rows) == before + 5
    assert {r.actor_id for r in rows[before:]} == {org_db.org.hr.id}


def test_unknown_formats_and_groupings_are_refused(hr_client):
    assert hr_client.get("/hr/insights/summary.exe?by=team").status_code == 404
    assert hr_client.get("/hr/insights/summary.csv?by=team_and_role").status_code == 400


def test_every_string_in_the_templates_is_translatable():
    """Outside Jinja tags, no template text may hold words (they would skip translation)."""
    allowed = {"Motivo"}
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        words = set(re.findall(r"[A-Za-zÆØÅæøå]{2,}", text)) - allowed
        assert not words, f"{path.name}: untranslated text {sorted(words)}"


def test_cli_summary_and_focus_groups(app, org_db, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "summary.json"
    result = runner.invoke(
        args=["summary", "--by", "team", "--wave", org_db.org.first_wave.name, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["min_group_size"] == 5
    assert all(g["n"] is None or g["n"] >= 5 for g in data["groups"])

    result = runner.invoke(args=["summary", "--by", "profile", "--format", "csv"])
    assert result.exit_code == 0 and result.output.lstrip("\ufeff").startswith(
        "key,group,respondents"
    )
    # Scheduled exports for a Norwegian organisation come out in Norwegian.
    result = runner.invoke(args=["summary", "--by", "profile", "--format", "csv", "--locale", "nb"])
    assert result.exit_code == 0 and result.output.lstrip("\ufeff").startswith(
        "key,gruppe,personer"
    )

    book = tmp_path / "groups.xlsx"
    result = runner.invoke(
        args=[
            "focus-groups",
            "--by",
            "mixed",
            "--size",
            "7",
            "--anonymous",
            "--format",
            "xlsx",
            "--out",
            str(book),
        ]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(book).sheetnames == ["Groups", "Questions"]

    result = runner.invoke(args=["focus-groups", "--format", "xlsx"])
    assert result.exit_code == 1 and "--out" in result.output

    result = runner.invoke(args=["focus-groups", "--size", "12", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "size" in result.output


def test_an_export_nobody_can_receive_is_neither_made_nor_audited(app, org_db, tmp_path, session):
    """A summary to a folder that does not exist, or an XLSX without --out, failed after
    the export was audited: the log said HR had a file nobody received."""
    from sqlmodel import func, select

    from models.tables import AuditLog

    def audits() -> int:
        session.expire_all()
        return session.exec(select(func.count()).select_from(AuditLog)).one()

    runner = app.test_cli_runner()
    before = audits()
    for args in (
        ["summary", "--by", "team", "--out", str(tmp_path / "missing" / "x.json")],
        ["summary", "--by", "team", "--format", "xlsx"],
        ["focus-groups", "--out", str(tmp_path / "missing" / "x.csv"), "--format", "csv"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "Traceback" not in result.output
    assert audits() == before


def test_the_report_gives_value_per_rep_in_the_currency(hr_client):
    html = hr_client.get("/hr/insights/report?by=team").get_data(as_text=True)
    assert "Value per rep" in html
    table = html.split("Value per rep")[1].split("</table>")[0]
    shown = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert shown and all(not c[:1].isdigit() for c in shown[2::3])  # no bare amounts
    assert "NOK" in table


def _heatmap(html: str) -> str:
    table = html[html.index('id="heatmap"') :]
    return table[: table.index("</table>")]


def test_heatmap_marks_hidden_groups_and_shows_change_since_the_previous_wave(hr_client, org_db):
    html = hr_client.get(f"/hr/insights/?by=team&wave={org_db.org.current_wave.name}").get_data(
        as_text=True
    )
    heatmap = _heatmap(html)
    planted = heatmap[heatmap.index(PLANTED_TEAM) :].split("</tr>")[0]
    assert "heat-" not in planted and "Hidden" in planted
    assert not re.search(r"\d\.\d\d", planted)
    shown = re.findall(r'<td class="num heat heat-([1-5])"', heatmap)
    assert shown  # at least one team large enough in both waves
    assert f"Change since {org_db.org.first_wave.name}" in html
    # Version 2 asks every scale with other items than version 1: no change to show.
    assert not re.search(r'<span class="change">', heatmap)


def test_heatmap_in_norwegian(hr_client, org_db):
    html = hr_client.get(
        f"/hr/insights/?by=team&wave={org_db.org.current_wave.name}",
        headers={"Accept-Language": "nb"},
    ).get_data(as_text=True)
    assert "Varmekart" in html and f"Endring siden {org_db.org.first_wave.name}" in html


def test_first_wave_heatmap_has_no_change(hr_client, org_db):
    html = hr_client.get(f"/hr/insights/?by=team&wave={org_db.org.first_wave.name}").get_data(
        as_text=True
    )
    assert 'class="change"' not in _heatmap(html)
    assert "No earlier wave to compare with" in html


def _heatmap_cells(heatmap: str, team: str) -> list[str]:
    row = heatmap[heatmap.index(f">{team}</th>") :].split("</tr>")[0]
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def test_heatmap_shows_no_change_for_a_score_measured_another_way(hr_client, org_db):
    """Reward categories were agree/disagree items in the first wave and best-worst tasks
    now, and the motives are asked with other items: each cell shows today's score and no
    change; the page says why."""
    html = hr_client.get(f"/hr/insights/?by=team&wave={org_db.org.current_wave.name}").get_data(
        as_text=True
    )
    heatmap = _heatmap(html)
    head = heatmap[: heatmap.index("</thead>")]
    columns = re.findall(r'<th scope="col" class="num">([^<]+)</th>', head)
    teams = [
        t
        for t in re.findall(r'<th scope="row">([^<]+)</th>', heatmap)
        if "heat-" in heatmap[heatmap.index(f">{t}</th>") :].split("</tr>")[0]
    ]
    assert teams  # teams shown now
    for team in teams:
        cells = dict(zip(columns, _heatmap_cells(heatmap, team), strict=True))
        for label in ("Recognition", "Development", "Time and flexibility", "Autonomy"):
            assert re.match(r"\d\.\d\d$", cells[label].strip()), (team, label, cells[label])
    assert "measured that score the same way" in html


def test_named_focus_groups_json_lists_flagged_respondents_like_anyone_else(hr_client, org_db):
    wave = org_db.org.first_wave
    with insights_org.some_flagged(org_db.engine, wave) as flagged:
        for by in ("profile", "mixed"):
            response = hr_client.get(
                f"/hr/insights/focus-groups.json?wave={wave.name}&by={by}&size=6"
            )
            data = json.loads(response.data)
            placed = {m for g in data["groups"] for m in g["members"]}
            not_placed = set(data["not_placed"]["members"])
            submitted = insights_org.submitted_ids(org_db.engine, wave)
            assert len(flagged) >= 3
            assert placed | not_placed == submitted
            assert flagged <= placed


def _distribution_rows(html: str) -> list[str]:
    start = html.index(": quartiles") if ": quartiles" in html else html.index(": kvartiler")
    table = html[start : html.index("</table>", start)]
    return re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", table, re.S)


def test_analytics_quartiles_only_for_groups_of_twice_the_minimum(hr_client, org_db):
    html = hr_client.get(f"/hr/insights/analytics?wave={org_db.org.first_wave.name}").get_data(
        as_text=True
    )
    rows = _distribution_rows(html)
    shown = 0
    for row in rows:
        people = re.search(r'<td class="num">(\d+)</td>', row)
        if people is None:
            continue
        shown += 1
        numbers = re.findall(r'<td class="num">', row)
        if int(people.group(1)) < 10:
            assert "Mean only: quartiles are shown for groups of 10 or more people" in row
            assert len(numbers) == 2  # people and mean
        else:
            assert "Mean only" not in row and len(numbers) == 5
    assert shown


def test_the_mean_only_reason_is_in_norwegian(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("nb"):
        text = gettext("Mean only: quartiles are shown for groups of %(n)s or more people", n=10)
    assert text == "Bare gjennomsnitt: kvartiler vises for grupper på 10 personer eller flere"


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Referer": "https://elsewhere.example/page"}],
    ids=["fetch-metadata", "referrer"],
)
def test_a_link_from_another_site_cannot_choose_which_figures_a_wave_shows(app, hr_client, headers):
    """Figures shown are recorded in the wave's ledger and decide what can be shown later:
    a link elsewhere that opened /hr/insights/?by=profile for HR chose that for them."""
    from sqlmodel import Session, func, select

    from models.tables import AuditLog, ReleasedGroup

    def recorded() -> tuple[int, int]:
        with Session(app.extensions["motivo.engine"]) as fresh:
            return tuple(
                fresh.exec(select(func.count()).select_from(model)).one()
                for model in (ReleasedGroup, AuditLog)
            )

    before = recorded()
    for path in ("/hr/insights/?by=profile", "/hr/insights/summary.csv?by=profile"):
        response = hr_client.get(path, headers=headers)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Show these figures?" in html and f'href="{path}"' in html.replace("&amp;", "&")
    assert recorded() == before
    # Asked from Motivo's own page, the figures are shown.
    shown = hr_client.get("/hr/insights/?by=profile", headers={"Sec-Fetch-Site": "same-origin"})
    assert "Show these figures?" not in shown.get_data(as_text=True)


def test_a_link_from_another_site_asks_before_the_sign_in_too(client):
    """Signed out, the link went to the sign-in page and from there, by Motivo's own
    redirect, straight to the figures."""
    response = client.get("/hr/insights/?by=profile", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Show these figures?" in response.get_data(as_text=True)
