"""A rep's own scores: the history shows every wave's and compares only like with like, and
the chart on /me/ describes only the markers it draws."""

from __future__ import annotations

import re

from sqlmodel import func, select

from models.tables import Person, SurveyResponse
from seed.demo_org import demo_people
from services.demo import load_demo_people, load_demo_survey
from tests.conftest import TEST_PASSWORD, login


def _rep_who_answered_both_demo_waves(session) -> Person:
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    twice = session.exec(
        select(SurveyResponse.person_id)
        .where(SurveyResponse.status == "submitted")
        .group_by(SurveyResponse.person_id)
        .having(func.count() == 2)
    ).first()
    return session.get(Person, twice)


def test_earlier_scores_asked_another_way_are_shown_but_not_compared(client, session):
    rep = _rep_who_answered_both_demo_waves(session)
    login(client, rep.email)
    html = client.get("/me/history").get_data(as_text=True)
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert rows
    for row in rows:
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        # The autumn wave (version 1) and the winter wave (version 2) each show a score;
        # the demo's versions measure every scale another way, so no change is given.
        assert len(cells) == 3
        assert all(re.fullmatch(r"\d\.\d", c) for c in cells[:2]), cells
        assert cells[2] == "–"
    assert "shown but not compared" in html


def test_the_chart_names_no_team_median_it_cannot_draw(client, session):
    # The closed wave asked every scale another way (version 1), so no median compares.
    rep = _rep_who_answered_both_demo_waves(session)
    login(client, rep.email)
    html = client.get("/me/").get_data(as_text=True)
    chart = html[html.index('id="my-scores"') :]
    chart = chart[: chart.index("</figure>")]
    assert "Team median" not in chart and "as a diamond" not in chart
    assert "median appears when at least 5 teammates answered a closed survey" in chart
