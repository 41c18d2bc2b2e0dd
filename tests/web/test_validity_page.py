"""HR's validity page: filled for HR on the demo organisation, closed to everyone else."""

import re

import pytest
from sqlmodel import select

from models.tables import Person
from seed.demo_org import demo_people
from services.demo import load_demo_people, load_demo_survey
from tests.conftest import login


@pytest.fixture
def demo(session):
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    return session


def _person(session, access: str) -> Person:
    people = session.exec(select(Person).where(Person.access == access)).all()
    return sorted(people, key=lambda p: p.external_id)[0]


def test_hr_sees_fit_loadings_omega_and_why_the_rest_is_absent(client, demo):
    login(client, _person(demo, "hr").email, "demo")
    response = client.get("/hr/validity")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("Model fit", "Loadings", "Omega per construct", "Test-retest"):
        assert f">{heading}<" in html
    for index in ("CFI", "TLI", "RMSEA", "SRMR"):
        assert f'<th scope="row">{index}</th>' in html
    assert re.search(r'<td class="num">0\.\d{3}</td><td><span class="badge (good|warn|bad)">', html)
    assert "<code>aut5</code>" in html and ">Autonomy<" in html  # a version 2 item
    assert "Invariance across languages was not tested" in html
    assert "Test-retest was not computed: fewer than 5 people" in html
    home = client.get("/hr/").get_data(as_text=True)
    assert 'href="/hr/validity"' in home


def test_the_page_speaks_norwegian(client, demo):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    login(client, _person(demo, "hr").email, "demo")
    html = client.get("/hr/validity").get_data(as_text=True)
    assert "Undersøkelsens validitet" in html and ">Modelltilpasning<" in html
    assert "Invarians på tvers av språk ble ikke testet" in html


@pytest.mark.parametrize("access", ["rep", "manager", "admin"])
def test_everyone_but_hr_is_refused(client, demo, access):
    login(client, _person(demo, access).email, "demo")
    for query in ("", "?wave=1", "?include_flagged=1&retest_weeks=2"):
        response = client.get("/hr/validity" + query)
        assert response.status_code in (403, 404), (access, query)
        assert "Model fit" not in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, demo):
    response = client.get("/hr/validity")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unknown_wave_is_a_plain_message(client, demo):
    login(client, _person(demo, "hr").email, "demo")
    html = client.get("/hr/validity?wave=nonesuch&retest_weeks=999").get_data(as_text=True)
    assert "No wave nonesuch." in html
