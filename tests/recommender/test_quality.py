import dataclasses
from pathlib import Path

import numpy as np
import pytest

from recommender.instrument import Item, load_instrument
from recommender.quality import (
    FLAGS,
    HARD,
    SOFT,
    SOFT_SECONDS_PER_ITEM,
    fast_pages,
    quality_flags,
    quality_indicators,
)
from seed.careless import with_disagree_checks

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "small_instrument.toml"
DEFAULT = ROOT / "seed" / "instruments" / "motivation.toml"
LIKERT = [f"{scale}{i}" for scale in ("aut", "mas", "pur") for i in range(1, 5)]
# The small instrument's motivation page: 12 likert items and the attention item.
CALM = {"motivation": 13 * 6.0, "reward_preference": 10.0, "open": 30.0}
QUICK = {"motivation": 13 * 1.7, "reward_preference": 10.0, "open": 30.0}


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(SMALL)


@pytest.fixture(scope="module")
def default():
    return load_instrument(DEFAULT)


@pytest.fixture(scope="module")
def two_checks(instrument):
    # att1 now asks for "Disagree" (2) and a second check asking for 1 opens page 1.
    return with_disagree_checks(instrument)


def clean(**overrides):
    answers = {
        "aut1": 4, "aut2": 5, "aut3": 2, "aut4": 4,
        "mas1": 3, "mas2": 4, "att1": 4, "mas3": 2, "mas4": 3,
        "pur1": 5, "pur2": 4, "pur3": 1, "pur4": 4,
        "rank1": ["development", "time", "recognition"],
        "open1": "More training",
    }  # fmt: skip
    answers.update(overrides)
    return answers


def fired(instrument, answers, seconds=None):
    found = quality_indicators(instrument, [answers], None if seconds is None else [seconds])
    return {name for name in FLAGS if found.fired[name][0]}


def test_codes_are_hard_then_soft_and_known():
    assert (*HARD, *SOFT) == FLAGS
    assert set(HARD) == {"speeding", "attention", "straightlining"}
    assert set(SOFT) == {
        "rushed",
        "attention_partial",
        "low_variability",
        "even_odd",
        "inconsistent",
        "intransitive",
    }


def test_clean_response_has_no_flags(instrument):
    assert quality_flags(instrument, [clean()], [CALM]) == [frozenset()]
    assert fired(instrument, clean(), CALM) == set()


# -- instructed-response (attention) items -------------------------------------------------


def test_with_one_attention_item_a_wrong_answer_is_hard(instrument):
    flags = quality_flags(instrument, [clean(att1=2), clean(att1=None), clean(att1=4)])
    assert flags == [frozenset({"attention"}), frozenset(), frozenset()]


def test_with_two_attention_items_one_slip_alone_is_not_flagged(two_checks):
    slip = clean(att1_first=1, att1=3)  # the second check missed by one step
    assert fired(two_checks, slip, CALM) == {"attention_partial"}
    assert quality_flags(two_checks, [slip], [CALM]) == [frozenset()]


def test_a_person_failing_both_attention_items_is_flagged(two_checks):
    # Agreeing with everything, as the old "Agree" check allowed, now fails both.
    both = clean(att1_first=4, att1=4)
    assert quality_flags(two_checks, [both], [CALM]) == [frozenset({"attention"})]


def test_one_attention_slip_and_another_soft_sign_flag_together(two_checks):
    slip = clean(att1_first=1, att1=4)
    assert quality_flags(two_checks, [slip], [QUICK]) == [
        frozenset({"attention_partial", "rushed"})
    ]


def test_correct_answers_on_the_disagree_side_pass(two_checks):
    assert quality_flags(two_checks, [clean(att1_first=1, att1=2)], [CALM]) == [frozenset()]


# -- LongString, scaled to the page -----------------------------------------------------------


def test_straightlining_fires_on_a_run_covering_most_of_a_page(instrument):
    ten = clean(**dict.fromkeys(LIKERT[:10], 3))  # 10 of the page's 12: 83 %
    nine = clean(**dict.fromkeys(LIKERT[:9], 3), pur2=4)  # 9 of 12: 75 %
    everything = clean(**dict.fromkeys(LIKERT, 3))
    flags = quality_flags(instrument, [ten, nine, everything], [CALM] * 3)
    assert "straightlining" in flags[0]
    assert "straightlining" not in flags[1]
    assert "straightlining" in flags[2]


def test_straightlining_is_relative_to_each_page(default):
    # Default instrument: a 9-item reward page. Eight identical answers in a row there
    # (89 %) are a straight line even though the instrument has 48 likert items.
    answers = {item.code: 2 + (i % 3) for i, item in enumerate(default.likert_items())}
    answers["att1"] = 4
    page = dict(default.pages())["reward_preference"]
    codes = [item.code for item in page if item.type == "likert"]
    assert len(codes) == 9
    answers.update(dict.fromkeys(codes[:8], 4))
    assert "straightlining" in fired(default, answers)
    answers[codes[4]] = 5  # breaks the run into 4 and 3
    assert "straightlining" not in fired(default, answers)


def test_short_pages_never_straightline(default):
    # The first page has 7 likert items: a full page of "Agree" is believable there.
    answers = {item.code: 2 + (i % 3) for i, item in enumerate(default.likert_items())}
    answers["att1"] = 4
    first = [item.code for item in default.pages()[0][1] if item.type == "likert"]
    assert len(first) == 7
    answers.update(dict.fromkeys(first, 4))
    assert "straightlining" not in fired(default, answers)


def test_a_missing_answer_breaks_a_straight_line(instrument):
    broken = clean(**{**dict.fromkeys(LIKERT, 3), "mas2": None})
    assert "straightlining" not in fired(instrument, broken)


def test_straightlining_ignores_the_attention_item_between_likert_items(instrument):
    # The attention item sits between mas2 and mas3; it is not part of the likert run.
    response = clean(**dict.fromkeys(LIKERT[:10], 2), att1=4)
    assert "straightlining" in quality_flags(instrument, [response])[0]


# -- time per item ----------------------------------------------------------------------------


def test_under_one_second_per_item_is_hard_and_under_two_is_soft(instrument):
    # The motivation page holds 12 likert items and the attention item: 13 answers.
    fast = {"motivation": 12.0}  # 0.9 s per item
    slow = {"motivation": 14.0}  # 1.1 s per item
    half = {"motivation": 7.0}  # 7 answered items -> 1.0 s per item
    answers = [clean(), clean(), clean(**dict.fromkeys(LIKERT[:6]))]
    flags = quality_flags(instrument, answers, [fast, slow, half])
    assert flags == [frozenset({"speeding"}), frozenset(), frozenset()]
    assert fired(instrument, clean(), slow) == {"rushed"}


def test_a_quick_but_plausible_pace_alone_is_not_flagged(instrument):
    # 1.7 s per item on short 5-point items: quick, but time enough to read them.
    assert fired(instrument, clean(), QUICK) == {"rushed"}
    assert quality_flags(instrument, [clean()], [QUICK]) == [frozenset()]


def test_speeding_checks_every_page(instrument):
    timings = [{"motivation": 200.0, "reward_preference": 0.5}]
    assert quality_flags(instrument, [clean()], timings) == [frozenset({"speeding"})]


def test_the_pages_answered_too_fast_are_named_in_the_survey_order(instrument):
    timings = {"motivation": 12.0, "reward_preference": 0.5, "open": 30.0}
    assert fast_pages(instrument, clean(), timings) == ("motivation", "reward_preference")
    calm = {"motivation": 14.0, "reward_preference": 10.0}
    assert fast_pages(instrument, clean(), calm) == ()
    assert fast_pages(instrument, clean(), calm, SOFT_SECONDS_PER_ITEM) == ("motivation",)
    assert fast_pages(instrument, clean(), None) == ()


def test_fast_pages_name_the_group_timed_before_long_pages_were_split(default):
    answers = {i.code: 1 + (n % 5) for n, i in enumerate(default.likert_items())}
    group = [i for key, items in default.pages() for i in items if key.startswith("reward_pref")]
    rushed = {"reward_preference": 0.5 * len(group)}
    assert fast_pages(default, answers, rushed) == ("reward_preference",)


def test_speeding_needs_timings(instrument):
    assert quality_flags(instrument, [clean()], None) == [frozenset()]
    assert quality_flags(instrument, [clean()], [None]) == [frozenset()]
    assert quality_flags(instrument, [clean(open1="")], [{"open": 0.5}]) == [frozenset()]


def test_page_seconds_must_match_the_responses(instrument):
    with pytest.raises(ValueError, match="page_seconds"):
        quality_flags(instrument, [clean()], [])


def test_speeding_reads_timings_stored_before_long_pages_were_split(default):
    answers = {i.code: 1 + (n % 5) for n, i in enumerate(default.likert_items())}
    answers["att1"] = 4
    group = [i for key, items in default.pages() for i in items if key.startswith("reward_pref")]
    # One timing for the whole reward page (as stored before the split): 38 answers.
    rushed = {"reward_preference": 0.5 * len(group)}
    calm = {"reward_preference": 3.0 * len(group)}
    flags = quality_flags(default, [answers, answers], [rushed, calm])
    assert "speeding" in flags[0] and "speeding" not in flags[1]


# -- low within-person variability (IRV) --------------------------------------------------------


def _enthusiast(default):
    """An attentive enthusiast: "Strongly agree" to the scales they care most about and
    "Agree" to the rest, consistently within each scale; they agree mildly even with the
    reverse-keyed statements (acquiescence, not carelessness)."""
    scales = list(dict.fromkeys(item.construct for item in default.likert_items()))
    answers = {"att1": 4}
    for item in default.likert_items():
        answers[item.code] = 4 if item.reverse else (5 if scales.index(item.construct) % 3 else 4)
    return answers


def test_low_variability_alone_does_not_flag_a_person_who_agrees_with_most_items(default):
    answers = _enthusiast(default)
    seconds = {key: 6.0 * len(items) for key, items in default.pages()}
    signs = fired(default, answers, seconds)
    assert "low_variability" in signs
    assert not signs & set(HARD)
    assert signs == {"low_variability"}
    assert quality_flags(default, [answers], [seconds]) == [frozenset()]


def test_low_variability_and_a_rushed_pace_flag_together(default):
    rushed = {key: 1.5 * len(items) for key, items in default.pages()}
    assert quality_flags(default, [_enthusiast(default)], [rushed]) == [
        frozenset({"low_variability", "rushed"})
    ]


def test_variability_is_measured_on_the_scale_range(instrument):
    found = quality_indicators(instrument, [clean(**dict.fromkeys(LIKERT, 3))])
    assert found.irv[0] == 0.0
    extremes = dict(zip(LIKERT, [1, 5] * 6, strict=True))
    assert quality_indicators(instrument, [clean(**extremes)]).irv[0] == pytest.approx(0.5)


# -- even-odd consistency ------------------------------------------------------------------------


def _by_half(default, odd_values, even_values):
    """Answers whose odd-position items of scale s get odd_values[s], even ones even_values[s]."""
    answers = {"att1": 4}
    scales = list(dict.fromkeys(item.construct for item in default.likert_items()))
    for s, construct in enumerate(scales):
        for position, item in enumerate(default.items_for(construct)):
            value = odd_values[s] if position % 2 == 0 else even_values[s]
            answers[item.code] = 6 - value if item.reverse else value
    return answers, len(scales)


def test_even_odd_is_high_when_halves_of_each_scale_agree(default):
    levels = [1, 2, 3, 4, 5, 2, 4, 1, 5, 3, 2, 4]
    answers, n_scales = _by_half(default, levels[:12], levels[:12])
    assert n_scales == 12
    found = quality_indicators(default, [answers])
    assert found.even_odd[0] == pytest.approx(1.0)
    assert not found.fired["even_odd"][0]


def test_even_odd_fires_when_halves_disagree(default):
    odd = [2, 3, 4, 2, 4, 3, 2, 4, 3, 4, 2, 3]
    even = [6 - v for v in odd]  # the opposite of each scale's other half
    answers, _ = _by_half(default, odd, even)
    found = quality_indicators(default, [answers])
    assert found.even_odd[0] == pytest.approx(-1.0)
    assert {name for name in FLAGS if found.fired[name][0]} == {"even_odd"}
    # One soft sign: not flagged by itself.
    assert quality_flags(default, [answers]) == [frozenset()]


def test_even_odd_needs_enough_scales(instrument):
    # Three scales are too few to correlate halves over.
    assert np.isnan(quality_indicators(instrument, [clean()]).even_odd[0])


# -- contradicted designed opposites ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "count"),
    [
        ({"aut1": 5, "aut3": 5}, 1),  # agrees strongly with a statement and its opposite
        ({"aut1": 5, "aut3": 5, "aut2": 5}, 1),  # one misread item counts once
        ({"aut1": 5, "aut3": 5, "mas1": 1, "mas3": 1}, 2),
        ({"aut1": 5, "aut3": 4, "mas1": 4, "mas3": 2}, 0),
        ({"aut1": 5, "aut3": None}, 0),
    ],
)
def test_contradicted_pairs_are_counted_once_per_reverse_item(instrument, answers, count):
    found = quality_indicators(instrument, [clean(**answers)])
    assert found.contradicted[0] == count
    assert found.fired["inconsistent"][0] == (count >= 2)


def test_contradictions_alone_do_not_flag_but_with_haste_they_do(instrument):
    two = clean(aut1=5, aut3=5, mas1=1, mas3=1)
    assert quality_flags(instrument, [two], [CALM]) == [frozenset()]
    assert quality_flags(instrument, [two], [QUICK]) == [frozenset({"inconsistent", "rushed"})]


# -- any instrument --------------------------------------------------------------------------------


def test_item_types_it_does_not_know_are_ignored_but_timed(instrument):
    task = Item(code="bw1", type="best_worst", text={"en": "Best and worst"}, construct="autonomy")
    items = list(instrument.items)
    items.insert(4, task)
    extended = dataclasses.replace(instrument, items=tuple(items))
    answer = clean(bw1={"best": "time", "worst": "recognition"})
    assert quality_flags(extended, [answer], [CALM]) == [frozenset()]
    # 13 items plus the task on the first page: 14 answers in 13 s is under 1 s each.
    fast = quality_flags(extended, [answer], [{"motivation": 13.0}])[0]
    assert "speeding" in fast


def test_flags_combine_and_stay_in_the_known_set(instrument):
    response = clean(**dict.fromkeys(LIKERT, 5), att1=1)
    flags = quality_flags(instrument, [response], [{"motivation": 5.0}])[0]
    assert {"attention", "straightlining", "speeding"} <= flags
    assert flags <= set(FLAGS)


def test_no_responses(instrument):
    assert quality_flags(instrument, []) == []


def test_best_worst_choices_that_contradict_each_other_count_as_circular_triads():
    from recommender.quality import _cyclic_triads
    from seed.loaders import load_seed_instrument

    instrument = load_seed_instrument(2)
    tasks = instrument.best_worst_items()
    order = ["rec", "dev", "exp", "wel", "exc", "per", "tim"]

    def consistent(rank):
        answers = {}
        for item in tasks:
            codes = sorted((o.code for o in item.options), key=rank.index)
            answers[item.code] = [codes[0], codes[-1]]
        return answers

    codes = {o.code for item in tasks for o in item.options}
    rank = sorted(codes, key=lambda c: order.index(c) if c in order else len(order))
    # Choices that follow one order of preference never contradict each other.
    assert _cyclic_triads(instrument, [consistent(rank)])[0] == 0
    # Choosing by position in a shuffled list does, about as often as chance.
    rng = np.random.default_rng(1)
    careless = [
        {
            item.code: list(rng.choice([o.code for o in item.options], 2, replace=False))
            for item in tasks
        }
        for _ in range(200)
    ]
    triads = _cyclic_triads(instrument, careless)
    assert 5 < np.mean(triads) < 11  # a random tournament of 7 has 8.75 on average
    # Too few answered tasks: not computed.
    assert np.isnan(
        _cyclic_triads(instrument, [{tasks[0].code: consistent(rank)[tasks[0].code]}])[0]
    )
