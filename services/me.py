"""What a rep sees about themself: scale scores beside their team, and how they moved.

The team median beside a rep's own scores comes from the team's last *closed* wave only:
the responses submitted in it by people who were in the team when they submitted (the
membership frozen on each response), flagged ones left out, at least the minimum group
size of them (and of people who answered each scale shown), and shown only if the disclosure ledger allows it with everything else
shown for that wave. An open wave never feeds it, so watching the figure while teammates
submit one by one reveals nobody's answers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from models.tables import Person, SurveyResponse, Wave
from recommender.instrument import Instrument
from services.disclosure import Candidate, release
from services.instruments import DEFAULT_INSTRUMENT, definition, latest_row
from services.organisation import min_group_size
from services.scores import latest_responses, same_measure, score_stored

TEAM_MEDIAN_KIND = "team_median"


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


def last_closed_team_wave(session: Session, team_id: int) -> Wave | None:
    """The most recently closed wave in which someone then in the team submitted."""
    return session.exec(
        select(Wave)
        .join(SurveyResponse, SurveyResponse.wave_id == Wave.id)
        .where(
            Wave.status == "closed",
            SurveyResponse.status == "submitted",
            SurveyResponse.team_id == team_id,
        )
        .order_by(Wave.closes_on.desc(), Wave.id.desc())
        .limit(1)
    ).first()


def team_medians(*, session: Session, person: Person) -> tuple[Wave | None, np.ndarray | None]:
    """The wave and per-construct medians of the rep's team, or None where none may be shown.

    See the module docstring for the rule; the release is recorded in the ledger.
    """
    if person.team_id is None:
        return None, None
    wave = last_closed_team_wave(session, person.team_id)
    if wave is None:
        return None, None
    responses = list(
        session.exec(
            select(SurveyResponse)
            .where(
                SurveyResponse.wave_id == wave.id,
                SurveyResponse.status == "submitted",
                SurveyResponse.team_id == person.team_id,
            )
            .order_by(SurveyResponse.id)
        )
    )
    scored = score_stored(session, responses)
    usable = ~scored.flagged
    members = [r.id for r, ok in zip(responses, usable, strict=True) if ok]
    k = min_group_size(session)
    if len(members) < k:
        return wave, None
    key = f"team:{person.team_id}"
    decision = release(
        session=session,
        wave=wave,
        kind=TEAM_MEDIAN_KIND,
        candidates=[Candidate(key, members)],
        min_size=k,
        actor=person,
        channel="page",
        filters={"team_id": person.team_id, "view": "my_scores"},
    )
    if not decision.shown(key):
        return wave, None
    values = scored.scores.values[usable]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a scale nobody answered: NaN
        medians = np.nanmedian(values, axis=0)
    # Each scale needs the minimum of people who answered it, not just of respondents: a
    # scale most left blank (an import with gaps, optional items) would be the median of
    # one or two people's scores.
    medians[np.count_nonzero(~np.isnan(values), axis=0) < k] = np.nan
    return wave, medians


def my_scores(*, session: Session, person: Person) -> list[ScoreRow]:
    """The rep's latest scale scores, beside their team's median from the last closed wave
    when at least the minimum group size answered in it (``team_medians``)."""
    mine = latest_responses(session, consenting_only=False, person_ids=[person.id])
    if not mine:
        return []
    own = score_stored(session, mine)
    medians = np.full(len(own.scores.constructs), np.nan)
    wave, team = team_medians(session=session, person=person)
    if team is not None and team.shape == medians.shape:
        medians = team.copy()
        # A best-worst score beside a median of agree/disagree scores (a team wave on an
        # older instrument version) would compare two different measures: leave it out.
        comparable = same_measure(
            _definition(session, wave.instrument_id), _definition(session, mine[0].instrument_id)
        )
        for j, key in enumerate(own.scores.constructs):
            if key not in comparable:
                medians[j] = np.nan
    labels = _labels(session)
    rows = []
    for j, key in enumerate(own.scores.constructs):
        label, group = labels.get(key, ({"en": key}, ""))
        rows.append(
            ScoreRow(key, label, group, _value(own.scores.values[0, j]), _value(medians[j]))
        )
    return rows


def _definition(session: Session, instrument_id: int) -> Instrument:
    from models.tables import Instrument as InstrumentRow

    return definition(session.get(InstrumentRow, instrument_id))


@dataclass(frozen=True)
class WaveScores:
    wave: Wave
    scores: dict[str, float | None]
    # Constructs this wave measured the way the newest wave does; only these show a change.
    comparable: frozenset[str] = frozenset()


def score_history(*, session: Session, person: Person) -> tuple[list[str], list[WaveScores]]:
    """The rep's scale scores in every wave they submitted, oldest first.

    Each wave shows its own scores: they are the rep's own answers, whatever the format.
    Which of them compare with the newest wave is kept beside them (``score_changes``).
    """
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
    newest = _definition(session, responses[-1].instrument_id)
    history = []
    for i, response in enumerate(responses):
        wave = session.get(Wave, response.wave_id)
        values = {key: _value(scored.scores.values[i, j]) for j, key in enumerate(constructs)}
        comparable = same_measure(_definition(session, response.instrument_id), newest)
        history.append(WaveScores(wave, values, frozenset(comparable)))
    return constructs, history


def measured_otherwise(history: list[WaveScores]) -> set[str]:
    """Scales with a score now and in an earlier wave, none of which asked them as the
    newest wave does: the ones whose change is left out because the format changed."""
    if len(history) < 2:
        return set()
    earlier = history[:-1]
    return {
        key
        for key, now in history[-1].scores.items()
        if now is not None
        and any(w.scores.get(key) is not None for w in earlier)
        and not any(key in w.comparable and w.scores.get(key) is not None for w in earlier)
    }


def score_changes(history: list[WaveScores]) -> dict[str, float | None]:
    """Each scale's change from the earliest wave that measured it as the newest does.

    None where no earlier wave did: a score measured another way (agree/disagree items then,
    best-worst choices now) differs in spread, so a "change" would be the format's, not
    the person's.
    """
    if len(history) < 2:
        return {}
    last = history[-1].scores
    changes: dict[str, float | None] = {}
    for key, now in last.items():
        before = next(
            (
                w.scores[key]
                for w in history[:-1]
                if key in w.comparable and w.scores.get(key) is not None
            ),
            None,
        )
        changes[key] = None if now is None or before is None else now - before
    return changes


def construct_labels(*, session: Session) -> dict[str, dict[str, str]]:
    return {key: label for key, (label, _group) in _labels(session).items()}
