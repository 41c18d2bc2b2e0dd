"""Sales roles: stored as keys (``account_manager``), shown with a label.

A role enters Motivo as typed in a roster ("Account Manager", "closer "); the key folds
case and spacing so one role is one group, and the first spelling is kept as its label.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from models.tables import SalesRole, sales_role_key


def remember_labels(session: Session, typed: Iterable[str]) -> dict[str, str]:
    """Store a label for every role not seen before; return typed text -> key.

    A role already known keeps its label, so a later "closer" does not rename "Closer".
    Nothing is committed here: the calling service commits with the rest of its work.
    """
    keys: dict[str, str] = {}
    labels: dict[str, str] = {}
    for text in typed:
        key = sales_role_key(text)
        keys[text] = key
        if key:
            labels.setdefault(key, " ".join(text.split()))
    if labels:
        known = set(session.exec(select(SalesRole.key).where(SalesRole.key.in_(list(labels)))))
        for key in sorted(set(labels) - known):
            session.add(SalesRole(key=key, label=labels[key]))
    return keys


def role_labels(*, session: Session) -> dict[str, str]:
    """Every stored sales role key with its label as first typed."""
    return {row.key: row.label for row in session.exec(select(SalesRole))}
