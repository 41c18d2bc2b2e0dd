"""The rep's survey: start or resume, save a page, submit once, and see past waves."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from models.tables import Instrument as InstrumentRow
from models.tables import Person, SurveyResponse, Wave, utcnow
from recommender.instrument import Instrument, Item
from recommender.quality import quality_flags
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem
from services.instruments import definition_of
from services.notifications import settle_survey_notice
from services.responses import answers_by_response, dialect_insert, store_page
from services.text import text_problems
from services.waves import is_answerable, is_in_audience, open_waves_for

ALREADY_SUBMITTED = "You have already submitted this survey; it can no longer be changed."


@dataclass
class SurveyView:
    """Everything a survey page needs: the wave, the instrument, and this rep's answers."""

    wave: Wave
    instrument: Instrument
    response: SurveyResponse | None
    person_id: int
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
        raise NotFound("No such survey page.", code="survey.page_not_found")

    def missing_on(self, page_key: str) -> list[Item]:
        return unanswered(self.items_on(page_key), self.answers)

    def first_incomplete_page(self) -> str | None:
        for key in self.page_keys:
            if self.missing_on(key):
                return key
        return None

    @property
    def submitted(self) -> bool:
        return self.response is not None and self.response.status == "submitted"

    @property
    def reopened(self) -> bool:
        """A flagged response the person reopened to review (``reopen_flagged_response``);
        the quality check runs on it again when it is resubmitted."""
        return (
            self.response is not None
            and self.response.status == "in_progress"
            and bool(self.response.flags)
        )

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


@functools.cache
def _survey_statement():
    """The wave, this person's response and its instrument's key, by ``wave_id`` and
    ``person_id``: built once per process (every page of the survey runs it)."""
    return (
        sa_select(
            Wave,
            SurveyResponse,
            InstrumentRow.id,
            InstrumentRow.version,
            InstrumentRow.fingerprint,
        )
        .outerjoin(
            SurveyResponse,
            and_(
                SurveyResponse.wave_id == Wave.id,
                SurveyResponse.person_id == bindparam("person_id"),
            ),
        )
        .join(
            InstrumentRow,
            InstrumentRow.id == func.coalesce(SurveyResponse.instrument_id, Wave.instrument_id),
        )
        .where(Wave.id == bindparam("wave_id"))
        .execution_options(populate_existing=True)
    )


def survey_for(
    *, session: Session, person: Person, wave_id: int, with_answers: bool = True
) -> SurveyView:
    """The survey of one wave as this person sees it; other people's waves do not exist.

    One query finds the wave, this person's response and the key of its instrument version
    (parsed once per process); one more reads the answers unless ``with_answers`` is False.
    """
    try:
        wave_id = int(wave_id)
    except (TypeError, ValueError):
        raise NotFound("No such survey.", code="survey.not_found") from None
    params = {"wave_id": wave_id, "person_id": person.id}
    found = session.execute(_survey_statement(), params).first()
    if found is None:
        raise NotFound("No such survey.", code="survey.not_found")
    wave, response, instrument_id, version, fingerprint = found
    if response is None and not is_in_audience(session, wave, person):
        raise NotFound("No such survey.", code="survey.not_found")
    instrument = definition_of(session, instrument_id, version, fingerprint)
    answers = {}
    if response is not None and with_answers:
        answers = answers_by_response(session, instrument, [response.id])[response.id]
    return SurveyView(
        wave=wave, instrument=instrument, response=response, person_id=person.id, answers=answers
    )


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
                problems.append(
                    Problem(
                        item.code,
                        "answer.choose_value",
                        f"choose a value from {item.min} to {item.max}",
                        {"min": item.min, "max": item.max},
                    )
                )
        elif item.type == "ranking":
            codes = list(value) if isinstance(value, list | tuple) else []
            allowed = {o.code for o in item.options}
            if len(set(codes)) != len(codes) or not set(codes) <= allowed:
                problems.append(
                    Problem(item.code, "answer.rank_each_once", "give each option its own place")
                )
        elif item.type == "best_worst":
            pair = list(value) if isinstance(value, list | tuple) else []
            allowed = {o.code for o in item.options}
            if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= allowed:
                problems.append(
                    Problem(
                        item.code,
                        "answer.best_not_worst",
                        "choose one option you want most and a different one you want least",
                    )
                )
        elif item.type == "text" and text_problems(item.code, value):
            problems.extend(text_problems(item.code, value))
        elif item.type == "text" and len(str(value)) > 2000:
            problems.append(
                Problem(
                    item.code,
                    "answer.text_too_long",
                    "keep it under 2000 characters",
                    {"limit": 2000},
                )
            )
    return problems


def save_page(
    *,
    session: Session,
    person: Person,
    wave_id: int,
    page_key: str,
    answers: Mapping[str, object],
    seconds: float | None = None,
    view: SurveyView | None = None,
    moving_on: bool = False,
) -> SurveyResponse:
    """Store one page's answers on the person's response, creating it on the first save.

    Idempotent: the same page posted twice at once (a double click) succeeds twice and
    stores its answers once. ``view`` is this person's survey as :func:`survey_for` gave
    it earlier in the same request, so it is not read again.

    A value the page does not offer refuses the whole page, unsaved. Leaving the page or
    going back keeps a partial page; ``moving_on`` (the rep asked for the next page) needs
    every required question answered, but what was answered is saved all the same before
    :class:`InvalidInput` (``survey.page_incomplete``, one problem per unanswered question)
    says what is left: bad input gets a clear error and loses nothing.
    """
    if view is None or view.person_id != person.id or view.wave.id != wave_id:
        view = survey_for(session=session, person=person, wave_id=wave_id, with_answers=False)
    if view.submitted:
        raise InvalidInput(ALREADY_SUBMITTED, code="survey.already_submitted")
    if not is_answerable(view.wave):
        raise InvalidInput(
            "This survey wave is closed; answers can no longer be changed.", code="survey.closed"
        )
    items = view.items_on(page_key)
    problems = validate_answers(view.instrument, items, answers)
    if problems:
        raise InvalidInput("Some answers could not be saved.", problems, code="survey.not_saved")
    response = view.response
    response_id = response.id if response is not None else _create_response(session, view, person)
    # Time on the page adds up over visits; two posts racing each other count it once.
    timings = dict(response.page_seconds or {}) if response is not None else {}
    if seconds is not None and seconds >= 0:
        timings[page_key] = round(float(timings.get(page_key, 0.0)) + float(seconds), 1)
    now = utcnow()
    stored = store_page(
        session,
        response_id,
        view.instrument,
        answers,
        codes=[item.code for item in items],
        updated_at=now,
        page_seconds=timings,
    )
    if not stored:
        session.rollback()
        raise InvalidInput(ALREADY_SUBMITTED, code="survey.already_submitted")
    session.commit()
    if response is None:
        response = session.get(SurveyResponse, response_id)
    else:
        set_committed_value(response, "updated_at", now)
        set_committed_value(response, "page_seconds", timings)
    missing = unanswered(items, answers) if moving_on else []
    if missing:
        raise InvalidInput(
            "Your answers so far are saved; some questions on this page still need an answer.",
            [Problem(item.code, "answer.required", "choose an answer") for item in missing],
            code="survey.page_incomplete",
        )
    return response


def unanswered(items: tuple[Item, ...], answers: Mapping[str, object]) -> list[Item]:
    """The required questions among ``items`` that ``answers`` leaves without an answer."""
    return [item for item in items if item.required and answers.get(item.code) in (None, "", [])]


def _create_response(session: Session, view: SurveyView, person: Person) -> int:
    """The id of this person's response in the wave, inserting it unless it exists."""
    table = SurveyResponse.__table__
    # The model's own defaults, so a column added to it later is filled here too.
    new = SurveyResponse(
        wave_id=view.wave.id, person_id=person.id, instrument_id=view.wave.instrument_id
    )
    values = {c.name: getattr(new, c.name) for c in table.columns if c.name != "id"}
    inserted = session.execute(
        dialect_insert(session)(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=[table.c.wave_id, table.c.person_id])
        .returning(table.c.id)
    ).scalar()
    if inserted is not None:
        return inserted
    # A second tab or a double click created it first (and has committed: the insert
    # waited for it); use that one.
    return session.execute(
        sa_select(table.c.id).where(table.c.wave_id == view.wave.id, table.c.person_id == person.id)
    ).scalar_one()


def submit_response(*, session: Session, person: Person, wave_id: int) -> SurveyResponse:
    """Submit once; a second submission, even one racing the first, returns the first."""
    view = survey_for(session=session, person=person, wave_id=wave_id)
    if view.submitted:
        return view.response
    if view.response is None:
        raise InvalidInput("Answer the survey before submitting it.", code="survey.empty")
    if not is_answerable(view.wave):
        raise InvalidInput(
            "This survey wave is closed; answers can no longer be submitted.",
            code="survey.closed_submit",
        )
    missing = [item.code for key in view.page_keys for item in view.missing_on(key)]
    if missing:
        raise InvalidInput(
            "Some questions are not answered yet.", missing, code="survey.incomplete"
        )
    response = view.response
    if not _claim_submission(session, response.id):
        # The same submission posted twice at once: the other one got here first.
        session.rollback()
        session.refresh(response)
        return response
    flags = quality_flags(view.instrument, [view.answers], [response.page_seconds or None])[0]
    response.flags = sorted(flags)
    response.status = "submitted"
    response.submitted_at = response.updated_at = utcnow()
    session.add(response)
    record_event(session, actor=person, action="survey.submit", target=view.wave.name)
    settle_survey_notice(session, person_id=person.id, wave_id=view.wave.id)
    session.commit()
    return response


def _claim_submission(session: Session, response_id: int) -> bool:
    """Mark the response submitted unless it already is; True for the one caller that did."""
    table = SurveyResponse.__table__
    claimed = session.execute(
        update(table)
        .where(table.c.id == response_id, table.c.status == "in_progress")
        .values(status="submitted")
    )
    return claimed.rowcount == 1


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
