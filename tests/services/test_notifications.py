"""Notifications: sentences in both languages, reading, idempotent notices, and email over a
real SMTP exchange with a local server."""

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import func, select

from models.tables import AuditLog, Notification, RecognitionNotice, Wave, WaveTeam, utcnow
from services.errors import InvalidInput, ServiceError
from services.instruments import ensure_default_instrument
from services.notifications import (
    KINDS,
    email_message,
    format_day,
    list_notifications,
    mark_read,
    notify,
    notify_all_recognition_due,
    notify_recognition_due,
    notify_survey_open,
    render,
    send_pending_email,
    subject,
    unread_count,
)
from services.recognition import record_achievement
from tests.services.test_budgets import add_reward, give


def count(session, **where) -> int:
    stmt = select(func.count()).select_from(Notification)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    return session.exec(stmt).one()


def test_every_kind_reads_as_a_sentence_in_english_and_norwegian(session, factory):
    rep = factory.person(name="Ada")
    add_reward(session, "team-lunch", 300, 1)
    reward = notify(
        session, rep, "reward_received", {"reward": "team-lunch", "manager": "Kari"}, "/me/"
    )
    survey = notify(session, rep, "survey_open", {"wave": "Autumn 2026", "closes_on": "2026-10-05"})
    one = notify(session, rep, "recognition_due", {"count": 1})
    many = notify(session, rep, "recognition_due", {"count": 3})
    session.commit()
    # The reward's name is kept with the message, in both languages.
    assert reward.params["reward_name"] == {"en": "Team Lunch", "nb": "NB team-lunch"}
    assert render(reward, "en") == (
        "Kari gave you a reward: Team Lunch. Tell us what you think of it."
    )
    assert render(reward, "nb") == (
        "Kari har gitt deg en belønning: NB team-lunch. Si gjerne hva du synes om den."
    )
    assert render(survey, "en") == (
        "A survey is open for you: Autumn 2026. Please answer by 5 October 2026."
    )
    assert render(survey, "nb") == (
        "En undersøkelse er åpen for deg: Autumn 2026. Svar innen 5. oktober 2026."
    )
    assert render(one, "en") == "One person in your team is due for recognition."
    assert render(many, "nb") == "3 personer i teamet ditt bør få anerkjennelse."
    assert render(many, "nb_NO") == render(many, "nb")
    assert render(many, "de") == render(many, "en")  # unknown languages fall back to English
    assert subject(reward, "nb") == "Motivo: Du har fått en belønning"
    assert set(KINDS) == {"reward_received", "survey_open", "recognition_due", "survey_reminder"}


def test_old_or_odd_rows_still_render(session, factory):
    rep = factory.person()
    # The shape services.grants wrote before notify() existed: a slug, no name.
    old = Notification(
        person_id=rep.id, kind="reward_received", params={"reward": "extra-day-off", "manager": "K"}
    )
    odd = Notification(person_id=rep.id, kind="something_new", params={})
    bare = Notification(person_id=rep.id, kind="survey_open", params={})
    assert render(old, "en") == "K gave you a reward: extra day off. Tell us what you think of it."
    assert render(odd, "nb") == "Du har fått et nytt varsel."
    assert render(bare, "en") == "A survey is open for you: . Please answer by ."
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(session, rep, "made_up", {})


def test_unread_list_and_mark_read_touch_only_the_readers_own(session, factory):
    ada, bo = factory.person(name="Ada"), factory.person(name="Bo")
    rows = [notify(session, ada, "recognition_due", {"count": n}) for n in (1, 2, 3)]
    theirs = notify(session, bo, "recognition_due", {"count": 9})
    session.commit()
    assert unread_count(session=session, person=ada) == 3
    assert [n.id for n in list_notifications(session=session, person=ada)] == [
        rows[2].id,
        rows[1].id,
        rows[0].id,
    ]
    assert len(list_notifications(session=session, person=ada, limit=2)) == 2
    # Someone else's id is ignored.
    assert mark_read(session=session, person=ada, ids=[rows[0].id, theirs.id]) == 1
    assert unread_count(session=session, person=ada) == 2
    assert unread_count(session=session, person=bo) == 1
    assert mark_read(session=session, person=ada, ids=[]) == 0
    assert mark_read(session=session, person=ada) == 2
    assert mark_read(session=session, person=ada) == 0
    assert unread_count(session=session, person=ada) == 0
    audits = session.exec(select(AuditLog).where(AuditLog.action == "notifications.read")).all()
    assert [(a.actor_id, a.details) for a in audits] == [
        (ada.id, {"count": 1, "all": False}),
        (ada.id, {"count": 2, "all": True}),
    ]


def open_wave(session, name: str, teams=()) -> Wave:
    instrument = ensure_default_instrument(session=session).row
    wave = Wave(
        name=name,
        instrument_id=instrument.id,
        opens_on=utcnow().date(),
        closes_on=utcnow().date() + timedelta(days=17),
        audience="teams" if teams else "all",
    )
    session.add(wave)
    session.flush()
    for team in teams:
        session.add(WaveTeam(wave_id=wave.id, team_id=team.id))
    session.commit()
    return wave


def test_survey_notices_reach_each_invited_active_rep_once(session, factory):
    north, south = factory.team("North"), factory.team("South")
    ada = factory.person(team=north, name="Ada")
    bo = factory.person(team=south, name="Bo")
    factory.person(team=north, active=False)
    factory.person("manager", team=north)
    everyone = open_wave(session, "Everyone")
    assert notify_survey_open(session=session, wave=everyone) == 2
    assert notify_survey_open(session=session, wave=everyone) == 0  # idempotent
    rows = session.exec(select(Notification).order_by(Notification.person_id)).all()
    assert [r.person_id for r in rows] == [ada.id, bo.id]
    assert rows[0].link == f"/survey/{everyone.id}/"
    assert rows[0].params == {"wave": "Everyone", "wave_id": everyone.id, "closes_on": "2026-12-24"}
    assert render(rows[0], "en").endswith("Please answer by 24 December 2026.")

    north_only = open_wave(session, "North only", teams=[north])
    assert notify_survey_open(session=session, wave=north_only) == 1
    assert count(session, person_id=bo.id) == 1
    # Someone who joins the team later is told on the next run; nobody else twice.
    cy = factory.person(team=north, name="Cy")
    assert notify_survey_open(session=session, wave=north_only) == 1
    assert count(session, person_id=cy.id) == 1
    audits = session.exec(
        select(AuditLog).where(AuditLog.action == "notifications.survey_open")
    ).all()
    assert [a.details["created"] for a in audits] == [2, 1, 1]


def test_recognition_due_tells_each_person_once_per_period_and_only_when_someone_is_due(
    today, session, factory
):
    boss = factory.person("manager")
    ada = factory.person(manager=boss, name="Ada")
    bo = factory.person(manager=boss, name="Bo")
    lunch = add_reward(session, "lunch", 300, 1)
    give(session, lunch, ada, today - timedelta(days=3))
    row = notify_recognition_due(session=session, manager=boss, days=45, today=today)
    assert row is not None and row.params["count"] == 1
    assert row.params["people"] == [{"name": "Bo", "reason": "never"}]
    assert row.link == "/team/recognition"
    assert render(row, "en") == "One person in your team is due for recognition."
    # Same day, next day: Bo was told about this month already; nobody else is due.
    assert notify_recognition_due(session=session, manager=boss, days=45, today=today) is None
    tomorrow = today + timedelta(days=1)
    assert notify_recognition_due(session=session, manager=boss, days=45, today=tomorrow) is None
    # A shorter wait makes Ada due: only she is new.
    again = notify_recognition_due(session=session, manager=boss, days=2, today=tomorrow)
    assert again.params["count"] == 1
    assert again.params["people"] == [{"name": "Ada", "reason": "waiting", "days": 4}]
    # A new achievement of Bo is a new period, though he was told about this month.
    record_achievement(
        session=session, manager=boss, person=bo, title="Closed Nordlys", achieved_on=today
    )
    third = notify_recognition_due(session=session, manager=boss, days=45, today=tomorrow)
    assert third.params["people"][0]["reason"] == "achievement"
    assert third.params["people"][0]["title"] == "Closed Nordlys"
    assert notify_recognition_due(session=session, manager=boss, days=45, today=tomorrow) is None
    # Next month, whoever still waits is mentioned once more.
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    give(session, lunch, bo, tomorrow)
    fourth = notify_recognition_due(session=session, manager=boss, days=2, today=next_month)
    assert {p["name"] for p in fourth.params["people"]} == {"Ada", "Bo"}
    assert count(session, person_id=boss.id) == 4
    assert session.exec(select(func.count()).select_from(RecognitionNotice)).one() == 5


def test_recognition_digest_email_names_the_people_in_the_managers_language(
    today, session, factory
):
    boss = factory.person("manager")
    boss.locale = "nb"
    ada = factory.person(manager=boss, name="Ada")
    factory.person(manager=boss, name="Bo")
    record_achievement(
        session=session, manager=boss, person=ada, title="Ny kunde", achieved_on=today
    )
    row = notify_recognition_due(session=session, manager=boss, days=45, today=today)
    body = email_message(
        row, boss, sender="motivo@example.test", base_url="https://m.example.test", locale="en"
    ).get_content()
    assert "2 personer i teamet ditt bør få anerkjennelse." in body
    due_by = format_day(today + timedelta(days=7), "nb")
    assert f"- Ada: Ny kunde; gi anerkjennelse innen {due_by}" in body
    assert "- Bo: har aldri fått en belønning" in body
    assert "https://m.example.test/team/recognition" in body


def test_every_manager_with_someone_due_is_told(today, session, factory):
    first, second, idle = (factory.person("manager") for _ in range(3))
    factory.person(manager=first)
    factory.person(manager=second)
    assert notify_all_recognition_due(session=session, days=45, today=today) == 2
    assert notify_all_recognition_due(session=session, days=45, today=today) == 0
    assert count(session, person_id=idle.id) == 0


# --- email ----------------------------------------------------------------------------


class Sink:
    """Keeps every message the local SMTP server accepts."""

    def __init__(self):
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: the server answers a refusal with its own 535 reply.
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=sink.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def settings_for(port: int, **extra) -> dict:
    return {
        "MOTIVO_EMAIL_ENABLED": True,
        "MOTIVO_SMTP_HOST": "127.0.0.1",
        "MOTIVO_SMTP_PORT": port,
        "MOTIVO_SMTP_FROM": "Motivo <motivo@example.test>",
        "MOTIVO_SMTP_TLS": False,
        "MOTIVO_BASE_URL": "https://motivo.example.test/",
        **extra,
    }


def test_email_is_off_by_default_and_sends_nothing(session, factory):
    rep = factory.person()
    notify(session, rep, "recognition_due", {"count": 2})
    session.commit()
    from web.config import DEFAULTS

    assert DEFAULTS["MOTIVO_EMAIL_ENABLED"] is False
    assert send_pending_email(session=session, settings=DEFAULTS) == 0
    assert send_pending_email(session=session, settings={}) == 0
    assert count(session, emailed_at=None) == 1


def test_pending_notifications_are_emailed_once_in_the_readers_language(
    session, factory, smtp_sink
):
    sink, port = smtp_sink
    ada = factory.person(name="Ada Lovelace")
    kari = factory.person(name="Kari Nordmann")
    kari.locale = "nb"
    gone = factory.person(name="Gone", active=False)
    no_email = factory.person(name="No Email")
    no_email.email = None
    session.add_all([kari, no_email])
    add_reward(session, "team-lunch", 300, 1)
    first = notify(
        session, ada, "reward_received", {"reward": "team-lunch", "manager": "Kari"}, "/me/"
    )
    second = notify(session, kari, "recognition_due", {"count": 4}, "/team/recognition")
    read = notify(session, ada, "recognition_due", {"count": 1})
    read.read_at = utcnow()
    stale = notify(session, ada, "recognition_due", {"count": 1})
    stale.created_at = utcnow() - timedelta(days=30)
    notify(session, gone, "recognition_due", {"count": 1})
    notify(session, no_email, "recognition_due", {"count": 1})
    session.commit()

    assert send_pending_email(session=session, settings=settings_for(port)) == 2
    assert [e.rcpt_tos for e in sink.envelopes] == [[ada.email], [kari.email]]
    assert all(e.mail_from == "motivo@example.test" for e in sink.envelopes)
    english, norwegian = (
        message_from_bytes(e.original_content, policy=policy.default) for e in sink.envelopes
    )
    assert english["Subject"] == "Motivo: You received a reward"
    assert english["To"] == f"Ada Lovelace <{ada.email}>"
    body = english.get_content()
    assert "Kari gave you a reward: Team Lunch." in body
    assert "https://motivo.example.test/me/" in body
    assert norwegian["Subject"] == "Motivo: Anerkjennelse i teamet"
    assert "4 personer i teamet ditt bør få anerkjennelse." in norwegian.get_content()
    session.refresh(first)
    session.refresh(second)
    assert first.emailed_at is not None and second.emailed_at is not None
    assert count(session, emailed_at=None) == 4
    # Nothing is sent twice.
    assert send_pending_email(session=session, settings=settings_for(port)) == 0
    assert len(sink.envelopes) == 2
    audit = session.exec(select(AuditLog).where(AuditLog.action == "notifications.email")).one()
    assert audit.details == {"sent": 2, "refused": 0}


def test_email_signs_in_when_a_user_is_set(session, factory, smtp_sink):
    sink, port = smtp_sink
    notify(session, factory.person(), "recognition_due", {"count": 2})
    session.commit()
    settings = settings_for(port, MOTIVO_SMTP_USER="motivo", MOTIVO_SMTP_PASSWORD="wrong")
    with pytest.raises(ServiceError, match="failed after 0 messages"):
        send_pending_email(session=session, settings=settings)
    assert count(session, emailed_at=None) == 1
    settings["MOTIVO_SMTP_PASSWORD"] = "s3cret"
    assert send_pending_email(session=session, settings=settings) == 1
    # smtplib tries each mechanism the server offers before it gives up.
    assert set(sink.logins) == {("motivo", "wrong"), ("motivo", "s3cret")}
    assert sink.logins[-1] == ("motivo", "s3cret") and len(sink.envelopes) == 1


def test_email_settings_are_checked_and_a_dead_server_is_reported(session, factory):
    notify(session, factory.person(), "recognition_due", {"count": 2})
    session.commit()
    with pytest.raises(InvalidInput) as caught:
        send_pending_email(session=session, settings={"MOTIVO_EMAIL_ENABLED": "1"})
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "MOTIVO_SMTP_HOST",
        "MOTIVO_SMTP_FROM",
    ]
    with pytest.raises(ServiceError, match="127.0.0.1"):
        send_pending_email(session=session, settings=settings_for(free_port()))
    assert count(session, emailed_at=None) == 1


def test_a_name_with_a_line_break_neither_stops_the_email_run_nor_reaches_a_header(
    session, factory, smtp_sink
):
    """A roster name "Nils\\nBcc: spy@..." made every email run fail at that person, so
    nobody after them was ever emailed again."""
    sink, port = smtp_sink
    odd = factory.person(name="Nils\nBcc: spy@evil.example")
    after = factory.person(name="Ada Lovelace")
    notify(session, odd, "recognition_due", {"count": 1})
    notify(session, after, "recognition_due", {"count": 1})
    session.commit()

    assert send_pending_email(session=session, settings=settings_for(port)) == 2
    assert [e.rcpt_tos for e in sink.envelopes] == [[odd.email], [after.email]]
    first = message_from_bytes(sink.envelopes[0].original_content, policy=policy.default)
    assert first["To"] == f'"Nils Bcc: spy@evil.example" <{odd.email}>'
    assert first["Bcc"] is None


def test_submitting_the_survey_settles_its_open_notice(session, factory):
    """ "A survey is open for you" stayed unread (and due to be emailed) after the rep had
    answered and submitted it."""
    from services.access import SYSTEM
    from services.waves import open_wave as open_a_wave
    from tests.services.test_flagged_response import answer_all

    ensure_default_instrument(session=session)
    ada = factory.person(team=factory.team("North"), name="Ada")
    bo = factory.person(team=factory.team("South"), name="Bo")
    wave = open_a_wave(session=session, actor=SYSTEM, name="Winter")
    notify_survey_open(session=session, wave=wave)
    answer_all(session, ada, wave, seconds=5)
    assert unread_count(session=session, person=ada) == 0
    assert unread_count(session=session, person=bo) == 1
