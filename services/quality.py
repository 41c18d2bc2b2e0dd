"""Quality flags as the flagged rep sees them: what was flagged, and a way to answer again.

A response with quality flags (``recommender.quality``) carries no survey signal: it is left
out of the profiles and the model treats it as empty. Rather than silently mix that into
"personal" suggestions, a rep whose latest response is flagged gets the clearly labelled
non-personal list (``why_not_personal == "flagged"``) and is told on their own page which
rules fired. While the wave is open they may reopen the response, review their answers
and submit again; the flags are worked out afresh on that submission. Managers and HR
only ever see counts of flagged responses, never whose they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from models.queries import chunks
from models.tables import Person, SurveyResponse, Wave, utcnow
from recommender.quality import FLAGS, HARD
from services.audit import record_event
from services.errors import InvalidInput, NotFound
from services.scores import latest_response_keys, latest_responses
from services.waves import is_answerable


@dataclass(frozen=True)
class FlagNotice:
    """The rep's latest submitted response has quality flags."""

    wave: Wave
    flags: tuple[str, ...]  # in ``recommender.quality.FLAGS`` order
    can_revise: bool  # the wave is still open, so the response may be reopened

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


def flag_notice(*, session: Session, person: Person) -> FlagNotice | None:
    """What the person's own page says about their latest response's flags, if any."""
    latest = latest_responses(session, consenting_only=False, person_ids=[person.id])
    if not latest or not latest[0].flags:
        return None
    wave = session.get(Wave, latest[0].wave_id)
    return FlagNotice(wave=wave, flags=_ordered(latest[0].flags), can_revise=is_answerable(wave))


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
