"""Finding people in a large roster: filters and paging happen in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from models.tables import Person, Team
from services.errors import NotAllowed
from services.people import search_people


def add_people(session, n: int, *, team_names=("Oslo", "Bergen", "Trondheim")) -> None:
    """``n`` people in one insert: every 7th a manager, every 11th deactivated."""
    teams = [Team(name=name) for name in team_names]
    session.add_all(teams)
    session.commit()
    roles = ("closer", "sdr", "presales", "account_manager")
    session.execute(
        insert(Person),
        [
            {
                "external_id": f"E{i:05d}",
                "name": f"Person {i:05d}",
                "email": f"p{i}@example.test",
                "team_id": teams[i % len(teams)].id,
                "access": "manager" if i % 7 == 0 else "rep",
                "sales_role": roles[i % len(roles)],
                "active": i % 11 != 0,
                "personalise": True,
                "locale": "",
                "session_version": 0,
            }
            for i in range(n)
        ],
    )
    session.commit()


@pytest.fixture
def admin(factory):
    return factory.person("admin", name="Zz Admin")


def test_pages_are_a_stable_slice_in_name_order(session, admin):
    add_people(session, 250)
    first = search_people(session=session, viewer=admin, per_page=50)
    assert first.total == 251 and first.pages == 6 and first.page == 1
    assert [r["name"] for r in first.rows] == [f"Person {i:05d}" for i in range(50)]
    third = search_people(session=session, viewer=admin, per_page=50, page=3)
    assert [r["external_id"] for r in third.rows] == [f"E{i:05d}" for i in range(100, 150)]
    assert third.rows[0]["team"] == ["Oslo", "Bergen", "Trondheim"][100 % 3]
    seen = []
    for page in range(1, 7):
        seen += [
            r["external_id"]
            for r in search_people(session=session, viewer=admin, per_page=50, page=page).rows
        ]
    assert len(seen) == len(set(seen)) == 251


def test_a_page_past_the_end_shows_the_last_page(session, admin):
    add_people(session, 30)
    page = search_people(session=session, viewer=admin, per_page=20, page=99)
    assert page.page == 2 and len(page.rows) == 11
    assert search_people(session=session, viewer=admin, per_page=20, page=-3).page == 1


def test_filters_combine(session, admin):
    add_people(session, 200)
    found = search_people(
        session=session,
        viewer=admin,
        team="Bergen",
        access="manager",
        sales_role="sdr",
        status="active",
        per_page=100,
    )
    expected = [
        f"E{i:05d}" for i in range(200) if i % 3 == 1 and i % 7 == 0 and i % 4 == 1 and i % 11 != 0
    ]
    assert [r["external_id"] for r in found.rows] == expected and found.total == len(expected)
    deactivated = search_people(session=session, viewer=admin, status="deactivated", per_page=100)
    assert deactivated.total == len([i for i in range(200) if i % 11 == 0])
    assert not any(r["active"] for r in deactivated.rows)


@pytest.mark.parametrize(
    ("q", "ids"),
    [
        ("person 0012", [f"E{i:05d}" for i in range(120, 130)]),
        ("P12@EXAMPLE", ["E00012"]),
        ("e0019", [f"E{i:05d}" for i in range(190, 195)]),
        ("%", []),
        ("_", []),
    ],
)
def test_search_matches_name_email_or_id_and_wildcards_are_plain_text(session, admin, q, ids):
    add_people(session, 195)
    found = search_people(session=session, viewer=admin, q=q, per_page=100)
    assert [r["external_id"] for r in found.rows] == ids


def test_unknown_filter_values_find_nobody_rather_than_everybody(session, admin):
    add_people(session, 20)
    assert search_people(session=session, viewer=admin, team="Nowhere").total == 0
    assert search_people(session=session, viewer=admin, access="king").total == 0


@pytest.mark.parametrize("access", ["rep", "manager"])
def test_only_hr_and_admins_search_people(session, factory, access):
    with pytest.raises(NotAllowed):
        search_people(session=session, viewer=factory.person(access))
