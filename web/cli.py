"""The ``motivo`` console script: a FlaskGroup over ``create_app``.

Every command is also ``flask --app web <command>``. Commands are thin: parse, call a
service, print. Machine-readable output goes to stdout alone; messages go to stderr.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup

from web.commands import COMMAND_PATHS, all_commands, load_command


def register_commands(app: Flask) -> None:
    """Every command on ``app.cli``, for ``flask --app web`` and Flask's test runner."""
    for command in all_commands():
        app.cli.add_command(command)


def _create_app_for_cli() -> Flask:
    from models.engine import DatabaseUrlError
    from web import create_cli_app
    from web.config import ConfigError

    try:
        return create_cli_app()
    except (ConfigError, DatabaseUrlError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


class MotivoGroup(FlaskGroup):
    """A FlaskGroup whose commands are known without building the app or importing them.

    The group knows each command by name (``COMMAND_PATHS``) and imports its module when a
    run asks for it, so ``motivo users list`` loads one command module, and ``motivo
    --help`` lists every command without creating the app. A command that needs the app
    still gets it, through ``with_appcontext``.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_PATHS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMAND_PATHS:
            return load_command(name)
        return super().get_command(ctx, name)

    def _load_plugin_commands(self) -> None:
        # Motivo's commands are all its own (no Flask defaults either): skip the scan of
        # every installed package's entry points that FlaskGroup makes on each run.
        self._loaded_plugin_commands = True


@click.group(
    cls=MotivoGroup,
    create_app=_create_app_for_cli,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help=(
        "Motivo: motivation surveys turned into personalised non-monetary rewards.\n\n"
        "Reads DATABASE_URL (default: SQLite, motivo.db in the instance folder: "
        "MOTIVO_INSTANCE_PATH, else instance/ beside the installed code) and MOTIVO_* "
        "settings from the environment. Start with `motivo init --demo`, then `motivo serve`."
    ),
)
def main() -> None:
    """The motivo command group."""


if __name__ == "__main__":  # `python -m web.cli`, used by training jobs queued from the UI
    main()
