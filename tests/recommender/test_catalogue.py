"""Catalogue parsing: every problem is reported with its row and column; exports round-trip."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommender.catalogue import (
    CATEGORIES,
    CSV_COLUMNS,
    FIELDS,
    HORIZONS,
    SALES_ROLES,
    SCOPES,
    VISIBILITIES,
    CatalogueError,
    Reward,
    cost_band_for,
    parse_catalogue,
    reward_to_dict,
    reward_to_row,
)


def record(**changes):
    """A valid reward in the TOML/JSON shape, with ``changes`` applied (None deletes)."""
    base = {
        "id": "gym-membership",
        "name": {"en": "Gym membership", "nb": "Treningsmedlemskap"},
        "description": {"en": "Three months at a gym.", "nb": "Tre måneder på et treningssenter."},
        "category": "wellness",
        "visibility": "private",
        "scope": "individual",
        "roles": ["all"],
        "cost_band": 3,
        "cost": 2400,
        "horizon": "long",
        "cooldown_days": 365,
        "active": True,
    }
    for key, value in changes.items():
        if value is None:
            base.pop(key)
        else:
            base[key] = value
    return base


def row(**changes):
    """The same reward as a flat CSV row of text."""
    base = {
        "id": "gym-membership",
        "name_en": "Gym membership",
        "name_nb": "Treningsmedlemskap",
        "description_en": "Three months at a gym.",
        "description_nb": "Tre måneder på et treningssenter.",
        "category": "wellness",
        "visibility": "private",
        "scope": "individual",
        "roles": "all",
        "cost_band": "3",
        "cost": "2400",
        "horizon": "long",
        "cooldown_days": "365",
        "active": "true",
    }
    for key, value in changes.items():
        if value is None:
            base.pop(key)
        else:
            base[key] = value
    return base


def problems_of(records, **kwargs) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(records, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value.problems


EXPECTED = Reward(
    id="gym-membership",
    name={"en": "Gym membership", "nb": "Treningsmedlemskap"},
    description={"en": "Three months at a gym.", "nb": "Tre måneder på et treningssenter."},
    category="wellness",
    visibility="private",
    scope="individual",
    roles=("all",),
    cost_band=3,
    cost=2400.0,
    horizon="long",
    cooldown_days=365,
    active=True,
)


def test_both_shapes_parse_to_the_same_reward():
    assert parse_catalogue([record()]) == [EXPECTED]
    assert parse_catalogue([row()]) == [EXPECTED]


def test_values_are_normalised_the_way_a_spreadsheet_user_expects():
    [reward] = parse_catalogue(
        [
            row(
                category=" Wellness ",
                roles="SDR; closer,sdr",
                cost="2 400,50",
                active="Ja",
                cost_band="3",
            )
        ]
    )
    assert reward.category == "wellness"
    assert reward.roles == ("sdr", "closer")
    assert reward.cost == pytest.approx(2400.5)
    assert reward.active is True


def test_active_defaults_to_true_when_left_out():
    assert parse_catalogue([record(active=None)])[0].active is True
    assert parse_catalogue([row(active="")])[0].active is True
    assert parse_catalogue([row(active="false")])[0].active is False


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (record(category=None), "row 1, column category: missing column"),
        (record(name=None), "row 1, column name: missing column"),
        (record(name={"en": "Gym"}), "row 1, column name.nb: missing nb text"),
        (record(name={"en": "Gym", "nb": " "}), "row 1, column name.nb: missing value"),
        (record(name="Gym"), "row 1, column name: expected a table"),
        (record(name={"en": "a", "nb": "b", "de": "c"}), "row 1, column name.de: unknown language"),
        (record(category="cash"), "row 1, column category: unknown category 'cash'"),
        (record(visibility="secret"), "row 1, column visibility: unknown visibility"),
        (record(scope="company"), "row 1, column scope: unknown scope"),
        (record(horizon="medium"), "row 1, column horizon: unknown horizon"),
        (record(cost_band=0), "row 1, column cost_band: expected a whole number from 1 to 4"),
        (record(cost_band=5), "row 1, column cost_band: expected a whole number from 1 to 4"),
        (record(cost_band=2.5), "row 1, column cost_band: expected a whole number from 1 to 4"),
        (record(cost_band=True), "row 1, column cost_band: expected a whole number"),
        (record(cost="cheap"), "row 1, column cost: not a number"),
        (record(cost=math.nan), "row 1, column cost: not a number"),
        (record(cost=-1), "row 1, column cost: must not be negative"),
        (record(id="Gym Card"), "row 1, column id: 'Gym Card' is not a valid id"),
        (record(id="gym--card"), "row 1, column id: 'gym--card' is not a valid id"),
        (record(id="x" * 65), "row 1, column id: "),
        (record(id=7), "row 1, column id: expected text"),
        (record(id=""), "row 1, column id: missing value"),
        (record(roles=5), "row 1, column roles: expected a list of roles"),
        (record(roles=["ceo"]), "row 1, column roles: unknown role 'ceo'"),
        (record(roles=[3]), "row 1, column roles: expected role names as text"),
        (record(roles=[]), "row 1, column roles: missing value"),
        (record(roles=["all", "sdr"]), "row 1, column roles: 'all' cannot be combined"),
        (
            record(cooldown_days=-1),
            "row 1, column cooldown_days: expected a whole number from 0 to 3650",
        ),
        (
            record(cooldown_days=1.5),
            "row 1, column cooldown_days: expected a whole number from 0 to 3650",
        ),
        (record(cooldown_days="soon"), "row 1, column cooldown_days: expected a whole number"),
        (record(active="maybe"), "row 1, column active: expected true or false"),
        (record(active=2), "row 1, column active: expected true or false"),
        (record(colour="red"), "row 1, column colour: unknown column"),
        (record(name_en="Gym"), "row 1, column name: give either name or name_en/name_nb"),
    ],
)
def test_each_problem_names_its_row_and_column(bad, expected):
    problems = problems_of([bad])
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (row(name_nb=None), "row 2, column name_nb: missing column"),
        (row(name_en=""), "row 2, column name_en: missing value"),
        (row(category=None), "row 2, column category: missing column"),
        (row(category=""), "row 2, column category: missing value"),
        (row(roles="sdr;ceo"), "row 2, column roles: unknown role 'ceo'"),
        (row(roles=" ; "), "row 2, column roles: missing value"),
        (row(cost_band="two"), "row 2, column cost_band: expected a whole number from 1 to 4"),
        (row(cost="12,000"), "row 2, column cost: not a number: '12,000' (write it without"),
        (row(cost="1.5.2"), "row 2, column cost: not a number"),
        (row(cost="-5"), "row 2, column cost: must not be negative"),
        (row(cooldown_days="30 days"), "row 2, column cooldown_days: expected a whole number"),
        (row(active="sometimes"), "row 2, column active: expected true or false"),
        (row(id="Ekstra fridag"), "row 2, column id: 'Ekstra fridag' is not a valid id"),
    ],
)
def test_csv_rows_are_numbered_as_in_a_spreadsheet(bad, expected):
    problems = problems_of([bad])
    assert any(p.startswith(expected) for p in problems), problems


def test_an_invalid_id_comes_with_a_suggested_slug():
    [problem] = problems_of([record(id="Extra Day Off!")])
    assert "for example 'extra-day-off'" in problem


def test_duplicate_ids_point_to_the_first_occurrence():
    problems = problems_of([record(), record(category="time"), record()])
    assert problems == [
        "row 2, column id: duplicate id 'gym-membership' (also in row 1)",
        "row 3, column id: duplicate id 'gym-membership' (also in row 1)",
    ]


def test_every_problem_is_collected_before_raising():
    problems = problems_of(
        [
            record(category="cash", cost=-1, roles=["ceo"]),
            record(id="second"),
            record(id="third", horizon="medium"),
        ]
    )
    assert [p.split(":")[0] for p in problems] == [
        "row 1, column category",
        "row 1, column roles",
        "row 1, column cost",
        "row 3, column horizon",
    ]


def test_the_error_message_lists_the_problems():
    with pytest.raises(CatalogueError, match="1 problem in the catalogue") as info:
        parse_catalogue([record(scope="company")])
    assert "row 1, column scope" in str(info.value)


def test_blank_spreadsheet_rows_are_skipped_but_still_counted():
    blank = dict.fromkeys(CSV_COLUMNS, "")
    problems = problems_of([row(), blank, row(id="other", cost="x")])
    assert problems == ["row 4, column cost: not a number: 'x'"]
    assert len(parse_catalogue([row(), blank])) == 1


def test_first_row_overrides_the_numbering():
    assert problems_of([record(cost=-1)], first_row=10)[0].startswith("row 10, column cost")
    assert problems_of([row(cost="-1")], first_row=1)[0].startswith("row 1, column cost")


def test_records_that_are_not_tables_are_reported():
    assert problems_of([record(), "gym"]) == ["row 2: expected a table of columns, got str"]


def test_a_mapping_instead_of_a_list_is_refused():
    with pytest.raises(TypeError):
        parse_catalogue({"rewards": [record()]})


def test_an_empty_catalogue_is_empty():
    assert parse_catalogue([]) == []


def test_dict_export_has_exactly_the_json_fields():
    exported = reward_to_dict(EXPECTED)
    assert tuple(exported) == FIELDS
    assert exported["roles"] == ["all"]
    json.dumps(exported)  # plain JSON types only


def test_row_export_has_exactly_the_csv_columns_as_text():
    exported = reward_to_row(EXPECTED)
    assert tuple(exported) == CSV_COLUMNS
    assert all(isinstance(value, str) for value in exported.values())
    assert exported["cost"] == "2400"
    assert exported["active"] == "true"


@pytest.mark.parametrize(
    ("cost", "band"), [(0, 1), (500, 1), (500.5, 2), (2000, 2), (2001, 3), (6000, 3), (6001, 4)]
)
def test_cost_bands_follow_the_documented_limits(cost, band):
    assert cost_band_for(cost) == band


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        st.sampled_from(["æ", "ø", "å", ";", ",", '"', "\n"]),
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s)


@st.composite
def rewards(draw) -> Reward:
    roles = draw(
        st.one_of(
            st.just(("all",)),
            st.lists(st.sampled_from(SALES_ROLES), min_size=1, max_size=5, unique=True).map(tuple),
        )
    )
    return Reward(
        id=draw(st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,3}", fullmatch=True)),
        name={"en": draw(_TEXT), "nb": draw(_TEXT)},
        description={"en": draw(_TEXT | st.just("")), "nb": draw(_TEXT | st.just(""))},
        category=draw(st.sampled_from(CATEGORIES)),
        visibility=draw(st.sampled_from(VISIBILITIES)),
        scope=draw(st.sampled_from(SCOPES)),
        roles=roles,
        cost_band=draw(st.integers(1, 4)),
        cost=draw(st.floats(0, 1e7, allow_nan=False, allow_infinity=False)),
        horizon=draw(st.sampled_from(HORIZONS)),
        cooldown_days=draw(st.integers(0, 3650)),
        active=draw(st.booleans()),
    )


@given(rewards())
def test_dict_export_round_trips(reward):
    assert parse_catalogue([reward_to_dict(reward)]) == [reward]


@given(rewards())
def test_json_export_round_trips(reward):
    text = json.dumps([reward_to_dict(reward)], ensure_ascii=False)
    assert parse_catalogue(json.loads(text)) == [reward]


@given(rewards())
def test_csv_row_export_round_trips(reward):
    assert parse_catalogue([reward_to_row(reward)]) == [reward]
