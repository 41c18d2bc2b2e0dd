import numpy as np
import pytest
from sqlmodel import select

from models.tables import Person, SurveyResponse
from recommender.anonymity import published_units
from services import summaries
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed, NotFound
from services.summaries import DIMENSIONS, NONE_KEY, load_population, summary, suppression_plan
from tests.recommender.test_anonymity import brute_force_smallest_difference
from tests.services import insights_org
from tests.services.insights_org import PLANTED_TEAM, small_organisation

org_db = insights_org.org_db
org_session = insights_org.org_session

MIN = 5


def hidden(data: dict) -> set[str]:
    return {g["key"] for g in data["groups"] if g["suppressed"]}


def figures_shown(data: dict) -> list[int]:
    return [g["n"] for g in data["groups"] if not g["suppressed"]] + [data["total"]["n"]]


@pytest.mark.parametrize("by", DIMENSIONS)
def test_no_group_under_the_minimum_is_shown(org_db, org_session, by):
    data = summary(session=org_session, viewer=SYSTEM, by=by, wave=org_db.org.first_wave.name)
    assert data["min_group_size"] == MIN
    assert all(n >= MIN for n in figures_shown(data))
    for group in data["groups"]:
        if group["suppressed"]:
            assert group["n"] is None and group["scores"] is None and group["ci"] is None
        else:
            assert set(group["scores"]) == {c["key"] for c in data["constructs"]}


def test_the_planted_three_person_team_is_hidden(org_db, org_session):
    data = summary(session=org_session, viewer=SYSTEM, by="team", wave=org_db.org.first_wave.name)
    planted = next(g for g in data["groups"] if g["key"] == PLANTED_TEAM)
    assert planted["suppressed"] and planted["n"] is None
    # Its three people still count in the total, which is safe to show.
    assert data["total"]["n"] >= MIN


def test_the_total_minus_the_visible_teams_is_never_a_small_group(org_db, org_session):
    """Subtraction attack on two exports: the summary by team and the overall total."""
    for wave in (org_db.org.first_wave, org_db.org.current_wave):
        data = summary(session=org_session, viewer=SYSTEM, by="team", wave=wave.name)
        if data["total"]["suppressed"]:
            continue
        visible = [g for g in data["groups"] if not g["suppressed"]]
        rest = data["total"]["n"] - sum(g["n"] for g in visible)
        assert rest == 0 or rest >= MIN
        if rest:
            # What the attacker recovers is the mean of all hidden people together.
            key = data["constructs"][0]["key"]
            recovered = (
                data["total"]["n"] * data["total"]["scores"][key]
                - sum(g["n"] * g["scores"][key] for g in visible)
            ) / rest
            assert 1.0 <= recovered <= 5.0


def test_subtracting_one_grouping_from_another_never_reveals_a_small_group(org_db, org_session):
    """Every pair of published tables of a wave, checked by brute force over all unions."""
    for wave in (org_db.org.first_wave, org_db.org.current_wave):
        population = load_population(org_session, wave)
        plan = suppression_plan(population, MIN)
        units = []
        for by in DIMENSIONS:
            labels, cells = population.labels(by)
            hidden = np.array([plan.is_hidden(by, c) for c in cells])
            units.append(published_units(labels, hidden, MIN))
        units.append(published_units(np.zeros(population.n, dtype=int), np.array([False]), MIN))
        for i in range(len(units)):
            for j in range(i + 1, len(units)):
                assert not 0 < brute_force_smallest_difference(units[i], units[j]) < MIN


def test_a_role_nested_in_a_team_is_protected(session):
    """Seven of a team's eight people are all the closers: team minus closers is one SDR."""
    layout = {
        "North": ["closer"] * 7 + ["sdr"],
        "South": ["sdr"] * 6,
        "West": ["account_manager"] * 6,
    }
    wave, _ = small_organisation(session, layout)
    by_team = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    by_role = summary(session=session, viewer=SYSTEM, by="sales_role", wave=wave.name)
    assert all(g["n"] in (None, 6, 7, 8) for g in by_team["groups"] + by_role["groups"])
    team = {g["key"]: g for g in by_team["groups"]}
    role = {g["key"]: g for g in by_role["groups"]}
    # Every group is big enough on its own, yet not all of them can be shown.
    assert team["North"]["suppressed"] or role["closer"]["suppressed"]
    if not team["North"]["suppressed"] and not role["closer"]["suppressed"]:
        pytest.fail("North minus the closers would reveal one person")
    # The naive attack finds no figures to subtract.
    north, closers = team["North"]["n"], role["closer"]["n"]
    assert north is None or closers is None


def test_a_bigger_minimum_hides_more(org_db, org_session):
    wave = org_db.org.first_wave.name
    five = summary(session=org_session, viewer=SYSTEM, by="team", wave=wave, min_group_size=5)
    ten = summary(session=org_session, viewer=SYSTEM, by="team", wave=wave, min_group_size=10)
    assert hidden(five) < hidden(ten)
    assert all(n >= 10 for n in figures_shown(ten))


def test_only_usable_responses_count(org_db, org_session):
    wave = org_db.org.first_wave
    data = summary(session=org_session, viewer=SYSTEM, by="team", wave=wave.name)
    responses = org_session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted"
        )
    ).all()
    flagged = sum(1 for r in responses if r.flags)
    assert data["total"]["n"] <= len(responses) - flagged


def test_profile_groups_use_the_profile_names(org_db, org_session):
    data = summary(
        session=org_session,
        viewer=SYSTEM,
        by="profile",
        wave=org_db.org.first_wave.name,
        locale="nb",
    )
    labels = {g["label"] for g in data["groups"] if g["key"] != NONE_KEY}
    assert labels <= {org_db.profiles.name(k, "nb") for k in org_db.profiles.catalogue}


def test_the_newest_wave_with_answers_is_the_default(org_db, org_session):
    data = summary(session=org_session, viewer=SYSTEM, by="sales_role")
    assert data["wave"] == org_db.org.current_wave.name


def test_themes_need_ten_answers(org_db, org_session):
    data = summary(session=org_session, viewer=SYSTEM, by="team", wave=org_db.org.first_wave.name)
    assert data["themes"], "the organisation has enough free-text answers"
    population = load_population(org_session, org_db.org.first_wave)
    labels, cells = population.labels("team")
    for index, key in enumerate(cells):
        written = sum(1 for t, r in zip(population.texts, labels == index, strict=True) if r and t)
        group = next(g for g in data["groups"] if g["key"] == key)
        if written < 10:
            assert group["themes"] == []


@pytest.mark.parametrize("min_size", [5, 8])
def test_no_theme_stands_for_fewer_people_than_the_minimum_group_size(
    org_db, org_session, min_size
):
    """A theme from one or four answers repeats those people's words: none is shown, in
    the total or in any group, and none appears twice with its words reordered."""
    data = summary(
        session=org_session,
        viewer=SYSTEM,
        by="team",
        wave=org_db.org.first_wave.name,
        min_group_size=min_size,
    )
    blocks = [data["themes"], *(g["themes"] for g in data["groups"])]
    assert any(blocks), "the organisation has enough free-text answers for some themes"
    for themes in blocks:
        assert all(t["n_answers"] >= min_size for t in themes), themes
        keyword_sets = [frozenset(t["keywords"]) for t in themes]
        assert len(keyword_sets) == len(set(keyword_sets)), themes


def test_reps_and_managers_may_not_see_summaries(org_db, org_session):
    for person in (org_db.org.rep, org_db.org.manager):
        with pytest.raises(NotAllowed):
            summary(session=org_session, viewer=person, by="team")
    hr = org_session.get(Person, org_db.org.hr.id)
    assert summary(session=org_session, viewer=hr, by="team")["groups"]


def test_bad_filters_are_refused(org_session):
    with pytest.raises(InvalidInput):
        summary(session=org_session, viewer=SYSTEM, by="team_and_role")
    with pytest.raises(InvalidInput):
        summary(session=org_session, viewer=SYSTEM, by="team", min_group_size=2)
    with pytest.raises(NotFound):
        summary(session=org_session, viewer=SYSTEM, by="team", wave="No such wave")


def test_without_a_model_everyone_is_in_the_no_profile_group(org_db, org_session, monkeypatch):
    monkeypatch.setattr(summaries, "profile_map", lambda *, session: summaries.ProfileMap({}, {}))
    data = summary(
        session=org_session, viewer=SYSTEM, by="profile", wave=org_db.org.first_wave.name
    )
    assert [g["key"] for g in data["groups"]] == [NONE_KEY]
    assert data["groups"][0]["n"] == data["total"]["n"]
