"""Scale scores of stored responses, across instrument versions (compared by construct)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Select
from sqlmodel import Session, select

from models.tables import Person, SurveyResponse
from recommender.instrument import Instrument
from recommender.scoring import ScaleScores, score_responses, scored_item_codes
from services.instruments import DEFAULT_INSTRUMENT, definitions_of, latest_definition
from services.responses import answers_by_response


def same_measure(before: Instrument, after: Instrument) -> frozenset[str]:
    """The constructs two instrument versions measure the same way, so their scores compare.

    The one rule for every figure that sets a score of one version beside one of another
    (a rep's history and team median, the change since the previous wave on HR's pages,
    exports and drift): a construct counts only if both versions score it from the same
    items in the same format (``Instrument.construct_measures``: codes, agree/disagree,
    bipolar or best-worst, keying, wording). Other items, or the same idea asked another
    way, give a score on the same 1-5 metric but not the same measure; a difference
    between them would be the survey's, not the people's, so it is never shown as a change.
    """
    a, b = before.construct_measures(), after.construct_measures()
    return frozenset(key for key, parts in a.items() if b.get(key) == parts)


@dataclass(frozen=True)
class ScoredResponses:
    """One row per response: who, which response, its scores and whether it is flagged."""

    person_ids: list[int]
    response_ids: list[int]
    scores: ScaleScores
    flagged: np.ndarray

    def take(self, rows: Sequence[int]) -> ScoredResponses:
        """These rows only, in the order given."""
        index = np.asarray(rows, dtype=np.int64)
        scores = self.scores
        return ScoredResponses(
            person_ids=[self.person_ids[i] for i in index.tolist()],
            response_ids=[self.response_ids[i] for i in index.tolist()],
            scores=ScaleScores(
                constructs=scores.constructs,
                values=scores.values[index],
                ranking=scores.ranking,
                rank_values=scores.rank_values[index],
            ),
            flagged=self.flagged[index],
        )


def score_stored(
    session: Session, responses: Sequence[SurveyResponse], *, instrument_name: str | None = None
) -> ScoredResponses:
    """Score responses with their own instrument version, aligned to the newest version's
    constructs, so answers to older versions still count construct by construct."""
    target = latest_definition(session, instrument_name or DEFAULT_INSTRUMENT)
    groups: dict[int, list[int]] = defaultdict(list)  # instrument id -> positions
    for position, response in enumerate(responses):
        groups[response.instrument_id].append(position)
    instruments = definitions_of(session, groups)
    scored: list[tuple[ScaleScores, list[int]]] = []
    for instrument_id, positions in groups.items():
        instrument = instruments[instrument_id]  # a response's version is always stored
        ids = [responses[i].id for i in positions]
        # Only the items scoring reads: text answers and attention checks stay unread.
        codes = scored_item_codes(instrument)
        answers = answers_by_response(session, instrument, ids, codes=codes)
        scored.append((score_responses(instrument, [answers[i] for i in ids]), positions))

    if target is None and scored:
        first = scored[0][0]
        constructs, ranking = first.constructs, first.ranking
    elif target is not None:
        probe = score_responses(target, [])
        constructs, ranking = probe.constructs, probe.ranking
    else:
        constructs, ranking = (), ()
    values = np.full((len(responses), len(constructs)), np.nan)
    rank_values = np.full((len(responses), len(ranking)), np.nan)
    # Each version's columns land in the newest version's columns of the same construct.
    for result, positions in scored:
        rows = np.asarray(positions, dtype=np.intp)
        for j, key in enumerate(constructs):
            if key in result.constructs:
                values[rows, j] = result.values[:, result.constructs.index(key)]
        for j, key in enumerate(ranking):
            if key in result.ranking:
                rank_values[rows, j] = result.rank_values[:, result.ranking.index(key)]
    return ScoredResponses(
        person_ids=[r.person_id for r in responses],
        response_ids=[r.id for r in responses],
        scores=ScaleScores(
            constructs=tuple(constructs),
            values=values,
            ranking=tuple(ranking),
            rank_values=rank_values,
        ),
        flagged=np.asarray([bool(r.flags) for r in responses], dtype=bool),
    )


def latest_responses(
    session: Session, *, consenting_only: bool = True, person_ids: Sequence[int] | None = None
) -> list[SurveyResponse]:
    """Each active person's most recent submitted response."""
    return _latest(
        session, select(SurveyResponse), consenting_only=consenting_only, person_ids=person_ids
    )


def latest_response_keys(
    session: Session, *, consenting_only: bool = True, person_ids: Sequence[int] | None = None
) -> list:
    """Like :func:`latest_responses`, as plain rows of what scoring reads (``id``,
    ``person_id``, ``instrument_id``, ``flags``): training reads 20,000 of them, and whole
    ORM objects cost it seconds (and a page that serves suggestions milliseconds)."""
    table = SurveyResponse.__table__
    columns = (table.c.id, table.c.person_id, table.c.instrument_id, table.c.flags)
    return _latest(
        session,
        select(*columns),
        consenting_only=consenting_only,
        person_ids=person_ids,
        plain=True,
    )


def _latest(
    session: Session,
    stmt: Select,
    *,
    consenting_only: bool,
    person_ids: Sequence[int] | None = None,
    plain: bool = False,
) -> list:
    stmt = (
        stmt.join(Person, Person.id == SurveyResponse.person_id)
        .where(SurveyResponse.status == "submitted", Person.active.is_(True))
        .order_by(SurveyResponse.person_id, SurveyResponse.submitted_at, SurveyResponse.id)
    )
    if consenting_only:
        stmt = stmt.where(Person.personalise.is_(True))
    if person_ids is not None:
        stmt = stmt.where(SurveyResponse.person_id.in_(list(person_ids)))
    latest: dict[int, object] = {}
    found = session.connection().execute(stmt) if plain else session.exec(stmt)
    for response in found:
        latest[response.person_id] = response  # ordered, so the last one wins
    return list(latest.values())
