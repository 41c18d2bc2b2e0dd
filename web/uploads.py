"""The one way a page runs an all-or-nothing file import."""

from __future__ import annotations

import base64
import binascii
import io
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flask import current_app, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage

from services.errors import InvalidInput, NotFound
from services.tabular import Table, TableError, read_table_bytes, table_digest
from web.auth_setup import viewer
from web.confirm import ask_to_confirm, confirmed
from web.messages import error_text, problem_texts

# The confirmation page carries the previewed file back in a signed hidden field, so the
# person does not have to choose it again. The field stays well under the form-field limit
# (MAX_FORM_MEMORY_SIZE, 500 kB by default); a larger file is chosen again instead.
STASH_FIELD = "upload_stash"
STASH_MAX_CHARS = 400_000
STASH_MAX_AGE = 60 * 60


@dataclass(frozen=True)
class Pending:
    """A dry run's summary waiting for the person to confirm the same file."""

    preview: object
    digest: str
    content: bytes = b""
    filename: str = ""


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
    return _run_upload(form, lambda table, name, _content: run(table, name))


def _run_upload(form: FlaskForm, run: Callable[[Table, str, bytes], object]) -> UploadResult:
    if not form.validate_on_submit():
        return UploadResult(status=400 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        content = upload.read()
        table = read_table_bytes(content, name=upload.filename)
        return UploadResult(summary=run(table, upload.filename, content), filename=upload.filename)
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
    The digest makes sure the file confirmed is the file that was counted. A confirmation
    without a file applies the file the page carried (``confirm_upload``), or, when there is
    none or it is not this person's, puts "Choose the file again" on the file field.
    """
    if confirmed() and not _file_chosen(form):
        stashed = _unstash()
        if stashed is None:
            form.validate_on_submit()
            form.file.errors = [_("Choose the file again: it was not kept for the confirmation.")]
            return UploadResult(status=400)
        content, name = stashed
        form.file.data = FileStorage(stream=io.BytesIO(content), filename=name, name=form.file.name)

    def run(table: Table, name: str, content: bytes):
        digest = table_digest(table)
        if not (confirmed() and request.form.get("digest") == digest):
            preview = attempt(table, name, True)
            if preview.needs_confirmation:
                return Pending(preview, digest, content, name)
        return attempt(table, name, False)

    return _run_upload(form, run)


def confirm_upload(
    form: FlaskForm,
    pending: Pending,
    *,
    title: str,
    consequences: Sequence[str],
    keeps: Sequence[str],
    button: str,
    cancel_url: str,
    fields: Mapping[str, str],
):
    """The page that asks before an upload is applied; it carries the previewed file back
    (signed, for this person and this page only), so confirming applies exactly that file."""
    fields = {"digest": pending.digest, **fields}
    stash = _stash(pending, fields)
    if stash:
        line = _("Confirming applies the file you previewed; you do not choose it again.")
        fields[STASH_FIELD] = stash
    else:
        line = _(
            "To confirm, choose the same file again. If the file has changed, you are asked again."
        )
    return ask_to_confirm(
        title=title,
        consequences=consequences,
        keeps=[*keeps, line],
        button=button,
        cancel_url=cancel_url,
        fields=fields,
        upload=None if stash else form.file,
    )


def _file_chosen(form: FlaskForm) -> bool:
    data = form.file.data
    return isinstance(data, FileStorage) and bool(data.filename)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="motivo.confirmed-upload")


def _owner() -> list:
    person = viewer()
    # The same person on the same page: a carried file cannot be replayed elsewhere.
    return [person.id if person else None, request.endpoint]


def _stash(pending: Pending, fields: Mapping[str, str]) -> str | None:
    packed = base64.b64encode(zlib.compress(pending.content, 9)).decode("ascii")
    if len(packed) > STASH_MAX_CHARS:
        return None
    payload = {"owner": _owner(), "name": pending.filename, "file": packed, "fields": fields}
    token = _serializer().dumps(payload)
    return token if len(token) <= STASH_MAX_CHARS else None


def _unstash() -> tuple[bytes, str] | None:
    """The carried file, if it is signed, recent, this person's, and posted with the same
    options and digest it was previewed with."""
    token = request.form.get(STASH_FIELD, "")
    if not token or len(token) > STASH_MAX_CHARS:
        return None
    try:
        payload = _serializer().loads(token, max_age=STASH_MAX_AGE)
        if payload["owner"] != _owner():
            return None
        if any(request.form.get(k, "") != v for k, v in payload["fields"].items()):
            return None
        content = zlib.decompress(base64.b64decode(payload["file"]))
    except (BadData, KeyError, TypeError, ValueError, binascii.Error, zlib.error):
        return None
    return content, str(payload["name"])
