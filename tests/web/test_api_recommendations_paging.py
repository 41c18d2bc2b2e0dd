"""``GET /api/v1/recommendations`` pages in the database: one page of people, theirs only."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from models.tables import Person
from services.access import SYSTEM
from services.api_reads import suggestions_for_everyone
from services.api_tokens import create_token


@pytest.fixture
def trained(session):
    from seed.demo_org import demo_people
    from services.catalogue import ensure_seed_catalogue
    from services.demo import load_demo_people, load_demo_survey
    from services.training import train_model

    ensure_seed_catalogue(session=session)
    load_demo_people(session=session, people=demo_people(), password="not used here")
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    reps = session.exec(select(Person).where(Person.access == "rep", Person.active.is_(True))).all()
    return sorted(p.external_id for p in reps)


def _get(client, secret: str, query: str) -> dict:
    response = client.get(
        f"/api/v1/recommendations?{query}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_pages_put_together_are_everyone_once_in_order(client, session, trained):
    secret = create_token(session=session, actor=SYSTEM, name="t", scopes=["recommendations:read"])[
        1
    ]
    everyone = suggestions_for_everyone(session=session, viewer=SYSTEM, k=3)
    pages, offset = [], 0
    while offset is not None:
        page = _get(client, secret, f"k=3&limit=7&offset={offset}")
        assert page["total"] == len(trained)
        assert page["limit"] == 7 and page["offset"] == offset
        assert len(page["items"]) <= 7
        pages += page["items"]
        offset = page["next_offset"]
    assert [p["person"] for p in pages] == trained
    assert pages == everyone
    beyond = _get(client, secret, f"k=3&limit=7&offset={len(trained) + 5}")
    assert beyond["items"] == [] and beyond["total"] == len(trained)
    assert beyond["next_offset"] is None


def test_a_page_reads_only_its_own_peoples_feedback(app, client, session, trained):
    """The grants and ratings read are those of the page's people, never everyone's."""
    secret = create_token(session=session, actor=SYSTEM, name="t", scopes=["recommendations:read"])[
        1
    ]
    _get(client, secret, "k=3&limit=2")  # load the model first
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.lower().split()))

    engine = app.extensions["motivo.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = _get(client, secret, "k=3&limit=2&offset=4")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [p["person"] for p in page["items"]] == trained[4:6]
    feedback_reads = [
        s
        for s in statements
        if s.startswith("select") and (" from reward_grant" in s or " from rating" in s)
    ]
    assert feedback_reads
    for statement in feedback_reads:
        assert "where" in statement or "group by" in statement, statement
