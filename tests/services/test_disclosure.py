"""The disclosure ledger against the attacks that combine releases of one wave."""

import numpy as np
import pytest
from sqlmodel import select

from models.tables import Person, Release, ReleasedGroup, SurveyResponse, Team
from recommender.anonymity import within_bound
from seed.loaders import load_catalogue
from seed.simulate import simulate_organisation
from services.access import SYSTEM
from services.summaries import load_population, summary
from services.waves import close_wave
from tests.services.attacker import best_recovery, leverages
from tests.services.insights_org import _store, definition_of, small_organisation

MIN = 5


def organisation(session, layout):
    """``small_organisation`` with every response usable, so group sizes are exact."""
    wave, people = small_organisation(session, layout)
    unflag(session)
    return wave, people


def unflag(session):
    for response in session.exec(select(SurveyResponse)):
        response.flags = []
        session.add(response)
    session.commit()


def truth(session, wave) -> dict[int, dict[str, float]]:
    population = load_population(session, wave)
    return {
        int(rid): dict(zip(population.constructs, row, strict=True))
        for rid, row in zip(population.response_ids, population.scores, strict=True)
    }


def add_respondent(session, wave, team: Team, role: str, n: int) -> Person:
    person = Person(
        external_id=f"L{n:03d}",
        name=f"Late Person {n}",
        email=f"late{n}@example.test",
        team_id=team.id,
        access="rep",
        sales_role=role,
    )
    session.add(person)
    session.flush()
    sim = simulate_organisation(
        definition_of(session, wave),
        load_catalogue(),
        1,
        random_state=100 + n,
        careless_rate=0.0,
        missing_rate=0.0,
        text_rate=0.0,
    )
    _store(session, wave, person, sim.answers[0], sim.page_seconds[0])
    session.commit()
    unflag(session)
    return person


def group(data: dict, key: str) -> dict:
    return next(g for g in data["groups"] if g["key"] == key)


def assert_nobody_isolated(session, wave):
    _ids, h = leverages(session, wave)
    assert within_bound(h, MIN)


def test_open_wave_two_snapshots_do_not_reveal_the_late_respondent(session):
    """7 * mean_after - 6 * mean_before would be the seventh person's scores."""
    wave, people = organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 8})
    north = session.exec(select(Team).where(Team.name == "North")).one()
    before = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(before, "North")["n"] == 6 and not group(before, "North")["suppressed"]
    late = add_respondent(session, wave, north, "closer", 1)
    after = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    shown_after = group(after, "North")
    assert shown_after["suppressed"] and shown_after["reason"] == "combined"
    assert after["total"]["suppressed"] and after["total"]["reason"] == "combined"
    assert_nobody_isolated(session, wave)
    late_id = session.exec(
        select(SurveyResponse.id).where(SurveyResponse.person_id == late.id)
    ).one()
    assert best_recovery(session, wave, truth(session, wave)) > 0.05
    assert late_id in truth(session, wave)


def test_open_wave_figures_move_in_steps(session):
    wave, _ = organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 8})
    north = session.exec(select(Team).where(Team.name == "North")).one()
    summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    for n in range(1, MIN + 1):
        add_respondent(session, wave, north, "closer", n)
        data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
        if n < MIN:
            assert group(data, "North")["suppressed"], n
    # Five newcomers form a group of five of their own: the new figures may be shown.
    assert group(data, "North")["n"] == 6 + MIN
    assert_nobody_isolated(session, wave)


def test_a_roster_move_does_not_change_the_groups_of_a_closed_wave(session):
    wave, people = organisation(
        session, {"North": ["closer"] * 11, "South": ["hunter"] * 7, "West": ["hunter"] * 6}
    )
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    before = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(before, "North")["n"] == 11
    moved = people[0]
    moved.team_id = session.exec(select(Team).where(Team.name == "South")).one().id
    moved.sales_role = "hunter"
    session.add(moved)
    session.commit()
    for by in ("team", "sales_role"):
        after = summary(session=session, viewer=SYSTEM, by=by, wave=wave.name)
        assert (
            after["groups"]
            == summary(session=session, viewer=SYSTEM, by=by, wave=wave.name)["groups"]
        )
    after = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(after, "North") == group(before, "North")
    assert_nobody_isolated(session, wave)
    assert best_recovery(session, wave, truth(session, wave)) > 0.05


def test_the_same_page_twice_shows_the_same_figures_and_stores_each_group_once(session):
    wave, _ = organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 8})
    first = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    second = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert first == second
    assert len(session.exec(select(Release)).all()) == 2
    sizes = sorted(g.size for g in session.exec(select(ReleasedGroup)))
    assert sizes == [6, 8, 14]


def test_labels_say_small_only_for_small_groups(session):
    # Teams of 6, 5 and 3: the 3 are small; showing 6 and 5 with the total of 14 would
    # reveal the 3, so one of the others is hidden for that reason, not for its size.
    wave, _ = organisation(
        session, {"North": ["closer"] * 6, "South": ["hunter"] * 5, "West": ["hunter"] * 3}
    )
    data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(data, "West")["reason"] == "small"
    assert group(data, "South")["reason"] == "combined"
    assert group(data, "North")["reason"] is None and data["total"]["reason"] is None
    assert_nobody_isolated(session, wave)


def test_a_submission_records_the_groups_of_the_moment(session):
    wave, people = organisation(session, {"North": ["closer"] * 5})
    response = session.exec(
        select(SurveyResponse).where(SurveyResponse.person_id == people[0].id)
    ).one()
    north = session.exec(select(Team).where(Team.name == "North")).one()
    assert response.team_id == north.id and response.sales_role == "closer"
    assert response.groups_frozen_at is not None


@pytest.mark.parametrize("k", [3, 5, 7])
def test_every_release_keeps_the_bound_for_any_minimum(session, k):
    wave, _ = organisation(
        session,
        {
            "North": ["closer"] * 4 + ["hunter"] * 5,
            "South": ["hunter"] * 6 + ["farmer"] * 2,
            "West": ["farmer"] * 7,
        },
    )
    for by in ("team", "sales_role", "profile", "team"):
        summary(session=session, viewer=SYSTEM, by=by, wave=wave.name, min_group_size=k)
    ids, h = leverages(session, wave)
    assert h.size and float(h.max()) <= 1 / k + 1e-9
    assert np.all(h >= 0)


def test_profile_groups_stay_with_the_model_version_of_the_first_release(session):
    from models.tables import ModelArtefact
    from services.catalogue import ensure_seed_catalogue
    from services.training import train_model

    ensure_seed_catalogue(session=session)
    wave, people = organisation(
        session, {"North": ["closer"] * 20, "South": ["hunter"] * 20, "West": ["farmer"] * 20}
    )
    train_model(session=session, actor=SYSTEM, random_state=1)
    first = summary(session=session, viewer=SYSTEM, by="profile", wave=wave.name)
    pinned = session.exec(select(Release.model_version)).first()
    assert pinned == session.exec(select(ModelArtefact.version)).one()
    train_model(session=session, actor=SYSTEM, random_state=2)
    later = summary(session=session, viewer=SYSTEM, by="profile", wave=wave.name)
    assert [(g["key"], g["n"]) for g in later["groups"]] == [
        (g["key"], g["n"]) for g in first["groups"]
    ]
    assert set(session.exec(select(Release.model_version)).all()) == {pinned}
