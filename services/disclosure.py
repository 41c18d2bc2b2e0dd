"""The disclosure ledger: every aggregate of a wave that Motivo shows, and the rule that
decides what may still be shown.

Each release (a page, an export in any format, the printable report, an API response, a
CLI file) is a set of groups of respondents whose figures would be shown. Before anything
is shown, the groups are checked against every group already shown for the wave: a
group is shown only if, together with all of them, no respondent's leverage exceeds
``1 / min_size`` (``recommender.anonymity``), so no linear combination of the figures
isolates anyone. The decision looks only at who is in which group, never at the answers,
so a refusal says nothing about them. Groups are chosen greedily, largest first; showing
a group again with the same members adds nothing and is always allowed.

Answers imported into the wave (``source`` "import") are known to whoever imported them,
so they count as already disclosed: the leverage bound protects only the respondents
whose answers HR does not hold, and a group is judged by them (five people of whom three
were imported hide two). The minimum group size still counts everyone, so a wave
imported from paper shows its groups.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlmodel import Session, select

from models.queries import lock_rows
from models.tables import RESPONSE_IMPORTED, Release, ReleasedGroup, SurveyResponse, Wave
from recommender.anonymity import LeverageBasis, check_min_size, select_releasable
from services.access import Actor

REASON_SMALL = "small"
"""Hidden because the group has fewer than the minimum number of people."""
REASON_COMBINED = "combined"
"""Hidden because, with figures already shown for the wave, it would reveal individuals."""
CHANNELS = ("page", "export", "report", "api", "cli", "service")


@dataclass
class Candidate:
    """A group whose figures a release would show: its key, members and figures."""

    key: str
    members: Sequence[int]
    """Response ids."""
    figures: Mapping | None = None


@dataclass(frozen=True)
class Decision:
    """What a release may show: the keys allowed and, for the others, why not."""

    release_id: int | None
    allowed: frozenset[str]
    reasons: Mapping[str, str] = field(default_factory=dict)
    min_size: int = 5
    known: frozenset[int] = frozenset()
    """Response ids whose answers were imported, so HR holds them: figures that are not
    means (quartiles) count only the others."""

    def shown(self, key: str) -> bool:
        return key in self.allowed

    def reason(self, key: str) -> str | None:
        return self.reasons.get(key)


def members_blob(members: Sequence[int] | np.ndarray) -> tuple[np.ndarray, bytes, str]:
    """Sorted unique response ids, their stored bytes and digest."""
    ids = np.unique(np.asarray(members, dtype="<i8"))
    blob = ids.astype("<i8").tobytes()
    return ids, blob, hashlib.sha256(blob).hexdigest()


def stored_members(row: ReleasedGroup) -> np.ndarray:
    return np.frombuffer(row.members, dtype="<i8")


_cache_lock = threading.Lock()
_cache: dict[tuple[str, int], tuple[str, np.ndarray, LeverageBasis]] = {}
"""Per database and wave: (ledger fingerprint, index space, basis) after the last release,
reused while the ledger and the imported responses are unchanged and the index space holds
everyone the next release covers."""


def _fingerprint(digests: Sequence[str], known: np.ndarray) -> str:
    # The imported responses are part of it: an import after a release (or one replacing
    # a survey response already counted) changes what the same groups reveal.
    known_digest = members_blob(known)[2]
    return hashlib.sha256(("".join(digests) + "|" + known_digest).encode()).hexdigest()


def imported_responses(session: Session, wave_id: int) -> np.ndarray:
    """Sorted ids of the wave's responses whose answers were imported, so HR knows them."""
    ids = session.exec(
        select(SurveyResponse.id).where(
            SurveyResponse.wave_id == wave_id, SurveyResponse.source == RESPONSE_IMPORTED
        )
    ).all()
    return np.unique(np.asarray(ids, dtype="<i8"))


def _basis(
    session: Session,
    wave_id: int,
    rows: list[ReleasedGroup],
    needed: np.ndarray,
    known: np.ndarray,
) -> tuple[np.ndarray, LeverageBasis]:
    """The index space and basis of the wave's released groups, covering ``needed``, with
    the ``known`` responses counted as disclosed."""
    fingerprint = _fingerprint([r.digest for r in rows], known)
    key = (str(session.get_bind().url), wave_id)
    with _cache_lock:
        cached = _cache.get(key)
    if (
        cached is not None
        and cached[0] == fingerprint
        and np.isin(needed, cached[1], assume_unique=True).all()
    ):
        return cached[1], _copy(cached[2])
    stored = [stored_members(r) for r in rows]
    ids = np.unique(np.concatenate([*stored, needed])) if stored else needed
    groups = [np.searchsorted(ids, members) for members in stored]
    inside = known[np.isin(known, ids, assume_unique=True)]
    return ids, LeverageBasis(ids.size, groups, known=np.searchsorted(ids, inside))


def _remember(
    session: Session, wave_id: int, digests, known: np.ndarray, ids, basis: LeverageBasis
) -> None:
    with _cache_lock:
        _cache[(str(session.get_bind().url), wave_id)] = (
            _fingerprint(digests, known),
            ids,
            basis,
        )


def _copy(basis: LeverageBasis) -> LeverageBasis:
    clone = LeverageBasis.__new__(LeverageBasis)
    clone.__dict__.update(
        {k: (v.copy() if hasattr(v, "copy") else v) for k, v in basis.__dict__.items()}
    )
    return clone


def _lock_wave(session: Session, wave_id: int) -> None:
    """Serialise releases of one wave, so two at once cannot each miss the other (on
    SQLite too, where a plain ``FOR UPDATE`` locks nothing)."""
    lock_rows(session, Wave, Wave.id == wave_id)


def released_groups(*, session: Session, wave: Wave) -> list[np.ndarray]:
    """Members (response ids) of every group shown for the wave, oldest first."""
    rows = session.exec(
        select(ReleasedGroup).where(ReleasedGroup.wave_id == wave.id).order_by(ReleasedGroup.id)
    ).all()
    return [stored_members(r) for r in rows]


def pinned_model_version(*, session: Session, wave: Wave) -> int | None:
    """The model version the wave's profile groups come from (its first release's)."""
    return session.exec(
        select(Release.model_version)
        .where(Release.wave_id == wave.id, Release.model_version.is_not(None))
        .order_by(Release.id)
        .limit(1)
    ).first()


def release(
    *,
    session: Session,
    wave: Wave,
    kind: str,
    candidates: Sequence[Candidate],
    min_size: int,
    actor: Actor,
    channel: str = "service",
    filters: Mapping | None = None,
    model_version: int | None = None,
) -> Decision:
    """Decide which candidate groups may be shown, record the release and commit.

    Candidates with fewer than ``min_size`` members are withheld as small; the others
    are tried largest first (then by key) and withheld when, with everything already
    shown for the wave and every imported answer, they would push the leverage of some
    respondent whose answers were not imported over ``1 / min_size``.
    """
    min_size = check_min_size(min_size)
    _lock_wave(session, wave.id)
    rows = session.exec(
        select(ReleasedGroup).where(ReleasedGroup.wave_id == wave.id).order_by(ReleasedGroup.id)
    ).all()
    prepared = [members_blob(c.members) for c in candidates]
    known = {r.digest: r for r in rows}
    needed = [p[0] for p in prepared]
    needed = np.unique(np.concatenate(needed)) if needed else np.zeros(0, dtype="<i8")
    imported = imported_responses(session, wave.id)
    ids, basis = _basis(session, wave.id, list(rows), needed, imported)
    keep = select_releasable(
        basis,
        [np.searchsorted(ids, p[0]) for p in prepared],
        min_size,
        order=[c.key for c in candidates],
    )
    reasons = {}
    for candidate, (members, _, _), ok in zip(candidates, prepared, keep, strict=True):
        if not ok:
            reasons[candidate.key] = REASON_SMALL if members.size < min_size else REASON_COMBINED
    shown = [
        {"key": c.key, "n": int(p[0].size), "digest": p[2], "figures": c.figures}
        for c, p, ok in zip(candidates, prepared, keep, strict=True)
        if ok
    ]
    record = Release(
        wave_id=wave.id,
        actor_id=actor.id,  # None for the command line and API tokens
        kind=kind,
        channel=channel if channel in CHANNELS else "service",
        model_version=model_version,
        details={
            "filters": dict(filters or {}),
            "min_group_size": min_size,
            "shown": shown,
            "withheld": [{"key": k, "reason": r} for k, r in sorted(reasons.items())],
        },
    )
    session.add(record)
    session.flush()
    for (members, blob, digest), ok in zip(prepared, keep, strict=True):
        if ok and digest not in known:
            row = ReleasedGroup(
                wave_id=wave.id,
                digest=digest,
                size=int(members.size),
                members=blob,
                first_release_id=record.id,
            )
            session.add(row)
            known[digest] = row
    session.commit()
    digests = [r.digest for r in rows] + [
        p[2]
        for p, ok in zip(prepared, keep, strict=True)
        if ok and p[2] not in {r.digest for r in rows}
    ]
    _remember(session, wave.id, list(dict.fromkeys(digests)), imported, ids, _copy(basis))
    allowed = frozenset(c.key for c, ok in zip(candidates, keep, strict=True) if ok)
    return Decision(record.id, allowed, reasons, min_size, frozenset(imported.tolist()))
