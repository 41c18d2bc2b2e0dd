"""Account commands."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import (
    db_connection,
    db_session,
    echo_err,
    format_option,
    handle_errors,
    write_json,
)

USER_FIELDS = ("external_id", "name", "email", "access", "team", "manager_email", "sales_role")


@click.group()
def users() -> None:
    """Manage sign-in accounts."""


@users.command("set-password")
@click.argument("email")
@with_appcontext
@handle_errors
def set_password_command(email: str) -> None:
    """Set EMAIL's password (read from stdin or a prompt) and sign them out everywhere."""
    from services.accounts import set_password

    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with db_session() as session:
        person = set_password(session=session, actor=SYSTEM, email=email, password=password)
    echo_err(f"Password set for {person.name} <{person.email}>; their sessions have ended.")


@users.command("list")
@format_option("table", "json", default="table")
@click.option("--inactive", is_flag=True, help="Include deactivated people.")
@with_appcontext
@handle_errors
def list_command(fmt: str, inactive: bool) -> None:
    """List people with their access role, team and manager."""
    from services.roster import list_people, record_listing

    with db_connection() as connection:
        rows = list_people(connection=connection, viewer=SYSTEM, include_inactive=inactive)
        record_listing(connection, viewer=SYSTEM, fmt=fmt, inactive=inactive)
    if fmt == "json":
        write_json([{k: r[k] for k in USER_FIELDS} for r in rows])
        return
    widths = {k: max([len(k)] + [len(str(r[k] or "")) for r in rows]) for k in USER_FIELDS}
    click.echo("  ".join(k.ljust(widths[k]) for k in USER_FIELDS))
    for r in rows:
        click.echo("  ".join(str(r[k] or "").ljust(widths[k]) for k in USER_FIELDS))
