"""MOTIVO_MIN_GROUP_SIZE, read once, is the size the page, the CLI and the API all honour."""

import json

import pytest
from sqlmodel import select

from models.tables import Rating
from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.api_tokens import create_token
from services.catalogue import ensure_seed_catalogue
from services.instruments import ensure_default_instrument
from services.waves import open_wave
from tests.conftest import login, rated_grant

QUOTE = "Colleagues rated this above average (6 people)"
FALLBACK = "A popular choice while Motivo learns what suits you"


@pytest.fixture(params=[5, 7])
def size_app(request, monkeypatch, engine, database_url):
    """The app as an operator starts it, with the setting in the environment."""
    from web import create_app

    monkeypatch.setenv("MOTIVO_MIN_GROUP_SIZE", str(request.param))
    app = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    )
    app.size = request.param
    yield app
    app.extensions["motivo.engine"].dispose()


@pytest.fixture
def six_fans(session, factory):
    """A rep, six colleagues who each rated the bell 5 (twice), and a team of seven."""
    ensure_seed_catalogue(session=session)
    team = factory.team("North")
    rep = factory.person("rep", team=team)
    fans = [factory.person("rep", team=team, password=None) for _ in range(6)]
    by_slug = {r.slug: r for r in session.exec(select(RewardRow))}
    for fan in fans:
        for days_ago in (10, 40):
            rated_grant(session, fan, by_slug["deal-bell"], 5, days_ago=days_ago)
        session.add(
            Rating(person_id=fan.id, reward_id=by_slug["employee-of-the-month"].id, rating=1)
        )
    ensure_default_instrument(session=session)
    open_wave(session=session, actor=SYSTEM, name="Autumn pulse")
    session.commit()
    return rep


def test_page_cli_and_api_quote_colleagues_alike(size_app, session, six_fans):
    rep = six_fans
    quoted = size_app.size <= 6  # six people (twelve ratings): quoted at 5, not at 7
    client = size_app.test_client()
    login(client, rep.email)
    page = client.get("/me/").get_data(as_text=True)
    assert (QUOTE in page) is quoted
    assert "12 ratings" not in page and "(12 " not in page  # people, never ratings
    assert "Ring the deal bell" in page  # the best rated reward leads the list either way

    cli = size_app.test_cli_runner().invoke(
        args=["recommend", "--person", rep.external_id, "--format", "json"]
    )
    assert cli.exit_code == 0, cli.output
    reasons = [r for row in json.loads(cli.stdout) for r in row["reasons"]]
    assert (QUOTE in reasons) is quoted

    secret = create_token(
        session=session,
        actor=SYSTEM,
        name="t",
        scopes=("recommendations:read", "waves:read"),
    )[1]
    headers = {"Authorization": f"Bearer {secret}"}
    api = client.get(f"/api/v1/recommendations/{rep.external_id}", headers=headers).get_json()
    assert api["suggestions"][0]["reward_id"] == "deal-bell"
    assert "people)" not in json.dumps(api)  # the API gives suggestions without reasons
    waves = client.get("/api/v1/waves", headers=headers).get_json()
    assert json.dumps(waves).count(f'"min_group_size": {size_app.size}') >= 1


def test_hr_headcount_follows_the_setting(size_app, session, six_fans, factory):
    hr = factory.person("hr")
    session.commit()
    client = size_app.test_client()
    login(client, hr.email)
    page = client.get("/hr/").get_data(as_text=True)
    # North has seven reps: shown at 5 and at 7; with one fewer it would hide at 7.
    assert "North" in page
    from services.organisation import headcount_by_team, use_min_group_size

    use_min_group_size(session, size_app.size)
    (north,) = [row for row in headcount_by_team(session=session) if row.team == "North"]
    assert north.n == 7 and not north.suppressed
    use_min_group_size(session, 8)
    (north,) = [row for row in headcount_by_team(session=session) if row.team == "North"]
    assert north.n is None and north.suppressed
