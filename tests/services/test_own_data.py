"""A rep sees their own answers, in their language, and downloads their own data; the
functions take only the person signed in, so nobody reaches anyone else's."""

import json

import pytest
from sqlmodel import select

from models.tables import AuditLog
from services import survey
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.errors import NotFound
from services.feedback import rate_grant
from services.grants import give_reward
from services.instruments import ensure_default_instrument
from services.own_data import my_answers, my_data, my_responses
from services.waves import open_wave
from tests.services.test_survey import answers_for

FREE_TEXT = "A quiet afternoon off after a big deal"


@pytest.fixture
def answered(session, factory):
    ensure_default_instrument(session=session)
    team = factory.team("Bergen")
    boss = factory.person("manager", team=team, name="Mona Manager")
    rep = factory.person(team=team, manager=boss, name="Rita Rep")
    other = factory.person(team=team, manager=boss, name="Otto Other")
    wave = open_wave(session=session, actor=SYSTEM, name="Autumn 2026")
    for person, value, text in ((rep, 5, FREE_TEXT), (other, 2, "Otto's own words")):
        view = survey.survey_for(session=session, person=person, wave_id=wave.id)
        for key, items in view.pages:
            answers = answers_for(items, value)
            for item in items:
                if item.code == "txt_recognition":
                    answers[item.code] = text
            survey.save_page(
                session=session, person=person, wave_id=wave.id, page_key=key, answers=answers
            )
        survey.submit_response(session=session, person=person, wave_id=wave.id)
    return {"rep": rep, "other": other, "boss": boss, "wave": wave}


def test_the_rep_sees_every_item_with_its_wording_and_their_answer(session, answered):
    [own] = my_responses(session=session, person=answered["rep"], locale="en")
    assert own.wave.name == "Autumn 2026" and own.response.status == "submitted"
    by_code = {a.code: a for a in own.answers}
    text = by_code["txt_recognition"]
    assert text.question == "What recognition would mean most to you?"
    assert text.answer == FREE_TEXT
    likert = next(a for a in own.answers if a.type == "likert")
    assert likert.value == 5 and likert.answer == "5 – Strongly agree"
    ranking = by_code["rank_categories"]
    assert ranking.answer.startswith("Recognition and thanks > ")
    assert own.answered == sum(1 for a in own.answers if a.value not in (None, "", []))

    norsk = my_answers(
        session=session, person=answered["rep"], response_id=own.response.id, locale="nb"
    )
    by_code = {a.code: a for a in norsk.answers}
    assert by_code["txt_recognition"].question == "Hvilken anerkjennelse ville betydd mest for deg?"
    assert next(a for a in norsk.answers if a.type == "likert").answer == "5 – Helt enig"
    assert by_code["rank_categories"].answer.startswith("Anerkjennelse og takk > ")


def test_nobody_reaches_another_persons_response(session, answered):
    [own] = my_responses(session=session, person=answered["rep"])
    for intruder in (answered["other"], answered["boss"]):
        with pytest.raises(NotFound):
            my_answers(session=session, person=intruder, response_id=own.response.id)
    with pytest.raises(NotFound):
        my_answers(session=session, person=answered["rep"], response_id="1 OR 1=1")
    assert my_responses(session=session, person=answered["boss"]) == []


def test_own_data_download_holds_profile_answers_rewards_ratings_and_settings(session, answered):
    rep, boss = answered["rep"], answered["boss"]
    ensure_seed_catalogue(session=session)
    grant = give_reward(
        session=session,
        manager=boss,
        person=rep,
        reward_slug="team-meeting-shout-out",
        note="Well done",
    )
    rate_grant(session=session, person=rep, grant_id=grant.id, rating=4, comment="Lovely")
    data = my_data(session=session, person=rep, locale="en")
    json.dumps(data)  # plain JSON all the way down
    assert data["format"] == "motivo-own-data/1"
    assert data["profile"]["name"] == "Rita Rep" and data["profile"]["manager"] == "Mona Manager"
    assert data["settings"] == {"personalise": True, "language": None}
    [response] = data["responses"]
    answers = {a["item"]: a for a in response["answers"]}
    assert answers["txt_recognition"]["value"] == FREE_TEXT
    assert response["wave"] == "Autumn 2026"
    [reward] = data["rewards_received"]
    assert reward["reward"] == "team-meeting-shout-out" and reward["note"] == "Well done"
    assert reward["given_by"] == "Mona Manager"
    [rating] = data["ratings"]
    assert (rating["rating"], rating["comment"]) == (4, "Lovely")
    text = json.dumps(data)
    assert "Otto" not in text and "Otto's own words" not in text
    audit = session.exec(select(AuditLog).where(AuditLog.action == "me.export")).one()
    assert audit.actor_id == rep.id
    assert FREE_TEXT not in json.dumps(audit.details)
