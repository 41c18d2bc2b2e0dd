"""Change since the previous wave, per group and construct: only where both waves show."""

from recommender.catalogue import CATEGORIES
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
            if group["change"][key] is None:  # measured another way then: see below
                continue
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


# Version 1 asked the reward categories as agree/disagree items, version 2 as best-worst
# tasks; the motives are agree/disagree items in both, but version 2 rewrote most of them
# (seed/instruments/CHANGELOG-motivation.md): no scale is measured the same way.
CATEGORIES_NOW_BEST_WORST = tuple(f"pref_{category}" for category in CATEGORIES)


def test_a_score_measured_another_way_in_the_earlier_wave_shows_no_change(org_db, org_session):
    org = org_db.org
    data = summary_with_change(
        session=org_session, viewer=SYSTEM, by="team", wave=org.current_wave.name
    )
    assert data["previous_wave"] == org.first_wave.name
    shown = [g for g in [*data["groups"], data["total"]] if g["change"] is not None]
    assert shown
    for group in shown:
        for key in (*CATEGORIES_NOW_BEST_WORST, "autonomy", "mastery", "purpose"):
            assert group["scores"][key] is not None
            assert group["change"][key] is None, (group.get("key"), key)


def test_the_rule_is_the_one_the_reps_own_chart_follows(org_db, org_session):
    from models.tables import Instrument as InstrumentRow
    from services.instruments import definition
    from services.scores import same_measure

    org = org_db.org
    v1 = definition(org_session.get(InstrumentRow, org.first_wave.instrument_id))
    v2 = definition(org_session.get(InstrumentRow, org.current_wave.instrument_id))
    assert same_measure(v1, v2) == set()
    assert same_measure(v2, v2) == set(v2.construct_measures())
    data = summary_with_change(
        session=org_session, viewer=SYSTEM, by="team", wave=org.current_wave.name
    )
    assert all(v is None for v in data["total"]["change"].values())


def test_drift_between_waves_leaves_out_scores_measured_another_way(org_db, org_session):
    from services.analytics import drift

    data = drift(session=org_session, viewer=SYSTEM, min_size=5)
    assert data["change"] is not None
    assert data["change"]["constructs"] == {}
