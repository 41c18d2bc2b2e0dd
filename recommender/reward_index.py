"""Reward ids mapped to matrix columns, and each reward's attributes as numbers.

The estimator never sees database ids or slugs: ``RewardIndex`` turns a catalogue into
columns, an attribute matrix (category one-hot, signed visibility/scope/horizon, cost
band), role and cost masks, and cooldown columns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from recommender.catalogue import ALL_ROLES, CATEGORIES, Reward

SIGNED_ATTRIBUTES = ("visibility", "scope", "horizon")
"""Two-valued attributes coded +1/-1: public, team and long-term are +1."""

ATTRIBUTE_NAMES: tuple[str, ...] = (
    *(f"category:{c}" for c in CATEGORIES),
    *SIGNED_ATTRIBUTES,
    "cost_band",
)


def model_facts(reward: Reward) -> str:
    """A short digest of what a model learns and constrains with about one reward.

    Its attributes (category, visibility, scope, horizon, cost band), who may have it and its
    cooldown: a trained model scores and explains a reward by these as they were when it was
    trained, so a change to any of them, unlike one to its name or price, calls for training.
    """
    facts = (
        reward.category,
        reward.visibility,
        reward.scope,
        reward.horizon,
        int(reward.cost_band),
        sorted(reward.roles),
        int(reward.cooldown_days),
    )
    return hashlib.blake2b(repr(facts).encode(), digest_size=8).hexdigest()


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class RewardIndex:
    """Maps reward ids to matrix columns and holds what constraints and features need.

    Build it with ``RewardIndex.from_rewards(rewards)``; column ``j`` is ``ids[j]``.
    """

    ids: tuple[str, ...]
    category: tuple[str, ...]
    visibility: tuple[str, ...]
    scope: tuple[str, ...]
    horizon: tuple[str, ...]
    cost_band: tuple[int, ...]
    roles: tuple[tuple[str, ...], ...]
    cooldown_days: tuple[int, ...]
    active: tuple[bool, ...]

    @classmethod
    def from_rewards(cls, rewards: Sequence[Reward]) -> RewardIndex:
        """Index a catalogue, keeping its order."""
        ids = tuple(r.id for r in rewards)
        if len(set(ids)) != len(ids):
            raise ValueError("reward ids must be unique")
        return cls(
            ids=ids,
            category=tuple(r.category for r in rewards),
            visibility=tuple(r.visibility for r in rewards),
            scope=tuple(r.scope for r in rewards),
            horizon=tuple(r.horizon for r in rewards),
            cost_band=tuple(int(r.cost_band) for r in rewards),
            roles=tuple(tuple(r.roles) for r in rewards),
            cooldown_days=tuple(int(r.cooldown_days) for r in rewards),
            active=tuple(bool(r.active) for r in rewards),
        )

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def _columns(self) -> dict[str, int]:
        return {rid: j for j, rid in enumerate(self.ids)}

    def column(self, reward_id: str) -> int:
        """Column of one reward id (``KeyError`` if unknown)."""
        return self._columns[reward_id]

    def columns(self, reward_ids: Iterable[str], *, skip_unknown: bool = False) -> np.ndarray:
        """Columns of several reward ids, as an int array."""
        ids = list(reward_ids)
        if skip_unknown:
            ids = [rid for rid in ids if rid in self._columns]
        return np.asarray([self._columns[rid] for rid in ids], dtype=int)

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Names of the columns of ``attributes()``."""
        return ATTRIBUTE_NAMES

    def attributes(self) -> np.ndarray:
        """Reward attribute matrix, shape (n_rewards, n_attributes).

        One-hot category; visibility, scope and horizon as +1 (public, team, long) or -1;
        cost band centred on the middle of 1-4 and scaled to [-1, 1].
        """
        n = len(self)
        out = np.zeros((n, len(ATTRIBUTE_NAMES)))
        cat = {c: j for j, c in enumerate(CATEGORIES)}
        for row, c in enumerate(self.category):
            out[row, cat[c]] = 1.0
        base = len(CATEGORIES)
        out[:, base] = np.where(np.asarray(self.visibility) == "public", 1.0, -1.0)
        out[:, base + 1] = np.where(np.asarray(self.scope) == "team", 1.0, -1.0)
        out[:, base + 2] = np.where(np.asarray(self.horizon) == "long", 1.0, -1.0)
        out[:, base + 3] = (np.asarray(self.cost_band, dtype=float) - 2.5) / 1.5
        return out

    def candidate_mask(
        self,
        *,
        role: str | None = None,
        max_cost_band: int | None = None,
        include_inactive: bool = False,
    ) -> np.ndarray:
        """Columns a person may be offered, as a bool array of shape (n_rewards,).

        Parameters
        ----------
        role : str, optional
            The person's sales role; rewards restricted to other roles are left out.
            ``None`` applies no role filter.
        max_cost_band : int, optional
            Leave out rewards above this cost band.
        include_inactive : bool, default=False
            Keep rewards the catalogue marks inactive.
        """
        mask = np.ones(len(self), dtype=bool) if include_inactive else self._active.copy()
        if role is not None:
            mask &= self._role_mask(role)
        if max_cost_band is not None:
            mask &= self._cost_band <= max_cost_band
        return mask

    # Requests ask for these over and over; the index is frozen, so compute them once.
    @cached_property
    def _active(self) -> np.ndarray:
        return np.asarray(self.active, dtype=bool)

    @cached_property
    def _cost_band(self) -> np.ndarray:
        return np.asarray(self.cost_band)

    @cached_property
    def _role_masks(self) -> dict[str, np.ndarray]:
        return {}

    def _role_mask(self, role: str) -> np.ndarray:
        mask = self._role_masks.get(role)
        if mask is None:
            mask = np.asarray([ALL_ROLES in rs or role in rs for rs in self.roles], dtype=bool)
            self._role_masks[role] = mask
        return mask

    def role_masks(self, roles: Sequence[str | None]) -> np.ndarray:
        """Candidate masks for many people at once, shape (n_people, n_rewards)."""
        distinct = {role: self.candidate_mask(role=role) for role in set(roles)}
        if not roles:
            return np.zeros((0, len(self)), dtype=bool)
        return np.stack([distinct[role] for role in roles])

    def cooldown_columns(self, grants: Iterable[tuple[str, date]], today: date) -> np.ndarray:
        """Columns still in cooldown: granted to the person fewer than cooldown_days ago.

        Parameters
        ----------
        grants : iterable of (reward id, date granted)
            The person's grants; unknown ids are ignored.
        today : date
        """
        out = set()
        for reward_id, granted in grants:
            j = self._columns.get(reward_id)
            if j is not None and (today - granted).days < self.cooldown_days[j]:
                out.add(j)
        return np.asarray(sorted(out), dtype=int)

    def to_dict(self) -> dict[str, list]:
        """JSON-able form, for model artefacts."""
        return {
            "ids": list(self.ids),
            "category": list(self.category),
            "visibility": list(self.visibility),
            "scope": list(self.scope),
            "horizon": list(self.horizon),
            "cost_band": list(self.cost_band),
            "roles": [list(r) for r in self.roles],
            "cooldown_days": list(self.cooldown_days),
            "active": list(self.active),
        }

    @classmethod
    def from_dict(cls, data: dict[str, list]) -> RewardIndex:
        """Inverse of ``to_dict``."""
        return cls(
            ids=tuple(data["ids"]),
            category=tuple(data["category"]),
            visibility=tuple(data["visibility"]),
            scope=tuple(data["scope"]),
            horizon=tuple(data["horizon"]),
            cost_band=tuple(int(v) for v in data["cost_band"]),
            roles=tuple(tuple(r) for r in data["roles"]),
            cooldown_days=tuple(int(v) for v in data["cooldown_days"]),
            active=tuple(bool(v) for v in data["active"]),
        )
