"""A rep's own answers and own data: only ever for the person themself.

The survey notice promises "You see all your answers": :func:`my_responses` lists the
person's responses and :func:`my_answers` shows one of them, each item in the reader's
language with the chosen answer. :func:`my_data` is everything Motivo keeps about the
person that they gave or received (profile, responses, rewards, ratings, settings), as one
JSON-ready dict for download. There is no parameter naming somebody else: every function
takes only ``person``, the one signed in, so no role can reach another person's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from models.tables import (
    Achievement,
    Grant,
    Person,
    Rating,
    Reward,
    SurveyResponse,
    Team,
    Wave,
)
from models.tables import Instrument as InstrumentRow
from recommender.instrument import Instrument, Item
from services.audit import record_event
from services.errors import NotFound
from services.instruments import definition
from services.responses import answers_by_response

EXPORT_FORMAT = "motivo-own-data/1"


def _text(texts: dict[str, str] | None, locale: str) -> str:
    texts = texts or {}
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class OwnAnswer:
    """One item as the person answered it; ``answer`` is readable, ``value`` as stored."""

    code: str
    type: str
    question: str
    answer: str
    value: object


@dataclass(frozen=True)
class OwnResponse:
    response: SurveyResponse
    wave: Wave
    instrument: Instrument
    answers: list[OwnAnswer]

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers if a.value not in (None, "", []))


def readable_answer(instrument: Instrument, item: Item, value: object, locale: str) -> str:
    """The answer as the person saw it: the scale label, the options in their order, the text."""
    if value in (None, "", []):
        return ""
    if item.type == "ranking":
        names = {o.code: _text(o.text, locale) for o in item.options}
        return " > ".join(names.get(code, code) for code in value)
    if item.type == "best_worst" and len(value) == 2:
        names = {o.code: _text(o.text, locale) for o in item.options}
        best, worst = (names.get(code, code) for code in value)
        # Arrows rather than words: the service does not translate, and "▲ most, ▼ least"
        # reads the same in every language the survey has.
        return f"▲ {best} · ▼ {worst}"
    if item.type == "text":
        return str(value)
    if item.poles:
        # A bipolar item names only its two ends; the agreement labels do not apply.
        ends = item.poles.get(locale) or item.poles.get("en") or next(iter(item.poles.values()))
        named = {item.min: ends[0], item.max: ends[1]}
        if int(value) in named:
            return f"{int(value)} – {named[int(value)]}"
        # A point between the ends is read against both (in figures and the item's own
        # words, as the service does not translate).
        return f"{int(value)} ({item.min} = {ends[0]}, {item.max} = {ends[1]})"
    labels = instrument.scale_labels.get(locale) or instrument.scale_labels.get("en") or []
    index = int(value) - instrument.scale_min
    if 0 <= index < len(labels):
        return f"{int(value)} – {labels[index]}"
    return str(value)


def _own_responses(session: Session, person: Person) -> list[tuple[SurveyResponse, Wave]]:
    return list(
        session.exec(
            select(SurveyResponse, Wave)
            .join(Wave, Wave.id == SurveyResponse.wave_id)
            .where(SurveyResponse.person_id == person.id)
            .order_by(Wave.opens_on.desc(), Wave.id.desc())
        ).all()
    )


def _build(
    session: Session, pairs: list[tuple[SurveyResponse, Wave]], locale: str
) -> list[OwnResponse]:
    out = []
    for response, wave in pairs:
        row = session.get(InstrumentRow, response.instrument_id)
        instrument = definition(row)
        values = answers_by_response(session, instrument, [response.id])[response.id]
        answers = [
            OwnAnswer(
                code=item.code,
                type=item.type,
                question=_text(item.text, locale),
                answer=readable_answer(instrument, item, values.get(item.code), locale),
                value=values.get(item.code),
            )
            for item in instrument.items
        ]
        out.append(
            OwnResponse(response=response, wave=wave, instrument=instrument, answers=answers)
        )
    return out


def my_responses(*, session: Session, person: Person, locale: str = "en") -> list[OwnResponse]:
    """The person's own responses, newest wave first, each with every item and answer."""
    return _build(session, _own_responses(session, person), locale)


def my_answers(
    *, session: Session, person: Person, response_id: int, locale: str = "en"
) -> OwnResponse:
    """One of the person's own responses; anyone else's does not exist (NotFound)."""
    try:
        response_id = int(response_id)
    except (TypeError, ValueError):
        raise NotFound("No such response.", code="response.not_found") from None
    pairs = [(r, w) for r, w in _own_responses(session, person) if r.id == response_id]
    if not pairs:
        raise NotFound("No such response.", code="response.not_found")
    return _build(session, pairs, locale)[0]


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def my_data(*, session: Session, person: Person, locale: str = "en") -> dict:
    """Everything about the person that they gave or received, for download; audited."""
    team = session.get(Team, person.team_id) if person.team_id else None
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    responses = []
    for own in my_responses(session=session, person=person, locale=locale):
        r = own.response
        responses.append(
            {
                "wave": own.wave.name,
                "status": r.status,
                "started_at": _iso(r.started_at),
                "submitted_at": _iso(r.submitted_at),
                "instrument": own.instrument.name,
                "instrument_version": own.instrument.version,
                "answers": [
                    {
                        "item": a.code,
                        "question": a.question,
                        "value": a.value,
                        "answer": a.answer,
                    }
                    for a in own.answers
                    if a.value not in (None, "", [])
                ],
            }
        )
    rewards = {r.id: r for r in session.exec(select(Reward))}
    givers = {}
    grants = []
    for grant in session.exec(
        select(Grant).where(Grant.person_id == person.id).order_by(Grant.given_on, Grant.id)
    ):
        if grant.given_by_id and grant.given_by_id not in givers:
            giver = session.get(Person, grant.given_by_id)
            givers[grant.given_by_id] = giver.name if giver else ""
        reward = rewards.get(grant.reward_id)
        grants.append(
            {
                "id": grant.id,
                "reward": reward.slug if reward else None,
                "reward_name": _text(reward.name, locale) if reward else None,
                "given_on": _iso(grant.given_on),
                "given_by": givers.get(grant.given_by_id),
                "occasion": grant.occasion,
                "note": grant.note,
                "status": grant.status,
            }
        )
    ratings = [
        {
            "reward": rewards[r.reward_id].slug if r.reward_id in rewards else None,
            "grant_id": r.grant_id,
            "rating": r.rating,
            "not_for_me": bool(r.dismissed),
            "comment": r.comment,
            "updated_at": _iso(r.updated_at),
        }
        for r in session.exec(
            select(Rating).where(Rating.person_id == person.id).order_by(Rating.id)
        )
    ]
    achievements = [
        {"title": a.title, "achieved_on": _iso(a.achieved_on), "grant_id": a.grant_id}
        for a in session.exec(
            select(Achievement)
            .where(Achievement.person_id == person.id)
            .order_by(Achievement.achieved_on, Achievement.id)
        )
    ]
    record_event(
        session,
        actor=person,
        action="me.export",
        target=person.external_id,
        details={"responses": len(responses), "grants": len(grants), "ratings": len(ratings)},
    )
    session.commit()
    return {
        "format": EXPORT_FORMAT,
        "profile": {
            "external_id": person.external_id,
            "name": person.name,
            "email": person.email,
            "team": team.name if team else None,
            "manager": manager.name if manager else None,
            "sales_role": person.sales_role,
            "access": person.access,
            "created_at": _iso(person.created_at),
        },
        "settings": {
            "personalise": bool(person.personalise),
            "language": person.locale or None,
        },
        "responses": responses,
        "rewards_received": grants,
        "ratings": ratings,
        "achievements": achievements,
    }
