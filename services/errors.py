"""Errors every front end (CLI, pages, API) knows how to show.

Each error and each problem in it may carry a ``code`` and ``params``: a front end that
speaks another language words the message from them (``web/messages.py`` for pages), and
a problem names the ``field`` it is about so a form can show it there. ``str()`` stays the
English text, for the command line, logs and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The code of a problem whose English message is a reward catalogue rule's own wording (the
# rules live in the pure ``recommender.catalogue``, which knows no codes): a front end words
# it from that text with its table of the rules' messages.
CATALOGUE_RULE = "catalogue.rule"


class Problem(str):
    """One reason an input was refused: ``"field: message"`` as text, with its parts kept.

    A ``str`` so everything that prints or compares problems keeps working; ``field``,
    ``code``, ``params`` and ``message`` are what a form needs to word and place it.
    """

    field: str
    code: str
    params: dict[str, Any]
    message: str

    def __new__(
        cls, field: str, code: str, message: str, params: Mapping[str, Any] | None = None
    ) -> Problem:
        text = f"{field}: {message}" if field else message
        self = super().__new__(cls, text)
        self.field, self.code, self.message = field, code, message
        self.params = dict(params or {})
        return self


class RowProblem(Problem):
    """A problem in one row (and column) of an imported file: ``"row N, column X: message"``.

    ``row`` and ``column`` are also in ``params`` so a front end can word the place in the
    reader's language. ``field`` stays empty: a file's column is not a form field.
    """

    row: int
    column: str

    def __new__(
        cls,
        row: int,
        column: str,
        code: str,
        message: str,
        params: Mapping[str, Any] | None = None,
    ) -> RowProblem:
        where = f"row {row}, column {column}" if column else f"row {row}"
        self = str.__new__(cls, f"{where}: {message}")
        self.field, self.code, self.message = "", code, message
        self.row, self.column = row, column
        self.params = {**dict(params or {}), "row": row, "column": column}
        return self


def row_problem(row: int, column: str, code: str, message: str, **params: Any) -> RowProblem:
    """The one way an import words a problem in a row: ``row_problem(4, "email", ...)``."""
    return RowProblem(row, column, code, message, params)


class ServiceError(Exception):
    """Base class; ``str(error)`` is a message fit for the user (in English)."""

    def __init__(
        self, message: str = "", *, code: str = "", params: Mapping[str, Any] | None = None
    ):
        super().__init__(message)
        self.code = code
        self.params = dict(params or {})


class NotAllowed(ServiceError):
    """The viewer may not see or do this."""


class NotFound(ServiceError):
    """The thing does not exist, or the viewer may not know that it does."""


class Throttled(ServiceError):
    """Too many attempts; try again later."""


class Unavailable(ServiceError):
    """Something this server lacks (a system library, a service); the message names it."""


class InvalidInput(ServiceError):
    """Input was rejected as a whole; ``problems`` lists every reason, one line each."""

    def __init__(
        self,
        summary: str,
        problems: list[str] | None = None,
        *,
        code: str = "",
        params: Mapping[str, Any] | None = None,
    ):
        self.problems = list(problems or [])
        super().__init__(summary, code=code, params=params)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  {p}" for p in self.problems)
