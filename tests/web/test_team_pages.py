"""The manager's pages: give a reward (with the budget warning), record its status."""

import pytest
from sqlmodel import select

from models.tables import Budget, Grant, Notification, Reward
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.instruments import ensure_default_instrument
from tests.conftest import csrf_token, login


@pytest.fixture
def team(session, factory):
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    oslo = factory.team("Oslo")
    manager = factory.person("manager", team=oslo)
    rep = factory.person("rep", team=oslo, manager=manager, sales_role="closer")
    other = factory.person("manager", team=factory.team("Bergen"))
    reward = next(r for r in session.exec(select(Reward)) if "all" in r.roles and r.cost > 0)
    return {"manager": manager, "rep": rep, "other": other, "reward": reward}


def give(client, rep, data):
    url = f"/team/person/{rep.external_id}/give"
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def test_manager_gives_a_reward_and_the_rep_is_told(client, session, team):
    login(client, team["manager"].email)
    response = give(
        client,
        team["rep"],
        {"reward": team["reward"].slug, "occasion": "goal_reached", "note": "For the Nordlys deal"},
    )
    assert response.status_code == 302
    grant = session.exec(select(Grant)).one()
    assert (grant.person_id, grant.occasion, grant.note) == (
        team["rep"].id,
        "goal_reached",
        "For the Nordlys deal",
    )
    notice = session.exec(select(Notification).where(Notification.kind == "reward_received")).one()
    assert notice.person_id == team["rep"].id


def test_over_budget_asks_first_and_writes_nothing_until_confirmed(client, session, team):
    session.add(Budget(team_id=team["manager"].team_id, quarter=_quarter(), amount=1))
    session.commit()
    login(client, team["manager"].email)
    data = {"reward": team["reward"].slug, "occasion": "milestone", "note": ""}
    warned = give(client, team["rep"], data)
    assert warned.status_code == 409
    assert "over this quarter" in warned.get_data(as_text=True)
    assert session.exec(select(Grant)).first() is None
    # A confirmation for another reward does not hold for this one.
    other = give(client, team["rep"], {**data, "confirm_over_budget": "some-other-reward"})
    assert other.status_code == 409
    confirmed = give(client, team["rep"], {**data, "confirm_over_budget": team["reward"].slug})
    assert confirmed.status_code == 302
    assert session.exec(select(Grant)).one()


def test_missing_reward_rerenders_with_the_field_error(client, session, team):
    login(client, team["manager"].email)
    response = give(client, team["rep"], {"reward": "", "occasion": "other", "note": "kept text"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a reward." in html and "kept text" in html
    assert session.exec(select(Grant)).first() is None


def test_status_is_recorded_by_the_reps_manager_only(client, session, team):
    login(client, team["manager"].email)
    give(client, team["rep"], {"reward": team["reward"].slug, "occasion": "other"})
    grant = session.exec(select(Grant)).one()
    token = csrf_token(client, "/team/")
    client.post(f"/team/grant/{grant.id}/status", data={"status": "redeemed", "csrf_token": token})
    session.refresh(grant)
    assert grant.status == "redeemed"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/me/")})
    login(client, team["other"].email)
    token = csrf_token(client, "/team/")
    response = client.post(
        f"/team/grant/{grant.id}/status", data={"status": "given", "csrf_token": token}
    )
    assert response.status_code == 404
    session.refresh(grant)
    assert grant.status == "redeemed"


def test_healthz_reports_the_model_version(client, session):
    from seed.demo_org import demo_people
    from services.demo import load_demo_people, load_demo_survey
    from services.training import train_model

    assert client.get("/healthz").get_json()["model_version"] is None
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    assert client.get("/healthz").get_json()["model_version"] == 1


def _quarter():
    from services.budgets import current_quarter

    return current_quarter()


def test_the_team_page_shows_the_budget_the_rewards_are_charged_to(client, session, factory):
    """A manager who sits in one team and leads reps in another spends the reps' team's
    budget (the recipient's team is charged), so that is the budget the page must show."""
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    head_office, field = factory.team("Head office"), factory.team("Field sales")
    manager = factory.person("manager", team=head_office)
    factory.person("rep", team=field, manager=manager)
    quarter = _quarter()
    session.add(Budget(team_id=head_office.id, quarter=quarter, amount=111_000))
    session.add(Budget(team_id=field.id, quarter=quarter, amount=4_000))
    session.commit()
    login(client, manager.email)
    html = client.get("/team/").get_data(as_text=True)
    assert "4,000" in html and "111,000" not in html
    assert "Field sales" in html


def _given_before(session, team, days_ago: int, cooldown: int) -> Grant:
    from datetime import timedelta

    from models.tables import utcnow

    reward = team["reward"]
    reward.cooldown_days = cooldown
    session.add(reward)
    grant = Grant(
        reward_id=reward.id,
        person_id=team["rep"].id,
        given_by_id=team["manager"].id,
        given_on=utcnow().date() - timedelta(days=days_ago),
        cost=reward.cost,
        team_id=team["manager"].team_id,
    )
    session.add(grant)
    session.commit()
    return grant


def test_a_reward_given_again_within_its_cooldown_asks_first(client, session, team):
    """The catalogue says how often a reward may go to one person; suggestions kept to it,
    but the give form gave it again without a word."""
    _given_before(session, team, days_ago=10, cooldown=90)
    login(client, team["manager"].email)
    data = {"reward": team["reward"].slug, "occasion": "milestone", "note": ""}
    warned = give(client, team["rep"], data)
    assert warned.status_code == 409
    html = warned.get_data(as_text=True)
    assert "received this reward 10 days ago" in html
    assert "at most once every 90 days" in html
    assert len(session.exec(select(Grant)).all()) == 1
    # Confirming for another reward does not confirm this one.
    other = give(client, team["rep"], {**data, "confirm_again": "another-reward"})
    assert other.status_code == 409
    confirmed = give(client, team["rep"], {**data, "confirm_again": team["reward"].slug})
    assert confirmed.status_code == 302
    assert len(session.exec(select(Grant)).all()) == 2


def test_a_one_off_reward_given_again_asks_first_and_after_the_cooldown_nothing_is_asked(
    client, session, team
):
    _given_before(session, team, days_ago=400, cooldown=0)
    login(client, team["manager"].email)
    data = {"reward": team["reward"].slug, "occasion": "milestone", "note": ""}
    warned = give(client, team["rep"], data)
    assert warned.status_code == 409
    assert "a one-off reward" in warned.get_data(as_text=True)
    team["reward"].cooldown_days = 30
    session.add(team["reward"])
    session.commit()
    assert give(client, team["rep"], data).status_code == 302


def test_the_cooldown_warning_in_norwegian(client, session, team):
    _given_before(session, team, days_ago=1, cooldown=14)
    login(client, team["manager"].email)
    url = f"/team/person/{team['rep'].external_id}/give?lang=nb"
    data = {"reward": team["reward"].slug, "occasion": "milestone", "note": ""}
    warned = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    html = warned.get_data(as_text=True)
    assert warned.status_code == 409
    assert "fikk denne belønningen for 1 dag siden" in html
    assert "Den gis høyst én gang hver 14. dag. Gi den igjen?" in html


def test_a_reward_is_given_without_asking_once_its_cooldown_has_passed(client, session, team):
    """Exactly the cooldown later is allowed again, as suggestions count it."""
    _given_before(session, team, days_ago=30, cooldown=30)
    login(client, team["manager"].email)
    data = {"reward": team["reward"].slug, "occasion": "milestone", "note": ""}
    assert give(client, team["rep"], data).status_code == 302


def test_a_rep_who_left_is_out_of_reach_of_their_former_manager(client, session, team):
    """Deactivated, the rep left the team page, but their card and the give page still
    opened, and a reward posted to them was charged to the team's budget."""
    login(client, team["manager"].email)
    url = f"/team/person/{team['rep'].external_id}/give"
    token = csrf_token(client, url)
    team["rep"].active = False
    session.add(team["rep"])
    session.commit()
    assert client.get(f"/team/person/{team['rep'].external_id}").status_code == 404
    assert client.get(url).status_code == 404
    posted = client.post(
        url, data={"reward": team["reward"].slug, "occasion": "other", "csrf_token": token}
    )
    assert posted.status_code == 404
    assert session.exec(select(Grant)).all() == []


def test_a_rep_who_left_keeps_their_rewards_as_they_were(client, session, team):
    """The card of a rep who left is gone, but their rewards' status could still be changed."""
    login(client, team["manager"].email)
    give(client, team["rep"], {"reward": team["reward"].slug, "occasion": "other"})
    grant = session.exec(select(Grant)).one()
    url = f"/team/person/{team['rep'].external_id}"
    token = csrf_token(client, url)
    team["rep"].active = False
    session.add(team["rep"])
    session.commit()
    posted = client.post(
        f"/team/grant/{grant.id}/status", data={"status": "redeemed", "csrf_token": token}
    )
    assert posted.status_code == 404
    session.refresh(grant)
    assert grant.status == "given"
