"""Two waves on the same instrument version compare construct by construct: drift, the
heatmap's change and a rep's own history show every score's change. (Across versions whose
items differ nothing is compared: see test_summary_change.)"""

from __future__ import annotations

import pytest

from models.tables import Instrument as InstrumentRow
from recommender.focus import difference_ci
from services.access import SYSTEM
from services.analytics import drift
from services.instruments import definition
from services.me import measured_otherwise, score_changes, score_history
from services.scores import same_measure
from services.summaries import load_population, summary_with_change
from tests.services.insights_org import answer_again, small_organisation

LAYOUT = {"North": ["closer"] * 6, "South": ["sdr"] * 6}


@pytest.fixture
def two_waves(session):
    first, people = small_organisation(session, LAYOUT)
    second = answer_again(session, people)
    return first, second, people


def test_one_version_measures_every_construct_the_same_way(session, two_waves):
    first, second, _people = two_waves
    assert first.instrument_id == second.instrument_id
    instrument = definition(session.get(InstrumentRow, first.instrument_id))
    assert same_measure(instrument, instrument) == set(instrument.construct_measures())


def test_drift_and_the_heatmap_show_each_scores_change(session, two_waves):
    first, second, _people = two_waves
    data = drift(session=session, viewer=SYSTEM, min_size=5)
    before, after = load_population(session, first), load_population(session, second)
    diff, low, high = difference_ci(before.scores, after.scores)
    change = data["change"]["constructs"]
    assert set(change) == set(before.constructs)
    j = before.constructs.index("autonomy")
    assert change["autonomy"]["change"] == pytest.approx(round(diff[j], 2))
    assert change["autonomy"]["ci"] == pytest.approx([round(low[j], 2), round(high[j], 2)])
    heat = summary_with_change(session=session, viewer=SYSTEM, by="team", wave=second.name)
    assert heat["previous_wave"] == first.name
    shown = [g for g in heat["groups"] if g["change"] is not None]
    assert {g["key"] for g in shown} == {"North", "South"}
    for group in shown:
        assert all(value is not None for value in group["change"].values())


def test_a_reps_history_keeps_every_wave(session, two_waves):
    _first, _second, people = two_waves
    constructs, history = score_history(session=session, person=people[0])
    assert len(history) == 2
    assert all(history[0].scores[c] is not None for c in constructs)
    changes = score_changes(history)
    for c in constructs:
        assert changes[c] == pytest.approx(history[1].scores[c] - history[0].scores[c])
    # So the page has no note about scales asked another way.
    assert measured_otherwise(history) == set()
