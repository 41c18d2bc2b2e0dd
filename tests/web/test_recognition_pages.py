"""The recognition pages, the partials other pages include, notifications and their commands."""

from datetime import date, timedelta

import pytest
from flask import render_template, template_rendered
from sqlmodel import select

from models.tables import Achievement, AuditLog, Budget, Notification, Wave, utcnow
from services.budgets import budget_status
from services.fairness import fairness
from services.instruments import ensure_default_instrument
from services.notifications import notify
from services.recognition import recognition_due
from tests.conftest import csrf_token, login
from tests.services.test_budgets import add_reward, give
from tests.services.test_notifications import Sink, free_port


@pytest.fixture
def org(session, factory):
    north, south = factory.team("North"), factory.team("South")
    boss = factory.person("manager", team=north, name="Boss North")
    reps = [factory.person(team=north, manager=boss, name=f"Rep{i}") for i in range(5)]
    other = factory.person("manager", team=south, name="Boss South")
    stranger = factory.person(team=south, manager=other, name="Stranger")
    hr = factory.person("hr", name="Hanne HR")
    lunch = add_reward(session, "lunch", 300, 1)
    return {
        "north": north,
        "south": south,
        "boss": boss,
        "reps": reps,
        "other": other,
        "stranger": stranger,
        "hr": hr,
        "lunch": lunch,
    }


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/team/recognition", "manager"),
        ("/hr/budgets", "hr"),
        ("/hr/fairness", "hr"),
    ],
)
def test_pages_are_for_their_role_only(app, org, path, allowed):
    assert app.test_client().get(path).status_code == 302  # to the sign-in page
    for who, person in (("rep", org["reps"][0]), ("manager", org["boss"]), ("hr", org["hr"])):
        client = app.test_client()
        login(client, person.email)
        assert client.get(path).status_code == (200 if who == allowed else 403), who


# --- a manager's page ------------------------------------------------------------------


def test_manager_page_shows_due_fairness_and_budget(today, quarter, client, session, org):
    reps = org["reps"]
    for rep in reps[:3]:
        give(session, org["lunch"], rep, today)
    give(session, org["lunch"], reps[0], today)
    give(session, org["lunch"], reps[0], today)
    session.add(Budget(team_id=org["north"].id, quarter=quarter, amount=1000))
    session.commit()
    login(client, org["boss"].email)
    html = client.get("/team/recognition").get_data(as_text=True)
    # Due: Rep3 and Rep4 were never given a reward.
    due = html.split('class="due-list"')[1].split("</table>")[0]
    assert "Rep3" in due and "Rep4" in due and "Rep0" not in due
    assert "Has not been given a reward yet." in due
    # Fairness: Rep0 has 900 of 1500, but of three recipients that is not flagged (the page
    # says why); two people have nothing.
    assert "<bdi>Rep0</bdi> received 60%" not in html
    assert "at least 5 people received something" in html
    assert "2 people have received nothing this quarter: Rep3, Rep4." in html
    # Budget: 1500 of 1000 spent.
    assert "NOK\u00a01,500 of NOK\u00a01,000 spent in " + quarter in html
    assert "Over budget by NOK\u00a0500." in html
    assert "Stranger" not in html


def test_recording_an_achievement_makes_it_due_and_is_audited(today, client, session, org):
    login(client, org["boss"].email)
    rep = org["reps"][1]
    response = client.post(
        "/team/recognition",
        data={
            "csrf_token": csrf_token(client, "/team/recognition"),
            "person": rep.external_id,
            "title": "Closed the Nordlys renewal",
            "achieved_on": (today - timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    stored = session.exec(select(Achievement)).one()
    assert (stored.person_id, stored.title) == (rep.id, "Closed the Nordlys renewal")
    audit = session.exec(select(AuditLog).where(AuditLog.action == "achievement.record")).one()
    assert audit.actor_id == org["boss"].id
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The achievement of Rep1 was recorded." in html
    assert "“Closed the Nordlys renewal”" in html
    assert "Recognise it within 5 days" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Say what was achieved."),
        ({"achieved_on": "not a date"}, "Give the date."),
        (
            {"achieved_on": (utcnow().date() + timedelta(days=3)).isoformat()},
            "cannot be in the future",
        ),
        ({"person": "STRANGER"}, "Not a valid choice."),
    ],
)
def test_a_bad_achievement_re_renders_with_the_error_and_stores_nothing(
    today, client, session, org, changes, message
):
    login(client, org["boss"].email)
    data = {
        "csrf_token": csrf_token(client, "/team/recognition"),
        "person": org["reps"][0].external_id,
        "title": "Something",
        "achieved_on": today.isoformat(),
    }
    if changes.get("person") == "STRANGER":
        changes = {"person": org["stranger"].external_id}
    data.update(changes)
    response = client.post("/team/recognition", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert session.exec(select(Achievement)).all() == []


def test_posting_without_the_csrf_token_is_refused(client, session, org):
    login(client, org["boss"].email)
    response = client.post(
        "/team/recognition",
        data={"person": org["reps"][0].external_id, "title": "x", "achieved_on": "2026-01-01"},
    )
    assert response.status_code == 400
    assert session.exec(select(Achievement)).all() == []


# --- HR budgets and fairness ----------------------------------------------------------


def test_hr_sets_a_budget_typed_the_norwegian_way(today, quarter, client, session, org):
    login(client, org["hr"].email)
    give(session, org["lunch"], org["stranger"], today)
    response = client.post(
        f"/hr/budgets?quarter={quarter}",
        data={
            "csrf_token": csrf_token(client, "/hr/budgets"),
            "team": str(org["north"].id),
            "quarter": quarter.lower(),
            "amount": "12 500,50",
        },
    )
    assert response.status_code == 302
    budget = session.exec(select(Budget)).one()
    assert (budget.team_id, budget.quarter, budget.amount) == (org["north"].id, quarter, 12500.5)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"The budget of North for {quarter} is saved." in html
    table = html.split('id="budgets-table"')[1]
    north_row = table.split('<th scope="row">North</th>')[1].split("</tr>")[0]
    south_row = table.split('<th scope="row">South</th>')[1].split("</tr>")[0]
    assert "NOK\u00a012,500" in north_row
    assert "not set" in south_row and "300" in south_row
    # The edit link fills the form in.
    html = client.get(f"/hr/budgets?quarter={quarter}&team={org['north'].id}").get_data(
        as_text=True
    )
    assert 'value="12500.50"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "-5"}, "Give an amount of 0 or more."),
        ({"amount": "lots"}, "Not a valid decimal value."),
        ({"amount": "NaN"}, "Not a valid decimal value."),
        # 36 000 in English, 36 in Norwegian (and the other way round): never guessed.
        ({"amount": "36,000"}, "36,000 reads two ways"),
        ({"amount": "36.000"}, "36.000 reads two ways"),
        ({"quarter": "2026-Q9"}, "Write the quarter as 2026-Q4."),
        ({"team": ""}, "Choose a team."),
    ],
)
def test_a_bad_budget_is_refused_with_the_reason(quarter, client, session, org, changes, message):
    login(client, org["hr"].email)
    data = {
        "csrf_token": csrf_token(client, "/hr/budgets"),
        "team": str(org["north"].id),
        "quarter": quarter,
        "amount": "1000",
    }
    data.update(changes)
    response = client.post("/hr/budgets", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.exec(select(Budget)).all() == []


def test_hr_fairness_shows_groups_and_never_names(today, quarter, client, session, factory, org):
    south = org["south"]
    for i in range(6):
        give(session, org["lunch"], factory.person(team=south, name=f"Secret{i}"), today)
    login(client, org["hr"].email)
    html = client.get(f"/hr/fairness?quarter={quarter}").get_data(as_text=True)
    teams = html.split('id="fairness-teams"')[1].split("</table>")[0]
    south_row = teams.split('<th scope="row">South</th>')[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in south_row.split('<td class="num">')[1:]]
    # Stranger and six new reps, six lunches of 300 (all the value given); Gini 1/7.
    assert cells[:6] == ["7", "6", "NOK\u00a01,800", "NOK\u00a0257", "100%", "0.14"]
    assert cells[6] == "1"  # one person with nothing
    assert '<th scope="row">North</th>' in teams
    for name in ("Secret", "Rep0", "Stranger"):
        assert name not in html
    assert client.get("/hr/fairness?quarter=soon").status_code == 400


# --- the partials other pages include -------------------------------------------------


def test_partials_render_from_their_one_context_variable(today, quarter, app, session, org):
    give(session, org["lunch"], org["reps"][0], today)
    status = budget_status(session=session, team_id=org["north"].id)
    due = recognition_due(session=session, manager=org["boss"])
    report = fairness(session=session, viewer=org["boss"])
    organisation = fairness(session=session, viewer=org["hr"])
    with app.test_request_context("/"):
        budget_html = render_template("recognition/_budget.html", budget=status)
        assert "No budget is set for " + quarter in budget_html and "300" in budget_html
        assert "You are not in a team" in render_template("recognition/_budget.html", budget=None)
        due_html = render_template("recognition/_due.html", due=due)
        assert all(f"Rep{i}" in due_html for i in range(1, 5)) and "Rep0" not in due_html
        assert "Nobody is due" in render_template("recognition/_due.html", due=[])
        # Only Rep0 received anything: too few recipients to flag a share; the four
        # others are listed as left out.
        team_html = render_template("recognition/_fairness.html", fairness=report)
        assert "<bdi>Rep0</bdi> received" not in team_html
        assert "4 people have received nothing this quarter" in team_html
        org_html = render_template("recognition/_fairness.html", fairness=organisation)
        # Six reps: North (5) and South (1); South is hidden, and North with it, or
        # the total would give South away. Each says why: North is not small.
        assert not organisation.total_suppressed
        teams = org_html.split('id="fairness-teams"')[1].split("</table>")[0]
        south = teams.split('<th scope="row">South</th>')[1].split("</tr>")[0]
        north = teams.split('<th scope="row">North</th>')[1].split("</tr>")[0]
        assert "Hidden: fewer than 5 people" in south
        assert "fewer than" not in north
        assert "Hidden: with the other figures here it would give a smaller group away" in north
        closer = org_html.split('<th scope="row">Closer</th>')[1].split("</tr>")[0]
        assert '<td class="num">6</td>' in closer and "Hidden" not in closer
        assert "Rep0" not in org_html and "Stranger" not in org_html


# --- notifications --------------------------------------------------------------------


def test_notifications_page_lists_marks_read_and_feeds_the_header_count(client, session, org):
    rep = org["reps"][0]
    notify(session, rep, "reward_received", {"reward": "lunch", "manager": "Boss North"}, "/me/")
    notify(session, rep, "recognition_due", {"count": 2}, "javascript:alert(1)")
    notify(session, org["reps"][1], "recognition_due", {"count": 7})
    session.commit()
    login(client, rep.email)
    seen = []

    def capture(sender, template, context, **extra):
        seen.append(context.get("notification_count"))

    with template_rendered.connected_to(capture):
        html = client.get("/me/notifications").get_data(as_text=True)
    assert seen == [2]
    assert "2 unread notifications." in html
    assert '<a href="/me/">Boss North gave you a reward: Lunch.' in html
    assert "javascript:" not in html  # only links inside Motivo are followed
    assert "7 people" not in html  # someone else's

    refused = client.post("/me/notifications/read", data={})
    assert refused.status_code == 400
    response = client.post(
        "/me/notifications/read", data={"csrf_token": csrf_token(client, "/me/notifications")}
    )
    assert response.status_code == 302
    session.expire_all()
    mine = session.exec(select(Notification).where(Notification.person_id == rep.id)).all()
    assert all(n.read_at is not None for n in mine)
    theirs = session.exec(select(Notification).where(Notification.person_id != rep.id)).one()
    assert theirs.read_at is None
    html = client.get("/me/notifications").get_data(as_text=True)
    assert "0 unread notifications." in html and "Mark all as read" not in html


def test_notifications_read_in_the_readers_language(client, session, org):
    rep = org["reps"][0]
    rep.locale = "nb"
    session.add(rep)
    notify(session, rep, "recognition_due", {"count": 3})
    session.commit()
    login(client, rep.email)
    assert "3 personer i teamet ditt bør få anerkjennelse." in client.get(
        "/me/notifications"
    ).get_data(as_text=True)


# --- commands -------------------------------------------------------------------------


def test_notification_commands(today, app, runner, session, org):
    due = runner.invoke(args=["notifications", "due"])
    assert due.exit_code == 0, due.output
    assert due.stdout.strip() == "2"  # both managers have people never recognised
    assert runner.invoke(args=["notifications", "due"]).stdout.strip() == "0"

    instrument = ensure_default_instrument(session=session).row
    session.add(
        Wave(
            name="Autumn",
            instrument_id=instrument.id,
            opens_on=today,
            closes_on=date(2026, 12, 24),
        )
    )
    session.commit()
    opened = runner.invoke(args=["notifications", "survey-open", "Autumn"])
    assert opened.exit_code == 0 and opened.stdout.strip() == "6"
    missing = runner.invoke(args=["notifications", "survey-open", "Nope"])
    assert missing.exit_code == 1 and "No wave 'Nope'" in missing.stderr

    off = runner.invoke(args=["notifications", "send-email"])
    assert off.exit_code == 0 and off.stdout.strip() == "0"
    assert "Email is off" in off.stderr


def test_send_email_command_talks_to_an_smtp_server(app, runner, session, org):
    from aiosmtpd.controller import Controller

    notify(session, org["reps"][0], "recognition_due", {"count": 1})
    session.commit()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app.config.update(
            MOTIVO_EMAIL_ENABLED=True,
            MOTIVO_SMTP_HOST="127.0.0.1",
            MOTIVO_SMTP_PORT=controller.port,
            MOTIVO_SMTP_FROM="motivo@example.test",
            MOTIVO_SMTP_TLS=False,
        )
        result = runner.invoke(args=["notifications", "send-email"])
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1"
    assert [e.rcpt_tos for e in sink.envelopes] == [[org["reps"][0].email]]

    app.config["MOTIVO_SMTP_HOST"] = ""
    notify(session, org["reps"][1], "recognition_due", {"count": 1})
    session.commit()
    broken = runner.invoke(args=["notifications", "send-email"])
    assert broken.exit_code == 1 and "MOTIVO_SMTP_HOST" in broken.stderr
