"""The second step of every destructive or irreversible action.

The first POST (from the button on a list) changes nothing: it answers with a page that says
what will happen and a form that posts the same action again with ``confirm=1``. Only that
second POST acts. Plain HTML forms, so it works without JavaScript and under a CSP that
allows no inline script.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import render_template, request


def confirmed() -> bool:
    """True when the POST carries the confirmation the second step adds."""
    return request.form.get("confirm") == "1"


def ask_to_confirm(
    *,
    title: str,
    consequences: Sequence[str],
    button: str,
    cancel_url: str,
    fields: Mapping[str, str] | None = None,
    keeps: Sequence[str] = (),
    upload=None,
):
    """The page that asks; ``fields`` are posted again with the confirmation.

    ``upload`` is a file field to choose again: a browser never re-sends a file by itself.
    Imports use ``web.uploads.confirm_upload``, which carries the file in a signed field and
    asks for it again only when it is too large to carry.
    """
    page = render_template(
        "confirm.html",
        title=title,
        consequences=list(consequences),
        keeps=list(keeps),
        button=button,
        cancel_url=cancel_url,
        action=request.path,
        fields=dict(fields or {}),
        upload=upload,
    )
    return page, 200
