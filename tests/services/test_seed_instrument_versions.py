"""Seed versions of the default instrument: init stores each once, in order."""

from sqlmodel import select

from models.tables import Instrument as InstrumentRow
from seed.loaders import load_seed_instrument
from services.instruments import ensure_current_instrument, ensure_default_instrument


def stored_versions(session) -> list[tuple[int, str]]:
    rows = session.exec(select(InstrumentRow).order_by(InstrumentRow.version)).all()
    return [(row.version, row.fingerprint) for row in rows]


def test_a_fresh_database_gets_version_1_then_the_current_version(session):
    imported = ensure_current_instrument(session=session)
    assert imported.row.version == 2 and imported.instrument.version == 2
    assert stored_versions(session) == [
        (1, load_seed_instrument(1).fingerprint()),
        (2, load_seed_instrument(2).fingerprint()),
    ]


def test_seeding_again_in_any_order_stores_nothing_new(session):
    ensure_current_instrument(session=session)
    before = stored_versions(session)
    assert ensure_current_instrument(session=session).created is False
    # Version 1 after version 2 is found, not stored again as version 3.
    again = ensure_default_instrument(session=session)
    assert again.created is False and again.row.version == 1
    assert stored_versions(session) == before


def test_a_database_with_only_version_1_gets_version_2_next(session):
    ensure_default_instrument(session=session)
    assert ensure_current_instrument(session=session).row.version == 2
    assert [v for v, _ in stored_versions(session)] == [1, 2]


def test_a_best_worst_score_is_never_shown_beside_a_team_median_of_likert_scores(session):
    """The demo's closed wave used v1 (agree/disagree), its open wave v2 (best-worst)."""
    from models.tables import Person, SurveyResponse, Wave
    from seed.demo_org import demo_people
    from services.demo import CURRENT_WAVE, load_demo_people, load_demo_survey
    from services.me import my_scores

    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    current = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).one()
    responses = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == current.id, SurveyResponse.status == "submitted"
        )
    ).all()
    submitted = [r for r in responses if not r.flags]
    shown = 0
    for response in submitted:
        rows = {
            r.construct: r
            for r in my_scores(session=session, person=session.get(Person, response.person_id))
        }
        assert rows["pref_time"].own is not None
        assert rows["pref_time"].team_median is None
        # Autonomy is agree/disagree in both versions, but asked with other items now.
        assert rows["autonomy"].team_median is None
        shown += 1
    assert shown > 0


def test_history_shows_each_waves_scores_and_compares_only_like_with_like(session):
    from models.tables import Person, SurveyResponse, Wave
    from seed.demo_org import demo_people
    from services.demo import CURRENT_WAVE, load_demo_people, load_demo_survey
    from services.me import measured_otherwise, score_changes, score_history

    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    current = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).one()
    response = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == current.id, SurveyResponse.status == "submitted"
        )
    ).first()
    _constructs, history = score_history(
        session=session, person=session.get(Person, response.person_id)
    )
    first, latest = history[0].scores, history[-1].scores
    assert len(history) == 2 and latest["pref_time"] is not None
    # The rep's own earlier scores are shown, whatever the format they were asked in ...
    assert first["pref_time"] is not None and first["autonomy"] is not None
    # ... but not compared: agree/disagree then, best-worst now; other items for autonomy.
    assert "pref_time" not in history[0].comparable and "autonomy" not in history[0].comparable
    changes = score_changes(history)
    assert changes["pref_time"] is None and changes["autonomy"] is None
    assert {"pref_time", "autonomy"} <= measured_otherwise(history)
