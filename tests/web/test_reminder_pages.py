"""HR's reminders page sends reminders within the cap, says so, and reports failures plainly;
the chat channels page takes https (or loopback http) webhooks and never shows them again."""

import pytest
from sqlmodel import select

from models.tables import Notification
from services.organisation import allow_local_webhooks
from services.webhooks import set_webhook
from tests.conftest import csrf_token, login
from tests.receivers import port_in_range, webhook_receiver
from tests.services.test_reminders import NAMES, wave_setup  # noqa: F401  (fixture)


def page(client, lang="en") -> str:
    return client.get(f"/hr/insights/reminders?lang={lang}").get_data(as_text=True)


def send(client, wave=None):
    token = csrf_token(client, "/hr/insights/reminders")
    if wave is None:
        form = client.get("/hr/insights/reminders").get_data(as_text=True)
        wave = form.split('name="wave" type="hidden" value="')[1].split('"')[0]
    return client.post(
        "/hr/insights/reminders/send",
        data={"csrf_token": token, "wave": wave},
        follow_redirects=True,
    )


def test_hr_sends_reminders_and_the_page_states_the_limit(client, session, wave_setup):  # noqa: F811
    assert login(client, wave_setup["hr"].email).status_code == 302
    html = page(client)
    assert "each person gets at most 3 reminders per wave, at least 48 hours apart" in html
    assert "Chat channels, if set, get the numbers only, never names." in html
    assert "Remind 3 people now" in html
    done = send(client)
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "3 people were reminded in Motivo." in html
    assert "Remind 3 people now" not in html
    assert "Nobody can be reminded right now" in html
    # A second press (a double click, or a stale page) reminds nobody twice.
    again = send(client, wave=str(wave_setup["wave"].id)).get_data(as_text=True)
    assert "0 people were reminded in Motivo." in again
    assert "0 reached the limit for this wave, 3 were reminded too recently" in again
    for rep in wave_setup["reps"]:
        assert (
            len(
                session.exec(
                    select(Notification).where(
                        Notification.person_id == rep.id, Notification.kind == "survey_reminder"
                    )
                ).all()
            )
            == 1
        )
    norsk = page(client, "nb")
    assert "får hver person høyst 3 påminnelser per runde, med minst 48 timer mellom" in norsk


def test_failed_email_and_channel_are_reported_and_the_reminder_is_kept(
    app,
    client,
    session,
    wave_setup,  # noqa: F811
):
    with webhook_receiver() as (hooks, base):
        hooks.status = 500
        allow_local_webhooks(session, True)  # the receiver runs on this machine
        set_webhook(session=session, actor=wave_setup["hr"], channel="slack", url=f"{base}/x")
        app.config.update(
            MOTIVO_WEBHOOK_ALLOW_LOCAL=True,
            MOTIVO_EMAIL_ENABLED=True,
            MOTIVO_SMTP_HOST="127.0.0.1",
            MOTIVO_SMTP_PORT=port_in_range(),
            MOTIVO_SMTP_FROM="motivo@example.test",
        )
        login(client, wave_setup["hr"].email)
        html = send(client).get_data(as_text=True)
    assert "3 people were reminded in Motivo." in html
    assert "The email copies could not be sent" in html
    assert "Slack refused the message (HTTP status 500)" in html
    assert html.count("The reminders in Motivo are kept") == 2
    other = app.test_client()
    login(other, wave_setup["reps"][0].email)
    notes = other.get("/me/notifications").get_data(as_text=True)
    assert "Reminder: Spring 2027 is waiting for your answers." in notes


def test_sending_needs_the_csrf_token_and_hr(client, factory, wave_setup):  # noqa: F811
    login(client, wave_setup["hr"].email)
    assert client.post("/hr/insights/reminders/send", data={"wave": "1"}).status_code == 400
    rep_client = client.application.test_client()
    login(rep_client, wave_setup["reps"][0].email)
    token = csrf_token(rep_client, "/me/")
    status = rep_client.post(
        "/hr/insights/reminders/send", data={"csrf_token": token, "wave": "1"}
    ).status_code
    assert status == 403


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_channels_page_refuses_plain_http_and_never_shows_the_address(client, factory, lang):
    admin = factory.person("admin")
    login(client, admin.email)
    token = csrf_token(client, "/admin/channels")
    bad = client.post(
        f"/admin/channels?lang={lang}",
        data={"csrf_token": token, "slack": "http://hooks.example.com/x", "teams": ""},
    )
    assert bad.status_code == 400
    expected = {
        "en": "Use the channel&#39;s public https:// address",
        "nb": "Bruk kanalens offentlige https://-adresse",
    }[lang]
    assert expected in bad.get_data(as_text=True)
    secret = "https://hooks.slack.com/services/T1/B1/topsecret"
    ok = client.post(
        "/admin/channels",
        data={"csrf_token": token, "slack": secret, "teams": ""},
        follow_redirects=True,
    )
    html = ok.get_data(as_text=True)
    assert "posting to hooks.slack.com" in html and "topsecret" not in html
    removal = {"csrf_token": token, "slack": "", "remove_slack": "y", "teams": ""}
    asked = client.post("/admin/channels", data=removal)
    assert asked.status_code == 200 and 'name="confirm" value="1"' in asked.get_data(as_text=True)
    kept = client.get("/admin/channels").get_data(as_text=True)
    assert "posting to hooks.slack.com" in kept  # asking changed nothing
    removed = client.post(
        "/admin/channels", data={**removal, "confirm": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "posting to hooks.slack.com" not in removed
