"""The roster import page: every problem listed, nothing written; a good file imported."""

import io

from sqlmodel import func, select

from models.tables import Person
from tests.conftest import csrf_token, login

HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"


def upload(client, text):
    data = {
        "csrf_token": csrf_token(client, "/admin/people"),
        "file": (io.BytesIO(text.encode()), "roster.csv"),
    }
    return client.post("/admin/people", data=data, content_type="multipart/form-data")


def test_bad_roster_lists_problems_and_writes_nothing(client, session, factory):
    admin = factory.person("admin")
    login(client, admin.email)
    response = upload(client, HEADER + "R1,,not-an-email,,,chief,\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "row 2, column name: empty" in html
    assert "row 2, column access: unknown access role" in html
    assert session.exec(select(func.count()).select_from(Person)).one() == 1


def test_good_roster_is_imported_and_shown(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    text = HEADER + "R1,Kari Nordmann,kari@example.test,Oslo,,manager,\n"
    text += "R2,Ola Hansen,ola@example.test,Oslo,kari@example.test,,closer\n"
    response = upload(client, text)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 created" in html and "Ola Hansen" in html
