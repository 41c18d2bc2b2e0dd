"""A double click races itself: two posts of one survey page, or of the final submission.

Real threads, each with its own database session, released together by a barrier, on SQLite
and PostgreSQL. Both posts must succeed, and what they carry must be stored exactly once.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, func, select

from models.tables import Answer, AuditLog, SurveyResponse
from services import survey
from services.access import SYSTEM
from services.instruments import definition, ensure_default_instrument
from services.waves import open_wave
from tests.services.test_survey import answers_for

TRIALS = 8


def race(engine, call, n: int = 2) -> list:
    """Run ``call(session)`` in ``n`` threads at once; return results (or the exceptions)."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(index: int) -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results[index] = call(session)
            except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
                results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def wave_and_reps(session, factory):
    instrument = definition(ensure_default_instrument(session=session).row)
    team = factory.team("Oslo")
    reps = [factory.person("rep", team=team) for _ in range(TRIALS)]
    wave = open_wave(session=session, actor=SYSTEM, name="Race wave")
    return instrument, wave, reps


def test_two_posts_of_the_first_page_both_succeed_and_store_answers_once(
    engine, session, wave_and_reps
):
    instrument, wave, reps = wave_and_reps
    key, items = instrument.pages()[0]
    answers = answers_for(items, value=5)
    for rep in reps:  # a fresh rep per trial: the race is on creating the response too

        def save(s, rep=rep):
            return survey.save_page(
                session=s, person=rep, wave_id=wave.id, page_key=key, answers=answers, seconds=5
            )

        results = race(engine, save)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, f"a double click failed: {failures!r}"
        responses = session.exec(
            select(SurveyResponse).where(SurveyResponse.person_id == rep.id)
        ).all()
        assert len(responses) == 1
        stored = session.exec(
            select(Answer.item_code, Answer.value, Answer.text).where(
                Answer.response_id == responses[0].id
            )
        ).all()
        assert sorted(code for code, _, _ in stored) == sorted(answers)
        view = survey.survey_for(session=session, person=rep, wave_id=wave.id)
        assert {code: view.answers[code] for code in answers} == answers
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == TRIALS


def test_two_posts_of_a_later_page_both_succeed(engine, session, wave_and_reps):
    instrument, wave, reps = wave_and_reps
    pages = instrument.pages()
    rep = reps[0]
    survey.save_page(
        session=session,
        person=rep,
        wave_id=wave.id,
        page_key=pages[0][0],
        answers=answers_for(pages[0][1]),
    )
    key, items = pages[1]
    for value in (1, 2, 3):
        answers = answers_for(items, value=value)

        def save(s, key=key, answers=answers):
            return survey.save_page(
                session=s, person=rep, wave_id=wave.id, page_key=key, answers=answers
            )

        results = race(engine, save)
        assert not [r for r in results if isinstance(r, BaseException)], results
    view = survey.survey_for(session=session, person=rep, wave_id=wave.id)
    assert {i.code: view.answers[i.code] for i in items} == answers_for(items, value=3)
    count = session.exec(
        select(func.count()).select_from(Answer).where(Answer.response_id == view.response.id)
    ).one()
    assert count == len(answers_for(pages[0][1])) + len(answers_for(items))


def test_a_final_submission_racing_itself_submits_once(engine, session, wave_and_reps):
    instrument, wave, reps = wave_and_reps
    for rep in reps[:4]:
        for key, items in instrument.pages():
            survey.save_page(
                session=session,
                person=rep,
                wave_id=wave.id,
                page_key=key,
                answers=answers_for(items),
                seconds=60,
            )

        def submit(s, rep=rep):
            return survey.submit_response(session=s, person=rep, wave_id=wave.id)

        results = race(engine, submit)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, f"a double submission failed: {failures!r}"
        assert results[0].id == results[1].id
        assert results[0].submitted_at == results[1].submitted_at
        events = session.exec(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "survey.submit", AuditLog.actor_id == rep.id)
        ).one()
        assert events == 1, "one submission, one audit event"
        stored = session.exec(
            select(SurveyResponse).where(SurveyResponse.person_id == rep.id)
        ).all()
        assert [r.status for r in stored] == ["submitted"]
