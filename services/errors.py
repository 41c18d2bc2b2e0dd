"""Errors every front end (CLI, pages, API) knows how to show.

Each error and each problem in it may carry a ``code`` and ``params``: a front end that
speaks another language words the message from them (``web/messages.py`` for pages), and
a problem names the ``field`` it is about so a form can show it there. ``str()`` stays the
English text, for the command line, logs and the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
