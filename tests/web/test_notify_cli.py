"""`motivo notifications recognition-due` and `remind`: cron-friendly, idempotent, described
in --help, and honest about failed delivery."""

from email import message_from_bytes, policy

from sqlmodel import select

from models.tables import Notification
from tests.receivers import port_in_range, smtp_server
from tests.services.test_reminders import wave_setup  # noqa: F401  (fixture)


def test_help_describes_the_new_commands(runner):
    group = runner.invoke(args=["notifications", "--help"])
    assert group.exit_code == 0
    assert "recognition-due" in group.output and "remind" in group.output
    due = runner.invoke(args=["notifications", "recognition-due", "--help"])
    assert "once per period" in due.output and "--days" in due.output
    assert "email digest" in due.output
    remind = runner.invoke(args=["notifications", "remind", "--help"])
    assert "MOTIVO_REMINDER_MAX_PER_WAVE" in remind.output
    assert "counts-only" in remind.output


def test_recognition_due_from_cron_tells_each_manager_once_and_emails_a_digest(
    app, runner, session, factory
):
    boss = factory.person("manager", name="Mona Manager")
    factory.person(manager=boss, name="Rita Rep")
    factory.person(manager=boss, name="Rolf Rep")
    with smtp_server() as (mailbox, port):
        app.config.update(
            MOTIVO_EMAIL_ENABLED=True,
            MOTIVO_SMTP_HOST="127.0.0.1",
            MOTIVO_SMTP_PORT=port,
            MOTIVO_SMTP_FROM="motivo@example.test",
            MOTIVO_SMTP_TLS=False,
        )
        first = runner.invoke(args=["notifications", "recognition-due"])
        second = runner.invoke(args=["notifications", "recognition-due"])
        old_name = runner.invoke(args=["notifications", "due"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "1"
    assert "1 manager was told" in first.stderr and "1 digest email was sent" in first.stderr
    assert second.stdout.strip() == "0" and old_name.stdout.strip() == "0"
    notices = session.exec(select(Notification).where(Notification.person_id == boss.id)).all()
    assert len(notices) == 1 and notices[0].params["count"] == 2
    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == [boss.email]
    body = message_from_bytes(envelope.original_content, policy=policy.default).get_content()
    assert "2 people in your team are due for recognition." in body
    assert "- Rita Rep: never given a reward" in body and "- Rolf Rep: never" in body


def test_recognition_due_keeps_the_notices_when_email_fails(app, runner, session, factory):
    boss = factory.person("manager")
    factory.person(manager=boss)
    app.config.update(
        MOTIVO_EMAIL_ENABLED=True,
        MOTIVO_SMTP_HOST="127.0.0.1",
        MOTIVO_SMTP_PORT=port_in_range(),
        MOTIVO_SMTP_FROM="motivo@example.test",
    )
    result = runner.invoke(args=["notifications", "recognition-due"])
    assert result.exit_code != 0
    assert "The notices are saved in Motivo, but the digest emails failed" in result.output
    assert session.exec(select(Notification).where(Notification.person_id == boss.id)).all()


def test_remind_from_the_command_line_respects_the_limit(runner, session, wave_setup):  # noqa: F811
    wave = wave_setup["wave"].name
    first = runner.invoke(args=["notifications", "remind", wave])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "3"
    again = runner.invoke(args=["notifications", "remind", wave])
    assert again.stdout.strip() == "0"
    assert "3 reminded too recently" in again.stderr


def test_survey_open_refuses_a_closed_wave_and_tells_nobody(runner, session, wave_setup):  # noqa: F811
    """`survey-open` on a closed wave told every rep it was open (exit 0), and each link led
    to a survey saying it was closed."""
    from services.access import SYSTEM
    from services.waves import close_wave

    wave = wave_setup["wave"]
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    before = len(session.exec(select(Notification)).all())
    result = runner.invoke(args=["notifications", "survey-open", wave.name])
    assert result.exit_code == 1
    assert "does not take answers today; nobody was told it is open" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(session.exec(select(Notification)).all()) == before
