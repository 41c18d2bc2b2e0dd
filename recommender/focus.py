"""Focus groups: who talks with whom, what the group looks like, and what to ask it.

Forming groups
--------------
Groups have ``min_size`` to ``max_size`` people (5 to 8 by default), as close to the
asked ``size`` as the numbers allow, and sizes within one split differ by at most one.

* ``by="profile"``: every profile with at least ``min_size`` members is split into its
  own groups. Members of smaller profiles (and people without a profile) form a pool;
  a pool of at least ``min_size`` people is split into mixed groups, and a smaller pool
  joins the existing groups with the most room, one person at a time, so nobody ends up
  in a group under ``min_size``.
* ``by="mixed"``: everyone is dealt round-robin, profile by profile, over the groups,
  so each profile is spread as evenly as the group count allows.

Some head counts cannot be split into groups of ``min_size`` to ``max_size`` (9 people
with 5 to 8, or fewer than 5). The people who fit nowhere are reported as not placed
rather than put into a group that is too small or too large.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

FOCUS_MIN_SIZE = 5
FOCUS_MAX_SIZE = 8
MODES = ("profile", "mixed")
NO_PROFILE = -1


@dataclass(frozen=True)
class FocusPlan:
    """Groups as arrays of row indices, and the rows that fit in no group.

    Attributes
    ----------
    groups : list of ndarray of int
        Row indices of each group's members, sorted.
    unplaced : ndarray of int
        Rows that could not be placed in any group.
    """

    groups: list[np.ndarray]
    unplaced: np.ndarray


def split_sizes(n: int, size: int, min_size: int, max_size: int) -> list[int]:
    """Balanced group sizes for ``n`` people, as close to ``size`` as the bounds allow.

    Parameters
    ----------
    n : int
        People to split.
    size : int
        Wished group size.
    min_size, max_size : int
        Bounds on every group's size.

    Returns
    -------
    list of int
        Sizes, largest first, each within the bounds; they add up to ``n`` whenever such
        a split exists, otherwise to as many people as fit (the rest are left over).
    """
    if n < min_size:
        return []
    fewest = math.ceil(n / max_size)
    most = n // min_size
    if fewest > most:
        return [max_size] * most
    k = int(np.clip(round(n / size), fewest, most))
    base, extra = divmod(n, k)
    return [base + 1] * extra + [base] * (k - extra)


def _deal(order: np.ndarray, sizes: Sequence[int]) -> list[list[int]]:
    """Deal rows round-robin; with sizes that differ by at most one (largest first) each
    group gets exactly its size."""
    k = len(sizes)
    return [order[g::k].tolist() for g in range(k)]


def _by_profile_order(rows: np.ndarray, profiles: np.ndarray, rng) -> np.ndarray:
    """Rows shuffled within each profile, profiles one after another."""
    out = []
    for p in np.unique(profiles[rows]):
        members = rows[profiles[rows] == p]
        out.append(members[rng.permutation(members.size)])
    return np.concatenate(out) if out else np.empty(0, dtype=int)


def _mixed(rows: np.ndarray, profiles, size, min_size, max_size, rng):
    sizes = split_sizes(rows.size, size, min_size, max_size)
    if not sizes:
        return [], rows
    shuffled = rows[rng.permutation(rows.size)]
    n_left = rows.size - sum(sizes)
    left, placed = shuffled[:n_left], shuffled[n_left:]
    return _deal(_by_profile_order(placed, profiles, rng), sizes), left


def form_focus_groups(
    profiles: Sequence[int] | np.ndarray,
    *,
    by: str = "profile",
    size: int = 6,
    min_size: int = FOCUS_MIN_SIZE,
    max_size: int = FOCUS_MAX_SIZE,
    random_state: int | np.random.RandomState | None = None,
) -> FocusPlan:
    """Split people into focus groups.

    Parameters
    ----------
    profiles : array-like of int, shape (n_people,)
        Profile of each person; ``NO_PROFILE`` (-1) for none.
    by : {"profile", "mixed"}, default="profile"
    size : int, default=6
        Wished group size, within ``min_size`` and ``max_size``.
    min_size, max_size : int, default=5 and 8
    random_state : int, RandomState instance or None
        Who goes with whom among equals.

    Returns
    -------
    FocusPlan
    """
    from sklearn.utils import check_random_state

    if by not in MODES:
        raise ValueError(f"by must be one of {MODES}, got {by!r}")
    if not min_size <= size <= max_size:
        raise ValueError(f"size must be from {min_size} to {max_size}, got {size}")
    profiles = np.asarray(profiles, dtype=int)
    rng = check_random_state(random_state)
    rows = np.arange(profiles.size)
    if by == "mixed":
        groups, left = _mixed(rows, profiles, size, min_size, max_size, rng)
        return _plan(groups, left)

    groups: list[list[int]] = []
    pool: list[np.ndarray] = []
    for p in np.unique(profiles):
        members = rows[profiles == p]
        if p == NO_PROFILE or members.size < min_size:
            pool.append(members)
            continue
        members = members[rng.permutation(members.size)]
        sizes = split_sizes(members.size, size, min_size, max_size)
        start = 0
        for s in sizes:
            groups.append(members[start : start + s].tolist())
            start += s
        pool.append(members[start:])
    pooled = np.concatenate(pool) if pool else np.empty(0, dtype=int)
    mixed, left = _mixed(np.sort(pooled), profiles, size, min_size, max_size, rng)
    groups.extend(mixed)
    unplaced = []
    for row in left:
        room = [max_size - len(g) for g in groups]
        if room and max(room) > 0:
            groups[int(np.argmax(room))].append(int(row))
        else:
            unplaced.append(int(row))
    return _plan(groups, np.asarray(unplaced, dtype=int))


def _plan(groups: Sequence[Sequence[int]], left: Sequence[int] | np.ndarray) -> FocusPlan:
    return FocusPlan(
        groups=[np.sort(np.asarray(g, dtype=int)) for g in groups if len(g)],
        unplaced=np.sort(np.asarray(left, dtype=int)),
    )


def mean_ci(
    values: np.ndarray,
    confidence: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column means with t-based confidence intervals, ignoring NaN.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)
    confidence : float, default=0.95
    bounds : (float, float), optional
        The range every value can take, for example an instrument's
        ``(scale_min, scale_max)``. Scale scores, likert means and best-worst scores placed
        on the scale as ``midpoint + half-range x score`` alike, lie in it, so their mean
        does too: the interval is then cut to this range (the t-interval of a small group
        with answers at both ends reaches past it). Cutting keeps the coverage, because
        the true mean is always inside the range, and an interval never ends past a value
        the mean cannot take. Without ``bounds`` the interval is the plain t-interval.

    Returns
    -------
    mean, low, high : ndarray of shape (n_columns,)
        NaN where a column has no value; the interval is NaN with fewer than two, and
        within ``bounds`` when they are given.
    n : ndarray of int, shape (n_columns,)
        Values per column.
    """
    from scipy import stats

    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    n = present.sum(axis=0)
    filled = np.where(present, values, 0.0)
    mean = np.full(values.shape[1], np.nan)
    np.divide(filled.sum(axis=0), n, out=mean, where=n > 0)
    squares = np.where(present, (values - np.nan_to_num(mean)) ** 2, 0.0).sum(axis=0)
    var = np.full(values.shape[1], np.nan)
    np.divide(squares, n - 1, out=var, where=n > 1)
    half = np.full(values.shape[1], np.nan)
    ok = n > 1
    if ok.any():
        t = stats.t.ppf(0.5 + confidence / 2, n[ok] - 1)
        half[ok] = t * np.sqrt(var[ok] / n[ok])
    low, high = mean - half, mean + half
    if bounds is not None:
        lo, hi = float(bounds[0]), float(bounds[1])
        if lo > hi:
            raise ValueError(f"bounds must be (low, high), got {bounds!r}")
        # NaN (no interval) stays NaN: np.clip passes it through.
        low, high = np.clip(low, lo, hi), np.clip(high, lo, hi)
    return mean, low, high, n


# What to ask a group that stands out on a construct: "high" when it cares more than the
# organisation does, "low" when it cares less. Open questions, never about one person.
QUESTIONS: dict[str, dict[str, dict[str, str]]] = {
    "autonomy": {
        "high": {
            "en": "Where would more say over how you plan your week make the biggest difference?",
            "nb": "Hvor ville mer å si over hvordan du planlegger uka gjort størst forskjell?",
        },
        "low": {
            "en": "When is clear direction from your manager most helpful to you?",
            "nb": "Når er tydelig retning fra lederen din mest til hjelp for deg?",
        },
    },
    "mastery": {
        "high": {
            "en": "Which skill would you most like to grow in the next six months, and what would help?",
            "nb": "Hvilken ferdighet vil du helst utvikle det neste halvåret, og hva ville hjulpet?",
        },
        "low": {
            "en": "What makes learning something new feel worth the time for you?",
            "nb": "Hva gjør at det føles verdt tiden å lære noe nytt?",
        },
    },
    "purpose": {
        "high": {
            "en": "When did your work last feel like it really mattered to a customer or colleague?",
            "nb": "Når føltes arbeidet ditt sist som at det virkelig betydde noe for en kunde eller kollega?",
        },
        "low": {
            "en": "What would make the point of your work clearer day to day?",
            "nb": "Hva ville gjort meningen med arbeidet ditt tydeligere i hverdagen?",
        },
    },
    "pref_recognition": {
        "high": {
            "en": "What does recognition that feels genuine look like to you?",
            "nb": "Hvordan ser anerkjennelse som føles ekte ut for deg?",
        },
        "low": {
            "en": "Which kinds of recognition feel empty, and why?",
            "nb": "Hvilke former for anerkjennelse føles tomme, og hvorfor?",
        },
    },
    "pref_development": {
        "high": {
            "en": "Which course, mentor or stretch task would you choose as a reward?",
            "nb": "Hvilket kurs, hvilken mentor eller hvilken utfordring ville du valgt som belønning?",
        },
        "low": {
            "en": "When does development feel like more work rather than a reward?",
            "nb": "Når føles utvikling mer som ekstra arbeid enn som en belønning?",
        },
    },
    "pref_experience": {
        "high": {
            "en": "Which shared experience would you still talk about a year from now?",
            "nb": "Hvilken felles opplevelse ville dere fortsatt snakket om om et år?",
        },
        "low": {
            "en": "What makes an event or trip feel like an obligation?",
            "nb": "Hva gjør at et arrangement eller en tur føles som en plikt?",
        },
    },
    "pref_wellness": {
        "high": {
            "en": "What would help you keep your energy up through the busiest quarters?",
            "nb": "Hva ville hjulpet deg å holde energien oppe gjennom de travleste kvartalene?",
        },
        "low": {
            "en": "Where should the company stay out of your health and free time?",
            "nb": "Hvor går grensen for hva firmaet bør blande seg inn i når det gjelder helsen og fritiden din?",
        },
    },
    "pref_exclusive": {
        "high": {
            "en": "Which people or places would you most like access to?",
            "nb": "Hvilke folk eller steder vil du helst få tilgang til?",
        },
        "low": {
            "en": "How should exclusive rewards be handled so they feel fair to everyone?",
            "nb": "Hvordan bør eksklusive belønninger håndteres så de oppleves rettferdige for alle?",
        },
    },
    "pref_personal": {
        "high": {
            "en": "What would a gift chosen for you as a person look like?",
            "nb": "Hvordan ville en gave valgt ut til deg som person sett ut?",
        },
        "low": {
            "en": "When do gifts miss the mark, and what would you rather have?",
            "nb": "Når bommer gaver, og hva ville du heller hatt?",
        },
    },
    "pref_time": {
        "high": {
            "en": "How would you use an extra afternoon off, and when would it suit you best?",
            "nb": "Hvordan ville du brukt en ekstra fri ettermiddag, og når ville det passet best?",
        },
        "low": {
            "en": "What would make flexible time useful to you rather than awkward?",
            "nb": "Hva skal til for at fleksibel tid blir nyttig for deg og ikke bare vanskelig?",
        },
    },
    "pref_public": {
        "high": {
            "en": "Which moments deserve to be celebrated in front of the whole team?",
            "nb": "Hvilke øyeblikk fortjener å bli feiret foran hele teamet?",
        },
        "low": {
            "en": "How would you like to be thanked when you would rather not be on stage?",
            "nb": "Hvordan vil du bli takket når du helst ikke vil stå på scenen?",
        },
    },
    "pref_team": {
        "high": {
            "en": "Which reward would you most like to share with your team?",
            "nb": "Hvilken belønning vil du helst dele med teamet ditt?",
        },
        "low": {
            "en": "When should a reward be yours alone rather than the team's?",
            "nb": "Når bør en belønning være din alene og ikke teamets?",
        },
    },
}
GENERIC_QUESTIONS = {
    "high": {
        "en": "What would help you most with {label}?",
        "nb": "Hva ville hjulpet deg mest med {label}?",
    },
    "low": {
        "en": "What would make {label} matter more to you, if anything?",
        "nb": "Hva ville eventuelt gjort {label} viktigere for deg?",
    },
}


def discussion_questions(
    difference: Mapping[str, float],
    *,
    lang: str = "en",
    labels: Mapping[str, str] | None = None,
    n_high: int = 2,
    n_low: int = 1,
) -> list[dict[str, str]]:
    """Questions from the constructs where a group stands out most.

    Parameters
    ----------
    difference : mapping construct -> float
        The group's mean minus the organisation's, per construct (NaN is skipped).
    lang : {"en", "nb"}, default="en"
    labels : mapping construct -> str, optional
        Construct labels for constructs without their own questions.
    n_high, n_low : int, default=2 and 1
        Questions from the highest and the lowest constructs.

    Returns
    -------
    list of dict
        ``{"construct", "direction" ("high" or "low"), "question"}``, highest first.
    """
    known = [(k, float(v)) for k, v in difference.items() if v is not None and np.isfinite(v)]
    ranked = sorted(known, key=lambda kv: (-kv[1], kv[0]))
    highs = ranked[:n_high]
    lows = [kv for kv in reversed(ranked) if kv not in highs][:n_low]
    out = []
    for direction, chosen in (("high", highs), ("low", lows)):
        for key, _ in chosen:
            bank = QUESTIONS.get(key, {}).get(direction)
            if bank is None:
                label = (labels or {}).get(key, key)
                text = GENERIC_QUESTIONS[direction].get(lang, GENERIC_QUESTIONS[direction]["en"])
                question = text.format(label=label)
            else:
                question = bank.get(lang, bank["en"])
            out.append({"construct": key, "direction": direction, "question": question})
    return out


def difference_ci(
    a: np.ndarray, b: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise ``mean(b) - mean(a)`` with a Welch confidence interval, ignoring NaN.

    Parameters
    ----------
    a, b : ndarray of shape (n_a, n_columns) and (n_b, n_columns)
        Two independent samples, for example one wave and the next.
    confidence : float, default=0.95

    Returns
    -------
    difference, low, high : ndarray of shape (n_columns,)
        NaN where either sample has fewer than two values in a column.
    """
    from scipy import stats

    mean_a, _, _, n_a = mean_ci(a, confidence)
    mean_b, _, _, n_b = mean_ci(b, confidence)
    diff = mean_b - mean_a
    ok = (n_a > 1) & (n_b > 1)
    low = np.full(diff.shape, np.nan)
    high = np.full(diff.shape, np.nan)
    if ok.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            var_a = np.nanvar(np.asarray(a, dtype=float)[:, ok], axis=0, ddof=1) / n_a[ok]
            var_b = np.nanvar(np.asarray(b, dtype=float)[:, ok], axis=0, ddof=1) / n_b[ok]
            se = np.sqrt(var_a + var_b)
            df = (var_a + var_b) ** 2 / (var_a**2 / (n_a[ok] - 1) + var_b**2 / (n_b[ok] - 1))
        # Two constant samples have no spread: the difference is then known exactly.
        df = np.where(np.isfinite(df), df, 1.0)
        half = stats.t.ppf(0.5 + confidence / 2, df) * se
        low[ok] = diff[ok] - half
        high[ok] = diff[ok] + half
    return diff, low, high


def quartiles(values: np.ndarray) -> np.ndarray:
    """Column-wise 25th, 50th and 75th percentiles, ignoring NaN.

    Only quartiles, never the minimum or maximum: in a small group those are one
    person's own answer.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns)

    Returns
    -------
    ndarray of shape (3, n_columns)
        NaN for a column without values.
    """
    values = np.asarray(values, dtype=float)
    out = np.full((3, values.shape[1]), np.nan)
    present = ~np.isnan(values).all(axis=0)
    if values.shape[0] and present.any():
        out[:, present] = np.nanpercentile(values[:, present], [25, 50, 75], axis=0)
    return out
