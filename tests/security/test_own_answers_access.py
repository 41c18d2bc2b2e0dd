"""Attack: only the rep themself reaches their answers and their data. A manager, HR, an
admin or another rep gets 404 for the rep's response, gets only their own data from the
download, and no page, export or API answer anywhere shows the rep's item-level answers
or free text to their manager."""

import json

import pytest

from tests.conftest import login
from tests.services.test_own_data import FREE_TEXT, answered  # noqa: F401  (fixture)

# The rep's own answers as the answers page writes them; nowhere else does such a string
# appear, so finding one on another person's page means an answer leaked.
ANSWER_MARKERS = (FREE_TEXT, "5 – Strongly agree", "5 – Helt enig")


@pytest.fixture
def intruders(factory, answered):  # noqa: F811
    return {
        "manager": answered["boss"],
        "other rep": answered["other"],
        "hr": factory.person("hr"),
        "admin": factory.person("admin"),
    }


def rep_response_id(app, answered) -> int:  # noqa: F811
    client = app.test_client()
    login(client, answered["rep"].email)
    html = client.get("/me/answers").get_data(as_text=True)
    return int(html.split('href="/me/answers/')[1].split('"')[0])


@pytest.mark.parametrize("who", ["manager", "other rep", "hr", "admin"])
def test_nobody_else_fetches_the_reps_answers(app, answered, intruders, who):  # noqa: F811
    response_id = rep_response_id(app, answered)
    client = app.test_client()
    login(client, intruders[who].email)
    for path in (
        f"/me/answers/{response_id}",
        f"/me/answers/{response_id}?person={answered['rep'].external_id}",
        f"/me/answers/{response_id}?lang=nb",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert FREE_TEXT not in response.get_data(as_text=True)
    listing = client.get("/me/answers").get_data(as_text=True)
    assert "Autumn 2026" not in listing or who == "other rep"
    assert f'href="/me/answers/{response_id}"' not in listing
    download = client.get(
        f"/me/data.json?person={answered['rep'].external_id}&external_id={answered['rep'].external_id}"
    )
    data = json.loads(download.get_data(as_text=True))
    assert data["profile"]["external_id"] == intruders[who].external_id
    assert FREE_TEXT not in download.get_data(as_text=True)


def _get_routes(app, values: dict) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/static/", "/auth/")):
            continue
        path = rule.rule
        for key, value in values.items():
            for converter in ("", "int:"):
                path = path.replace(f"<{converter}{key}>", str(value))
        if "<" not in path:
            paths.append(path)
    return paths


@pytest.mark.parametrize("who", ["manager", "hr", "admin", "other rep"])
def test_no_page_shows_the_reps_answers_or_free_text_to_anyone_else(
    app,
    session,
    answered,  # noqa: F811
    intruders,
    who,
):
    rep = answered["rep"]
    values = {
        "external_id": rep.external_id,
        "wave_id": answered["wave"].id,
        "response_id": rep_response_id(app, answered),
        "page_key": "motivation",
        "fmt": "csv",
    }
    client = app.test_client()
    login(client, intruders[who].email)
    walked = 0
    for path in _get_routes(app, values):
        for variant in (path, path + ("&" if "?" in path else "?") + "lang=nb"):
            body = client.get(variant).get_data()  # bytes: some answers are PDF or CSV
            walked += 1
            for marker in ANSWER_MARKERS:
                assert marker.encode() not in body, f"{marker!r} on {variant} as {who}"
    assert walked > 40
    # The manager's own page about the rep exists and still shows no answers.
    if who == "manager":
        page = client.get(f"/team/person/{rep.external_id}")
        assert page.status_code == 200
