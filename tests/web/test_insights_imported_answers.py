"""HR's insights page and summary export withhold a group padded with imported answers."""

import json

from sqlmodel import select

from models.tables import Team
from tests.conftest import login
from tests.services.test_disclosure_imports import (
    import_invented,
    pad_north,
    web_organisation,
)

COMBINED = "Hidden: together with figures already shown for this wave it would reveal individuals"


def test_padding_a_difference_with_imported_answers_shows_nothing_of_the_real_rep(
    client, session, factory
):
    hr = factory.person("hr", name="Hanne HR")
    wave, _ = web_organisation(session, {"South": ["hunter"] * 5})
    login(client, hr.email)
    page = client.get("/hr/insights/?by=team").get_data(as_text=True)
    assert "South" in page and COMBINED not in page
    pad_north(session, wave)
    assert session.exec(select(Team).where(Team.name == "North")).one()

    response = client.get("/hr/insights/summary.json?by=team")
    assert response.status_code == 200
    data = json.loads(response.get_data(as_text=True))
    north_row = next(g for g in data["groups"] if g["key"] == "North")
    assert (north_row["suppressed"], north_row["reason"], north_row["n"]) == (
        True,
        "combined",
        None,
    )
    assert data["total"]["reason"] == "combined"
    page = client.get("/hr/insights/?by=team").get_data(as_text=True)
    assert COMBINED in page


def test_analytics_page_says_why_a_group_with_imported_answers_has_no_quartiles(
    client, session, factory
):
    hr = factory.person("hr", name="Hanne HR")
    wave, _ = web_organisation(session, {"North": ["closer"] * 5, "South": ["hunter"] * 10})
    import_invented(session, wave, "North", "closer", 5)
    login(client, hr.email)
    page = client.get("/hr/insights/analytics").get_data(as_text=True)
    assert "quartiles need 10 or more people whose answers were not imported" in page


def test_themes_hidden_with_the_total_give_the_total_s_reason(client, session, factory):
    """When the whole wave's figures are withheld, the themes say so, not "fewer than 10
    people wrote an answer" (more had written; the count only went up)."""
    hr = factory.person("hr", name="Hanne HR")
    wave, _ = web_organisation(session, {"South": ["hunter"] * 5})
    login(client, hr.email)
    client.get("/hr/insights/?by=team")
    pad_north(session, wave)
    for path in ("/hr/insights/?by=team", "/hr/insights/report?by=team"):
        page = client.get(path).get_data(as_text=True)
        themes = page[page.index("Themes in the free-text answers") :]
        assert COMBINED in themes, path
        assert "they are shown only when at least 10 people" not in themes, path


def test_quartile_charts_say_why_a_row_is_empty_in_its_own_words(client, session, factory):
    """A team whose mean the table shows has no quartiles below ten people: its chart row
    says that, not "group too small"."""
    hr = factory.person("hr", name="Hanne HR")
    web_organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 10})
    login(client, hr.email)
    page = client.get("/hr/insights/analytics").get_data(as_text=True)
    chart = page[page.index('id="chart-dist-team"') :]
    chart = chart[: chart.index("</svg>")]
    assert "no quartiles: fewer than 10 people" in chart
    assert "group too small" not in chart
