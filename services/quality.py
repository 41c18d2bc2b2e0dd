"""Quality flags as the flagged rep sees them: what was flagged, and a way to answer again.

A response with quality flags (``recommender.quality``) carries no survey signal: it is left
out of the profiles and the model treats it as empty. Rather than silently mix that into
"personal" suggestions, a rep whose latest response is flagged gets the clearly labelled
non-personal list (``why_not_personal == "flagged"``) and is told on their own page which
rules fired, and for a flag on time which pages were too fast. While the wave is open they
may reopen the response, review their answers and submit again; the flags are worked out
afresh on that submission, and a resubmission that is still flagged is told so. Managers
and HR only ever see counts of flagged responses, never whose they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.queries import chunks
from models.tables import AuditLog, Person, SurveyResponse, Wave, utcnow
from recommender.quality import (
    FLAGS,
    HARD,
    HARD_SECONDS_PER_ITEM,
    SOFT_SECONDS_PER_ITEM,
    fast_pages,
)
from services.audit import record_event
from services.errors import InvalidInput, NotFound
from services.instruments import definitions_of
from services.responses import answers_by_response
from services.scores import latest_response_keys, latest_responses
from services.waves import is_answerable


@dataclass(frozen=True)
class FlagNotice:
    """The rep's latest submitted response has quality flags."""

    wave: Wave
    flags: tuple[str, ...]  # in ``recommender.quality.FLAGS`` order
    can_revise: bool  # the wave is still open, so the response may be reopened
    # Per flag on time ("speeding", "rushed"): the keys of the pages answered that fast, in
    # the survey's order (empty where the response has no timings).
    pages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    resubmitted: bool = False  # the rep reopened this response and submitted it again

    @property
    def only_soft(self) -> bool:
        """Flagged by two or more soft indicators, none of which would flag alone."""
        return bool(self.flags) and not set(self.flags) & set(HARD)


def _ordered(flags: Iterable[str]) -> tuple[str, ...]:
    given = set(flags)
    return tuple(f for f in FLAGS if f in given) + tuple(sorted(given - set(FLAGS)))


def flagged_people(session: Session, person_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the active people whose latest submitted response has quality flags."""
    groups = [None] if person_ids is None else chunks(list(person_ids))
    found: set[int] = set()
    for chunk in groups:
        # Plain rows: pages that suggest for a whole team ask this on every view.
        responses = latest_response_keys(session, consenting_only=False, person_ids=chunk)
        found |= {r.person_id for r in responses if r.flags}
    return found


# The flags on time, with the pace (seconds per answered question) under which each fires.
_PACES = {"speeding": HARD_SECONDS_PER_ITEM, "rushed": SOFT_SECONDS_PER_ITEM}


def flag_notice(
    *, session: Session, person: Person, wave_id: int | None = None
) -> FlagNotice | None:
    """What the person's own page says about their latest response's flags, if any; with
    ``wave_id``, about their submitted response to that wave (the survey's done page).

    Only for the person themself: it names the pages they answered too fast.
    """
    if wave_id is None:
        latest = latest_responses(session, consenting_only=False, person_ids=[person.id])
        response = latest[0] if latest else None
    else:
        response = session.exec(
            select(SurveyResponse).where(
                SurveyResponse.wave_id == wave_id,
                SurveyResponse.person_id == person.id,
                SurveyResponse.status == "submitted",
            )
        ).first()
    if response is None or not response.flags:
        return None
    wave = session.get(Wave, response.wave_id)
    reopened = session.exec(
        select(AuditLog.id)
        .where(
            AuditLog.actor_id == person.id,
            AuditLog.action == "survey.reopen",
            AuditLog.target == wave.name,
        )
        .limit(1)
    ).first()
    return FlagNotice(
        wave=wave,
        flags=_ordered(response.flags),
        can_revise=is_answerable(wave),
        pages=_fast_pages(session, response),
        resubmitted=reopened is not None,
    )


def _fast_pages(session: Session, response: SurveyResponse) -> dict[str, tuple[str, ...]]:
    """Per flag on time the response carries: the pages answered that fast."""
    timed = [flag for flag in _PACES if flag in response.flags]
    if not timed or not response.page_seconds:
        return {}
    instrument = definitions_of(session, [response.instrument_id])[response.instrument_id]
    answers = answers_by_response(session, instrument, [response.id])[response.id]
    return {
        flag: fast_pages(instrument, answers, response.page_seconds, _PACES[flag]) for flag in timed
    }


def reopen_flagged_response(*, session: Session, person: Person, wave_id: int) -> SurveyResponse:
    """Let the person review and resubmit their flagged response to an open wave.

    The answers are kept for review; the response is back in progress until submitted,
    and the time spent reviewing a page adds to the time recorded for it.
    """
    response = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == wave_id, SurveyResponse.person_id == person.id
        )
    ).first()
    if response is None:
        raise NotFound("No such survey.", code="survey.not_found")
    if response.status != "submitted" or not response.flags:
        raise InvalidInput(
            "Only a submitted response with quality flags can be reopened.",
            code="survey.reopen_refused",
        )
    wave = session.get(Wave, wave_id)
    if not is_answerable(wave):
        raise InvalidInput(
            "This survey wave is closed; answers can no longer be changed.", code="survey.closed"
        )
    previous = list(_ordered(response.flags))
    # submitted_at stays: for everyone else it was answered (see ``status_for_others``).
    response.status = "in_progress"
    response.updated_at = utcnow()
    session.add(response)
    record_event(
        session, actor=person, action="survey.reopen", target=wave.name, details={"flags": previous}
    )
    session.commit()
    return response
