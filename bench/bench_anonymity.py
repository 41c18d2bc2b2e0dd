"""Cost of the disclosure ledger's check: 20,000 respondents, 500 released groups.

Prints a small Markdown report to stdout. A release is checked by rebuilding the wave's
basis from the stored groups (one eigen-decomposition of the groups' Gram matrix) and
then trying the new groups one by one (incremental Gram-Schmidt), which is what every
page, export and API call of a wave does. Target: under 200 ms per release.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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

    def check(candidates):
        fresh = LeverageBasis(N_PEOPLE, groups)
        return select_releasable(fresh, candidates, MIN_SIZE)

    check_ms, keep = timed(lambda: check(one_table))
    same_ms, _ = timed(lambda: check(groups[:N_TEAMS]))
    rows = [
        ("rebuild the basis from 500 stored groups", build_ms),
        (f"release of {len(one_table)} new groups (rebuild + greedy check)", check_ms),
        (f"re-release of {N_TEAMS} groups already shown (rebuild + check)", same_ms),
    ]
    print("# Disclosure ledger check")
    print()
    print(f"{N_PEOPLE:,} respondents, 500 released groups, k = {MIN_SIZE}; best of {REPEATS}.")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}.")
    print()
    print("| step | ms |")
    print("|---|---:|")
    for label, ms in rows:
        print(f"| {label} | {ms:.0f} |")
    print()
    print(f"Rank of the released groups: {basis.rank_}; new groups allowed: {int(keep.sum())}")
    print(f"of {len(one_table)}. Target: under 200 ms per release.")


if __name__ == "__main__":
    main()
