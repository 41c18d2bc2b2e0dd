"""Change since the previous wave, per group and construct: only where both waves show."""

from services.access import SYSTEM
from services.summaries import summary, summary_with_change
from tests.services import insights_org

org_db = insights_org.org_db
org_session = insights_org.org_session


def test_change_is_the_difference_where_both_waves_show_the_group(org_db, org_session):
    org = org_db.org
    data = summary_with_change(
        session=org_session, viewer=SYSTEM, by="team", wave=org.current_wave.name
    )
    assert data["previous_wave"] == org.first_wave.name
    before = summary(session=org_session, viewer=SYSTEM, by="team", wave=org.first_wave.name)
    earlier = {g["key"]: g for g in before["groups"]}
    keys = [c["key"] for c in data["constructs"]]
    compared = 0
    for group in data["groups"]:
        old = earlier.get(group["key"])
        if group["suppressed"] or old is None or old["suppressed"]:
            assert group["change"] is None
            continue
        compared += 1
        for key in keys:
            expected = round(group["scores"][key] - old["scores"][key], 2)
            assert abs(group["change"][key] - expected) < 0.011
    assert compared >= 1
    total = data["total"]["change"]
    assert set(total) == set(keys)


def test_the_planted_small_team_never_gets_a_change(org_db, org_session):
    org = org_db.org
    data = summary_with_change(
        session=org_session, viewer=SYSTEM, by="team", wave=org.current_wave.name
    )
    planted = next(g for g in data["groups"] if g["key"] == insights_org.PLANTED_TEAM)
    assert planted["suppressed"] and planted["change"] is None and planted["scores"] is None


def test_the_first_wave_has_nothing_to_compare_with(org_db, org_session):
    org = org_db.org
    data = summary_with_change(
        session=org_session, viewer=SYSTEM, by="team", wave=org.first_wave.name
    )
    assert data["previous_wave"] is None
    assert all(g["change"] is None for g in data["groups"])
    assert data["total"]["change"] is None
