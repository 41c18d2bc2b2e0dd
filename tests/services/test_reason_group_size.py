"""The served model's rating reasons follow the organisation's minimum group size."""

from sqlmodel import select

from models.tables import Rating
from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.organisation import use_min_group_size
from services.recommendations import suggest_rewards
from services.training import train_model
from tests.conftest import rated_grant
from tests.services.test_training import small_org

QUOTE = "Colleagues rated this above average (6 people)"


def reasons(session, person) -> list[str]:
    listed = suggest_rewards(session=session, viewer=SYSTEM, person=person, k=12)
    assert listed.personal
    return [text for item in listed.items for text in item.reasons["en"]]


def test_personal_reasons_quote_six_people_at_five_and_nobody_at_seven(session, factory):
    reps = small_org(session, factory)
    by_slug = {r.slug: r for r in session.exec(select(RewardRow))}
    for fan in reps[1:7]:  # six people, twelve ratings of the bell, given twice each
        for days_ago in (10, 40):
            rated_grant(session, fan, by_slug["deal-bell"], 5, days_ago=days_ago)
    for other in reps[7:]:
        session.add(Rating(person_id=other.id, reward_id=by_slug["business-books"].id, rating=2))
    session.commit()
    train_model(session=session, actor=SYSTEM)
    use_min_group_size(session, 5)
    assert QUOTE in reasons(session, reps[0])
    use_min_group_size(session, 7)
    assert not any("people)" in text or "ratings)" in text for text in reasons(session, reps[0]))
