from pathlib import Path

import pytest

from recommender.instrument import load_instrument
from recommender.quality import FLAGS, quality_flags

SMALL = Path(__file__).resolve().parent.parent / "data" / "small_instrument.toml"
LIKERT = [f"{scale}{i}" for scale in ("aut", "mas", "pur") for i in range(1, 5)]


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(SMALL)


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


def test_clean_response_has_no_flags(instrument):
    timings = [{"motivation": 120.0, "reward_preference": 10.0, "open": 30.0}]
    assert quality_flags(instrument, [clean()], timings) == [frozenset()]


def test_attention_fires_on_a_wrong_answer_only(instrument):
    flags = quality_flags(instrument, [clean(att1=2), clean(att1=None), clean(att1=4)])
    assert flags == [frozenset({"attention"}), frozenset(), frozenset()]


def test_straightlining_fires_on_ten_identical_answers_in_a_row(instrument):
    ten = clean(**dict.fromkeys(LIKERT[:10], 3))
    nine = clean(**dict.fromkeys(LIKERT[:9], 3), pur2=4)
    everything = clean(**dict.fromkeys(LIKERT, 3))
    flags = quality_flags(instrument, [ten, nine, everything])
    assert "straightlining" in flags[0]
    assert "straightlining" not in flags[1]
    assert "straightlining" in flags[2]


def test_a_missing_answer_breaks_a_straight_line(instrument):
    broken = clean(**{**dict.fromkeys(LIKERT, 3), "mas2": None})
    assert "straightlining" not in quality_flags(instrument, [broken])[0]


def test_straightlining_ignores_the_attention_item_between_likert_items(instrument):
    # The attention item sits between mas2 and mas3; it is not part of the likert run.
    response = clean(**dict.fromkeys(LIKERT[:10], 2), att1=4)
    assert "straightlining" in quality_flags(instrument, [response])[0]


def test_speeding_uses_seconds_per_answered_item(instrument):
    # The motivation page holds 12 likert items and the attention item: 13 answers.
    fast = {"motivation": 12.0}  # 0.9 s per item
    slow = {"motivation": 14.0}  # 1.1 s per item
    half = {"motivation": 7.0}  # 7 answered items -> 1.0 s per item
    answers = [clean(), clean(), clean(**dict.fromkeys(LIKERT[:6]))]
    flags = quality_flags(instrument, answers, [fast, slow, half])
    assert flags == [frozenset({"speeding"}), frozenset(), frozenset()]


def test_a_quick_but_plausible_pace_is_not_speeding(instrument):
    # 1.7 s per item on short 5-point items: quick, but time enough to read them.
    timings = [{"motivation": 13 * 1.7, "reward_preference": 10.0, "open": 30.0}]
    assert quality_flags(instrument, [clean()], timings) == [frozenset()]


def test_speeding_checks_every_page(instrument):
    timings = [{"motivation": 200.0, "reward_preference": 0.5}]
    assert quality_flags(instrument, [clean()], timings) == [frozenset({"speeding"})]


def test_speeding_needs_timings(instrument):
    assert quality_flags(instrument, [clean()], None) == [frozenset()]
    assert quality_flags(instrument, [clean()], [None]) == [frozenset()]
    assert quality_flags(instrument, [clean(open1="")], [{"open": 0.5}]) == [frozenset()]


def test_page_seconds_must_match_the_responses(instrument):
    with pytest.raises(ValueError, match="page_seconds"):
        quality_flags(instrument, [clean()], [])


@pytest.mark.parametrize(
    ("normal", "reverse", "flagged"),
    [
        (5, 5, True),  # agrees strongly with a statement and with its opposite
        (1, 1, True),  # disagrees strongly with both
        (5, 4, False),
        (4, 2, False),
        (5, None, False),
    ],
)
def test_inconsistent_fires_on_full_range_contradictions(instrument, normal, reverse, flagged):
    flags = quality_flags(instrument, [clean(aut1=normal, aut3=reverse)])[0]
    assert ("inconsistent" in flags) is flagged


def test_flags_combine_and_stay_in_the_known_set(instrument):
    response = clean(**dict.fromkeys(LIKERT, 5), att1=1)
    flags = quality_flags(instrument, [response], [{"motivation": 5.0}])[0]
    assert flags == {"attention", "straightlining", "speeding", "inconsistent"}
    assert flags <= set(FLAGS)


def test_no_responses(instrument):
    assert quality_flags(instrument, []) == []


def test_speeding_reads_timings_stored_before_long_pages_were_split():
    from recommender.instrument import load_instrument as load

    default = load(Path(__file__).resolve().parents[2] / "seed" / "instruments" / "motivation.toml")
    answers = {i.code: 3 for i in default.likert_items()}
    answers["att1"] = 4
    group = [i for key, items in default.pages() for i in items if key.startswith("reward_pref")]
    # One timing for the whole reward page (as stored before the split): 38 answers.
    rushed = {"reward_preference": 0.5 * len(group)}
    calm = {"reward_preference": 3.0 * len(group)}
    flags = quality_flags(default, [answers, answers], [rushed, calm])
    assert "speeding" in flags[0] and "speeding" not in flags[1]
