"""The team page reads the database a fixed number of times, whatever the team's size.

Each case counts the statements sent to the database while a manager opens ``/team/``,
for a team of 5 and a team of 30 in the same organisation, with and without members who
have turned personalisation off. Each team mixes reps the model was trained on, reps who
answered after training and reps who never answered, in the same proportions.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import event
from sqlmodel import select

from models.tables import Person, Team, utc_today
from seed.loaders import load_catalogue, load_default_instrument
from seed.simulate import simulate_organisation, simulate_ratings
from services.access import SYSTEM
from services.accounts import store_password
from services.catalogue import ensure_seed_catalogue
from services.feedback import import_feedback
from services.instruments import ensure_default_instrument
from services.responses import RANKING_SEPARATOR
from services.responses_import import import_responses
from services.training import train_model
from tests.conftest import TEST_PASSWORD, login

SIZES = (5, 30)


def _answers(org, rows: range, ids: list[str]) -> list[dict]:
    records = []
    for external_id, i in zip(ids, rows, strict=True):
        record: dict[str, object] = {"person": external_id}
        for code, value in org.answers[i].items():
            record[code] = RANKING_SEPARATOR.join(value) if isinstance(value, list) else value
        records.append(record)
    return records


def _import(session, org, rows: range, ids: list[str], source: str) -> None:
    header = ["person", *(item.code for item in load_default_instrument().items)]
    import_responses(
        session=session,
        actor=SYSTEM,
        header=header,
        records=_answers(org, rows, ids),
        create_people=True,
        source=source,
    )


@pytest.fixture
def teams(session):
    """Two managers, of 5 and of 30 reps: 3/5 trained on, 1/5 answered since, 1/5 never."""
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    rewards = load_catalogue()
    total = sum(SIZES)
    org = simulate_organisation(load_default_instrument(), rewards, total, random_state=3)
    managers, members = {}, {}
    for size in SIZES:
        team = Team(name=f"Team of {size}")
        session.add(team)
        session.flush()
        manager = Person(
            external_id=f"M{size}",
            name=f"Manager {size}",
            email=f"manager{size}@example.test",
            access="manager",
            team_id=team.id,
        )
        session.add(manager)
        session.flush()
        store_password(session, manager, TEST_PASSWORD)
        managers[size] = manager
        members[size] = [f"T{size}-{i:02d}" for i in range(size)]
    session.commit()

    offset = 0
    trained, later, never = [], [], []
    for size in SIZES:
        ids = members[size]
        fifth = size // 5
        trained += [(offset + i, eid) for i, eid in enumerate(ids[: 3 * fifth])]
        later += [(offset + 3 * fifth + i, eid) for i, eid in enumerate(ids[3 * fifth : 4 * fifth])]
        never += ids[4 * fifth :]
        offset += size
    _import(session, org, [r for r, _ in trained], [e for _, e in trained], "wave-1.csv")
    for external_id in never:
        session.add(Person(external_id=external_id, name=external_id))
    session.commit()

    _place(session, managers, members)

    sim = simulate_ratings(org, rewards, mean_per_person=4.0, random_state=4)
    rows = dict(trained)
    today = utc_today()
    records = [
        {
            "person": rows[p],
            "reward_id": rewards[j].id,
            "rating": str(int(value)),
            "given_at": (today - timedelta(days=int(days))).isoformat(),
        }
        for p, j, value, days in zip(sim.person, sim.reward, sim.rating, sim.days_ago, strict=True)
        if p in rows and not np.isnan(value)
    ]
    import_feedback(
        session=session,
        actor=SYSTEM,
        header=["person", "reward_id", "rating", "given_at"],
        records=records,
    )
    train_model(session=session, actor=SYSTEM)
    _import(session, org, [r for r, _ in later], [e for _, e in later], "wave-2.csv")
    _place(session, managers, members)
    return {"managers": managers, "members": members}


def _place(session, managers: dict[int, Person], members: dict[int, list[str]]) -> None:
    """Put every rep who exists so far under their team's manager."""
    by_eid = {p.external_id: p for p in session.exec(select(Person))}
    for size in SIZES:
        for external_id in members[size]:
            rep = by_eid.get(external_id)
            if rep is not None:
                rep.manager_id, rep.team_id = managers[size].id, managers[size].team_id
                rep.access, rep.sales_role = "rep", "closer"
                session.add(rep)
    session.commit()


def _opt_out_half(session, members: dict[int, list[str]]) -> None:
    for ids in members.values():
        for external_id in ids[::2]:
            rep = session.exec(select(Person).where(Person.external_id == external_id)).one()
            rep.personalise = False
            session.add(rep)
    session.commit()


def _queries_for_team_page(app, client, manager) -> tuple[int, str]:
    login(client, manager.email)
    client.get("/team/")  # the first request loads the model into the process
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["motivo.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/team/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    client.post("/auth/logout", data={"csrf_token": _token(client)})
    return len(statements), response.get_data(as_text=True)


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/me/")


@pytest.mark.parametrize("opt_outs", [False, True], ids=["all-consent", "half-opted-out"])
def test_team_page_query_count_does_not_grow_with_the_team(app, client, session, teams, opt_outs):
    if opt_outs:
        _opt_out_half(session, teams["members"])
    counts = {}
    for size in SIZES:
        counts[size], html = _queries_for_team_page(app, client, teams["managers"][size])
        assert html.count('class="card person-card"') == size
        if opt_outs:
            assert "Not personalised" in html
    assert counts[SIZES[0]] == counts[SIZES[1]], counts
