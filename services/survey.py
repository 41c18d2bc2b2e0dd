"""The rep's survey: start or resume, save a page, submit once, and see past waves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.tables import Instrument as InstrumentRow
from models.tables import Person, SurveyResponse, Wave, utcnow
from recommender.instrument import Instrument, Item
from recommender.quality import quality_flags
from services.audit import record_event
from services.errors import InvalidInput, NotFound
from services.instruments import definition
from services.responses import answers_by_response, replace_answers
from services.waves import find_wave, is_answerable, is_in_audience, open_waves_for


@dataclass
class SurveyView:
    """Everything a survey page needs: the wave, the instrument, and this rep's answers."""

    wave: Wave
    instrument: Instrument
    response: SurveyResponse | None
    answers: dict[str, object] = field(default_factory=dict)

    @property
    def pages(self) -> list[tuple[str, tuple[Item, ...]]]:
        return self.instrument.pages()

    @property
    def page_keys(self) -> list[str]:
        return [key for key, _ in self.pages]

    def items_on(self, page_key: str) -> tuple[Item, ...]:
        for key, items in self.pages:
            if key == page_key:
                return items
        raise NotFound("No such survey page.")

    def missing_on(self, page_key: str) -> list[Item]:
        return [
            i
            for i in self.items_on(page_key)
            if i.required and self.answers.get(i.code) in (None, "", [])
        ]

    def first_incomplete_page(self) -> str | None:
        for key in self.page_keys:
            if self.missing_on(key):
                return key
        return None

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.status == "submitted"

    @property
    def editable(self) -> bool:
        return not self.submitted and is_answerable(self.wave)

    @property
    def answered_count(self) -> int:
        return sum(
            1 for i in self.instrument.items if self.answers.get(i.code) not in (None, "", [])
        )


def _response(session: Session, wave: Wave, person: Person) -> SurveyResponse | None:
    return session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == wave.id, SurveyResponse.person_id == person.id
        )
    ).first()


def survey_for(*, session: Session, person: Person, wave_id: int) -> SurveyView:
    """The survey of one wave as this person sees it; other people's waves do not exist."""
    try:
        wave = find_wave(session, wave_id)
    except NotFound:
        raise NotFound("No such survey.") from None
    response = _response(session, wave, person)
    if response is None and not is_in_audience(session, wave, person):
        raise NotFound("No such survey.")
    row = session.get(InstrumentRow, response.instrument_id if response else wave.instrument_id)
    instrument = definition(row)
    answers = {}
    if response is not None:
        answers = answers_by_response(session, instrument, [response.id])[response.id]
    return SurveyView(wave=wave, instrument=instrument, response=response, answers=answers)


def validate_answers(
    instrument: Instrument, items: tuple[Item, ...], answers: Mapping[str, object]
) -> list[str]:
    """Server-side check of one page's values (the form checks too; this one is authoritative)."""
    problems = []
    for item in items:
        value = answers.get(item.code)
        if value in (None, "", []):
            continue
        if item.type in ("likert", "attention"):
            if not isinstance(value, int) or not item.min <= value <= item.max:
                problems.append(f"{item.code}: choose a value from {item.min} to {item.max}")
        elif item.type == "ranking":
            codes = list(value) if isinstance(value, list | tuple) else []
            allowed = {o.code for o in item.options}
            if len(set(codes)) != len(codes) or not set(codes) <= allowed:
                problems.append(f"{item.code}: give each option its own place")
        elif item.type == "text" and len(str(value)) > 2000:
            problems.append(f"{item.code}: keep it under 2000 characters")
    return problems


def save_page(
    *,
    session: Session,
    person: Person,
    wave_id: int,
    page_key: str,
    answers: Mapping[str, object],
    seconds: float | None = None,
) -> SurveyView:
    """Store one page's answers on the person's response, creating it on the first save."""
    view = survey_for(session=session, person=person, wave_id=wave_id)
    if view.submitted:
        raise InvalidInput("You have already submitted this survey; it can no longer be changed.")
    if not is_answerable(view.wave):
        raise InvalidInput("This survey wave is closed; answers can no longer be changed.")
    items = view.items_on(page_key)
    problems = validate_answers(view.instrument, items, answers)
    if problems:
        raise InvalidInput("Some answers could not be saved.", problems)
    response = view.response
    if response is None:
        response = SurveyResponse(
            wave_id=view.wave.id, person_id=person.id, instrument_id=view.wave.instrument_id
        )
        session.add(response)
        try:
            session.flush()
        except IntegrityError:
            # A second tab or a double click created it first; use that one.
            session.rollback()
            return save_page(
                session=session,
                person=person,
                wave_id=wave_id,
                page_key=page_key,
                answers=answers,
                seconds=seconds,
            )
    replace_answers(
        session, response.id, view.instrument, answers, codes=[item.code for item in items]
    )
    if seconds is not None and seconds >= 0:
        timings = dict(response.page_seconds or {})
        timings[page_key] = round(float(timings.get(page_key, 0.0)) + float(seconds), 1)
        response.page_seconds = timings
    response.updated_at = utcnow()
    session.add(response)
    session.commit()
    return survey_for(session=session, person=person, wave_id=wave_id)


def submit_response(*, session: Session, person: Person, wave_id: int) -> SurveyResponse:
    """Submit once; a second submission returns the first instead of creating another."""
    view = survey_for(session=session, person=person, wave_id=wave_id)
    if view.submitted:
        return view.response
    if view.response is None:
        raise InvalidInput("Answer the survey before submitting it.")
    if not is_answerable(view.wave):
        raise InvalidInput("This survey wave is closed; answers can no longer be submitted.")
    missing = [item.code for key in view.page_keys for item in view.missing_on(key)]
    if missing:
        raise InvalidInput("Some questions are not answered yet.", missing)
    response = view.response
    flags = quality_flags(view.instrument, [view.answers], [response.page_seconds or None])[0]
    response.flags = sorted(flags)
    response.status = "submitted"
    response.submitted_at = response.updated_at = utcnow()
    session.add(response)
    record_event(session, actor=person, action="survey.submit", target=view.wave.name)
    session.commit()
    return response


@dataclass(frozen=True)
class WaveStatus:
    wave: Wave
    status: str  # not_started | in_progress | submitted | missed
    response: SurveyResponse | None


def survey_status(*, session: Session, person: Person) -> list[WaveStatus]:
    """Open waves for this person and every wave they took part in, newest first."""
    seen: dict[int, WaveStatus] = {}
    for wave in open_waves_for(session=session, person=person):
        response = _response(session, wave, person)
        status = response.status if response else "not_started"
        seen[wave.id] = WaveStatus(wave, status, response)
    own = session.exec(select(SurveyResponse).where(SurveyResponse.person_id == person.id))
    for response in own:
        if response.wave_id in seen:
            continue
        wave = session.get(Wave, response.wave_id)
        status = response.status if response.status == "submitted" else "missed"
        seen[wave.id] = WaveStatus(wave, status, response)
    return sorted(seen.values(), key=lambda s: (s.wave.opens_on, s.wave.id), reverse=True)
