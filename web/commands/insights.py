"""HR insights commands: the anonymous summary and focus groups, as files."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import (
    LazyChoice,
    db_session,
    echo_err,
    format_option,
    handle_errors,
    locale_option,
    min_group_size,
)

if TYPE_CHECKING:
    from services.exports import Export

OUT_HELP = "File to write; JSON and CSV go to stdout when it is left out or '-'."


def _check_destination(fmt: str, out: str | None) -> None:
    """Refuse a destination that cannot take the file before the export is made: making it
    audits it, and an audit row for a file nobody received would be untrue."""
    from services.errors import InvalidInput

    if out in (None, "-"):
        if fmt == "xlsx":
            raise InvalidInput("An XLSX workbook needs a file: add --out FILE.")
        return
    folder = Path(out).resolve().parent
    if not folder.is_dir():
        raise InvalidInput(f"Cannot write {out}: the folder {folder} does not exist.")
    if not os.access(folder, os.W_OK):
        raise InvalidInput(f"Cannot write {out}: the folder {folder} is not writable.")


def _write(export: Export, out: str | None) -> None:
    if out in (None, "-"):
        sys.stdout.buffer.write(export.content)
        sys.stdout.flush()
        return
    with open(out, "wb") as handle:
        handle.write(export.content)
    echo_err(f"Wrote {out}")


LOCALE_HELP = "Language of the labels, headings and sheet names (keys and ids stay as they are)."


@click.command("summary")
@click.option(
    "--by",
    type=LazyChoice("services.summaries", "DIMENSIONS"),
    required=True,
    help="Group by this.",
)
@click.option("--wave", help="Wave name or id (default: the newest wave with answers).")
@format_option("json", "csv", "xlsx", default="json")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), help=OUT_HELP)
@locale_option(LOCALE_HELP)
@with_appcontext
@handle_errors
def summary_command(by: str, wave: str | None, fmt: str, out: str | None, locale: str) -> None:
    """Write the anonymous summary of a wave by team, sales role or profile.

    Groups under the minimum group size, and groups whose figures, with those already
    shown for the wave, would reveal individuals, show no figures. The export is written
    to the audit log and the wave's disclosure ledger.
    """
    from services.exports import export_summary

    _check_destination(fmt, out)
    with db_session() as session:
        export = export_summary(
            session=session,
            viewer=SYSTEM,
            by=by,
            wave=wave,
            fmt=fmt,
            min_group_size=min_group_size(session),
            locale=locale,
            channel="cli",
        )
    _write(export, out)


@click.command("focus-groups")
@click.option("--wave", help="Wave name or id (default: the newest wave with answers).")
@click.option(
    "--by",
    type=click.Choice(("profile", "mixed")),
    default="profile",
    show_default=True,
    help="One profile per group, or profiles spread evenly over the groups.",
)
@click.option("--size", type=int, default=6, show_default=True, help="Wished group size.")
@click.option("--anonymous", is_flag=True, help="Leave out who is in each group.")
@format_option("json", "csv", "xlsx", default="json")
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True), help=OUT_HELP)
@locale_option(LOCALE_HELP)
@with_appcontext
@handle_errors
def focus_groups_command(
    wave: str | None, by: str, size: int, anonymous: bool, fmt: str, out: str | None, locale: str
) -> None:
    """Form focus groups of 5 to 8 people, each with an anonymous summary.

    Without --anonymous the member lists (external ids, and names and emails in XLSX)
    are included for the invitations and no group carries figures; with it, groups show
    figures as the wave's disclosure ledger allows. The export is written to the audit log.
    """
    from services.exports import export_focus_groups

    _check_destination(fmt, out)
    with db_session() as session:
        export = export_focus_groups(
            session=session,
            viewer=SYSTEM,
            wave=wave,
            by=by,
            size=size,
            anonymous=anonymous,
            fmt=fmt,
            min_group_size=min_group_size(session),
            locale=locale,
            channel="cli",
        )
    _write(export, out)


INSIGHTS_COMMANDS = [summary_command, focus_groups_command]
