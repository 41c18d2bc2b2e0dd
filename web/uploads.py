"""The one way a page runs an all-or-nothing file import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request
from flask_wtf import FlaskForm

from services.errors import InvalidInput, NotFound
from services.tabular import Table, TableError, read_table_bytes, table_digest
from web.confirm import confirmed
from web.messages import error_text, problem_texts


@dataclass(frozen=True)
class Pending:
    """A dry run's summary waiting for the person to confirm the same file."""

    preview: object
    digest: str


@dataclass
class UploadResult:
    summary: object | None = None
    filename: str = ""
    problems: list[str] = field(default_factory=list)
    status: int = 200

    @property
    def done(self) -> bool:
        return self.summary is not None and not isinstance(self.summary, Pending)

    @property
    def pending(self) -> Pending | None:
        return self.summary if isinstance(self.summary, Pending) else None


def run_upload(form: FlaskForm, run: Callable[[Table, str], object]) -> UploadResult:
    """Validate an upload form, read its CSV and call ``run(table, filename)``.

    A refused import leaves every problem in ``problems`` and its summary on the file field,
    with status 400; a form that did not validate also gives 400.
    """
    if not form.validate_on_submit():
        return UploadResult(status=400 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        table = read_table_bytes(upload.read(), name=upload.filename)
        return UploadResult(summary=run(table, upload.filename), filename=upload.filename)
    except (TableError, InvalidInput, NotFound) as exc:
        form.file.errors = [*form.file.errors, error_text(exc)]
        problems = problem_texts(exc)
        return UploadResult(filename=upload.filename, problems=problems, status=400)


def run_confirmed_upload(
    form: FlaskForm, attempt: Callable[[Table, str, bool], object]
) -> UploadResult:
    """``run_upload`` for imports that can overwrite or take away: ``attempt(table, filename,
    dry_run)`` runs first as a dry run, and when its summary ``needs_confirmation`` (the
    service decides) nothing is written and ``pending`` carries it for the page that asks.
    The digest makes sure the file confirmed is the file that was counted.
    """

    def run(table: Table, name: str):
        digest = table_digest(table)
        if not (confirmed() and request.form.get("digest") == digest):
            preview = attempt(table, name, True)
            if preview.needs_confirmation:
                return Pending(preview, digest)
        return attempt(table, name, False)

    return run_upload(form, run)
