"""People commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from services.actors import SYSTEM
from web.commands.common import db_session, echo_err, handle_errors, upload_limit


@click.group()
def people() -> None:
    """Manage the people in Motivo."""


@people.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--keep-missing",
    is_flag=True,
    help="Partial file: do not deactivate people who are missing from it.",
)
@click.option(
    "--allow-mass-deactivation",
    is_flag=True,
    help="Allow a full roster to deactivate more than half of the active people.",
)
@with_appcontext
@handle_errors
def import_command(file: str, keep_missing: bool, allow_mass_deactivation: bool) -> None:
    """Import a roster CSV: external_id,name,email,team,manager_email,access,sales_role.

    All or nothing: any bad row means nothing is written, and every problem is listed as
    `row N, column X: problem`. Re-importing updates people by external_id; people missing
    from the file are deactivated (never deleted) unless --keep-missing is given.
    """
    from services.people import import_people
    from services.tabular import read_table_file

    table = read_table_file(file, max_bytes=upload_limit())
    with db_session() as session:
        summary = import_people(
            session=session,
            actor=SYSTEM,
            header=table.header,
            records=table.rows,
            deactivate_missing=not keep_missing,
            allow_mass_deactivation=allow_mass_deactivation,
            source=file,
        )
    echo_err(f"Imported {file}: {summary.describe()}.")
