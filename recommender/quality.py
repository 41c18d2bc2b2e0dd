"""Response quality flags: careless or rushed responses HR may want to leave out.

A response is flagged when ONE hard indicator fires, or when TWO soft indicators fire
together. A hard indicator is close to proof on its own; a soft one also fires now and then
for people who answered with care (a quick reader, someone who really does agree with most
statements), so one alone never flags anybody. The flags of a response are the codes of
every indicator that fired, but only when the response is flagged: an unflagged response
has an empty set, so ``bool(flags)`` still means "flagged" everywhere, and a flagged rep is
told about every rule that fired.

Hard indicators
---------------
``"speeding"``
    On some page, seconds spent divided by items answered there is below
    ``HARD_SECONDS_PER_ITEM`` (1 second).
``"attention"``
    Two instructed-response items (``type = "attention"``, which tell the reader which
    answer to give) got another answer, or the only one if the instrument has just one.
    With two or more such items, one wrong answer alone is the soft
    ``"attention_partial"``.
``"straightlining"``
    On some page, a run of identical consecutive Likert answers covers at least
    ``LONGSTRING_SHARE`` of the page's Likert items, and at least ``LONGSTRING_MIN_RUN``
    of them.

Soft indicators
---------------
``"rushed"``
    On some page, under ``SOFT_SECONDS_PER_ITEM`` (2 seconds) per answered item.
``"attention_partial"``
    One of two or more instructed-response items got another answer.
``"low_variability"``
    The standard deviation of the person's Likert answers (each rescaled to 0-1 over its
    item's range) is below ``IRV_CUTOFF``.
``"even_odd"``
    The even-odd consistency (below) is below ``EVEN_ODD_CUTOFF``.
``"inconsistent"``
    At least ``MIN_CONTRADICTED`` designed opposite pairs (a normal and a reverse-keyed
    item of one scale; pairs sharing a reverse-keyed item count once) are contradicted:
    after keying the two differ by the full scale range (strongly agreeing with a
    statement and with its opposite).
``"intransitive"``
    The best-worst tasks' choices contain at least ``MIN_CYCLIC_TRIADS`` circular triads
    (below); needs ``MIN_BEST_WORST_TASKS`` answered tasks.

Item types other than Likert, attention and best-worst items (ranking, free text, and any
type this module does not know) count only as answered items for the timing rules.

Where the figures come from
---------------------------
Sources, summarised in our own words:

* Meade & Craig (2012), "Identifying careless responses in survey data", *Psychological
  Methods* 17, 437-455: careless answering comes in a random and a non-random (repetitive)
  form, which different indices catch; they recommend instructed-response items and
  several consistency and response-pattern indices side by side rather than any single
  one. That is why we combine indicators of both kinds and need two of the weak ones.
* Curran (2016), "Methods for the detection of carelessly invalid responses in survey
  data", *Journal of Experimental Social Psychology* 66, 4-19: reviews time, LongString,
  even-odd consistency, IRV and others, and advises using several indices with
  conservative cut-offs so that only clearly invalid responses are removed, since each
  index alone also catches some careful people. Our hard/soft split follows that advice.
* Time. Huang, Curran, Keeney, Poposki & DeShon (2012), "Detecting and deterring
  insufficient effort responding to surveys", *Journal of Business and Psychology* 27,
  99-114, proposed about 2 seconds per item as the fastest pace at which items can be
  read and answered with effort. Bowling, Huang, Brower & Bragg (2023), "The quick and
  the careless: The construct validity of page time as a measure of insufficient effort
  responding to surveys", *Organizational Research Methods* 26, 323-352, count the pages
  answered faster than that and found the count a valid measure for items of various
  lengths. We use 2 s per item as the SOFT cut: issue 13 found it strict for short
  5-point items that practised reps answer wave after wave (an attentive rep was flagged
  at 1.7 s per item), so alone it no longer flags. The HARD cut, 1 second per item, is
  our own choice, not a published figure: half of Huang's pace, faster than a statement
  can be read at all, and in the simulations 1 attentive person in 1,000 or fewer has a
  page that fast. A cut relative to each page's median time needs a wave's worth of
  timings, which a single submission does not have.
* Instructed-response items. Meade & Craig (2012) found them simple and effective, and
  they are the only indicator that tells the respondent what to do; but a single wrong
  tap on a phone is a slip, not carelessness. So with two or more items it takes two
  wrong answers for a hard flag, and one is soft. With a single item (instrument version
  1) our decision is that a wrong answer stays hard: there is no second item to tell a
  slip from carelessness, that item's answer ("Agree") is the one careless agreeing
  gives anyway, so a wrong one is rarely a habit, and the rep is told plainly what was
  flagged and may review and resubmit. The simulated attentive people
  (``seed/careless.py``) answer instructed items as asked; if 2 % of their answers to
  them were mis-taps, 2.5-2.9 % of attentive people would be flagged with one item and
  0.4-0.9 % with two (``bench/bench_flags.py``): the cost of a single item, and the
  reason version 2 asks two.
* LongString. Johnson (2005), "Ascertaining the validity of individual protocols from
  Web-based personality inventories", *Journal of Research in Personality* 39, 103-129,
  counts the longest run of identical consecutive answers and sets cut-offs from how
  long runs get in the sample, so the cut depends on the questionnaire. Ours has pages
  of different lengths, so the cut is a share of each page: ``LONGSTRING_SHARE`` = .8 of a
  page's Likert items, and at least ``LONGSTRING_MIN_RUN`` = 8 items (a short page all
  answered "Agree" is believable from an enthusiast). We chose both on the simulated
  attentive respondents of both worlds (``bench/bench_flags.py``): with a minimum of 6
  up to 1 in 200 attentive people in the additive world had such a run; with 8, at most
  1 in 2,000, while every straight-liner is still caught.
* IRV. Dunn, Heggestad, Shanock & Theilgard (2018), "Intra-individual response
  variability as an indicator of insufficient effort responding", *Journal of Business
  and Psychology* 33, 105-121: the standard deviation of a person's answers across items;
  very low values mean nearly the same answer throughout. There is no cut-off that fits
  every questionnaire, and careful people with strong, uniform views also answer
  narrowly, so this is soft. ``IRV_CUTOFF`` = .15 of the scale range (.6 on a
  1-5 scale) sits below every simulated attentive respondent of both worlds (their
  lowest 1 in 1,000 is about .21) and above nearly every mostly-same pattern.
* Even-odd consistency. Jackson (1976, described by Johnson 2005 and Curran 2016): split
  each multi-item scale into its odd- and even-numbered items, correlate the two sets of
  half-scale means within the person, and correct with Spearman-Brown. Attentive answers
  give a clearly positive value; random answers give about zero. Johnson (2005) used a
  low coefficient as one sign of an invalid protocol. The cut ``EVEN_ODD_CUTOFF`` = .30
  is our choice, checked on the simulations: 1-5 % of attentive people fall under it
  (hence soft) and about 70 % of random responders. It needs
  ``MIN_HALF_ITEMS`` (2) answered items in each half of a scale and at least
  ``MIN_EVEN_ODD_SCALES`` (6) such scales, else it is not computed; a person whose half
  means do not vary at all (a straight line) is left to LongString and IRV.
* Contradicted opposite pairs. Each reverse-keyed item is the designed opposite of the
  other items of its scale. A careful person can misread one negation, which contradicts
  all of that item's partners at once, so a reverse-keyed item counts once however many
  partners contradict it, it takes ``MIN_CONTRADICTED`` = 2 contradicted pairs with
  different reverse-keyed items, and even then it is soft: alone it never flags anybody.
  In the simulations 0.1-1.4 % of attentive people reach two.
* Circular triads. Kendall & Babington Smith (1940), "On the method of paired
  comparisons" (*Biometrika*), count the triads a judge orders in a circle (a over b, b
  over c, c over a) as the measure of inconsistency in paired comparisons. A best-worst
  task says the best option beats the other two and both beat the worst; over version 2's
  balanced design every pair of the seven kinds meets once, so the seven tasks give a
  complete tournament (at most 14 circular triads; 8.75 on average when choices are made
  at random). ``MIN_CYCLIC_TRIADS`` = 6 is our choice on the simulations: attentive people
  average 1.3 (profile world) and 2.6 (additive world, noisier choices), so it is soft;
  random or position-based choosers reach it about 80 % of the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from recommender.instrument import Instrument, Item
from recommender.scoring import answer_matrix, keyed_matrix

HARD_SECONDS_PER_ITEM = 1.0
SOFT_SECONDS_PER_ITEM = 2.0
LONGSTRING_SHARE = 0.8
LONGSTRING_MIN_RUN = 8
IRV_CUTOFF = 0.15
MIN_IRV_ITEMS = 6
EVEN_ODD_CUTOFF = 0.30
MIN_HALF_ITEMS = 2
MIN_EVEN_ODD_SCALES = 6
MIN_CONTRADICTED = 2
MIN_CYCLIC_TRIADS = 6
MIN_BEST_WORST_TASKS = 5
SOFT_NEEDED = 2

HARD = ("speeding", "attention", "straightlining")
SOFT = (
    "rushed",
    "attention_partial",
    "low_variability",
    "even_odd",
    "inconsistent",
    "intransitive",
)
FLAGS = (*HARD, *SOFT)
"""Every flag code, hard ones first; the order the rep's page lists them in."""


@dataclass(frozen=True)
class Indicators:
    """Every indicator for a batch of responses, before the hard/soft rule combines them.

    Attributes
    ----------
    fired : dict of str to ndarray of bool
        One boolean column per code in ``FLAGS``.
    seconds_per_item : ndarray of float
        The fastest page's seconds per answered item; NaN without timings.
    longstring_share : ndarray of float
        Longest run of identical answers on a page over that page's Likert items (the
        largest over pages that qualify); NaN where no page qualifies.
    irv : ndarray of float
        Standard deviation of the Likert answers on a 0-1 scale; NaN if too few.
    even_odd : ndarray of float
        Spearman-Brown corrected even-odd consistency; NaN where it cannot be computed.
    contradicted : ndarray of int
        Contradicted designed opposite pairs, at most one per reverse-keyed item.
    failed_attention : ndarray of int
        Instructed-response items answered with something other than the expected answer.
    cyclic_triads : ndarray of float
        Circular triads among the preferences the best-worst tasks imply; NaN without
        enough answered tasks.
    """

    fired: dict[str, np.ndarray]
    seconds_per_item: np.ndarray
    longstring_share: np.ndarray
    irv: np.ndarray
    even_odd: np.ndarray
    contradicted: np.ndarray
    failed_attention: np.ndarray
    cyclic_triads: np.ndarray

    def flagged(self) -> np.ndarray:
        """True where one hard or at least ``SOFT_NEEDED`` soft indicators fired."""
        n = self.seconds_per_item.shape[0]
        hard = np.zeros(n, dtype=bool)
        for name in HARD:
            hard |= self.fired[name]
        soft = sum((self.fired[name].astype(int) for name in SOFT), np.zeros(n, dtype=int))
        return hard | (soft >= SOFT_NEEDED)


def quality_flags(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    page_seconds: Sequence[Mapping[str, float] | None] | None = None,
) -> list[frozenset[str]]:
    """Flag careless responses.

    Parameters
    ----------
    instrument : Instrument
    answers : sequence of mappings
        One mapping item code -> value per response (see ``recommender.scoring``).
    page_seconds : sequence of (mapping or None), optional
        Per response, seconds spent on each page, keyed like ``instrument.pages()``;
        ``None`` (for all responses or one) when timings are unknown.

    Returns
    -------
    list of frozenset of str
        Per response, the codes (from ``FLAGS``) of every indicator that fired if the
        response is flagged, else an empty set. ``"rushed"`` is left out beside
        ``"speeding"``, which implies it.
    """
    found = quality_indicators(instrument, answers, page_seconds)
    flagged = found.flagged()
    result = []
    for row in range(len(answers)):
        names = {name for name in FLAGS if found.fired[name][row]} if flagged[row] else set()
        if "speeding" in names:
            # Under 1 s per item is also under 2 s; telling the rep both says it twice.
            names.discard("rushed")
        result.append(frozenset(names))
    return result


def quality_indicators(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    page_seconds: Sequence[Mapping[str, float] | None] | None = None,
) -> Indicators:
    """Compute every indicator (same parameters as ``quality_flags``)."""
    n = len(answers)
    if page_seconds is not None and len(page_seconds) != n:
        raise ValueError(f"page_seconds has {len(page_seconds)} entries for {n} responses")
    raw = answer_matrix(instrument, answers)
    keyed = keyed_matrix(instrument, raw)
    fired = {name: np.zeros(n, dtype=bool) for name in FLAGS}

    failed = _failed_attention(instrument, answers)
    n_checks = sum(item.type == "attention" for item in instrument.items)
    if n_checks:
        # Two wrong answers (or the only one) are hard; one of several may be a slip.
        fired["attention"] = failed >= min(2, n_checks)
        fired["attention_partial"] = (failed >= 1) & ~fired["attention"]

    share = _longstring_share(instrument, raw)
    with np.errstate(invalid="ignore"):
        fired["straightlining"] = share >= LONGSTRING_SHARE

    pace = np.full(n, np.nan)
    if page_seconds is not None:
        pace = _fastest_pace(instrument, answers, page_seconds)
    with np.errstate(invalid="ignore"):
        fired["speeding"] = pace < HARD_SECONDS_PER_ITEM
        fired["rushed"] = pace < SOFT_SECONDS_PER_ITEM

    irv = _irv(instrument, raw)
    even_odd = _even_odd(instrument, keyed)
    contradicted = _contradicted(instrument, keyed)
    with np.errstate(invalid="ignore"):
        fired["low_variability"] = irv < IRV_CUTOFF
        fired["even_odd"] = even_odd < EVEN_ODD_CUTOFF
    fired["inconsistent"] = contradicted >= MIN_CONTRADICTED
    triads = _cyclic_triads(instrument, answers)
    with np.errstate(invalid="ignore"):
        fired["intransitive"] = triads >= MIN_CYCLIC_TRIADS

    return Indicators(
        fired=fired,
        seconds_per_item=pace,
        longstring_share=share,
        irv=irv,
        even_odd=even_odd,
        contradicted=contradicted,
        failed_attention=failed,
        cyclic_triads=triads,
    )


def _failed_attention(
    instrument: Instrument, answers: Sequence[Mapping[str, object]]
) -> np.ndarray:
    """Per response: instructed items answered with something other than expected."""
    failed = np.zeros(len(answers), dtype=int)
    for item in instrument.items:
        if item.type != "attention":
            continue
        given = np.array([_number(response.get(item.code)) for response in answers], dtype=float)
        failed += ~np.isnan(given) & (given != item.expected)
    return failed


def _number(value: object) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        # An unreadable answer to an attention item is as wrong as a wrong one.
        return np.inf


def _page_likert_columns(instrument: Instrument) -> list[list[int]]:
    """Columns of ``answer_matrix`` on each page, in the order the page shows them."""
    column = {item.code: c for c, item in enumerate(instrument.likert_items())}
    pages = []
    for _key, items in instrument.pages():
        members = [column[item.code] for item in items if item.type == "likert"]
        if members:
            pages.append(members)
    return pages


def _longest_run(block: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive values per row; NaN breaks a run."""
    n, k = block.shape
    best = np.where(np.isnan(block[:, 0]), 0, 1) if k else np.zeros(n, dtype=int)
    run = best.copy()
    for j in range(1, k):
        same = block[:, j] == block[:, j - 1]  # NaN never equals NaN
        answered = ~np.isnan(block[:, j])
        run = np.where(same, run + 1, answered.astype(int))
        best = np.maximum(best, run)
    return best


def _longstring_share(instrument: Instrument, raw: np.ndarray) -> np.ndarray:
    """Largest share of a qualifying page covered by one run of identical answers.

    A page qualifies when it has at least ``LONGSTRING_MIN_RUN`` Likert items; the share is
    reported as 0 where the run is shorter than ``LONGSTRING_MIN_RUN`` (a short run on a
    short page proves nothing).
    """
    n = raw.shape[0]
    share = np.full(n, np.nan)
    for members in _page_likert_columns(instrument):
        if len(members) < LONGSTRING_MIN_RUN:
            continue
        run = _longest_run(raw[:, members])
        page_share = np.where(run >= LONGSTRING_MIN_RUN, run / len(members), 0.0)
        share = np.fmax(share, page_share)
    return share


def _irv(instrument: Instrument, raw: np.ndarray) -> np.ndarray:
    """Within-person SD of the Likert answers, each rescaled to 0-1 over its item's range."""
    items = instrument.likert_items()
    n = raw.shape[0]
    if not items:
        return np.full(n, np.nan)
    lo = np.array([item.min for item in items], dtype=float)
    span = np.array([max(item.max - item.min, 1) for item in items], dtype=float)
    unit = (raw - lo) / span
    answered = (~np.isnan(unit)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(unit, axis=1) / answered
        spread = np.sqrt(np.nansum((unit - mean[:, None]) ** 2, axis=1) / answered)
    return np.where(answered >= MIN_IRV_ITEMS, spread, np.nan)


def _even_odd(instrument: Instrument, keyed: np.ndarray) -> np.ndarray:
    """Spearman-Brown corrected correlation of odd- and even-half scale means, per person."""
    items = instrument.likert_items()
    n = keyed.shape[0]
    scales: dict[str, list[int]] = {}
    for column, item in enumerate(items):
        if item.construct:
            scales.setdefault(item.construct, []).append(column)
    odd_means, even_means = [], []
    for members in scales.values():
        if len(members) < 2 * MIN_HALF_ITEMS:
            continue
        halves = []
        for half in (members[0::2], members[1::2]):
            block = keyed[:, half]
            answered = (~np.isnan(block)).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.nansum(block, axis=1) / answered
            halves.append(np.where(answered >= MIN_HALF_ITEMS, mean, np.nan))
        odd_means.append(halves[0])
        even_means.append(halves[1])
    if len(odd_means) < MIN_EVEN_ODD_SCALES:
        return np.full(n, np.nan)
    odd = np.stack(odd_means, axis=1)
    even = np.stack(even_means, axis=1)
    both = ~np.isnan(odd) & ~np.isnan(even)
    count = both.sum(axis=1)
    odd = np.where(both, odd, 0.0)
    even = np.where(both, even, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        odd_c = np.where(both, odd - odd.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        even_c = np.where(both, even - even.sum(axis=1, keepdims=True) / count[:, None], 0.0)
        cov = (odd_c * even_c).sum(axis=1)
        norm = np.sqrt((odd_c**2).sum(axis=1) * (even_c**2).sum(axis=1))
        r = cov / norm
    # Halves that do not vary at all (a straight line) have no correlation to judge.
    r = np.where((count >= MIN_EVEN_ODD_SCALES) & (norm > 1e-12), r, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        # Spearman-Brown, kept within -1..1 (it overshoots for negative r); NaN stays NaN.
        return np.where(r <= -1, -1.0, np.clip(2 * r / (1 + r), -1.0, 1.0))


def _best_worst_choice(value: object) -> tuple[str, str] | None:
    if isinstance(value, str) and value.count(">") == 1:
        value = value.split(">")
    if isinstance(value, (list, tuple)) and len(value) == 2 and value[0] != value[1]:
        return str(value[0]), str(value[1])
    return None


def _cyclic_triads(instrument: Instrument, answers: Sequence[Mapping[str, object]]) -> np.ndarray:
    """Circular triads (a over b, b over c, c over a) among the paired preferences that the
    best-worst tasks imply, per person; NaN with fewer than ``MIN_BEST_WORST_TASKS``
    answered tasks.

    A task's choice says the best option beats the other two and both beat the worst. Over
    a balanced design every pair of kinds meets once, so the tasks give a complete
    tournament, and its circular triads count choices that contradict each other.
    """
    tasks = instrument.best_worst_items()
    result = np.full(len(answers), np.nan)
    if len(tasks) < MIN_BEST_WORST_TASKS:
        return result
    for row, response in enumerate(answers):
        beats: set[tuple[str, str]] = set()
        answered = 0
        for item in tasks:
            choice = _best_worst_choice(response.get(item.code))
            codes = [option.code for option in item.options]
            if choice is None or not set(choice) <= set(codes):
                continue
            answered += 1
            best, worst = choice
            for other in codes:
                if other != best:
                    beats.add((best, other))
                if other not in (best, worst):
                    beats.add((other, worst))
        if answered < MIN_BEST_WORST_TASKS:
            continue
        kinds = sorted({code for pair in beats for code in pair})
        cyclic = 0
        for i, a in enumerate(kinds):
            for j in range(i + 1, len(kinds)):
                b = kinds[j]
                for c in kinds[j + 1 :]:
                    if ((a, b) in beats and (b, c) in beats and (c, a) in beats) or (
                        (b, a) in beats and (c, b) in beats and (a, c) in beats
                    ):
                        cyclic += 1
        result[row] = cyclic
    return result


def _contradicted(instrument: Instrument, keyed: np.ndarray) -> np.ndarray:
    """Designed opposite pairs contradicted in full, at most one per reverse-keyed item.

    A pair is a normal and a reverse-keyed item of one scale. One misread reverse item
    contradicts all its scale's normal items at once, so it counts once.
    """
    result = np.zeros(keyed.shape[0], dtype=int)
    items = instrument.likert_items()
    columns: dict[str, list[int]] = {}
    for column, item in enumerate(items):
        columns.setdefault(item.construct or "", []).append(column)
    for members in columns.values():
        normal = [c for c in members if not items[c].reverse]
        for b in (c for c in members if items[c].reverse):
            hit = np.zeros(keyed.shape[0], dtype=bool)
            for a in normal:
                if (items[a].min, items[a].max) != (items[b].min, items[b].max):
                    continue
                span = items[a].max - items[a].min
                with np.errstate(invalid="ignore"):
                    hit |= np.abs(keyed[:, a] - keyed[:, b]) >= span
            result += hit
    return result


def _is_answered(item: Item, value: object) -> bool:
    if value is None:
        return False
    if item.type == "text":
        return isinstance(value, str) and bool(value.strip())
    if isinstance(value, (list, tuple, dict, str)):
        # Rankings and task types this module does not know: answered if not empty.
        return bool(value)
    return True


def _fastest_pace(
    instrument: Instrument,
    answers: Sequence[Mapping[str, object]],
    page_seconds: Sequence[Mapping[str, float] | None],
) -> np.ndarray:
    """Fewest seconds per answered item on any timed page; NaN without timings."""
    result = np.full(len(answers), np.nan)
    timed = _timed_pages(instrument)
    for row, (response, seconds) in enumerate(zip(answers, page_seconds, strict=True)):
        paces = _page_paces(timed, response, seconds)
        if paces:
            result[row] = min(paces.values())
    return result


def fast_pages(
    instrument: Instrument,
    answers: Mapping[str, object],
    page_seconds: Mapping[str, float] | None,
    seconds_per_item: float = HARD_SECONDS_PER_ITEM,
) -> tuple[str, ...]:
    """The pages of one response answered in under ``seconds_per_item`` per answered item,
    in the survey's order: the pages behind its ``"speeding"`` flag (or, with
    ``SOFT_SECONDS_PER_ITEM``, its ``"rushed"`` one), so the rep can be told which.

    A page timed before long pages were split stands for its whole group (its key is the
    group's first page).
    """
    paces = _page_paces(_timed_pages(instrument), answers, page_seconds)
    return tuple(page for page, pace in paces.items() if pace < seconds_per_item)


def _timed_pages(instrument: Instrument) -> list[tuple]:
    """Per page: its key, its items, the items of its whole group and the group's later
    pages when the page is the first of a group split over pages (``()`` otherwise)."""
    pages = instrument.pages()
    groups: dict[str, list] = {}
    for page, items in pages:
        groups.setdefault(instrument.page_group(page), []).extend(items)
    split = {g: [p for p, _ in pages if instrument.page_group(p) == g] for g in groups}
    timed = []
    for page, items in pages:
        group = instrument.page_group(page)
        continued = split[group][1:] if page == group else []
        timed.append((page, items, tuple(groups[group]) if continued else (), tuple(continued)))
    return timed


def _page_paces(
    timed: list, response: Mapping[str, object], seconds: Mapping[str, float] | None
) -> dict[str, float]:
    """Seconds per answered item on each timed page with an answer, in the survey's order."""
    paces: dict[str, float] = {}
    if not seconds:
        return paces
    for page, items, whole_group, continued in timed:
        if continued and not any(p in seconds for p in continued):
            # Timed before long pages were split: the time covers the whole group.
            items = whole_group
        spent = seconds.get(page)
        if spent is None:
            continue
        answered = sum(_is_answered(item, response.get(item.code)) for item in items)
        if answered:
            paces[page] = float(spent) / answered
    return paces
