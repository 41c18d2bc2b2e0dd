"""Sales roles: stored as keys (``account_manager``), shown with a label.

A role enters Motivo as typed in a roster ("Account Manager", "closer "); the key folds
case and spacing so one role is one group, and the first spelling is kept as its label.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from models.tables import SalesRole, sales_role_key
from services.labels import SALES_ROLES


def remember_labels(session: Session, typed: Iterable[str]) -> dict[str, str]:
    """Store a label for every role not seen before; return typed text -> key.

    A role already known keeps its label, so a later "closer" does not rename "Closer".
    Nothing is committed here: the calling service commits with the rest of its work.
    """
    keys: dict[str, str] = {}
    labels: dict[str, str] = {}
    shown_as = _shown_labels()
    for text in typed:
        key = sales_role_key(text)
        # A known role typed as the pages show it ("Salgsutvikling (SDR)", "Account
        # manager") is that role, not a new one beside it.
        key = shown_as.get(key, key)
        keys[text] = key
        if key:
            labels.setdefault(key, " ".join(text.split()))
    if labels:
        known = set(session.exec(select(SalesRole.key).where(SalesRole.key.in_(list(labels)))))
        for key in sorted(set(labels) - known):
            session.add(SalesRole(key=key, label=labels[key]))
    return keys


def _shown_labels() -> dict[str, str]:
    """The folded form of every label a known role is shown with, in each language."""
    return {
        sales_role_key(label): key
        for key, words in SALES_ROLES.items()
        for label in words.values()
        if sales_role_key(label) != key
    }


def role_labels(*, session: Session) -> dict[str, str]:
    """Every stored sales role key with its label as first typed."""
    return {row.key: row.label for row in session.exec(select(SalesRole))}
