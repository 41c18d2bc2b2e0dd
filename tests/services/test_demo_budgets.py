"""The demo organisation starts the quarter with every team inside its budget.

A new user opening the demo's team or budget page should see a budget being used, not a team
already over it before anyone has given anything.
"""

from sqlmodel import select

from models.tables import Team
from seed.demo_org import demo_people
from services.budgets import budget_status
from services.catalogue import ensure_seed_catalogue
from services.demo import load_demo_people, load_demo_survey


def test_every_demo_team_starts_inside_its_budget_with_room_to_give(session):
    ensure_seed_catalogue(session=session)
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    statuses = {
        team.name: budget_status(session=session, team_id=team.id)
        for team in session.exec(select(Team))
    }
    assert statuses
    for name, status in statuses.items():
        assert status.amount is not None, name
        assert status.spent <= 0.85 * status.amount, (name, status.spent, status.amount)
