"""Role changes only by those allowed to make them.

Only an admin may grant or remove ``admin`` or ``hr`` access, or change the email of an
admin or HR person; an API token never sets access above ``manager``; nobody changes their
own access; every access change is audited with who, before and after; and no service
skips its authorisation because an actor was left out.
"""

import inspect
import io
import pkgutil
import re
from importlib import import_module
from pathlib import Path

import pytest
from sqlmodel import select

import services
from models.tables import AuditLog, Person
from services.access import SYSTEM
from services.api_tokens import create_token
from services.errors import InvalidInput
from services.people import import_people, list_people
from services.waves import list_waves
from tests.conftest import csrf_token, login

HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"
ACCESS_RULE = "only an admin may grant or remove admin or hr access"
EMAIL_RULE = "only an admin may change the email of an admin or HR person"
SELF_RULE = "nobody can change their own access"
TOKEN_RULE = "an API token cannot set access above manager"


def row(person: Person, *, access: str | None = None, email: str | None = None) -> str:
    return (
        f"{person.external_id},{person.name},{email or person.email},,,"
        f"{access or person.access},{person.sales_role}\n"
    )


def upload(client, text: str, *, partial: bool = True, **extra):
    data = {
        "csrf_token": csrf_token(client, "/admin/people"),
        "file": (io.BytesIO(text.encode()), "roster.csv"),
        **extra,
    }
    if partial:
        data["keep_missing"] = "y"
    return client.post("/admin/people", data=data, content_type="multipart/form-data")


def fresh(session, person: Person) -> Person:
    session.expire_all()
    return session.get(Person, person.id)


def bearer(session, *scopes: str) -> dict:
    secret = create_token(session=session, actor=SYSTEM, name="HRIS", scopes=scopes)[1]
    return {"Authorization": f"Bearer {secret}"}


def access_events(session) -> list[AuditLog]:
    session.expire_all()
    return list(session.exec(select(AuditLog).where(AuditLog.action == "person.access")))


# The roster page -------------------------------------------------------------------------


def test_hr_cannot_make_themself_admin_with_a_partial_roster(client, session, factory):
    factory.person("admin")
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + row(hr, access="admin"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"row 2, column access: {ACCESS_RULE}" in html
    assert fresh(session, hr).access == "hr"


def test_hr_cannot_demote_the_admin(client, session, factory):
    admin = factory.person("admin")
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + row(admin, access="rep"))
    assert response.status_code == 400
    assert f"row 2, column access: {ACCESS_RULE}" in response.get_data(as_text=True)
    assert fresh(session, admin).access == "admin"


def test_hr_cannot_change_the_admins_sign_in_email(client, session, factory):
    admin = factory.person("admin")
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + row(admin, email="mine@example.test"))
    assert response.status_code == 400
    assert f"row 2, column email: {EMAIL_RULE}" in response.get_data(as_text=True)
    assert fresh(session, admin).email == admin.email


def test_hr_cannot_make_a_colleague_hr_and_the_whole_file_is_refused(client, session, factory):
    factory.person("admin")
    hr = factory.person("hr")
    rep = factory.person("rep")
    other = factory.person("rep")
    login(client, hr.email)
    text = HEADER + row(other, access="manager") + row(rep, access="hr")
    response = upload(client, text)
    assert response.status_code == 400
    assert f"row 3, column access: {ACCESS_RULE}" in response.get_data(as_text=True)
    assert fresh(session, rep).access == "rep"
    assert fresh(session, other).access == "rep"  # nothing written, not even the good row


def test_hr_cannot_create_a_new_admin(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + "X1,Mallory,mallory@example.test,,,admin,\n")
    assert response.status_code == 400
    assert f"row 2, column access: {ACCESS_RULE}" in response.get_data(as_text=True)
    assert session.exec(select(Person).where(Person.external_id == "X1")).first() is None


def test_a_full_roster_from_hr_does_not_deactivate_another_hr_person(client, session, factory):
    hr = factory.person("hr")
    colleague = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + row(hr), partial=False)
    assert response.status_code == 200
    assert fresh(session, colleague).active


def test_hr_cannot_reactivate_a_former_admin(client, session, factory):
    hr = factory.person("hr")
    former = factory.person("admin", active=False)
    login(client, hr.email)
    response = upload(client, HEADER + row(former))
    assert response.status_code == 400
    assert f"row 2, column access: {ACCESS_RULE}" in response.get_data(as_text=True)
    assert not fresh(session, former).active


def test_nobody_changes_their_own_access_not_even_an_admin(client, session, factory):
    admin = factory.person("admin")
    login(client, admin.email)
    response = upload(client, HEADER + row(admin, access="hr"))
    assert response.status_code == 400
    assert f"row 2, column access: {SELF_RULE}" in response.get_data(as_text=True)
    assert fresh(session, admin).access == "admin"


def test_hr_cannot_step_down_to_manager_either(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    response = upload(client, HEADER + row(hr, access="manager"))
    assert response.status_code == 400
    assert f"row 2, column access: {SELF_RULE}" in response.get_data(as_text=True)


def test_an_admin_may_grant_and_remove_hr_and_it_is_audited(client, session, factory):
    admin = factory.person("admin")
    rep = factory.person("rep")
    hr = factory.person("hr")
    login(client, admin.email)
    text = HEADER + row(rep, access="hr") + row(hr, access="rep", email="new@example.test")
    # Access changes are confirmed first: the page names both, and nothing changes yet.
    asked = upload(client, text).get_data(as_text=True)
    assert f"({rep.external_id}): rep → hr" in asked and f"({hr.external_id}): hr → rep" in asked
    assert fresh(session, rep).access == "rep" and not access_events(session)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', asked).group(1)
    response = upload(client, text, confirm="1", digest=digest)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert fresh(session, rep).access == "hr"
    assert fresh(session, hr).access == "rep" and fresh(session, hr).email == "new@example.test"
    events = {e.target: e for e in access_events(session)}
    assert events[rep.external_id].actor_id == admin.id
    assert events[rep.external_id].details["before"] == "rep"
    assert events[rep.external_id].details["after"] == "hr"
    assert events[hr.external_id].details["before"] == "hr"
    assert events[hr.external_id].details["after"] == "rep"


def test_a_new_person_with_access_is_audited_from_nothing(client, session, factory):
    admin = factory.person("admin")
    login(client, admin.email)
    response = upload(client, HEADER + "A2,Second Admin,second@example.test,,,admin,\n")
    assert response.status_code == 200
    (event,) = access_events(session)
    assert event.target == "A2" and event.actor_id == admin.id
    assert event.details["before"] is None and event.details["after"] == "admin"


# The command line ------------------------------------------------------------------------


def test_the_command_line_may_grant_admin_and_is_audited_as_the_system(
    runner, session, factory, tmp_path
):
    rep = factory.person("rep")
    roster = tmp_path / "roster.csv"
    roster.write_text(HEADER + row(rep, access="admin"))
    result = runner.invoke(args=["people", "import", "--keep-missing", str(roster)])
    assert result.exit_code == 0, result.output
    assert fresh(session, rep).access == "admin"
    (event,) = access_events(session)
    assert event.actor_id is None and event.details["actor"] == "command line"
    assert (event.details["before"], event.details["after"]) == ("rep", "admin")


# The integration API ---------------------------------------------------------------------


def api_rows(*people: dict) -> dict:
    return {"rows": list(people)}


def as_row(person: Person, **changes) -> dict:
    data = {
        "external_id": person.external_id,
        "name": person.name,
        "email": person.email,
        "team": "",
        "manager_email": "",
        "access": person.access,
        "sales_role": person.sales_role,
    }
    return {**data, **changes}


@pytest.mark.parametrize("access", ["hr", "admin"])
def test_a_token_cannot_create_hr_or_admin(client, session, access):
    new = {
        "external_id": "X1",
        "name": "Mallory",
        "email": "m@example.test",
        "team": "",
        "manager_email": "",
        "access": access,
        "sales_role": "",
    }
    response = client.post(
        "/api/v1/people/import?keep_missing=true",
        json=api_rows(new),
        headers=bearer(session, "people:write"),
    )
    assert response.status_code == 422
    assert f"row 2, column access: {TOKEN_RULE}" in response.get_json()["error"]["problems"]
    assert session.exec(select(Person).where(Person.external_id == "X1")).first() is None


@pytest.mark.parametrize("access", ["hr", "admin"])
def test_a_token_cannot_promote_anyone(client, session, factory, access):
    rep = factory.person("rep")
    response = client.post(
        "/api/v1/people/import?keep_missing=true",
        json=api_rows(as_row(rep, access=access)),
        headers=bearer(session, "people:write"),
    )
    assert response.status_code == 422
    assert f"row 2, column access: {TOKEN_RULE}" in response.get_json()["error"]["problems"]
    assert fresh(session, rep).access == "rep"


def test_a_token_cannot_demote_the_admin_or_change_their_email(client, session, factory):
    admin = factory.person("admin")
    response = client.post(
        "/api/v1/people/import?keep_missing=true",
        json=api_rows(as_row(admin, access="manager", email="evil@example.test")),
        headers=bearer(session, "people:write"),
    )
    assert response.status_code == 422
    problems = response.get_json()["error"]["problems"]
    assert f"row 2, column access: {ACCESS_RULE}" in problems
    assert f"row 2, column email: {EMAIL_RULE}" in problems
    assert fresh(session, admin).access == "admin" and fresh(session, admin).email == admin.email


def test_a_token_may_still_import_reps_and_managers_and_it_is_audited(client, session, factory):
    rep = factory.person("rep")
    response = client.post(
        "/api/v1/people/import?keep_missing=true",
        json=api_rows(as_row(rep, access="manager")),
        headers=bearer(session, "people:write"),
    )
    assert response.status_code == 200, response.get_json()
    (event,) = access_events(session)
    assert event.details["actor"].startswith("API token mtv_")
    assert (event.details["before"], event.details["after"]) == ("rep", "manager")


# Authorisation is not optional -----------------------------------------------------------


def test_a_service_call_without_an_actor_is_a_type_error(session, factory):
    with pytest.raises(TypeError):
        import_people(session=session, header=HEADER.strip().split(","), records=[])
    with pytest.raises(TypeError):
        list_people(session=session)
    with pytest.raises(TypeError):
        list_waves(session=session)


def test_a_service_refuses_none_as_an_actor(session):
    with pytest.raises(Exception) as caught:
        list_people(session=session, viewer=None)
    assert not isinstance(caught.value, InvalidInput)


def _service_functions():
    for info in pkgutil.iter_modules(services.__path__):
        module = import_module(f"services.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            # services.access is the rule book itself: its subject is its first argument.
            if module.__name__ == "services.access":
                continue
            if function.__module__ == module.__name__ and not name.startswith("_"):
                yield f"{module.__name__}.{name}", function


def test_no_service_has_an_optional_viewer_or_actor():
    optional = []
    for qualname, function in _service_functions():
        for parameter in inspect.signature(function).parameters.values():
            if parameter.name not in ("viewer", "actor"):
                continue
            if (
                parameter.default is not inspect.Parameter.empty
                or parameter.kind is not inspect.Parameter.KEYWORD_ONLY
            ):
                optional.append(f"{qualname}({parameter.name})")
    assert optional == []


def test_web_reads_data_through_services_only():
    """Pages, commands and the API never query tables themselves (rules live in services)."""
    web = Path(__file__).resolve().parents[2] / "web"
    found = []
    for path in sorted(web.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\bselect\(|session\.exec\(|session\.get\(|\.exec\(select", line):
                found.append(f"{path.relative_to(web)}:{number}: {line.strip()}")
    assert found == []
