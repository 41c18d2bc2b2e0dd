"""Cost of the disclosure ledger's check: 20,000 respondents, 500 released groups.

Prints a small Markdown report to stdout. A release tries its new groups one by one
against the wave's basis (incremental Gram-Schmidt). Each worker keeps the basis of the
wave's ledger after its last release, so the usual cost is the check alone ("warm");
after another process released something, or when new respondents appear, the basis is
first rebuilt from the stored groups (one eigen-decomposition of the groups' Gram
matrix, "cold"). Target: under 200 ms per release.
"""

from __future__ import annotations

import copy
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
RESULTS = Path(__file__).resolve().parent / "results" / "anonymity.md"

from recommender.anonymity import LeverageBasis, select_releasable, within_bound  # noqa: E402

N_PEOPLE = 20_000
N_TEAMS = 300
N_ROLES = 6
N_PROFILES = 8
MIN_SIZE = 5
REPEATS = 5


def released_groups(rng: np.random.Generator) -> list[np.ndarray]:
    """500 groups as a wave's ledger holds them: teams, roles, profiles, focus groups."""
    people = np.arange(N_PEOPLE)
    groups = []
    for n_cells in (N_TEAMS, N_ROLES, N_PROFILES):
        labels = rng.integers(0, n_cells, N_PEOPLE)
        groups += [people[labels == c] for c in range(n_cells)]
    groups.append(people)  # the total
    shuffled = rng.permutation(N_PEOPLE)
    start = 0
    while len(groups) < 500:
        groups.append(np.sort(shuffled[start : start + 7]))
        start += 7
    return groups


def timed(fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return best * 1000, result


def main() -> None:
    rng = np.random.default_rng(0)
    groups = released_groups(rng)
    build_ms, basis = timed(lambda: LeverageBasis(N_PEOPLE, groups))
    assert within_bound(basis.leverage_, MIN_SIZE)
    # A new release: the team table again after 40 more people answered (different sets).
    newcomers = rng.permutation(N_PEOPLE)[:40]
    grown = [np.union1d(g, newcomers[i::N_TEAMS]) for i, g in enumerate(groups[:N_TEAMS])]
    one_table = grown[:20]

    def cold(candidates):
        fresh = LeverageBasis(N_PEOPLE, groups)
        return select_releasable(fresh, candidates, MIN_SIZE)

    def warm(candidates):
        return select_releasable(copy.deepcopy(basis), candidates, MIN_SIZE)

    fresh_team = [np.sort(rng.permutation(N_PEOPLE)[:60]) for _ in range(20)]
    cold_ms, keep = timed(lambda: cold(one_table))
    warm_ms, _ = timed(lambda: warm(one_table))
    warm_new_ms, keep_new = timed(lambda: warm(fresh_team))
    same_ms, _ = timed(lambda: warm(groups[:N_TEAMS]))
    rows = [
        ("rebuild the basis from 500 stored groups", build_ms),
        (f"cold release of {len(one_table)} grown teams (rebuild + check)", cold_ms),
        (f"warm release of {len(one_table)} grown teams (check)", warm_ms),
        (f"warm release of {len(fresh_team)} new groups of 60 (check)", warm_new_ms),
        (f"warm re-release of {N_TEAMS} groups already shown (check)", same_ms),
    ]
    lines = [
        "# Disclosure ledger check",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. {N_PEOPLE:,} respondents, 500 released"
        f" groups, k = {MIN_SIZE}; best of {REPEATS}.",
        f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()},"
        f" {os.cpu_count()} CPUs.",
        "",
        "| step | ms |",
        "|---|---:|",
        *(f"| {label} | {ms:.0f} |" for label, ms in rows),
        "",
        f"Rank of the released groups: {basis.rank_}. Grown teams allowed: {int(keep.sum())} of"
        f" {len(one_table)} (each differs from a shown team by a person or none); new groups"
        f" allowed: {int(keep_new.sum())} of {len(fresh_team)}. Target: under 200 ms per release.",
    ]
    report = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report, end="")


if __name__ == "__main__":
    main()
