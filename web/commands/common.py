"""What every command shares: the session, clean one-line failures, output helpers."""

from __future__ import annotations

import functools
import importlib
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlmodel import Session


def echo_err(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def db_session() -> Iterator[Session]:
    from web.db import open_session

    with open_session() as session:
        yield session


@contextmanager
def db_connection() -> Iterator[Connection]:
    """A plain connection for commands that read with SQLAlchemy Core (``models.roster``):
    no ORM session, so no table classes to build before the command can answer."""
    with current_app.extensions["motivo.engine"].connect() as connection:
        yield connection


def safe_url() -> str:
    engine = current_app.extensions["motivo.engine"]
    return engine.url.render_as_string(hide_password=True)


def upload_limit() -> int:
    """The largest file an import command reads, in bytes: the web's upload limit
    (``MOTIVO_MAX_UPLOAD_MB``), so a file the page refuses is refused here too."""
    return int(current_app.config["MAX_CONTENT_LENGTH"])


# What SQLite and PostgreSQL say when a table or column this version uses is missing.
_OLD_SCHEMA = re.compile(
    r"no such (column|table)|(column|relation) .* does not exist", re.IGNORECASE
)


# The commands that make a database where there is none; every other one refuses a SQLite
# path with no file, rather than leave an empty file behind for a mistyped path.
_CREATE_THE_DATABASE = {"init", "upgrade"}


class NoDatabase(Exception):
    """A command tried to open a SQLite database whose file does not exist."""


def _refuse_connecting(path: str) -> None:
    from sqlalchemy import event

    def refuse(*_args, **_kwargs):
        raise NoDatabase(path)

    event.listen(current_app.extensions["motivo.engine"], "do_connect", refuse)


def _missing_sqlite_file() -> str | None:
    url = current_app.extensions["motivo.engine"].url
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or path in ("", ":memory:") or path.startswith("file:"):
        return None
    return None if Path(path).exists() else path


def handle_errors(command: Callable) -> Callable:
    """Turn known failures into a message on stderr and exit code 1 (nothing half-written)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        # Imported when a command runs, so that listing the commands stays light.
        from sqlalchemy.exc import OperationalError, ProgrammingError

        from models.engine import DatabaseUrlError
        from services.errors import InvalidInput, ServiceError

        missing = _missing_sqlite_file()
        if missing and click.get_current_context().command.name not in _CREATE_THE_DATABASE:
            # Refused when the command first connects, so one that needs no database
            # (``evaluate``) still runs.
            _refuse_connecting(missing)
        try:
            return command(*args, **kwargs)
        except NoDatabase as exc:
            echo_err(
                f"Error: there is no database at {exc} (DATABASE_URL). Run `motivo init` "
                "to create one, or check the path."
            )
            sys.exit(1)
        except InvalidInput as exc:
            echo_err(f"Error: {exc.args[0]}")
            for problem in exc.problems:
                echo_err(f"  {problem}")
            sys.exit(1)
        except (ServiceError, DatabaseUrlError) as exc:
            echo_err(f"Error: {exc}")
            sys.exit(1)
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            if _OLD_SCHEMA.search(reason):
                echo_err(
                    f"Error: the database at {safe_url()} is not at this version's schema "
                    f"({reason}). Run `motivo db upgrade`, then try again."
                )
                sys.exit(1)
            if isinstance(exc, ProgrammingError):
                raise
            echo_err(
                f"Error: cannot use the database at {safe_url()} ({reason}). "
                "Check DATABASE_URL and that the database server is running."
            )
            sys.exit(1)
        except Exception as exc:
            # A table error (``services.tabular.TableError``) can only come from a command
            # that read a file and so loaded ``seed.loaders``, where it is defined; the
            # other commands need not load it.
            loaders = sys.modules.get("seed.loaders")
            if loaders is not None and isinstance(exc, loaders.TableFileError):
                echo_err(f"Error: {exc}")
                sys.exit(1)
            raise

    return wrapper


def write_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def write_csv(rows: Sequence[dict], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout, every text cell quoted and neutralised (``csv_text``)."""
    from services.tabular import csv_text

    sys.stdout.write(csv_text(columns, ([row.get(c) for c in columns] for row in rows)))


def format_option(*choices: str, default: str) -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format; machine-readable formats go to stdout with nothing else on it.",
    )


def locale_option(help: str) -> Callable:  # noqa: A002 - click's own name for it
    """``--locale en|nb``: the language of what a command writes for people to read."""
    return click.option(
        "--locale",
        type=click.Choice(["en", "nb"]),
        default="en",
        show_default=True,
        help=help,
    )


class LazyChoice(click.Choice):
    """A ``click.Choice`` whose values are read from ``module.attribute`` when first needed.

    Listing the commands (``motivo --help``) then does not import the service that defines
    them, with everything it imports.
    """

    def __init__(self, module: str, attribute: str, case_sensitive: bool = True) -> None:
        self._where = (module, attribute)
        self.case_sensitive = case_sensitive

    @property
    def choices(self) -> tuple:
        module, attribute = self._where
        return tuple(getattr(importlib.import_module(module), attribute))


def min_group_size(session) -> int:
    """The organisation's minimum group size, read where a command runs (not at start-up)."""
    from services.organisation import min_group_size as configured

    return configured(session)
