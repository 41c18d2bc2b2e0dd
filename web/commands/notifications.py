"""Notification commands, meant for cron: recognition reminders, survey notices, email."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from web.commands.common import db_session, echo_err, handle_errors


@click.group()
def notifications() -> None:
    """Create notifications and send their email copies."""


@notifications.command("due")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Days without a reward before a rep is due (default: MOTIVO_RECOGNITION_DUE_DAYS).",
)
@with_appcontext
@handle_errors
def due_command(days: int | None) -> None:
    """Tell each manager how many of their people are due for recognition (once a day)."""
    from services.notifications import notify_all_recognition_due

    days = days or int(current_app.config["MOTIVO_RECOGNITION_DUE_DAYS"])
    with db_session() as session:
        told = notify_all_recognition_due(session=session, days=days)
    click.echo(told)
    echo_err(f"{told} managers were told that people in their team are due for recognition.")


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
