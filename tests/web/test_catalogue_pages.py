"""HR's catalogue editor: list, add, edit, retire and bring back, in both languages."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.catalogue import create_reward
from tests.conftest import csrf_token, login
from tests.services.test_catalogue_service import record


@pytest.fixture
def hr(client, factory):
    person = factory.person("hr", name="Hanne HR")
    login(client, person.email)
    return person


def form_data(token: str, **changes) -> dict:
    data = {
        "csrf_token": token,
        "slug": "quiet-day",
        "name_en": "A quiet day",
        "name_nb": "En rolig dag",
        "description_en": "No meetings for a day.",
        "description_nb": "Ingen møter en dag.",
        "category": "time",
        "visibility": "private",
        "scope": "individual",
        "roles": ["all"],
        "cost_band": "1",
        "cost": "0",
        "horizon": "short",
        "cooldown_days": "30",
    }
    data.update(changes)
    return data


def edit_form(client, reward: str = "quiet-day", **changes) -> dict:
    """The edit form of a stored reward as the page sends it: its token and version."""
    page = client.get(f"/hr/rewards/{reward}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', page).group(1)
    changes.setdefault("version", version)
    return form_data(csrf_token(client, f"/hr/rewards/{reward}"), **changes)


def test_hr_adds_a_reward_and_it_is_stored_as_an_import_would_store_it(client, session, hr):
    token = csrf_token(client, "/hr/rewards/new")
    response = client.post("/hr/rewards/new", data=form_data(token, cost="1 500"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/hr/rewards/quiet-day")
    row = session.exec(select(RewardRow)).one()
    assert row.name == {"en": "A quiet day", "nb": "En rolig dag"}
    assert row.cost == 1500.0 and row.roles == ["all"] and row.active
    page = client.get("/hr/rewards/").get_data(as_text=True)
    assert "A quiet day" in page and "quiet-day" in page


def test_a_refused_form_keeps_every_value_and_marks_each_field(client, session, hr):
    token = csrf_token(client, "/hr/rewards/new")
    response = client.post(
        "/hr/rewards/new",
        data=form_data(
            token,
            slug="Quiet Day",
            name_nb="",
            cost="1,500",
            roles=["all", "sdr"],
            description_en="Kept <b>as typed</b>",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in html
    assert "not a valid id" in html and "for example &#39;quiet-day&#39;" in html
    assert 'id="name_nb-error"' in html and 'id="cost-error"' in html
    assert "thousands separator" in html and "cannot be combined" in html
    # Nothing typed is lost: every value comes back, escaped.
    assert 'value="Quiet Day"' in html and 'value="1,500"' in html
    assert 'value="A quiet day"' in html
    assert "Kept &lt;b&gt;as typed&lt;/b&gt;" in html
    assert 'value="sdr" checked' in html and 'value="all" checked' in html
    assert session.exec(select(RewardRow)).first() is None


def test_editing_shows_the_history_with_before_and_after(client, session, hr):
    create_reward(session=session, actor=SYSTEM, record=record())
    page = client.get("/hr/rewards/quiet-day").get_data(as_text=True)
    assert 'value="A quiet day"' in page and 'value="30"' in page
    response = client.post(
        "/hr/rewards/quiet-day",
        data=edit_form(client, slug="ignored", name_en="A quiet Friday", cooldown_days="60"),
    )
    assert response.status_code == 302
    row = session.exec(select(RewardRow)).one()
    session.refresh(row)
    assert row.slug == "quiet-day" and row.name["en"] == "A quiet Friday"
    page = client.get("/hr/rewards/quiet-day").get_data(as_text=True)
    history = page[page.index('id="history-heading"') :]
    assert "Hanne HR" in history and "Edited" in history and "Added" in history
    assert "English: A quiet day" in history and "English: A quiet Friday" in history
    assert "60" in history
    # The reward was added at the command line; its choices read as the form offers them.
    assert "the command line" in history and ">command line<" not in history
    assert "Private" in history
    assert ": private<" not in history and ": individual<" not in history


def test_the_history_reads_in_norwegian(client, session, hr):
    create_reward(session=session, actor=SYSTEM, record=record())
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    page = client.get("/hr/rewards/quiet-day").get_data(as_text=True)
    history = page[page.index('id="history-heading"') :]
    assert "kommandolinjen" in history and "command line" not in history
    assert "Engelsk: A quiet day" in history and "en: " not in history
    for raw in (": private<", ": public<", ": individual<", ": team<", ": long<", ": short<"):
        assert raw not in history


def test_an_edit_that_breaks_a_rule_changes_nothing(client, session, hr):
    create_reward(session=session, actor=SYSTEM, record=record())
    response = client.post(
        "/hr/rewards/quiet-day", data=edit_form(client, category="money", cost="-1")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "unknown category" in html and "must not be negative" in html
    assert 'value="-1"' in html
    row = session.exec(select(RewardRow)).one()
    assert row.category == "time" and row.cost == 0


def test_retired_rewards_are_listed_apart_and_come_back(client, session, hr):
    create_reward(session=session, actor=SYSTEM, record=record())
    create_reward(session=session, actor=SYSTEM, record=record("team-lunch", active=False))
    active = client.get("/hr/rewards/").get_data(as_text=True)
    assert "quiet-day" in active and "team-lunch" not in active
    retired = client.get("/hr/rewards/?status=retired").get_data(as_text=True)
    assert "team-lunch" in retired and "quiet-day" not in retired
    token = csrf_token(client, "/hr/rewards/team-lunch")
    client.post("/hr/rewards/team-lunch/reactivate", data={"csrf_token": token})
    assert all(r.active for r in session.exec(select(RewardRow)))


def test_the_editor_speaks_norwegian(client, session, hr):
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    create_reward(session=session, actor=SYSTEM, record=record())
    listing = client.get("/hr/rewards/").get_data(as_text=True)
    assert "Belønningskatalog" in listing and "En rolig dag" in listing
    html = client.post("/hr/rewards/quiet-day", data=edit_form(client, name_en="")).get_data(
        as_text=True
    )
    assert "Ingenting ble lagret" in html and "Navn på engelsk" in html
    # The rule's own message, in Norwegian.
    assert "mangler verdi" in html and "missing value" not in html


def test_an_unknown_reward_is_a_404(client, hr):
    assert client.get("/hr/rewards/no-such-thing").status_code == 404


@pytest.mark.parametrize("access", ["rep", "manager", "admin"])
def test_only_hr_opens_the_editor(client, session, factory, access):
    create_reward(session=session, actor=SYSTEM, record=record())
    login(client, factory.person(access).email)
    assert client.get("/hr/rewards/").status_code == 403
    token = csrf_token(client, "/me/")
    response = client.post(
        "/hr/rewards/quiet-day/retire", data={"csrf_token": token, "confirm": "1"}
    )
    assert response.status_code == 403
    assert session.exec(select(RewardRow)).one().active


def test_hr_downloads_the_catalogue_as_a_csv_the_import_reads_back(client, session, hr):
    from recommender.catalogue import parse_catalogue
    from services.tabular import read_table_bytes

    create_reward(session=session, actor=SYSTEM, record=record(cost=1500.5))
    create_reward(session=session, actor=SYSTEM, record=record("team-lunch", active=False))
    response = client.get("/hr/rewards/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    table = read_table_bytes(response.data, name="rewards.csv")
    rewards = {r.id: r for r in parse_catalogue(table.rows)}
    assert rewards["quiet-day"].cost == 1500.5 and not rewards["team-lunch"].active
    assert rewards["quiet-day"].name == {"en": "A quiet day", "nb": "En rolig dag"}
    from models.tables import AuditLog

    event = session.exec(select(AuditLog).where(AuditLog.action == "rewards.export")).one()
    assert event.actor_id == hr.id and event.target == "csv"


def test_a_form_opened_before_someone_else_saved_does_not_overwrite_their_change(
    client, session, hr
):
    from services.catalogue import update_reward

    create_reward(session=session, actor=SYSTEM, record=record())
    page = client.get("/hr/rewards/quiet-day").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', page).group(1)
    update_reward(session=session, actor=SYSTEM, slug="quiet-day", record=record(cost=300))
    refused = client.post(
        "/hr/rewards/quiet-day", data=edit_form(client, cost="999", version=version)
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Someone changed this reward since you opened it" in html
    assert 'value="999"' in html  # what was typed is still there
    assert session.exec(select(RewardRow)).one().cost == 300
    newer = re.search(r'name="version" type="hidden" value="([^"]+)"', html).group(1)
    saved = client.post("/hr/rewards/quiet-day", data=edit_form(client, cost="999", version=newer))
    assert saved.status_code == 302
    row = session.exec(select(RewardRow)).one()
    session.refresh(row)
    assert row.cost == 999


def test_a_cost_no_reward_has_is_refused_in_norwegian_and_the_team_pages_keep_working(
    client, session, hr, factory
):
    """A cost of 1e308 was accepted; every manager's team page then failed formatting it."""
    create_reward(session=session, actor=SYSTEM, record=record())
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    response = client.post(
        "/hr/rewards/quiet-day",
        data=edit_form(client, cost="1e308", cooldown_days="99999999999999999999"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "må være høyst 10000000" in html and "fra 0 til 3650" in html
    assert session.exec(select(RewardRow)).one().cost == 0
    assert client.get("/hr/budgets").status_code == 200


def test_an_edit_without_its_version_is_refused_like_a_stale_one(client, session, hr):
    """An empty ``version`` field skipped the "someone else saved first" check."""
    create_reward(session=session, actor=SYSTEM, record=record())
    response = client.post("/hr/rewards/quiet-day", data=edit_form(client, cost="999", version=""))
    assert response.status_code == 400
    assert "Someone changed this reward since you opened it" in response.get_data(as_text=True)
    assert session.exec(select(RewardRow)).one().cost == 0
