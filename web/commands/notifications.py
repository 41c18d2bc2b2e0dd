"""Notification commands, meant for cron: recognition due, survey notices and reminders, email."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from services.actors import SYSTEM
from services.text import counted
from web.commands.common import db_session, echo_err, handle_errors


@click.group()
def notifications() -> None:
    """Create notifications and send their email copies."""


def _days_option(command):
    return click.option(
        "--days",
        type=click.IntRange(min=1),
        default=None,
        help="Days without a reward before a rep is due (default: MOTIVO_RECOGNITION_DUE_DAYS).",
    )(command)


def _recognition_due(days: int | None) -> None:
    from services.notifications import email_now, recognition_due_notices

    days = days or int(current_app.config["MOTIVO_RECOGNITION_DUE_DAYS"])
    with db_session() as session:
        notices = recognition_due_notices(session=session, days=days)
        delivery = email_now(session=session, settings=current_app.config, notifications=notices)
    click.echo(len(notices))
    told = counted(len(notices), "manager was", "managers were")
    echo_err(f"{told} told who in their team is newly due for recognition.")
    if delivery.enabled and notices:
        echo_err(f"{counted(delivery.sent, 'digest email was', 'digest emails were')} sent.")
    if delivery.error:
        raise click.ClickException(
            "The notices are saved in Motivo, but the digest emails failed: " + delivery.error
        )


@notifications.command("recognition-due")
@_days_option
@with_appcontext
@handle_errors
def recognition_due_command(days: int | None) -> None:
    """Tell managers who is due for recognition, in Motivo and by an email digest (for cron).

    Each person is named to their manager once per period: once per achievement, and once
    a month while they wait for a reward. Run it daily; running it again tells nobody twice.
    The digest email is sent at once when MOTIVO_EMAIL_ENABLED is on.
    """
    _recognition_due(days)


@notifications.command("due", hidden=True)
@_days_option
@with_appcontext
@handle_errors
def due_command(days: int | None) -> None:
    """The earlier name of recognition-due."""
    _recognition_due(days)


@notifications.command("remind")
@click.argument("wave")
@with_appcontext
@handle_errors
def remind_command(wave: str) -> None:
    """Remind the people who have not answered an open WAVE (id or name), as HR's page does.

    In Motivo, by email when it is on, and a counts-only message to the chat channels set
    up; at most MOTIVO_REMINDER_MAX_PER_WAVE reminders per person and wave, at least
    MOTIVO_REMINDER_MIN_HOURS hours apart (others are skipped).
    """
    from services.reminders import send_reminders

    with db_session() as session:
        result = send_reminders(
            session=session, actor=SYSTEM, wave=wave, settings=current_app.config
        )
    click.echo(result.reminded)
    echo_err(
        f"{result.reminded} of {result.pending} people who have not answered were reminded"
        f" ({result.capped} at the limit, {result.too_soon} reminded too recently);"
        f" {result.email.sent} emails sent."
    )
    for channel in result.channels:
        if channel.ok:
            echo_err(f"Posted the numbers to {channel.channel}.")
    if result.failures:
        raise click.ClickException(
            "The reminders are saved in Motivo, but some could not be delivered:\n  "
            + "\n  ".join(result.failures)
        )


@notifications.command("survey-open")
@click.argument("wave")
@with_appcontext
@handle_errors
def survey_open_command(wave: str) -> None:
    """Tell the reps a wave (id or name) is meant for that it is open; each rep once."""
    from services.notifications import notify_survey_open
    from services.waves import find_wave

    with db_session() as session:
        created = notify_survey_open(session=session, wave=find_wave(session, wave))
    click.echo(created)
    echo_err(f"{created} reps were notified.")


@notifications.command("send-email")
@with_appcontext
@handle_errors
def send_email_command() -> None:
    """Email unread notifications not emailed yet (needs MOTIVO_EMAIL_ENABLED and SMTP settings)."""
    from services.notifications import send_pending_email

    if not current_app.config.get("MOTIVO_EMAIL_ENABLED"):
        echo_err("Email is off: set MOTIVO_EMAIL_ENABLED=1 and the MOTIVO_SMTP_* settings.")
        click.echo(0)
        return
    with db_session() as session:
        sent = send_pending_email(session=session, settings=current_app.config)
    click.echo(sent)
    echo_err(f"{sent} emails were sent.")
