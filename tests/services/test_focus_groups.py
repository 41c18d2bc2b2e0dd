import json

import pytest
from sqlmodel import select

from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed
from services.focus_groups import focus_groups, size_bounds
from tests.services import insights_org

org_db = insights_org.org_db
org_session = insights_org.org_session


@pytest.mark.parametrize("by", ["profile", "mixed"])
@pytest.mark.parametrize("size", [5, 6, 8])
def test_groups_have_5_to_8_people_and_everyone_is_placed_once(org_db, org_session, by, size):
    data = focus_groups(
        session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name, by=by, size=size
    )
    sizes = [g["size"] for g in data["groups"]]
    assert sizes and all(5 <= s <= 8 for s in sizes)
    members = [m for g in data["groups"] for m in g["members"]]
    assert len(members) == len(set(members))
    # A named list places everyone who answered, flagged or not (never whose was flagged).
    submitted = insights_org.submitted_ids(org_db.engine, org_db.org.first_wave)
    assert len(members) + data["not_placed"]["n"] == len(submitted)
    for g in data["groups"]:
        assert g["size"] == len(g["members"]) == g["summary"]["n"]


def test_profile_groups_are_one_profile_each_apart_from_merged_remainders(org_db, org_session):
    data = focus_groups(
        session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name, by="profile"
    )
    single = [g for g in data["groups"] if len(g["summary"]["profile_mix"]) == 1]
    assert len(single) >= len(data["groups"]) - 1
    names = {org_db.profiles.name(k) for k in org_db.profiles.catalogue}
    for g in single:
        assert set(g["summary"]["profile_mix"]) <= names


def test_each_group_has_an_anonymous_summary(org_db, org_session):
    data = focus_groups(
        session=org_session,
        viewer=SYSTEM,
        wave=org_db.org.first_wave.name,
        by="mixed",
        anonymous=True,
    )
    constructs = {c["key"] for c in data["constructs"]}
    shown = [g for g in data["groups"] if not g["summary"]["suppressed"]]
    assert shown, "some anonymous groups may show figures on an empty ledger"
    for g in data["groups"]:
        s = g["summary"]
        assert len(s["top_rewards"]) == 3
        assert len(s["questions"]["en"]) == len(s["questions"]["nb"]) == 3
        assert s["questions"]["en"] != s["questions"]["nb"]
        # 5 to 8 people can never reach the 10 answers themes need.
        assert s["themes"] == []
        if s["suppressed"]:
            assert s["scores"] is None and s["reason"] in ("small", "combined")
            continue
        assert set(s["scores"]) == constructs
        for key, (low, high) in s["ci"].items():
            assert low <= s["scores"][key] <= high


def test_a_named_list_never_carries_figures(org_db, org_session):
    data = focus_groups(
        session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name, by="profile"
    )
    for g in data["groups"]:
        s = g["summary"]
        assert g["members"] and s["suppressed"] and s["reason"] == "named"
        assert s["scores"] is None and s["ci"] is None
        # The description comes from the model's profiles, not the members' answers.
        assert len(s["questions"]["en"]) == 3


def test_questions_come_from_the_profiles_not_the_answers(org_db, org_session):
    from models.tables import Answer

    wave = org_db.org.first_wave.name
    before = focus_groups(
        session=org_session, viewer=SYSTEM, wave=wave, by="profile", anonymous=True
    )
    before_named = focus_groups(session=org_session, viewer=SYSTEM, wave=wave, by="profile")
    # Nudging one member's answers changes nothing a named list shows.
    answer = org_session.exec(select(Answer).where(Answer.value.is_not(None))).first()
    old = answer.value
    answer.value = 1.0 if old != 1.0 else 5.0
    org_session.add(answer)
    org_session.commit()
    try:
        after_named = focus_groups(session=org_session, viewer=SYSTEM, wave=wave, by="profile")
        assert [g["summary"] for g in after_named["groups"]] == [
            g["summary"] for g in before_named["groups"]
        ]
        again = focus_groups(
            session=org_session, viewer=SYSTEM, wave=wave, by="profile", anonymous=True
        )
        assert [g["summary"]["questions"] for g in again["groups"]] == [
            g["summary"]["questions"] for g in before["groups"]
        ]
    finally:
        answer.value = old
        org_session.add(answer)
        org_session.commit()


def test_anonymous_groups_carry_no_names_emails_or_ids(org_db, org_session):
    data = focus_groups(
        session=org_session,
        viewer=SYSTEM,
        wave=org_db.org.first_wave.name,
        by="profile",
        anonymous=True,
    )
    text = json.dumps(data, ensure_ascii=False)
    planted = org_db.org.planted[0]
    for secret in (planted.external_id, planted.name, planted.email, "@"):
        assert secret not in text
    assert all(g["members"] == [] and "contacts" not in g for g in data["groups"])


def test_people_who_keep_their_answers_private_are_not_grouped_by_profile(org_db, org_session):
    from models.tables import Person

    private = org_session.get(Person, org_db.org.planted[0].id)
    private.personalise = False
    org_session.add(private)
    org_session.commit()
    try:
        data = focus_groups(
            session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name, by="profile"
        )
        group = next(g for g in data["groups"] if private.external_id in g["members"])
        assert "none" in group["summary"]["profile_mix"]
    finally:
        private.personalise = True
        org_session.add(private)
        org_session.commit()


def test_same_groups_every_time(org_db, org_session):
    first = focus_groups(session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name)
    again = focus_groups(session=org_session, viewer=SYSTEM, wave=org_db.org.first_wave.name)
    assert [g["members"] for g in first["groups"]] == [g["members"] for g in again["groups"]]


def test_bad_options_and_viewers_are_refused(org_db, org_session):
    with pytest.raises(InvalidInput):
        focus_groups(session=org_session, viewer=SYSTEM, by="team")
    with pytest.raises(InvalidInput):
        focus_groups(session=org_session, viewer=SYSTEM, size=9)
    with pytest.raises(InvalidInput):
        focus_groups(session=org_session, viewer=SYSTEM, size=5, min_group_size=7)
    with pytest.raises(NotAllowed):
        focus_groups(session=org_session, viewer=org_db.org.manager)


def test_size_bounds_follow_a_larger_minimum():
    assert size_bounds(5) == (5, 8)
    assert size_bounds(3) == (5, 8)
    assert size_bounds(10) == (10, 10)


def _listed(data) -> tuple[set[str], set[str]]:
    placed = {m for g in data["groups"] for m in g["members"]}
    return placed, set(data["not_placed"]["members"])


@pytest.mark.parametrize("by", ["profile", "mixed"])
def test_named_lists_place_flagged_respondents_like_anyone_else(org_db, org_session, by):
    """Answered but in no group must never mean "flagged": HR sees only how many were."""
    wave = org_db.org.first_wave
    with insights_org.some_flagged(org_db.engine, wave) as flagged:
        org_session.expire_all()
        data = focus_groups(session=org_session, viewer=SYSTEM, wave=wave.name, by=by, size=6)
    submitted = insights_org.submitted_ids(org_db.engine, wave)
    assert len(flagged) >= 3 and flagged < submitted
    placed, not_placed = _listed(data)
    assert placed | not_placed == submitted
    assert flagged <= placed
    assert not (not_placed and not_placed <= flagged)


def test_with_a_trained_model_flagged_respondents_get_the_profile_nearest_their_answers(session):
    from models.tables import Person, SurveyResponse
    from recommender.focus import NO_PROFILE
    from services.catalogue import ensure_seed_catalogue
    from services.focus_groups import _profile_model, named_roster
    from services.summaries import load_population
    from services.training import train_model

    ensure_seed_catalogue(session=session)
    wave, people = insights_org.small_organisation(
        session, {"North": ["closer"] * 20, "South": ["hunter"] * 20, "West": ["farmer"] * 20}
    )
    responses = list(session.exec(select(SurveyResponse).order_by(SurveyResponse.id)))
    for r in responses:
        r.flags = ["straightlining"] if r.id in {x.id for x in responses[:4]} else []
        session.add(r)
    session.commit()
    train_model(session=session, actor=SYSTEM, random_state=1)
    flagged = {session.get(Person, r.person_id).external_id for r in responses[:4]}
    population = load_population(session, wave)
    assert population.profiles.catalogue, "the model shows some profiles"
    assert _profile_model(session, population) is not None  # placed by its mixture
    roster, codes = named_roster(session, population)
    assert {p.external_id for p in roster} == {p.external_id for p in people}
    flagged_codes = [c for p, c in zip(roster, codes, strict=True) if p.external_id in flagged]
    assert len(flagged_codes) == 4
    assert all(c == NO_PROFILE or c in population.profiles.catalogue for c in flagged_codes)
    assert any(c != NO_PROFILE for c in flagged_codes)
    data = focus_groups(session=session, viewer=SYSTEM, wave=wave.name, by="profile", size=6)
    placed = {m for g in data["groups"] for m in g["members"]}
    not_placed = set(data["not_placed"]["members"])
    assert placed | not_placed == {p.external_id for p in people}
    assert not (not_placed and not_placed <= flagged)
