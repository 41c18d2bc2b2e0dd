"""Money on the pages: the organisation's currency, cost bands as amounts, the give form's
cost and remaining budget before the manager commits, and the fairness rule explained."""

import io
from datetime import timedelta

import pytest
from flask import render_template
from sqlmodel import select

from models.tables import AuditLog, Budget, Grant
from services.budgets import budget_status
from services.fairness import fairness
from tests.conftest import csrf_token, login
from tests.services.test_budgets import add_reward, give
from web.config import ConfigError


@pytest.fixture
def org(today, quarter, session, factory):
    north = factory.team("North")
    boss = factory.person("manager", team=north, name="Boss North")
    reps = [
        factory.person(team=north, manager=boss, name=f"Rep{i}", sales_role="closer")
        for i in range(4)
    ]
    hr = factory.person("hr", name="Hanne HR")
    lunch = add_reward(session, "lunch", 300, 1)
    course = add_reward(session, "course", 1900, 2)
    trip = add_reward(session, "trip", 5000, 3)
    session.add(Budget(team_id=north.id, quarter=quarter, amount=2000))
    session.commit()
    give(session, lunch, reps[0], today)  # 300 spent, 1,700 left
    return {
        "north": north,
        "boss": boss,
        "reps": reps,
        "hr": hr,
        "lunch": lunch,
        "course": course,
        "trip": trip,
    }


def give_url(rep) -> str:
    return f"/team/person/{rep.external_id}/give"


def test_budget_amounts_carry_the_currency_in_each_language(quarter, app, session, org):
    status = budget_status(session=session, team_id=org["north"].id)
    with app.test_request_context("/?lang=en"):
        html = render_template("recognition/_budget.html", budget=status)
        assert f"NOK\u00a0300 of NOK\u00a02,000 spent in {quarter}" in html
        assert "NOK\u00a01,700 left this quarter." in html
    with app.test_request_context("/?lang=nb"):
        html = render_template("recognition/_budget.html", budget=status)
        assert f"300\xa0kr av 2\xa0000\xa0kr brukt i {quarter}" in html
        assert "1\xa0700\xa0kr igjen dette kvartalet." in html


def test_the_currency_is_a_setting(quarter, engine, database_url, session, org):
    from web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x" * 32,
            "MOTIVO_CURRENCY": "eur",
        }
    )
    try:
        client = app.test_client()
        login(client, org["hr"].email)
        html = client.get(f"/hr/budgets?quarter={quarter}&lang=en").get_data(as_text=True)
        assert "€2,000" in html and "NOK" not in html
    finally:
        app.extensions["motivo.engine"].dispose()
    with pytest.raises(ConfigError, match="MOTIVO_CURRENCY"):
        create_app({"TESTING": True, "DATABASE_URL": database_url, "MOTIVO_CURRENCY": "ZZZ"})


def test_cost_bands_show_amounts_not_dollar_signs(quarter, client, session, org):
    login(client, org["hr"].email)
    html = client.get(f"/hr/budgets?quarter={quarter}").get_data(as_text=True)
    assert "$" not in html
    table = html.split('id="budgets-table"')[1].split("</thead>")[0]
    # Each band's range is the cheapest to the dearest reward in it.
    assert "NOK\u00a0300" in table and "NOK\u00a01,900" in table and "NOK\u00a05,000" in table
    assert "NOK\u00a02,000" in html.split('id="budgets-table"')[1]  # North's budget
    assert "For the whole quarter, in NOK." in html  # the amount field says its currency


def test_give_form_lists_each_rewards_cost_and_what_is_left(client, session, org):
    login(client, org["boss"].email)
    html = client.get(give_url(org["reps"][1])).get_data(as_text=True)
    assert "$" not in html
    assert "Lunch — NOK\u00a0300" in html and "Trip — NOK\u00a05,000" in html
    assert "NOK\u00a01,700 left this quarter." in html
    # The dearer option says before anything is sent that it would go over.
    option = html.split("Trip — NOK\u00a05,000")[0].rsplit("<option", 1)[1]
    assert 'data-over="1"' in option and 'value="trip"' in option
    assert "script-src" not in html and "give.js" in html


def test_choosing_a_reward_shows_its_cost_and_the_budget_after_without_javascript(
    client, session, org
):
    login(client, org["boss"].email)
    url = give_url(org["reps"][1])
    html = client.get(url + "?reward=course").get_data(as_text=True)
    preview = html.split('id="give-preview"')[1].split("</div>")[0]
    assert "NOK\u00a01,900" in preview and "NOK\u00a0-200" not in preview
    assert "would take the team over this quarter" in preview
    # The "check the cost" button shows the same before committing, and gives nothing.
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "reward": "lunch",
            "occasion": "other",
            "note": "kept",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    preview = response.get_data(as_text=True).split('id="give-preview"')[1].split("</div>")[0]
    assert "NOK\u00a0300" in preview and "NOK\u00a01,400 left after this reward" in preview
    assert len(session.exec(select(Grant)).all()) == 1  # only the fixture's
    # The server still checks the budget when the manager commits.
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "reward": "trip", "occasion": "other"},
    )
    assert response.status_code == 409 and len(session.exec(select(Grant)).all()) == 1


def test_the_give_form_in_norwegian(client, session, org):
    org["boss"].locale = "nb"
    session.add(org["boss"])
    session.commit()
    login(client, org["boss"].email)
    html = client.get(give_url(org["reps"][1]) + "?reward=lunch").get_data(as_text=True)
    assert "300\xa0kr" in html and "1\xa0400\xa0kr igjen etter denne belønningen" in html


def test_fairness_explains_the_rule_and_shows_a_quiet_team_separately(client, session, org):
    login(client, org["boss"].email)
    html = client.get("/team/recognition").get_data(as_text=True)
    # One person received everything: left out is flagged, concentration is not (too few).
    assert "more than 40%" not in html.split('class="fairness-panel"')[1].split("</ul>")[0]
    assert "at least 5 people" in html
    session.delete(session.exec(select(Grant)).one())
    session.commit()
    html = client.get("/team/recognition").get_data(as_text=True)
    assert "Nobody in the team has been given a reward yet." in html


def test_value_in_fairness_tables_carries_the_currency(
    today, quarter, client, session, org, factory
):
    for i in range(5):
        give(session, org["lunch"], factory.person(team=org["north"], name=f"X{i}"), today)
    login(client, org["hr"].email)
    html = client.get(f"/hr/fairness?quarter={quarter}").get_data(as_text=True)
    teams = html.split('id="fairness-teams"')[1].split("</table>")[0]
    assert "NOK\u00a01,800" in teams


def test_quiet_days_are_counted_from_the_last_reward(today, app, session, org):
    grant = session.exec(select(Grant)).one()
    last_quarter_day = today - timedelta(days=today.day + 100)
    grant.given_on = last_quarter_day
    session.add(grant)
    session.commit()
    report = fairness(session=session, viewer=org["boss"])
    with app.test_request_context("/?lang=en"):
        html = render_template("recognition/_fairness.html", fairness=report)
    assert f"Nobody in the team has been given a reward for {report.quiet_days} days" in html


def test_concentration_is_flagged_among_five_recipients(today, client, session, org, factory):
    fifth = factory.person(team=org["north"], manager=org["boss"], name="Rep4")
    for rep in org["reps"][1:] + [fifth]:
        give(session, org["lunch"], rep, today)
    give(session, org["trip"], org["reps"][0], today)
    login(client, org["boss"].email)
    html = client.get("/team/recognition").get_data(as_text=True)
    # Rep0: 300 + 5,000 of 6,500.
    assert "<bdi>Rep0</bdi> received 82% of this quarter’s reward value, more than 40%." in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_budget_exports_carry_the_currency(quarter, client, session, org, fmt):
    login(client, org["hr"].email)
    response = client.get(f"/hr/budgets.{fmt}?quarter={quarter}")
    assert response.status_code == 200
    assert f"budgets-{quarter.lower()}.{fmt}" in response.headers["Content-Disposition"]
    if fmt == "csv":
        lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
        assert lines[0].startswith("team,quarter,currency,budget,spent,remaining,over,")
        assert lines[1] == f'"North","{quarter}","NOK",2000,300,1700,"no",1,300,0,0,0'
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:6] == ("team", "quarter", "currency", "budget", "spent", "remaining")
        assert rows[1][:6] == ("North", quarter, "NOK", 2000, 300, 1700)
    else:
        data = response.get_json()
        assert data["currency"] == "NOK" and data["teams"][0]["budget"] == 2000
        assert data["cost_bands"]["1"] == {"lowest": 300, "highest": 300}
    audit = session.exec(select(AuditLog).where(AuditLog.action == "export.budgets")).one()
    assert audit.actor_id == org["hr"].id
    client.get("/auth/login")
    assert client.get(f"/hr/budgets.pdf?quarter={quarter}").status_code == 404


def test_budget_page_links_its_exports(quarter, client, session, org):
    login(client, org["hr"].email)
    html = client.get(f"/hr/budgets?quarter={quarter}").get_data(as_text=True)
    assert f"/hr/budgets.csv?quarter={quarter}" in html
    assert f"/hr/budgets.xlsx?quarter={quarter}" in html


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "en",
            "This reward costs NOK\u00a05,000 and would take the team over this quarter&#39;s "
            "budget by NOK\u00a03,300.",
        ),
        (
            "nb",
            "Denne belønningen koster 5\xa0000\xa0kr, og teamet vil da gå over budsjettet "
            "for dette kvartalet med 3\xa0300\xa0kr.",
        ),
    ],
)
def test_the_over_budget_question_states_the_fixed_price_and_the_overspend(
    client, session, org, lang, words
):
    org["boss"].locale = lang
    session.add(org["boss"])
    session.commit()
    login(client, org["boss"].email)
    url = give_url(org["reps"][1])
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "reward": "trip", "occasion": "other"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    # 300 spent of 2,000: the 5,000 trip goes over by 3,300, and its price is not a guess.
    assert words in html
    assert "costs about" not in html and "omtrent" not in html
    assert len(session.exec(select(Grant)).all()) == 1
