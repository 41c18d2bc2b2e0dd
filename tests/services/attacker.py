"""The attacker of the disclosure tests: least squares over everything a wave released.

The attacker knows who is in every group shown (the threat model: teams, roles and
focus-group lists are known) and every figure shown, and solves for each respondent's
scale scores. ``leverages`` is what the ledger promises to bound; ``recover`` is what
the attacker actually gets.
"""

from __future__ import annotations

import numpy as np
from sqlmodel import Session, select

from models.tables import Release, ReleasedGroup, Wave
from recommender.anonymity import leverage


def shown_groups(session: Session, wave: Wave) -> list[tuple[np.ndarray, dict]]:
    """(members, figures) of every group any release of the wave showed."""
    members = {
        r.digest: np.frombuffer(r.members, dtype="<i8")
        for r in session.exec(select(ReleasedGroup).where(ReleasedGroup.wave_id == wave.id))
    }
    out = []
    for release in session.exec(select(Release).where(Release.wave_id == wave.id)):
        for group in release.details["shown"]:
            if group.get("figures"):
                out.append((members[group["digest"]], group["figures"]))
    return out


def leverages(session: Session, wave: Wave) -> tuple[np.ndarray, np.ndarray]:
    """Response ids and their leverage over every group the wave showed."""
    groups = [m for m, _ in shown_groups(session, wave)]
    if not groups:
        return np.zeros(0, dtype=int), np.zeros(0)
    ids = np.unique(np.concatenate(groups))
    return ids, leverage(ids.size, [np.searchsorted(ids, g) for g in groups])


def recover(session: Session, wave: Wave) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The attacker's least-squares estimate of every respondent's scores."""
    shown = shown_groups(session, wave)
    if not shown:
        return np.zeros(0, dtype=int), {}
    ids = np.unique(np.concatenate([m for m, _ in shown]))
    a = np.zeros((len(shown), ids.size))
    for row, (members, _) in enumerate(shown):
        a[row, np.searchsorted(ids, members)] = 1.0
    constructs = sorted({c for _, f in shown for c in f})
    estimates = {}
    for c in constructs:
        totals = np.array([f[c] * len(m) for m, f in shown])
        estimates[c] = np.linalg.lstsq(a, totals, rcond=None)[0]
    return ids, estimates


def best_recovery(session: Session, wave: Wave, truth: dict[int, dict[str, float]]) -> float:
    """The smallest worst-construct error over respondents: near zero means someone's
    whole profile was recovered."""
    ids, estimates = recover(session, wave)
    if not ids.size:
        return float("inf")
    errors = np.zeros(ids.size)
    for c, values in estimates.items():
        true = np.array([truth[int(i)][c] for i in ids])
        errors = np.maximum(errors, np.abs(values - true))
    return float(errors.min())
