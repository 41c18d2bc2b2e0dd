"""The seed data: the default instrument, the reward catalogue and the demo organisation."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.catalogue import (
    CATEGORIES,
    HORIZONS,
    SALES_ROLES,
    VISIBILITIES,
    cost_band_for,
)
from recommender.instrument import Instrument
from seed import demo_people, load_catalogue, load_default_instrument
from seed.demo_org import PERSON_KEYS, email_local_part
from seed.loaders import default_instrument_path

MOTIVATION = ("autonomy", "mastery", "purpose")
CATEGORY_PREFERENCES = tuple(f"pref_{c}" for c in CATEGORIES)
PREFERENCES = (*CATEGORY_PREFERENCES, "pref_public", "pref_team")
LANGUAGES = ("en", "nb")
# A reverse item must state the opposite pole, not deny the trait.
NEGATIONS = re.compile(r"\b(not|no|never|don't|do not|isn't|ikke|aldri|ingen)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_default_instrument()


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


# --- the default instrument ------------------------------------------------------------------


def test_the_default_instrument_is_motivation_version_1(instrument):
    assert (instrument.name, instrument.version) == ("motivation", 1)
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)


def test_it_has_the_required_constructs_in_their_groups(instrument):
    groups = {c.key: c.group for c in instrument.constructs}
    assert groups == {
        **dict.fromkeys(MOTIVATION, "motivation"),
        **dict.fromkeys(PREFERENCES, "reward_preference"),
    }


@pytest.mark.parametrize("construct", MOTIVATION)
def test_motivation_scales_have_at_least_four_items(instrument, construct):
    assert len(instrument.items_for(construct)) >= 4


@pytest.mark.parametrize("construct", PREFERENCES)
def test_preference_scales_have_at_least_three_items(instrument, construct):
    assert len(instrument.items_for(construct)) >= 3


@pytest.mark.parametrize("construct", MOTIVATION + PREFERENCES)
def test_at_most_one_reverse_item_per_scale_and_never_a_negation(instrument, construct):
    reverse = [item for item in instrument.items_for(construct) if item.reverse]
    assert len(reverse) <= 1
    for item in reverse:
        for lang in LANGUAGES:
            assert not NEGATIONS.search(item.text[lang]), item.text[lang]


def test_the_ranking_item_covers_the_seven_reward_categories(instrument):
    ranking = instrument.ranking_item()
    assert ranking is not None
    assert sorted(o.construct for o in ranking.options) == sorted(CATEGORY_PREFERENCES)
    # Option codes are the catalogue's category names, so a ranking maps onto rewards.
    assert sorted(o.code for o in ranking.options) == sorted(CATEGORIES)
    assert sum(item.type == "ranking" for item in instrument.items) == 1


def test_the_attention_check_sits_among_the_preference_items(instrument):
    items = list(instrument.items)
    [check] = [i for i, item in enumerate(items) if item.type == "attention"]
    assert items[check].expected == 4
    assert items[check].text["en"].count("Agree") == 1
    preference = [
        i for i, item in enumerate(items) if item.type == "likert" and item.construct in PREFERENCES
    ]
    before = sum(i < check for i in preference)
    after = sum(i > check for i in preference)
    assert before >= 10 and after >= 10


def test_free_text_items_are_optional(instrument):
    texts = [item for item in instrument.items if item.type == "text"]
    assert 1 <= len(texts) <= 2
    assert not any(item.required for item in texts)


def test_it_can_be_answered_in_about_ten_minutes(instrument):
    assert len(instrument.items) <= 60


def test_the_header_comment_states_the_true_item_count(instrument):
    header = default_instrument_path().read_text(encoding="utf-8").split("\nname =")[0]
    match = re.search(r"(\d+) items", header)
    assert match and int(match.group(1)) == len(instrument.items)


def _texts(instrument: Instrument):
    yield "title", instrument.title
    for construct in instrument.constructs:
        yield f"{construct.key}.label", construct.label
        yield f"{construct.key}.description", construct.description
    for item in instrument.items:
        yield item.code, item.text
        for option in item.options:
            yield f"{item.code}.{option.code}", option.text


def test_every_text_is_in_english_and_norwegian(instrument):
    for where, text in _texts(instrument):
        for lang in LANGUAGES:
            assert text.get(lang, "").strip(), f"{where} has no {lang} text"
    for lang in LANGUAGES:
        assert len(instrument.scale_labels[lang]) == 5


def test_no_two_items_share_a_wording(instrument):
    for lang in LANGUAGES:
        wordings = Counter(item.text[lang] for item in instrument.items)
        assert wordings.most_common(1)[0][1] == 1


# --- the reward catalogue --------------------------------------------------------------------


def test_the_catalogue_is_large_enough_and_covers_every_category(catalogue):
    assert len(catalogue) >= 45
    counts = Counter(r.category for r in catalogue)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 5


def test_reward_ids_are_unique(catalogue):
    ids = [r.id for r in catalogue]
    assert len(ids) == len(set(ids))


def test_every_reward_has_english_and_norwegian_text(catalogue):
    for reward in catalogue:
        for lang in LANGUAGES:
            assert reward.name[lang].strip(), reward.id
            assert reward.description[lang].strip(), reward.id


def test_costs_match_their_bands(catalogue):
    for reward in catalogue:
        assert cost_band_for(reward.cost) == reward.cost_band, reward.id
    assert {r.cost_band for r in catalogue} == {1, 2, 3, 4}


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_category_varies_in_visibility_and_horizon(catalogue, category):
    in_category = [r for r in catalogue if r.category == category]
    assert {r.visibility for r in in_category} == set(VISIBILITIES)
    assert {r.horizon for r in in_category} == set(HORIZONS)


def test_there_are_team_rewards_and_rewards_for_every_sales_role(catalogue):
    assert sum(r.scope == "team" for r in catalogue) >= 5
    for role in SALES_ROLES:
        assert any(role in r.roles for r in catalogue), role
    assert all(r.active for r in catalogue)


# --- the demo organisation -------------------------------------------------------------------


def _check_organisation(people: list[dict]) -> None:
    assert all(tuple(person) == PERSON_KEYS for person in people)
    emails = [p["email"] for p in people]
    assert len(emails) == len(set(emails))
    ids = [p["external_id"] for p in people]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"E\d{4}", i) for i in ids)
    assert all(re.fullmatch(r"[a-z-]+\.[a-z.-]+@demo\.motivo\.local", e) for e in emails)

    access = Counter(p["access"] for p in people)
    assert access["hr"] == 1 and access["admin"] == 1 and access["manager"] == 6
    assert 55 <= access["rep"] <= 65

    managers = {p["email"]: p for p in people if p["access"] == "manager"}
    assert len({m["team"] for m in managers.values()}) == 6
    for person in people:
        if person["access"] == "rep":
            manager = managers[person["manager_email"]]
            assert manager["team"] == person["team"]
            assert person["sales_role"] in SALES_ROLES
        else:
            assert person["manager_email"] is None
    assert {p["sales_role"] for p in managers.values()} == {"sales_manager"}


def test_the_demo_organisation_has_six_teams_with_managers_hr_and_admin():
    people = demo_people()
    _check_organisation(people)
    [hr] = [p for p in people if p["access"] == "hr"]
    assert hr["name"].startswith("Hanne ")
    teams = {p["team"] for p in people if p["access"] == "rep"}
    assert len(teams) == 6


def test_every_sales_role_is_represented():
    roles = Counter(p["sales_role"] for p in demo_people() if p["access"] == "rep")
    assert set(roles) == set(SALES_ROLES)
    assert min(roles.values()) >= 5


def test_the_demo_organisation_is_deterministic():
    assert demo_people(7) == demo_people(7)
    assert demo_people(7) != demo_people(8)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_any_random_state_gives_a_consistent_organisation(random_state):
    _check_organisation(demo_people(random_state))


@pytest.mark.parametrize(
    ("name", "local"),
    [
        ("Ingrid Solberg", "ingrid.solberg"),
        ("Øyvind Sæther", "oyvind.saether"),
        ("Åse Nygård", "ase.nygard"),
        ("Chloé Martin", "chloe.martin"),
        ("Lukas Müller", "lukas.muller"),
    ],
)
def test_emails_are_plain_ascii(name, local):
    assert email_local_part(name) == local
