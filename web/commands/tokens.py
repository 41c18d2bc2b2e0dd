"""API token commands: create (the token is printed once), list, revoke."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import (
    LazyChoice,
    db_session,
    echo_err,
    format_option,
    handle_errors,
    write_json,
)

LIST_FIELDS = ("id", "name", "prefix", "scopes", "status", "expires_at", "last_used_at")


@click.group()
def tokens() -> None:
    """Manage bearer tokens for the integration API (HRIS, CRM)."""


@tokens.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=LazyChoice("services.api_tokens", "SCOPES"),
    help="What the token may do; repeat for more than one.",
)
@click.option(
    "--expires", "days", type=click.IntRange(min=1), help="Expire after DAYS days (default: never)."
)
@with_appcontext
@handle_errors
def create_command(name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Create a token called NAME and print it on stdout; it cannot be shown again."""
    from services.api_tokens import create_token

    with db_session() as session:
        token, secret = create_token(
            session=session, actor=SYSTEM, name=name, scopes=scopes, expires_in_days=days
        )
    click.echo(secret)
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
    echo_err(
        f"Created token {token.id} {name!r} ({token.prefix}…, {', '.join(token.scopes)}; "
        f"{expiry}). Store it now: Motivo keeps only its SHA-256 digest."
    )


@tokens.command("list")
@format_option("table", "json", default="table")
@with_appcontext
@handle_errors
def list_command(fmt: str) -> None:
    """List tokens with their scopes and status (never the tokens themselves)."""
    from services.api_tokens import describe_token, list_tokens
    from services.audit import record_export

    with db_session() as session:
        rows = [describe_token(t) for t in list_tokens(session=session, viewer=SYSTEM)]
        record_export(session, actor=SYSTEM, kind="tokens", fmt=fmt, filters={})
    if fmt == "json":
        write_json([{k: r[k] for k in LIST_FIELDS} for r in rows])
        return
    cells = [
        {
            **r,
            "scopes": ",".join(r["scopes"]),
            "expires_at": f"{r['expires_at']:%Y-%m-%d}" if r["expires_at"] else "never",
            "last_used_at": f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "never",
        }
        for r in rows
    ]
    widths = {k: max([len(k)] + [len(str(c[k])) for c in cells]) for k in LIST_FIELDS}
    click.echo("  ".join(k.ljust(widths[k]) for k in LIST_FIELDS).rstrip())
    for c in cells:
        click.echo("  ".join(str(c[k]).ljust(widths[k]) for k in LIST_FIELDS).rstrip())


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@with_appcontext
@handle_errors
def revoke_command(token_id: int) -> None:
    """Revoke token ID at once; requests with it are refused from now on."""
    from services.api_tokens import revoke_token

    with db_session() as session:
        token = revoke_token(session=session, actor=SYSTEM, token_id=token_id)
    echo_err(f"Token {token.id} {token.name!r} ({token.prefix}…) is revoked.")
