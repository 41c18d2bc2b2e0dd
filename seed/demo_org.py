"""The demo organisation: about 60 reps in six teams, their managers, HR and an admin.

The teams, managers and name lists live in ``seed/demo_org.toml``; this module only draws
names and roles from them, deterministically for a given ``random_state``.
"""

from __future__ import annotations

import random
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

DEMO_ORG_PATH = Path(__file__).resolve().parent / "demo_org.toml"
PERSON_KEYS = ("external_id", "name", "email", "team", "manager_email", "access", "sales_role")

# Letters that Unicode does not decompose into a base letter plus an accent.
_ASCII = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "đ": "d", "ł": "l"})


def demo_experiment() -> dict[str, Any]:
    """The demo's running experiment: name, description, metric, control and arms (each
    with ``key``, ``label`` and an optional ``category``)."""
    with DEMO_ORG_PATH.open("rb") as handle:
        return dict(tomllib.load(handle)["experiment"])


def demo_people(random_state: int = 7) -> list[dict[str, Any]]:
    """Return the demo organisation as people records, the shape the roster import takes.

    Each record has exactly the keys ``external_id``, ``name``, ``email``, ``team``,
    ``manager_email`` (``None`` for managers, HR and admin), ``access`` (``rep``,
    ``manager``, ``hr`` or ``admin``) and ``sales_role`` (a sales role for reps,
    ``sales_manager`` for managers, ``None`` for HR and admin). HR and admin come first,
    then each team's manager followed by its reps. The same ``random_state`` always gives
    the same people.
    """
    with DEMO_ORG_PATH.open("rb") as handle:
        spec = tomllib.load(handle)
    rng = random.Random(random_state)
    domain = spec["email_domain"]
    taken: set[str] = set()
    people: list[dict[str, Any]] = []

    def add(
        name: str,
        *,
        team: str | None,
        manager_email: str | None,
        access: str,
        sales_role: str | None,
    ) -> str:
        email = f"{email_local_part(name)}@{domain}"
        if email in taken:
            raise ValueError(f"demo_org.toml: {name} would get the same email as someone else")
        taken.add(email)
        people.append(
            {
                "external_id": f"E{spec['first_external_id'] + len(people)}",
                "name": name,
                "email": email,
                "team": team,
                "manager_email": manager_email,
                "access": access,
                "sales_role": sales_role,
            }
        )
        return email

    fixed = [spec["hr"]["name"], spec["admin"]["name"]] + [t["manager"] for t in spec["teams"]]
    reserved = {f"{email_local_part(name)}@{domain}" for name in fixed}
    draw = _NameDrawer(spec["names"], spec["international_share"], rng, reserved, domain)

    add(spec["hr"]["name"], team=None, manager_email=None, access="hr", sales_role=None)
    add(spec["admin"]["name"], team=None, manager_email=None, access="admin", sales_role=None)
    for team in spec["teams"]:
        manager_email = add(
            team["manager"],
            team=team["name"],
            manager_email=None,
            access="manager",
            sales_role="sales_manager",
        )
        roles = [role for role, count in team["roles"].items() for _ in range(count)]
        rng.shuffle(roles)
        for role in roles:
            add(
                draw(),
                team=team["name"],
                manager_email=manager_email,
                access="rep",
                sales_role=role,
            )
    return people


def email_local_part(name: str) -> str:
    """Return ``first.last`` in plain ASCII, as a Norwegian company would spell it."""
    parts = name.lower().translate(_ASCII).split()
    ascii_parts = [
        unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode("ascii")
        for part in parts
    ]
    return ".".join(part for part in ascii_parts if part)


class _NameDrawer:
    """Draws unused full names: mostly Norwegian, some international."""

    def __init__(
        self,
        names: dict[str, list[str]],
        international_share: float,
        rng: random.Random,
        reserved: set[str],
        domain: str,
    ) -> None:
        self.first = names["first"]
        self.last = names["last"]
        self.international = list(names["international"])
        rng.shuffle(self.international)
        self.share = international_share
        self.rng = rng
        self.used = set(reserved)
        self.domain = domain

    def __call__(self) -> str:
        if self.international and self.rng.random() < self.share:
            name = self.international.pop()
            if self.claim(name):
                return name
        # The lists hold thousands of combinations, so a free one turns up quickly.
        while True:
            name = f"{self.rng.choice(self.first)} {self.rng.choice(self.last)}"
            if self.claim(name):
                return name

    def claim(self, name: str) -> bool:
        email = f"{email_local_part(name)}@{self.domain}"
        if email in self.used:
            return False
        self.used.add(email)
        return True
