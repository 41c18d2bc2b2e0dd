"""Errors every front end (CLI, pages, API) knows how to show."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; ``str(error)`` is a message fit for the user."""


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

    def __init__(self, summary: str, problems: list[str] | None = None):
        self.problems = list(problems or [])
        super().__init__(summary)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  {p}" for p in self.problems)
