"""Validity over stored responses: the right responses, the minimum group size, the audit."""

import tomllib
from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import select

from models.tables import Answer, AuditLog, SurveyResponse
from recommender.instrument import parse_instrument
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed, NotFound
from services.instruments import import_instrument
from services.organisation import use_min_group_size
from services.validity import EXPORT_KEYS, export_validity, validity
from tests.services.test_reliability_service import DATA, N_CARELESS, N_GOOD, NAME, load, simulate


@pytest.fixture
def instrument(session):
    data = tomllib.loads((DATA / "small_instrument.toml").read_text(encoding="utf-8"))
    import_instrument(session=session, actor=SYSTEM, data=data)
    return parse_instrument(data)


def test_report_on_unflagged_responses_by_default(session, instrument):
    load(session, simulate(instrument, N_GOOD, N_CARELESS))
    report = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert set(EXPORT_KEYS) <= set(report)
    assert (report["instrument"], report["version"]) == (NAME, 1)
    assert report["n"] == N_GOOD and report["n_flagged_excluded"] == N_CARELESS
    assert set(report["fit"]) == {"chi2", "df", "cfi", "tli", "rmsea", "srmr"}
    assert report["fit"]["df"] == 12 * 13 // 2 - (24 + 3)
    loadings = {entry["item"]: entry for entry in report["loadings"]}
    assert list(loadings) == [item.code for item in instrument.likert_items()]
    assert all(loadings[f"aut{j}"]["loading"] > 0.6 for j in range(1, 5))
    # Purpose was answered at random: its items do not measure anything, and it says so.
    assert any("Item 'pur1' loads" in w for w in report["warnings"])
    assert set(report["omega"]) == {"autonomy", "mastery", "purpose"}
    assert report["omega"]["autonomy"] > 0.8 > report["omega"]["purpose"]
    with_flagged = validity(
        session=session, viewer=SYSTEM, instrument_name=NAME, include_flagged=True
    )
    assert with_flagged["n"] == N_GOOD + N_CARELESS


def test_invariance_and_retest_say_why_they_are_absent(session, instrument):
    load(session, simulate(instrument, 40, 0))
    report = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert report["invariance"]["tested"] is False
    assert "fewer than two languages" in report["invariance"]["warnings"][0]
    assert report["retest"]["n"] is None
    assert "fewer than 5 people" in report["retest"]["warnings"][0]


def test_retest_pairs_the_same_people_across_two_waves(session, instrument):
    answers = simulate(instrument, 40, 0, seed=1)
    load(session, answers, name="first.csv")
    rng = np.random.default_rng(2)
    again = [
        {
            code: (int(np.clip(v + rng.integers(-1, 2), 1, 5)) if code.startswith("aut") else v)
            for code, v in row.items()
        }
        for row in answers
    ]
    load(session, again, name="second.csv")
    waves = {r.wave_id for r in session.exec(select(SurveyResponse))}
    assert len(waves) == 2
    report = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    retest = report["retest"]
    assert (retest["form"], retest["n"], retest["weeks"]) == ("ICC(A,1)", 40, 8)
    assert retest["scales"]["mastery"]["icc"] == pytest.approx(1.0)
    assert 0.5 < retest["scales"]["autonomy"]["icc"] < 0.99

    # Ten weeks apart: outside the default window of eight, inside a window of twelve.
    later = max(waves)
    for response in session.exec(select(SurveyResponse).where(SurveyResponse.wave_id == later)):
        response.submitted_at += timedelta(weeks=10)
        session.add(response)
    session.commit()
    outside = validity(session=session, viewer=SYSTEM, instrument_name=NAME)["retest"]
    assert outside["n"] is None and outside["scales"] == {}
    inside = validity(session=session, viewer=SYSTEM, instrument_name=NAME, retest_weeks=12)
    assert inside["retest"]["n"] == 40
    with pytest.raises(InvalidInput):
        validity(session=session, viewer=SYSTEM, instrument_name=NAME, retest_weeks=0)


def test_nothing_is_reported_below_the_minimum_group_size(session, instrument):
    load(session, simulate(instrument, 4, 0))
    use_min_group_size(session, 5)
    with pytest.raises(InvalidInput) as caught:
        validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert caught.value.code == "validity.below_group_size"
    assert "Fewer than 5 complete responses" in str(caught.value)
    assert " 4 " not in str(caught.value)


def test_too_few_responses_for_the_items(session, instrument):
    load(session, simulate(instrument, 8, 0))
    with pytest.raises(InvalidInput) as caught:
        validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert caught.value.code == "validity.too_few_responses"
    assert caught.value.params["minimum"] == 13  # twelve items


def test_refusals(session, instrument, factory):
    with pytest.raises(NotFound) as caught:
        validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert caught.value.code == "validity.no_responses"
    with pytest.raises(NotFound):
        validity(session=session, viewer=SYSTEM, instrument_name="nonesuch")
    with pytest.raises(NotFound):
        validity(session=session, viewer=SYSTEM, instrument_name=NAME, wave="nonesuch")
    for access in ("rep", "manager"):
        with pytest.raises(NotAllowed):
            validity(session=session, viewer=factory.person(access), instrument_name=NAME)


def test_export_is_audited_and_exactly_shaped(session, instrument):
    load(session, simulate(instrument, 60, 0))
    out = export_validity(session=session, actor=SYSTEM, fmt="json", instrument_name=NAME)
    assert tuple(out) == EXPORT_KEYS
    rows = session.exec(select(AuditLog).where(AuditLog.action == "export.validity")).all()
    assert len(rows) == 1 and rows[0].details["format"] == "json"


def test_every_refusal_code_has_a_message():
    from recommender.validity import MESSAGES as PURE
    from services.validity import ERROR_CODES
    from web.messages import MESSAGES

    assert set(ERROR_CODES) == {"too_few_responses", "below_group_size", "no_constructs"}
    assert set(ERROR_CODES) - {"no_constructs"} <= set(PURE)
    assert set(ERROR_CODES.values()) <= set(MESSAGES)


def test_a_remembered_fit_is_never_served_after_the_answers_change(session, instrument):
    """Fits are remembered between page views; changed answers must give a new fit."""
    load(session, simulate(instrument, 60, 0, seed=4))
    first = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert validity(session=session, viewer=SYSTEM, instrument_name=NAME) == first
    answer = session.exec(
        select(Answer).where(Answer.item_code == "aut1").order_by(Answer.id)
    ).first()
    answer.value = 1 if answer.value != 1 else 5  # one person changes one answer
    session.add(answer)
    session.commit()
    changed = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    assert changed["n"] == first["n"]
    assert changed["fit"]["chi2"] != first["fit"]["chi2"]


def test_a_flagged_count_below_the_minimum_cannot_be_read_off_two_reports(session, instrument):
    """With two flagged responses, the default report said "n = 150" and the one with
    flagged responses included "n = 152": the count the reliability report withholds."""
    load(session, simulate(instrument, N_GOOD, 2))
    default = validity(session=session, viewer=SYSTEM, instrument_name=NAME)
    everyone = validity(session=session, viewer=SYSTEM, instrument_name=NAME, include_flagged=True)
    assert default["n"] == everyone["n"] == N_GOOD + 2
    assert default["fit"] == everyone["fit"]
    assert default["n_flagged_excluded"] == 0
    assert default["basis"] == "all responses"
    assert default["flagged_fewer_than"] == 5


def test_flags_in_another_wave_still_open_are_not_left_out_of_the_retest(session, instrument):
    """A closed wave's report left flagged responses of an open wave out of its retest
    pairs, so the retest's n moved only when a rep in the open wave submitted unflagged."""
    from models.tables import Wave

    answers = simulate(instrument, 40, 0, seed=1)
    load(session, answers, name="first.csv")
    load(session, answers, name="second.csv")
    first, second = sorted(w.id for w in session.exec(select(Wave)))
    session.get(Wave, first).status = "closed"
    session.get(Wave, second).status = "open"
    later = session.exec(select(SurveyResponse).where(SurveyResponse.wave_id == second)).all()
    for response in later[:6]:  # at least the minimum group size, but the wave is open
        response.flags = ["attention_check"]
        session.add(response)
    session.commit()
    report = validity(session=session, viewer=SYSTEM, wave=first)
    assert report["basis"] == "all responses" and report["flagged_other_open"]
    assert report["retest"]["n"] == 40
