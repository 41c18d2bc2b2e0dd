"""Survey reminders: in-app first, email and chat channels after, within a per-wave cap,
counts only to channels, failures reported and never losing the in-app reminder."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlmodel import func, select

from models.tables import AuditLog, Notification, Reminder, utcnow
from services import survey
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed
from services.instruments import ensure_default_instrument
from services.notifications import render
from services.organisation import allow_local_webhooks
from services.reminders import reminder_overview, send_reminders
from services.waves import close_wave, open_wave
from services.webhooks import list_webhooks, set_webhook, validate_webhook_url
from tests.receivers import port_in_range, smtp_server, webhook_receiver
from tests.services.test_survey import answers_for

NAMES = ("Aud Hansen", "Bjørn Li", "Cecilie Berg")


@pytest.fixture(autouse=True)
def local_receivers(session):
    """The receivers here run on this machine: let this session's webhooks reach it (as
    ``MOTIVO_WEBHOOK_ALLOW_LOCAL`` does for an app); off by default."""
    allow_local_webhooks(session, True)


@pytest.fixture
def wave_setup(session, factory):
    ensure_default_instrument(session=session)
    team = factory.team("Oslo")
    reps = [factory.person(team=team, name=name) for name in NAMES]
    done = factory.person(team=team, name="Dina Done")
    hr = factory.person("hr", name="Helle HR")
    wave = open_wave(session=session, actor=SYSTEM, name="Spring 2027")
    view = survey.survey_for(session=session, person=done, wave_id=wave.id)
    for key, items in view.pages:
        survey.save_page(
            session=session, person=done, wave_id=wave.id, page_key=key, answers=answers_for(items)
        )
    survey.submit_response(session=session, person=done, wave_id=wave.id)
    return {"wave": wave, "reps": reps, "done": done, "hr": hr}


def reminders_of(session, person) -> list[Notification]:
    return list(
        session.exec(
            select(Notification).where(
                Notification.person_id == person.id, Notification.kind == "survey_reminder"
            )
        )
    )


SETTINGS = {"MOTIVO_REMINDER_MAX_PER_WAVE": 2, "MOTIVO_REMINDER_MIN_HOURS": 48}


def test_reminds_each_non_respondent_in_app_and_nobody_who_answered(session, wave_setup):
    hr, wave = wave_setup["hr"], wave_setup["wave"]
    result = send_reminders(session=session, actor=hr, wave=wave.name, settings=SETTINGS)
    assert (result.reminded, result.pending, result.capped, result.too_soon) == (3, 3, 0, 0)
    assert result.failures == [] and not result.email.enabled and result.channels == []
    for rep in wave_setup["reps"]:
        [notice] = reminders_of(session, rep)
        assert notice.link == f"/survey/{wave.id}/"
        assert render(notice, "en").startswith("Reminder: Spring 2027 is waiting for your answers.")
        assert render(notice, "nb").startswith("Påminnelse: Spring 2027 venter på svarene dine.")
    assert reminders_of(session, wave_setup["done"]) == []
    audit = session.exec(select(AuditLog).where(AuditLog.action == "reminders.send")).one()
    assert audit.actor_id == hr.id and audit.details["reminded"] == 3


def test_cap_and_minimum_interval_per_person_and_wave(session, wave_setup):
    hr, wave = wave_setup["hr"], wave_setup["wave"]
    start = utcnow()
    assert (
        send_reminders(
            session=session, actor=hr, wave=wave.name, settings=SETTINGS, now=start
        ).reminded
        == 3
    )
    again = send_reminders(
        session=session,
        actor=hr,
        wave=wave.name,
        settings=SETTINGS,
        now=start + timedelta(hours=47),
    )
    assert (again.reminded, again.too_soon) == (0, 3)
    overview = reminder_overview(
        session=session, viewer=hr, wave=wave.name, now=start + timedelta(hours=47)
    )
    assert {p["reminder_state"] for p in overview["people"]} == {"too_soon"}
    assert all(p["next_reminder"] == start + timedelta(hours=48) for p in overview["people"])
    later = start + timedelta(hours=49)
    assert (
        send_reminders(
            session=session, actor=hr, wave=wave.name, settings=SETTINGS, now=later
        ).reminded
        == 3
    )
    capped = send_reminders(
        session=session, actor=hr, wave=wave.name, settings=SETTINGS, now=later + timedelta(days=9)
    )
    assert (capped.reminded, capped.capped) == (0, 3)
    for rep in wave_setup["reps"]:
        assert len(reminders_of(session, rep)) == 2
    assert session.exec(select(func.count(Reminder.id))).one() == 6


def test_the_cap_is_per_wave(session, wave_setup):
    hr = wave_setup["hr"]
    send_reminders(session=session, actor=hr, wave=wave_setup["wave"].name, settings=SETTINGS)
    other = open_wave(session=session, actor=SYSTEM, name="Pulse 2", confirm_overlap=True)
    assert (
        send_reminders(session=session, actor=hr, wave=other.name, settings=SETTINGS).reminded == 4
    )


def test_only_hr_sends_reminders_and_only_for_open_waves(session, factory, wave_setup):
    wave = wave_setup["wave"]
    for access in ("rep", "manager", "admin"):
        with pytest.raises(NotAllowed):
            send_reminders(
                session=session, actor=factory.person(access), wave=wave.name, settings={}
            )
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    with pytest.raises(InvalidInput):
        send_reminders(session=session, actor=wave_setup["hr"], wave=wave.name, settings={})
    assert session.exec(select(func.count(Reminder.id))).one() == 0


def test_email_and_both_channels_get_it_and_channels_get_counts_only(session, wave_setup):
    hr, wave = wave_setup["hr"], wave_setup["wave"]
    with smtp_server() as (mailbox, smtp_port), webhook_receiver() as (hooks, base):
        set_webhook(session=session, actor=hr, channel="slack", url=f"{base}/slack/T000/B000/XXX")
        set_webhook(session=session, actor=hr, channel="teams", url=f"{base}/teams/abc")
        settings = {
            **SETTINGS,
            "MOTIVO_EMAIL_ENABLED": True,
            "MOTIVO_SMTP_HOST": "127.0.0.1",
            "MOTIVO_SMTP_PORT": smtp_port,
            "MOTIVO_SMTP_FROM": "Motivo <motivo@example.test>",
            "MOTIVO_BASE_URL": "https://motivo.example.test",
        }
        result = send_reminders(session=session, actor=hr, wave=wave.name, settings=settings)
    assert result.failures == []
    assert result.email.sent == 3
    assert sorted(e.rcpt_tos[0] for e in mailbox.envelopes) == sorted(
        r.email for r in wave_setup["reps"]
    )
    mail = message_from_bytes(mailbox.envelopes[0].original_content, policy=policy.default)
    assert mail["Subject"] == "Motivo: Reminder: a survey is waiting for you"
    assert f"https://motivo.example.test/survey/{wave.id}/" in mail.get_content()
    assert all(n.emailed_at for r in wave_setup["reps"] for n in reminders_of(session, r))
    assert [(c.channel, c.ok) for c in result.channels] == [("slack", True), ("teams", True)]
    by_path = dict(hooks.posts)
    slack, teams = by_path["/slack/T000/B000/XXX"], by_path["/teams/abc"]
    assert "3 of 4 people have not answered yet; 3 were reminded now" in slack["text"]
    assert teams["@type"] == "MessageCard" and "3 of 4 people" in teams["text"]
    everything = repr(hooks.posts)
    for person in [*wave_setup["reps"], wave_setup["done"]]:
        assert person.name not in everything
        assert person.email not in everything
        for part in person.name.split():
            assert part not in everything


def test_failed_email_and_channel_keep_the_in_app_reminder_and_are_reported(session, wave_setup):
    hr, wave = wave_setup["hr"], wave_setup["wave"]
    with webhook_receiver() as (hooks, base):
        # Chosen once the receiver listens, or it could be the receiver's own port: the
        # SMTP client then waited for a greeting that never came, for 20 s.
        dead_port = port_in_range()  # nothing listens there
        hooks.status = 500
        set_webhook(session=session, actor=hr, channel="slack", url=f"{base}/hook")
        settings = {
            **SETTINGS,
            "MOTIVO_EMAIL_ENABLED": True,
            "MOTIVO_SMTP_HOST": "127.0.0.1",
            "MOTIVO_SMTP_PORT": dead_port,
            "MOTIVO_SMTP_FROM": "motivo@example.test",
        }
        result = send_reminders(session=session, actor=hr, wave=wave.name, settings=settings)
    assert result.reminded == 3
    assert all(len(reminders_of(session, r)) == 1 for r in wave_setup["reps"])
    assert result.email.sent == 0 and f"127.0.0.1:{dead_port} failed" in result.email.error
    assert result.failures[0].startswith("email: Sending email through")
    assert result.failures[1] == "slack: the channel answered HTTP 500"
    delivery = session.exec(select(AuditLog).where(AuditLog.action == "reminders.delivery")).one()
    assert delivery.details["email_failed"] is True
    assert delivery.details["channels"] == {"slack": False}


def test_a_channel_that_redirects_is_not_followed(session, wave_setup):
    hr = wave_setup["hr"]
    with webhook_receiver() as (hooks, base):
        hooks.status = 302
        set_webhook(session=session, actor=hr, channel="teams", url=f"{base}/moved")
        result = send_reminders(
            session=session, actor=hr, wave=wave_setup["wave"].name, settings=SETTINGS
        )
    assert [(c.channel, c.ok, c.error, c.status) for c in result.channels] == [
        ("teams", False, "the channel answered HTTP 302", 302)
    ]
    # The receiver pointed elsewhere (Location: /elsewhere); nothing went there.
    assert [path for path, _body in hooks.posts] == ["/moved"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/services/T0/B0/X",
        "https://example.webhook.office.com/webhookb2/abc",
    ],
)
def test_public_https_webhooks_are_accepted(url):
    assert validate_webhook_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8399/hook", "http://localhost:8300/hook", "http://[::1]:8301/hook"],
)
def test_this_machine_only_where_local_webhooks_are_allowed(url):
    assert validate_webhook_url(url, allow_local=True) == url
    with pytest.raises(InvalidInput):
        validate_webhook_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.20/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.5]/hook",
        "https://localhost/hook",
        "https://127.0.0.1:5432/hook",
    ],
)
def test_internal_addresses_are_refused_so_a_channel_cannot_probe_the_network(url):
    with pytest.raises(InvalidInput):
        validate_webhook_url(url)


def test_a_name_that_resolves_inside_is_refused_when_sending(session, wave_setup, monkeypatch):
    """A public-looking name whose DNS record points inside (or is changed to later) is
    checked at every send, before anything connects. This machine has no DNS for made-up
    names, so the test sets what the resolver answers."""
    import socket

    import services.webhooks as webhooks

    hr = wave_setup["hr"]
    set_webhook(session=session, actor=hr, channel="slack", url="https://hooks.example.org/x")
    connected = []

    def resolver(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolver)
    monkeypatch.setattr(webhooks._OPENER, "open", lambda *a, **k: connected.append(a))
    result = send_reminders(
        session=session, actor=hr, wave=wave_setup["wave"].name, settings=SETTINGS
    )
    assert [(c.channel, c.ok, c.reason) for c in result.channels] == [
        ("slack", False, "not allowed")
    ]
    assert connected == []


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://hooks.slack.com/services/T0/B0/X",
        "http://10.0.0.5/hook",
        "http://127.0.0.1:8399/hook",
        "http://127.0.0.1.example.com/hook",
        "ftp://127.0.0.1/hook",
        "javascript:alert(1)",
        "https://user:pw@hooks.slack.com/x",
        "https:///nohost",
        "https://hooks.slack.com/x y",
        "https://hooks.slack.com:99999/x",
        "https://hooks.slack.com/" + "x" * 500,
    ],
)
def test_other_webhook_addresses_are_refused(url):
    with pytest.raises(InvalidInput):
        validate_webhook_url(url)


def test_webhooks_are_set_by_hr_or_admin_audited_without_the_secret_and_shown_by_host(
    session, factory
):
    secret = "https://hooks.slack.com/services/T0/B0/very-secret"
    for access in ("rep", "manager"):
        with pytest.raises(NotAllowed):
            set_webhook(session=session, actor=factory.person(access), channel="slack", url=secret)
    admin = factory.person("admin")
    set_webhook(session=session, actor=admin, channel="slack", url=secret)
    shown = list_webhooks(session=session, viewer=admin)
    assert shown[0]["set"] and shown[0]["host"] == "hooks.slack.com"
    assert "very-secret" not in repr(shown)
    assert not shown[1]["set"]
    audits = session.exec(select(AuditLog).where(AuditLog.action.like("webhook.%"))).all()
    assert "very-secret" not in repr([a.details for a in audits])
    set_webhook(session=session, actor=admin, channel="slack", url="")
    assert not list_webhooks(session=session, viewer=admin)[0]["set"]
    with pytest.raises(InvalidInput):
        set_webhook(session=session, actor=admin, channel="irc", url=secret)
