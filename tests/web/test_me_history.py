"""A rep's history page shows every wave's own scores and compares only like with like."""

from __future__ import annotations

import re

from sqlmodel import func, select

from models.tables import Person, SurveyResponse
from seed.demo_org import demo_people
from services.demo import load_demo_people, load_demo_survey
from tests.conftest import TEST_PASSWORD, login


def test_earlier_scores_asked_another_way_are_shown_but_not_compared(client, session):
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    twice = session.exec(
        select(SurveyResponse.person_id)
        .where(SurveyResponse.status == "submitted")
        .group_by(SurveyResponse.person_id)
        .having(func.count() == 2)
    ).first()
    rep = session.get(Person, twice)
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
