"""Every route, every role, and a person from another team."""

import pytest

from tests.conftest import csrf_token, login


@pytest.fixture
def org(factory):
    team_a, team_b = factory.team("Team A"), factory.team("Team B")
    manager_a = factory.person("manager", team=team_a, name="Manager A")
    manager_b = factory.person("manager", team=team_b, name="Manager B")
    return {
        "rep": factory.person("rep", team=team_a, manager=manager_a, name="Rep A"),
        "rep_a2": factory.person("rep", team=team_a, manager=manager_a, name="Rep A2"),
        "rep_b": factory.person("rep", team=team_b, manager=manager_b, name="Rep B"),
        "manager": manager_a,
        "manager_b": manager_b,
        "hr": factory.person("hr", name="HR Person"),
        "admin": factory.person("admin", name="Admin Person"),
    }


# (method, path template, {role: expected status}); "anon" is nobody signed in.
# {rep}, {rep_a2}, {rep_b} are external ids of people in the org fixture.
MATRIX = [
    ("GET", "/me/", {"anon": 302, "rep": 200, "manager": 200, "hr": 200, "admin": 200}),
    ("GET", "/team/", {"anon": 302, "rep": 403, "manager": 200, "hr": 403, "admin": 403}),
    (
        "GET",
        "/team/person/{rep}",
        {"anon": 302, "rep": 200, "manager": 200, "hr": 404, "admin": 404, "manager_b": 404},
    ),
    ("GET", "/team/person/{rep_a2}", {"rep": 404, "manager": 200, "manager_b": 404}),
    ("GET", "/team/person/{rep_b}", {"rep": 404, "manager": 404, "manager_b": 200}),
    ("GET", "/hr/", {"anon": 302, "rep": 403, "manager": 403, "hr": 200, "admin": 403}),
    ("GET", "/admin/people", {"anon": 302, "rep": 403, "manager": 403, "hr": 200, "admin": 200}),
    (
        "POST",
        "/admin/people/{rep}/password-link",
        {"anon": 302, "rep": 403, "manager": 403, "hr": 403, "admin": 200},
    ),
    ("GET", "/api/v1/me", {"anon": 401, "rep": 200, "manager": 200, "hr": 200, "admin": 200}),
    ("GET", "/healthz", {"anon": 200, "rep": 200}),
]

CASES = [
    pytest.param(method, path, role, status, id=f"{method} {path} as {role}")
    for method, path, expected in MATRIX
    for role, status in expected.items()
]


@pytest.mark.parametrize(("method", "path", "role", "status"), CASES)
def test_route_role_matrix(client, org, method, path, role, status):
    if role != "anon":
        assert login(client, org[role].email).status_code == 302
    url = path.format(**{k: p.external_id for k, p in org.items()})
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/me/" if role != "anon" else "/auth/login")
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status == 302:
        assert "/auth/login" in response.headers["Location"]
    if url.startswith("/api/"):
        assert response.is_json


def test_manager_page_for_another_team_does_not_reveal_the_name(client, org):
    login(client, org["manager"].email)
    response = client.get(f"/team/person/{org['rep_b'].external_id}")
    assert response.status_code == 404
    assert "Rep B" not in response.get_data(as_text=True)


def test_each_role_lands_on_its_own_page(client, org):
    landing = {"rep": "/me/", "manager": "/team/", "hr": "/hr/", "admin": "/admin/people"}
    for role, path in landing.items():
        client.delete_cookie("session")
        response = login(client, org[role].email)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(path), role
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
