"""Version 2 of the motivation instrument, and the item formats it brought (best-worst
tasks, bipolar items with named ends)."""

import copy
import itertools
import json

import pytest

from recommender.instrument import (
    InstrumentError,
    instrument_to_dict,
    option_order,
    parse_instrument,
)
from seed.loaders import load_catalogue, load_seed_instrument

CATEGORIES = (
    "recognition",
    "development",
    "experience",
    "wellness",
    "exclusive",
    "personal",
    "time",
)


@pytest.fixture(scope="module")
def v2():
    return load_seed_instrument(2)


@pytest.fixture
def raw(v2) -> dict:
    return copy.deepcopy(instrument_to_dict(v2))


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(data)
    return info.value.problems


def index_of(data: dict, code: str) -> int:
    return next(i for i, item in enumerate(data["items"]) if item["code"] == code)


def test_v2_is_the_next_version_of_the_same_instrument_with_the_same_constructs(v2):
    v1 = load_seed_instrument(1)
    assert (v2.name, v2.version, v1.version) == ("motivation", 2, 1)
    # Versions are compared construct by construct, so v2 keeps every key v1 had.
    assert [c.key for c in v2.constructs] == [c.key for c in v1.constructs]


def test_v2_has_about_forty_items_on_pages_of_at_most_twelve(v2):
    assert 35 <= len(v2.items) <= 40
    for _key, items in v2.pages():
        assert len(items) <= 12


def test_the_best_worst_tasks_form_a_balanced_incomplete_block_design(v2):
    tasks = v2.best_worst_items()
    assert len(tasks) == 7
    blocks = [frozenset(o.code for o in task.options) for task in tasks]
    assert all(len(block) == 3 for block in blocks)
    assert set().union(*blocks) == set(CATEGORIES)
    for category in CATEGORIES:
        assert sum(category in block for block in blocks) == 3
    for pair in itertools.combinations(CATEGORIES, 2):
        assert sum(set(pair) <= block for block in blocks) == 1, pair
    for task in tasks:
        for option in task.options:
            assert option.construct == f"pref_{option.code}"


def test_public_and_team_preferences_are_bipolar_items_with_both_ends_named(v2):
    for construct in ("pref_public", "pref_team"):
        items = v2.items_for(construct)
        assert len(items) == 4
        for item in items:
            assert set(item.poles) == {"en", "nb"}
            assert item.poles["en"][0] != item.poles["en"][1]
    # No category preference is asked on an agree-disagree scale any more.
    for category in CATEGORIES:
        assert v2.items_for(f"pref_{category}") == ()


def test_at_most_one_reverse_keyed_item_per_scale(v2):
    for construct in v2.constructs:
        assert sum(item.reverse for item in v2.items_for(construct.key)) <= 1


def test_reverse_keyed_and_instructed_items_are_never_at_a_page_end(v2):
    for key, items in v2.pages():
        for item in (items[0], items[-1]):
            assert not item.reverse, (key, item.code)
            assert item.type != "attention", (key, item.code)


def test_two_instructed_items_want_a_disagree_answer_and_one_is_on_the_first_page(v2):
    checks = [item for item in v2.items if item.type == "attention"]
    assert len(checks) == 2
    midpoint = (v2.scale_min + v2.scale_max) / 2
    assert all(item.expected < midpoint for item in checks)
    first_key, first_items = v2.pages()[0]
    assert any(item.type == "attention" for item in first_items)


def test_items_describe_kinds_of_reward_not_catalogue_entries(v2):
    names = {text.lower() for r in load_catalogue() for text in r.name.values()}
    texts = []
    for item in v2.items:
        texts.extend(item.text.values())
        texts.extend(t for o in item.options for t in o.text.values())
        texts.extend(t for ends in item.poles.values() for t in ends)
    lowered = " ".join(texts).lower()
    for word in ("pen", "gym", "yoga", "pilates", "massage"):
        assert f" {word}" not in lowered
    assert not [name for name in names if name in lowered]


def test_every_text_has_english_and_norwegian(v2):
    for item in v2.items:
        assert set(item.text) == {"en", "nb"}, item.code
        for option in item.options:
            assert set(option.text) == {"en", "nb"}
    for construct in v2.constructs:
        assert set(construct.label) == {"en", "nb"}


def test_norwegian_fixes_listed_in_the_issue(v2):
    nb = json.dumps(instrument_to_dict(v2), ensure_ascii=False)
    for wrong in (
        "erfaren leder",
        "taper en avtale",
        "budsjett",
        "Formål",
        "Offentlig anerkjennelse",
    ):
        assert wrong not in nb
    # "kurs" (course) is no longer used for two different things.
    assert "kurs" not in nb


def test_v2_round_trips_through_its_file_format_and_json(v2):
    data = instrument_to_dict(v2)
    assert parse_instrument(data) == v2
    assert parse_instrument(json.loads(json.dumps(data, ensure_ascii=False))) == v2
    assert parse_instrument(data).fingerprint() == v2.fingerprint()


def test_the_fingerprint_sees_poles_and_best_worst_options(raw, v2):
    changed = copy.deepcopy(raw)
    changed["items"][index_of(changed, "pub5")]["poles"]["en"][0] = "Quietly"
    assert parse_instrument(changed).fingerprint() != v2.fingerprint()
    swapped = copy.deepcopy(raw)
    options = swapped["items"][index_of(swapped, "bw1")]["options"]
    options[0]["text"]["en"] = "Praise"
    assert parse_instrument(swapped).fingerprint() != v2.fingerprint()


def test_a_best_worst_task_needs_three_options(raw):
    item = raw["items"][index_of(raw, "bw1")]
    item["options"] = item["options"][:2]
    assert problems_of(raw) == [
        "items[19] (code 'bw1'), field 'options': a best_worst item needs a list of at least "
        "3 options"
    ]


def test_a_best_worst_task_takes_its_constructs_from_its_options(raw):
    raw["items"][index_of(raw, "bw2")]["construct"] = "pref_time"
    assert problems_of(raw) == [
        "items[21] (code 'bw2'), field 'construct': a best_worst item takes its constructs "
        "from its options"
    ]


def test_an_option_code_feeds_one_construct_in_every_task(raw):
    raw["items"][index_of(raw, "bw2")]["options"][0]["construct"] = "pref_time"
    assert problems_of(raw) == [
        "items[21] (code 'bw2'), field 'options[0].construct': option 'development' feeds "
        "'pref_development' elsewhere, got 'pref_time'"
    ]


def test_poles_are_two_texts_with_english_on_likert_items_only(raw):
    raw["items"][index_of(raw, "pub5")]["poles"] = {"nb": ["a", "b", "c"]}
    raw["items"][index_of(raw, "bw3")]["poles"] = {"en": ["a", "b"]}
    assert problems_of(raw) == [
        "items[20] (code 'pub5'), field 'poles.nb': must list 2 texts (the low and high end)",
        "items[20] (code 'pub5'), field 'poles': needs English ('en') ends",
        "items[24] (code 'bw3'), field 'poles': only likert items can name their two ends",
    ]


def test_option_order_is_shuffled_per_response_and_stable(v2):
    task = v2.item("bw1")
    orders = {tuple(o.code for o in option_order(task, f"wave1:person{n}")) for n in range(40)}
    assert len(orders) == 6  # every order of three shows up across 40 people
    again = [option_order(task, "wave1:person7") for _ in range(3)]
    assert again[0] == again[1] == again[2]
    assert sorted(o.code for o in again[0]) == sorted(o.code for o in task.options)
