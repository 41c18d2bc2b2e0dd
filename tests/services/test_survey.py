"""The rep's survey flow in the service layer: partial saves, resume, submit once, flags."""

from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from models.tables import Answer, Person, SurveyResponse
from services import survey
from services.access import SYSTEM
from services.errors import InvalidInput, NotFound
from services.instruments import definition, ensure_default_instrument
from services.waves import close_wave, open_wave, today


def answers_for(items, value=4):
    out = {}
    for item in items:
        if item.type == "ranking":
            out[item.code] = [o.code for o in item.options]
        elif item.type == "attention":
            out[item.code] = item.expected
        elif item.type == "likert":
            out[item.code] = value
    return out


@pytest.fixture
def setup(session, factory):
    row = ensure_default_instrument(session=session).row
    team = factory.team("Oslo")
    rep = factory.person("rep", team=team)
    wave = open_wave(session=session, actor=SYSTEM, name="Wave 1")
    return {"instrument": definition(row), "rep": rep, "wave": wave, "team": team}


def complete(session, setup, value=4, seconds=60.0):
    view = survey.survey_for(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    for key, items in view.pages:
        survey.save_page(
            session=session,
            person=setup["rep"],
            wave_id=setup["wave"].id,
            page_key=key,
            answers=answers_for(items, value),
            seconds=seconds,
        )


def test_partial_save_then_resume_keeps_answers(session, setup):
    first_key, items = setup["instrument"].pages()[0]
    answers = answers_for(items[:3], 5)
    survey.save_page(
        session=session,
        person=setup["rep"],
        wave_id=setup["wave"].id,
        page_key=first_key,
        answers=answers,
    )
    view = survey.survey_for(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    assert view.response.status == "in_progress"
    assert {k: view.answers[k] for k in answers} == answers
    assert view.first_incomplete_page() == first_key


def test_answers_can_be_changed_until_submitted(session, setup):
    key, items = setup["instrument"].pages()[0]
    code = items[0].code
    for value in (2, 5):
        survey.save_page(
            session=session,
            person=setup["rep"],
            wave_id=setup["wave"].id,
            page_key=key,
            answers={code: value},
        )
    view = survey.survey_for(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    assert view.answers[code] == 5
    assert session.exec(select(func.count()).select_from(Answer)).one() == 1


def test_submit_requires_every_required_answer(session, setup):
    key, items = setup["instrument"].pages()[0]
    survey.save_page(
        session=session,
        person=setup["rep"],
        wave_id=setup["wave"].id,
        page_key=key,
        answers=answers_for(items),
    )
    with pytest.raises(InvalidInput) as caught:
        survey.submit_response(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    assert "rank_categories" in caught.value.problems


def test_double_submission_keeps_one_response(session, setup):
    complete(session, setup)
    first = survey.submit_response(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    second = survey.submit_response(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    assert first.id == second.id
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 1
    with pytest.raises(InvalidInput, match="already submitted"):
        key = setup["instrument"].pages()[0][0]
        survey.save_page(
            session=session, person=setup["rep"], wave_id=setup["wave"].id, page_key=key, answers={}
        )


def test_straight_lining_is_flagged_and_kept(session, setup):
    complete(session, setup, value=3, seconds=300)
    response = survey.submit_response(
        session=session, person=setup["rep"], wave_id=setup["wave"].id
    )
    assert "straightlining" in response.flags
    assert response.status == "submitted"


def test_speeding_is_flagged(session, setup):
    complete(session, setup, seconds=1.0)
    # vary the answers so that only the speed is odd
    view = survey.survey_for(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    for key, items in view.pages:
        varied = answers_for(items)
        varied.update({i.code: 2 + n % 3 for n, i in enumerate(items) if i.type == "likert"})
        survey.save_page(
            session=session,
            person=setup["rep"],
            wave_id=setup["wave"].id,
            page_key=key,
            answers=varied,
        )
    response = survey.submit_response(
        session=session, person=setup["rep"], wave_id=setup["wave"].id
    )
    assert "speeding" in response.flags
    assert "straightlining" not in response.flags


def test_out_of_range_values_are_refused(session, setup):
    key, items = setup["instrument"].pages()[0]
    with pytest.raises(InvalidInput) as caught:
        survey.save_page(
            session=session,
            person=setup["rep"],
            wave_id=setup["wave"].id,
            page_key=key,
            answers={items[0].code: 9},
        )
    assert f"{items[0].code}: choose a value from 1 to 5" in caught.value.problems
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 0


def test_closed_wave_cannot_be_changed(session, setup):
    key, items = setup["instrument"].pages()[0]
    survey.save_page(
        session=session,
        person=setup["rep"],
        wave_id=setup["wave"].id,
        page_key=key,
        answers=answers_for(items),
    )
    close_wave(session=session, actor=SYSTEM, wave_id=setup["wave"].id)
    with pytest.raises(InvalidInput, match="closed"):
        survey.save_page(
            session=session,
            person=setup["rep"],
            wave_id=setup["wave"].id,
            page_key=key,
            answers=answers_for(items),
        )
    statuses = survey.survey_status(session=session, person=setup["rep"])
    assert [s.status for s in statuses] == ["missed"]


def test_team_wave_is_invisible_to_other_teams(session, setup, factory):
    other = factory.person("rep", team=factory.team("Bergen"))
    # Beside the open wave of the set-up, as HR confirms when told.
    wave = open_wave(
        session=session, actor=SYSTEM, name="Oslo only", team_names=["Oslo"], confirm_overlap=True
    )
    assert survey.survey_for(session=session, person=setup["rep"], wave_id=wave.id)
    with pytest.raises(NotFound):
        survey.survey_for(session=session, person=other, wave_id=wave.id)
    assert [s.wave.name for s in survey.survey_status(session=session, person=other)] == ["Wave 1"]


@pytest.mark.parametrize("access", ["manager", "hr", "admin"])
def test_only_reps_answer_a_wave(session, setup, factory, access):
    """A wave is for active reps, as its audience, counts and reminders say: a manager who
    answered would sit, knowing their own answers, in the team figures HR reads."""
    other = factory.person(access, team=setup["team"])
    with pytest.raises(NotFound):
        survey.survey_for(session=session, person=other, wave_id=setup["wave"].id)
    with pytest.raises(NotFound):
        survey.save_page(
            session=session,
            person=other,
            wave_id=setup["wave"].id,
            page_key=setup["instrument"].pages()[0][0],
            answers={},
        )
    assert survey.survey_status(session=session, person=other) == []
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 0


def test_a_deactivated_rep_no_longer_answers(session, setup):
    setup["rep"].active = False
    session.add(setup["rep"])
    session.commit()
    with pytest.raises(NotFound):
        survey.survey_for(session=session, person=setup["rep"], wave_id=setup["wave"].id)


def test_wave_not_yet_open_is_not_offered(session, setup):
    later = open_wave(
        session=session,
        actor=SYSTEM,
        name="Later",
        opens_on=today() + timedelta(days=3),
        confirm_overlap=True,  # the set-up's wave is still open then
    )
    names = [s.wave.name for s in survey.survey_status(session=session, person=setup["rep"])]
    assert later.name not in names


def test_history_lists_past_waves(session, setup):
    complete(session, setup)
    survey.submit_response(session=session, person=setup["rep"], wave_id=setup["wave"].id)
    close_wave(session=session, actor=SYSTEM, wave_id=setup["wave"].id)
    open_wave(session=session, actor=SYSTEM, name="Wave 2")
    statuses = survey.survey_status(session=session, person=setup["rep"])
    assert [(s.wave.name, s.status) for s in statuses] == [
        ("Wave 2", "not_started"),
        ("Wave 1", "submitted"),
    ]


def test_time_adds_up_over_visits_and_emptied_answers_are_removed(session, setup):
    key, items = setup["instrument"].pages()[0]
    likert = [item for item in items if item.type == "likert"]
    args = {"session": session, "person": setup["rep"], "wave_id": setup["wave"].id}
    survey.save_page(**args, page_key=key, answers=answers_for(items, 2), seconds=10.0)
    emptied = {**answers_for(items, 5), likert[0].code: None}
    survey.save_page(**args, page_key=key, answers=emptied, seconds=5.5)
    view = survey.survey_for(**args)
    assert view.response.page_seconds == {key: 15.5}
    assert likert[0].code not in view.answers
    assert view.answers[likert[1].code] == 5
    stored = session.exec(select(func.count()).select_from(Answer)).one()
    assert stored == len(items) - 1


def test_a_save_from_a_page_opened_before_submitting_changes_nothing(engine, session, setup):
    key, items = setup["instrument"].pages()[0]
    args = {"session": session, "person": setup["rep"], "wave_id": setup["wave"].id}
    complete(session, setup, value=4)
    stale = survey.survey_for(**args)  # the page another tab still shows
    with Session(engine, expire_on_commit=False) as other:  # submitted from that other tab
        rep = other.get(Person, setup["rep"].id)
        survey.submit_response(session=other, person=rep, wave_id=setup["wave"].id)
    assert not stale.submitted
    with pytest.raises(InvalidInput, match="already submitted"):
        survey.save_page(**args, page_key=key, answers=answers_for(items, 1), view=stale)
    view = survey.survey_for(**args)
    assert view.submitted
    assert {view.answers[i.code] for i in items if i.type == "likert"} == {4}
