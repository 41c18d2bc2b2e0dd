"""A flagged rep is told what was flagged, gets the labelled non-personal list (never a
silent mix), and can reopen the response while the wave is open to answer again."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.tables import AuditLog, Person, Team
from seed.demo_org import demo_people
from services import survey
from services.access import SYSTEM
from services.demo import load_demo_people, load_demo_survey
from services.errors import InvalidInput, NotFound
from services.instruments import definition, ensure_default_instrument
from services.quality import flag_notice, flagged_people, reopen_flagged_response
from services.recommendations import (
    person_profile,
    recommend_for_all,
    recommendation_rows,
    suggest_rewards,
)
from services.training import train_model
from services.waves import close_wave, open_wave
from tests.conftest import TEST_PASSWORD


def varied(items, shift=0):
    out = {}
    for n, item in enumerate(items):
        if item.type == "ranking":
            out[item.code] = [o.code for o in item.options]
        elif item.type == "attention":
            out[item.code] = item.expected
        elif item.type == "likert":
            out[item.code] = 2 + (n + shift) % 3
    return out


def answer_all(session, rep, wave, seconds, *, pace=None):
    """Answer every page and submit; ``seconds`` per question, or ``pace(page_key)``."""
    view = survey.survey_for(session=session, person=rep, wave_id=wave.id)
    for key, items in view.pages:
        survey.save_page(
            session=session,
            person=rep,
            wave_id=wave.id,
            page_key=key,
            answers=varied(items),
            seconds=(pace(key) if pace else seconds) * len(items),
        )
    return survey.submit_response(session=session, person=rep, wave_id=wave.id)


@pytest.fixture
def rushed(session, factory):
    definition(ensure_default_instrument(session=session).row)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Wave 1")
    response = answer_all(session, rep, wave, seconds=0.5)
    assert response.flags == ["speeding"]
    return {"rep": rep, "wave": wave}


def test_a_quick_rep_at_under_two_seconds_per_item_is_not_flagged(session, factory):
    ensure_default_instrument(session=session)
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Wave 1")
    assert answer_all(session, rep, wave, seconds=1.7).flags == []


def test_the_rep_is_told_which_rule_fired_and_may_revise(session, rushed):
    notice = flag_notice(session=session, person=rushed["rep"])
    assert notice.flags == ("speeding",) and notice.wave.id == rushed["wave"].id
    assert notice.can_revise
    assert flagged_people(session) == {rushed["rep"].id}


def test_reopening_lets_the_rep_submit_again_to_the_same_wave(session, rushed):
    rep, wave = rushed["rep"], rushed["wave"]
    reopened = reopen_flagged_response(session=session, person=rep, wave_id=wave.id)
    assert reopened.status == "in_progress" and reopened.submitted_at is not None
    view = survey.survey_for(session=session, person=rep, wave_id=wave.id)
    assert view.editable and view.answered_count > 0  # the answers are there to review
    event = session.exec(select(AuditLog).where(AuditLog.action == "survey.reopen")).one()
    assert event.details == {"flags": ["speeding"]} and event.actor_id == rep.id

    again = answer_all(session, rep, wave, seconds=3.0)
    assert again.id == reopened.id and again.status == "submitted" and again.flags == []
    assert flag_notice(session=session, person=rep) is None
    assert flagged_people(session) == set()


def test_only_a_flagged_response_in_an_open_wave_can_be_reopened(session, rushed, factory):
    rep, wave = rushed["rep"], rushed["wave"]
    with pytest.raises(NotFound):
        reopen_flagged_response(session=session, person=factory.person("rep"), wave_id=wave.id)
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    assert flag_notice(session=session, person=rep).can_revise is False
    with pytest.raises(InvalidInput, match="closed"):
        reopen_flagged_response(session=session, person=rep, wave_id=wave.id)

    clean_rep = factory.person("rep")
    other = open_wave(session=session, actor=SYSTEM, name="Wave 2")
    answer_all(session, clean_rep, other, seconds=3.0)
    with pytest.raises(InvalidInput, match="quality flags"):
        reopen_flagged_response(session=session, person=clean_rep, wave_id=other.id)


def test_a_flagged_rep_gets_the_labelled_popular_list_and_no_profile(session):
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    flagged = flagged_people(session)
    assert flagged
    reps = {p.id: p for p in session.exec(select(Person).where(Person.access == "rep"))}
    rep = reps[min(flagged)]
    suggestions = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=5)
    assert not suggestions.personal and suggestions.why_not_personal == "flagged"
    assert all(item.score is None for item in suggestions.items)
    assert person_profile(session=session, viewer=SYSTEM, person=rep) is None
    # The list for everyone says the same, row for row.
    rows = [
        r
        for r in recommend_for_all(session=session, viewer=SYSTEM, k=5)
        if r["person"] == rep.external_id
    ]
    assert rows == recommendation_rows(session=session, viewer=SYSTEM, person=rep, k=5)
    # Everyone else with a clean response still gets personal suggestions.
    clean = next(p for pid, p in reps.items() if pid not in flagged and p.personalise)
    assert suggest_rewards(session=session, viewer=SYSTEM, person=clean, k=5).personal


def demo_with_a_flagged_rep(session):
    """The trained demo organisation: its reps by id, one whose answers were flagged, and
    that rep's manager."""
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    reps = {p.id: p for p in session.exec(select(Person).where(Person.access == "rep"))}
    flagged_rep = reps[min(flagged_people(session))]
    return reps, flagged_rep, session.get(Person, flagged_rep.manager_id)


def test_a_manager_cannot_tell_a_flagged_rep_from_one_who_turned_personalisation_off(session):
    """The rep's page promises that managers never learn whose answers were flagged: their
    view of a flagged rep is the view of a rep who opted out, card and person page alike,
    while the rep is told the real reason."""
    from services.team import person_detail, team_overview

    reps, flagged_rep, manager = demo_with_a_flagged_rep(session)
    opted_out = next(
        p
        for pid, p in reps.items()
        if p.manager_id == manager.id and pid != flagged_rep.id and p.personalise
    )
    opted_out.personalise = False
    session.add(opted_out)
    session.commit()

    def as_manager_sees(rep):
        detail = person_detail(session=session, viewer=manager, person=rep)
        card = next(
            m
            for m in team_overview(session=session, manager=manager).members
            if m.person.id == rep.id
        )
        return (
            detail.profile,
            detail.suggestions.personal,
            detail.suggestions.why_not_personal,
            card.profile,
            card.suggestions.personal,
            card.suggestions.why_not_personal,
        )

    assert (
        as_manager_sees(flagged_rep)
        == as_manager_sees(opted_out)
        == (None, False, "withheld", None, False, "withheld")
    )
    own = suggest_rewards(session=session, viewer=flagged_rep, person=flagged_rep)
    assert own.why_not_personal == "flagged"


def test_a_reopened_response_still_counts_as_answered_for_everyone_else(session, factory):
    """Only a flagged response can be reopened: shown as "started" again to the manager or
    in HR's counts and reminders, it would tell them the answers were flagged."""
    from services.analytics import reminder_list
    from services.team import team_overview
    from services.waves import list_waves

    definition(ensure_default_instrument(session=session).row)
    team = factory.team("North")
    manager = factory.person("manager", team=team)
    rep = factory.person("rep", team=team, manager=manager)
    factory.person("rep", team=team, manager=manager)
    hr = factory.person("hr")
    wave = open_wave(session=session, actor=SYSTEM, name="Wave 1")
    assert answer_all(session, rep, wave, seconds=0.5).flags == ["speeding"]

    def seen() -> tuple:
        card = next(
            m
            for m in team_overview(session=session, manager=manager).members
            if m.person.id == rep.id
        )
        counts = next(w for w in list_waves(session=session, viewer=hr) if w.wave.id == wave.id)
        pending = {p["person_id"] for p in reminder_list(session=session, viewer=hr)["people"]}
        return card.survey, counts.submitted, counts.in_progress, rep.id in pending

    before = seen()
    assert before == ("submitted", 1, 0, False)
    reopen_flagged_response(session=session, person=rep, wave_id=wave.id)
    assert seen() == before


def test_a_manager_learns_neither_consent_nor_a_flag_from_a_rep_who_has_not_answered(
    session, client, factory
):
    """Before answering, a rep who turned personalisation off read "not used at the
    moment" on their manager's page and one who kept it on "no profile yet"; so when a
    rep with it on submitted and their card turned to "not used", the manager knew their
    answers had been flagged. Every rep without a profile now reads the same to a manager,
    whatever the reason, on the card, the person page and in its words."""
    from services.team import person_detail
    from tests.conftest import login

    reps, flagged_rep, manager = demo_with_a_flagged_rep(session)
    team = session.get(Team, flagged_rep.team_id)
    keeps_it_on = factory.person(team=team, manager=manager, name="Not Yet On")
    turned_off = factory.person(team=team, manager=manager, name="Not Yet Off")
    turned_off.personalise = False
    session.add(turned_off)
    session.commit()

    seen = {
        rep.id: person_detail(session=session, viewer=manager, person=rep).suggestions
        for rep in (flagged_rep, keeps_it_on, turned_off)
    }
    assert {(s.personal, s.why_not_personal) for s in seen.values()} == {(False, "withheld")}
    login(client, manager.email)
    cards = set()
    for rep in (flagged_rep, keeps_it_on, turned_off):
        html = client.get(f"/team/person/{rep.external_id}").get_data(as_text=True)
        start = html.index('id="profile-heading"')
        cards.add(html[start : html.index("</section>", start)])
    assert len(cards) == 1, cards
    assert "chosen not to" not in cards.pop()
    # The rep themself still reads their own reason.
    assert suggest_rewards(
        session=session, viewer=turned_off, person=turned_off
    ).why_not_personal == ("no_consent")
