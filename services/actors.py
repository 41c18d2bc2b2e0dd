"""The actors that are not people: the command line and integration tokens.

Kept apart from ``services.access`` (which needs the tables) so that the ``motivo`` command
can name :data:`SYSTEM` without loading the ORM before a command runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """The operator at the command line: every capability, and never a person."""

    label: str = "command line"
    id: None = None
    access: str = "system"
    active: bool = True


@dataclass(frozen=True)
class TokenActor:
    """An integration token acting for the organisation, with the powers of its scopes."""

    token_id: int
    prefix: str
    name: str
    scopes: frozenset[str]
    id: None = None
    access: str = "token"
    active: bool = True

    @property
    def label(self) -> str:
        return f"API token {self.prefix}… ({self.name})"


SYSTEM = SystemActor()
