"""What a rep sees about themself: scale scores beside their team, and how they moved."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from models.tables import Person, SurveyResponse, Wave
from services.instruments import DEFAULT_INSTRUMENT, definition, latest_row
from services.scores import latest_responses, score_stored


@dataclass(frozen=True)
class ScoreRow:
    construct: str
    label: dict[str, str]
    group: str
    own: float | None
    team_median: float | None


def _labels(session: Session) -> dict[str, tuple[dict[str, str], str]]:
    row = latest_row(session, DEFAULT_INSTRUMENT)
    if row is None:
        return {}
    instrument = definition(row)
    return {c.key: (dict(c.label), c.group) for c in instrument.constructs}


def _value(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 2)


def my_scores(*, session: Session, person: Person, min_group_size: int = 5) -> list[ScoreRow]:
    """The rep's latest scale scores; the team median only when enough teammates answered."""
    mine = latest_responses(session, consenting_only=False, person_ids=[person.id])
    if not mine:
        return []
    own = score_stored(session, mine)
    medians = np.full(len(own.scores.constructs), np.nan)
    if person.team_id is not None:
        team_ids = list(
            session.exec(
                select(Person.id).where(Person.team_id == person.team_id, Person.active.is_(True))
            )
        )
        team = latest_responses(session, consenting_only=False, person_ids=team_ids)
        if len(team) >= min_group_size:
            scored = score_stored(session, team)
            usable = scored.scores.values[~scored.flagged]
            if usable.shape[0] >= min_group_size:
                medians = np.nanmedian(usable, axis=0)
    labels = _labels(session)
    rows = []
    for j, key in enumerate(own.scores.constructs):
        label, group = labels.get(key, ({"en": key}, ""))
        rows.append(
            ScoreRow(key, label, group, _value(own.scores.values[0, j]), _value(medians[j]))
        )
    return rows


@dataclass(frozen=True)
class WaveScores:
    wave: Wave
    scores: dict[str, float | None]


def score_history(*, session: Session, person: Person) -> tuple[list[str], list[WaveScores]]:
    """The rep's scale scores in every wave they submitted, oldest first."""
    responses = list(
        session.exec(
            select(SurveyResponse)
            .where(SurveyResponse.person_id == person.id, SurveyResponse.status == "submitted")
            .order_by(SurveyResponse.submitted_at)
        )
    )
    if not responses:
        return [], []
    scored = score_stored(session, responses)
    constructs = list(scored.scores.constructs)
    history = []
    for i, response in enumerate(responses):
        wave = session.get(Wave, response.wave_id)
        values = {key: _value(scored.scores.values[i, j]) for j, key in enumerate(constructs)}
        history.append(WaveScores(wave, values))
    return constructs, history


def construct_labels(*, session: Session) -> dict[str, dict[str, str]]:
    return {key: label for key, (label, _group) in _labels(session).items()}
