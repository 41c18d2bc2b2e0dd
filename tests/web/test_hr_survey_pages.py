"""HR's reliability report and answer import pages."""

import io
import re

import pytest
from sqlmodel import func, select

from models.tables import Person, SurveyResponse
from seed.demo_org import demo_people
from services.demo import load_demo_people, load_demo_survey
from tests.conftest import csrf_token, login


@pytest.fixture
def demo(session):
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    return session.exec(select(Person).where(Person.access == "hr")).first()


def test_reliability_page_shows_every_construct(client, demo):
    login(client, demo.email, "demo")
    html = client.get("/hr/reliability").get_data(as_text=True)
    # The demo's current wave uses instrument version 2: its likert constructs have an
    # alpha; its reward categories are best-worst scores, which are not item scales.
    for construct in ("Autonomy", "Mastery", "Helping others", "Team rewards"):
        assert f">{construct}<" in html
    assert ">Time and flexibility<" not in html
    alphas = [float(a) for a in re.findall(r'<td class="num">(0\.\d\d)</td>', html)]
    assert alphas and all(0 < a < 1 for a in alphas)


def test_reliability_page_is_for_hr_only(client, demo, session):
    rep = session.exec(select(Person).where(Person.access == "rep")).first()
    login(client, rep.email, "demo")
    assert client.get("/hr/reliability").status_code == 403


def upload(client, text, **extra):
    token = csrf_token(client, "/hr/responses/import")
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), "answers.csv"), **extra}
    return client.post("/hr/responses/import", data=data, content_type="multipart/form-data")


def test_bad_answers_file_lists_the_cell_and_writes_nothing(client, demo, session):
    login(client, demo.email, "demo")
    before = session.exec(select(func.count()).select_from(SurveyResponse)).one()
    # Imports go into the newest instrument version (2 in the demo).
    response = upload(client, "person,aut6,aut7\nE1010,4,9\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 2, column aut7" in html
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == before


def test_good_answers_file_is_imported(client, demo, session):
    login(client, demo.email, "demo")
    response = upload(client, "person,aut6,bw1\nNEW1,4,wellness>development\n", create_people="y")
    assert response.status_code == 302
    assert "1 created" in client.get("/hr/responses/import").get_data(as_text=True)
    assert session.exec(select(Person).where(Person.external_id == "NEW1")).one().email is None
