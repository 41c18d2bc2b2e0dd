"""Access details the route matrix (test_route_matrix.py) does not show: landing pages and
what a refused page does not reveal."""

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
