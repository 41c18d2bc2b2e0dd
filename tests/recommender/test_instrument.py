import copy
import json
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.instrument import (
    Instrument,
    InstrumentError,
    content_equal,
    instrument_to_dict,
    load_instrument,
    parse_instrument,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL = DATA / "small_instrument.toml"


@pytest.fixture
def raw() -> dict:
    return tomllib.loads(SMALL.read_text(encoding="utf-8"))


@pytest.fixture
def instrument() -> Instrument:
    return load_instrument(SMALL)


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(data)
    return info.value.problems


def item_index(data: dict, code: str) -> int:
    return next(i for i, item in enumerate(data["items"]) if item["code"] == code)


def test_load_toml_builds_the_instrument(instrument):
    assert instrument.name == "motivation_test"
    assert instrument.version == 1
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)
    assert [c.key for c in instrument.constructs][:3] == ["autonomy", "mastery", "purpose"]
    assert instrument.item("aut3").reverse is True
    assert instrument.item("aut1").reverse is False
    assert instrument.item("att1").expected == 4
    assert [o.code for o in instrument.item("rank1").options] == [
        "time",
        "recognition",
        "development",
    ]


def test_item_range_defaults_to_the_scale_and_can_be_overridden(raw):
    raw["items"][0]["min"] = 0
    raw["items"][0]["max"] = 10
    parsed = parse_instrument(raw)
    assert (parsed.items[0].min, parsed.items[0].max) == (0, 10)
    assert (parsed.items[1].min, parsed.items[1].max) == (1, 5)


def test_required_defaults_false_for_text_and_true_otherwise(instrument):
    assert instrument.item("open1").required is False
    assert instrument.item("aut1").required is True
    assert instrument.item("rank1").required is True


def test_english_only_texts_are_accepted(raw):
    raw["title"] = {"en": "Only English"}
    for construct in raw["constructs"]:
        construct["label"] = {"en": construct["label"]["en"]}
    assert parse_instrument(raw).title == {"en": "Only English"}


def test_round_trip_through_dict_and_json(instrument):
    exported = instrument_to_dict(instrument)
    again = parse_instrument(json.loads(json.dumps(exported)))
    assert again == instrument


def test_export_omits_defaults(instrument):
    exported = instrument_to_dict(instrument)
    aut1 = next(item for item in exported["items"] if item["code"] == "aut1")
    assert "min" not in aut1 and "max" not in aut1 and "required" not in aut1
    open1 = next(item for item in exported["items"] if item["code"] == "open1")
    assert "reverse" not in open1


def test_load_json_equals_load_toml(tmp_path, instrument):
    path = tmp_path / "motivation.json"
    path.write_text(json.dumps(instrument_to_dict(instrument)), encoding="utf-8")
    assert load_instrument(path) == instrument


def test_load_rejects_unknown_suffix(tmp_path):
    path = tmp_path / "motivation.yaml"
    path.write_text("name: x", encoding="utf-8")
    with pytest.raises(InstrumentError, match="motivation.yaml"):
        load_instrument(path)


def test_load_reports_broken_toml_with_the_file_name(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x\n', encoding="utf-8")
    with pytest.raises(InstrumentError) as info:
        load_instrument(path)
    assert info.value.problems[0].startswith("broken.toml: cannot be read")


def test_helpers(instrument):
    likert = instrument.likert_items()
    assert len(likert) == 12
    assert all(item.type == "likert" for item in likert)
    assert [item.code for item in instrument.items_for("mastery")] == [
        "mas1",
        "mas2",
        "mas3",
        "mas4",
    ]
    assert instrument.construct("purpose").label["nb"] == "Mening"
    with pytest.raises(KeyError):
        instrument.construct("nope")
    assert instrument.ranking_item().code == "rank1"


def test_ranking_item_is_none_without_one(raw):
    raw["items"] = [item for item in raw["items"] if item["type"] != "ranking"]
    assert parse_instrument(raw).ranking_item() is None


def test_pages_group_items_and_put_text_last(instrument):
    pages = instrument.pages()
    assert [key for key, _ in pages] == ["motivation", "reward_preference", "open"]
    motivation = [item.code for item in pages[0][1]]
    assert motivation[:6] == ["aut1", "aut2", "aut3", "aut4", "mas1", "mas2"]
    assert "att1" in motivation  # stays with the item before it
    assert [item.code for item in pages[1][1]] == ["rank1"]
    assert [item.code for item in pages[2][1]] == ["open1"]


def test_pages_attention_follows_previous_item_and_first_group_order(raw):
    text_item = raw["items"].pop(item_index(raw, "open1"))
    ranking = raw["items"].pop(item_index(raw, "rank1"))
    attention = raw["items"].pop(item_index(raw, "att1"))
    # Ranking first, then the attention item right after it, text in the middle.
    raw["items"] = [ranking, attention, text_item, *raw["items"]]
    pages = parse_instrument(raw).pages()
    assert [key for key, _ in pages] == ["reward_preference", "motivation", "open"]
    assert [item.code for item in pages[0][1]] == ["rank1", "att1"]
    assert [item.code for item in pages[2][1]] == ["open1"]


def test_pages_attention_first_joins_the_next_page(raw):
    attention = raw["items"].pop(item_index(raw, "att1"))
    raw["items"].insert(0, attention)
    pages = parse_instrument(raw).pages()
    assert pages[0][0] == "motivation"
    assert pages[0][1][0].code == "att1"


def test_content_equal_ignores_version_only(raw, instrument):
    raw["version"] = 7
    assert content_equal(instrument, parse_instrument(raw))
    assert instrument.fingerprint() == parse_instrument(raw).fingerprint()
    raw["items"][0]["text"]["en"] = "Changed wording."
    changed = parse_instrument(raw)
    assert not content_equal(instrument, changed)
    assert instrument.fingerprint() != changed.fingerprint()


def _set(path, value):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _append_item(item):
    def mutate(data):
        data["items"].append(item)

    return mutate


def _two_rankings(data):
    second = copy.deepcopy(data["items"][item_index(data, "rank1")])
    second["code"] = "rank2"
    data["items"].append(second)


TEXT = {"en": "Some text."}

# (mutation, a substring that must appear in one problem)
PROBLEMS = [
    (_delete(["name"]), "field 'name': missing"),
    (_set(["name"], "has space"), "field 'name': must be letters"),
    (_set(["version"], 0), "field 'version': must be a whole number of 1 or more"),
    (_set(["title"], {"nb": "Bare norsk"}), "field 'title': needs an English ('en') text"),
    (_set(["extra"], 1), "field 'extra': unknown field"),
    (_delete(["scale"]), "field 'scale': missing"),
    (_set(["scale", "max"], 1), "scale, field 'max': must be greater than min (1), got 1"),
    (_set(["scale", "labels", "en"], ["a", "b", "c"]), "scale, field 'labels.en': must list 5"),
    (_set(["constructs"], []), "field 'constructs': must be a non-empty list"),
    (
        _set(["constructs", 1, "key"], "autonomy"),
        "constructs[1] (key 'autonomy'), field 'key': duplicate construct key 'autonomy'",
    ),
    (
        _set(["constructs", 0, "group"], "money"),
        "constructs[0] (key 'autonomy'), field 'group': must be one of",
    ),
    (
        _set(["constructs", 2, "label"], {"nb": "Mening"}),
        "constructs[2] (key 'purpose'), field 'label': needs an English",
    ),
    (_delete(["items"]), "field 'items': missing"),
    (
        _set(["items", 1, "code"], "aut1"),
        "items[1] (code 'aut1'), field 'code': duplicate item code 'aut1'",
    ),
    (_set(["items", 0, "type"], "slider"), "items[0] (code 'aut1'), field 'type': must be one of"),
    (
        _set(["items", 2, "construct"], "autonmy"),
        "items[2] (code 'aut3'), field 'construct': unknown construct 'autonmy'",
    ),
    (_delete(["items", 0, "construct"]), "items[0] (code 'aut1'), field 'construct': missing"),
    (_delete(["items", 0, "text"]), "items[0] (code 'aut1'), field 'text': missing"),
    (_set(["items", 0, "text", "en"], "  "), "items[0] (code 'aut1'), field 'text.en': must be"),
    (_set(["items", 0, "reverse"], "yes"), "field 'reverse': must be true or false"),
    (
        _set(["items", 6, "reverse"], True),
        "items[6] (code 'att1'), field 'reverse': only likert items can be reverse-keyed",
    ),
    (_set(["items", 6, "expected"], 9), "items[6] (code 'att1'), field 'expected': must be"),
    (_delete(["items", 6, "expected"]), "items[6] (code 'att1'), field 'expected': missing"),
    (_set(["items", 0, "expected"], 3), "field 'expected': only attention items"),
    (_set(["items", 0, "max"], 1), "items[0] (code 'aut1'), field 'max': must be greater than"),
    (_set(["items", 0, "min"], 1.5), "items[0] (code 'aut1'), field 'min': must be a whole number"),
    (_set(["items", 0, "required"], "no"), "field 'required': must be true or false"),
    (_set(["items", 0, "colour"], "red"), "items[0] (code 'aut1'), field 'colour': unknown field"),
    (
        _set(["items", 13, "options", 1, "code"], "time"),
        "items[13] (code 'rank1'), field 'options[1].code': duplicate option code 'time'",
    ),
    (
        _set(["items", 13, "options", 2, "construct"], "pref_tme"),
        "items[13] (code 'rank1'), field 'options[2].construct': unknown construct 'pref_tme'",
    ),
    (
        _set(["items", 13, "options", 0, "construct"], "autonomy"),
        "items[13] (code 'rank1'), field 'options': options mix construct groups",
    ),
    (
        _set(["items", 13, "options"], [{"code": "x", "construct": "pref_time", "text": TEXT}]),
        "field 'options': a ranking item needs a list of at least 2 options",
    ),
    (_set(["items", 13, "construct"], "pref_time"), "a ranking item takes its constructs"),
    (
        _set(["items", 0, "options"], []),
        "field 'options': only ranking and best_worst items have options",
    ),
    (_two_rankings, "items[15] (code 'rank2'), field 'type': an instrument may have only one"),
    (
        _append_item({"code": "t2", "type": "text", "construct": "nothing", "text": TEXT}),
        "items[15] (code 't2'), field 'construct': unknown construct 'nothing'",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), PROBLEMS)
def test_each_problem_names_its_place(raw, mutate, expected):
    mutate(raw)
    problems = problems_of(raw)
    assert any(expected in problem for problem in problems), problems


def test_all_problems_are_collected_before_raising(raw):
    raw["version"] = "one"
    raw["items"][2]["construct"] = "autonmy"
    raw["items"][6]["expected"] = 0
    raw["constructs"][0]["group"] = "money"
    problems = problems_of(raw)
    assert len(problems) == 4
    assert "version" in str(InstrumentError(problems))


def test_non_mapping_input_is_rejected():
    with pytest.raises(InstrumentError):
        parse_instrument(["not", "a", "table"])  # type: ignore[arg-type]


codes = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
texts = st.fixed_dictionaries(
    {"en": st.text(min_size=1, max_size=20).filter(str.strip)},
    optional={"nb": st.text(min_size=1, max_size=20).filter(str.strip)},
)


@st.composite
def instrument_data(draw):
    keys = draw(st.lists(codes, min_size=1, max_size=4, unique=True))
    groups = st.sampled_from(["motivation", "reward_preference"])
    constructs = [{"key": key, "group": draw(groups), "label": draw(texts)} for key in keys]
    item_codes = draw(st.lists(codes, min_size=1, max_size=8, unique=True))
    items = []
    for code in item_codes:
        item = {
            "code": code,
            "type": "likert",
            "construct": draw(st.sampled_from(keys)),
            "reverse": draw(st.booleans()),
            "text": draw(texts),
        }
        if draw(st.booleans()):
            item["max"] = draw(st.integers(6, 10))
        items.append(item)
    return {
        "name": draw(codes),
        "version": draw(st.integers(1, 50)),
        "title": draw(texts),
        "scale": {"min": 1, "max": 5},
        "constructs": constructs,
        "items": items,
    }


@settings(max_examples=60, deadline=None)
@given(instrument_data())
def test_round_trip_holds_for_random_instruments(data):
    parsed = parse_instrument(data)
    assert parse_instrument(json.loads(json.dumps(instrument_to_dict(parsed)))) == parsed


DEFAULT = Path(__file__).resolve().parents[2] / "seed" / "instruments" / "motivation.toml"


def test_default_survey_pages_stay_short_and_keep_every_item_in_order():
    from recommender.instrument import MAX_ITEMS_PER_PAGE, OPEN_PAGE

    instrument = load_instrument(DEFAULT)
    pages = instrument.pages()
    for key, items in pages:
        counted = [i for i in items if i.type != "attention"]
        assert len(counted) <= MAX_ITEMS_PER_PAGE, key
    # The same items in the same order: splitting never reorders the instrument.
    by_group: dict[str, list[str]] = {}
    for key, items in pages:
        by_group.setdefault(instrument.page_group(key), []).extend(i.code for i in items)
    for group, codes in by_group.items():
        if group == OPEN_PAGE:
            continue
        in_file = [
            i.code
            for i in instrument.items
            if i.type != "text" and instrument.page_group(_page_of(pages, i.code)) == group
        ]
        assert codes == in_file
    assert [k for k, _ in pages] == [
        "motivation",
        "motivation-2",
        "reward_preference",
        "reward_preference-2",
        "reward_preference-3",
        "reward_preference-4",
        "open",
    ]
    assert instrument.page_group("reward_preference-3") == "reward_preference"
    # The ranking item is one question on one page; attention checks stay after their item.
    codes = [[i.code for i in items] for _, items in pages]
    att = next(c for c in codes if "att1" in c)
    assert att.index("att1") > 0


def _page_of(pages, code):
    return next(key for key, items in pages if any(i.code == code for i in items))


def test_a_group_within_the_limit_is_one_page(instrument):
    assert [k for k, _ in instrument.pages()] == ["motivation", "reward_preference", "open"]


def test_the_stated_survey_length_comes_from_the_instrument():
    """Reps are told how long the survey takes: version 2 (37 items, best-worst tasks,
    bipolar items) about 5 minutes as its file explains, version 1 (55 items) about 6; not
    one fixed figure for every version."""
    import tomllib
    from pathlib import Path

    from recommender.instrument import parse_instrument

    folder = Path(__file__).resolve().parents[2] / "seed" / "instruments"
    minutes = {
        name: parse_instrument(tomllib.loads((folder / name).read_text("utf-8"))).expected_minutes()
        for name in ("motivation.toml", "motivation-v2.toml")
    }
    assert minutes == {"motivation.toml": 6, "motivation-v2.toml": 5}
