"""Confidence intervals of group means stay on the scale the scores can take.

A small group whose answers sit at both ends of the scale has a wide t-interval; the
mean of a 1-5 score can never be below 1 or above 5, so neither can its interval.
"""

import csv
import io
import json
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from models.tables import SurveyResponse, Wave
from recommender.catalogue import CATEGORIES
from services.access import SYSTEM
from services.exports import export_summary
from services.instruments import ensure_current_instrument
from services.responses import to_answer_row
from services.summaries import summary

ORDER = tuple(f"pref_{category}" for category in CATEGORIES)


def _extreme_answers(instrument, high: bool) -> dict:
    """Every agree/disagree item at one end; in every best-worst task the same category
    order, so recognition is always best (or always worst)."""
    order = ORDER if high else tuple(reversed(ORDER))
    answers: dict = {}
    for item in instrument.items:
        if item.type == "likert":
            # A reverse-keyed item counts at the other end, so it is answered there.
            answers[item.code] = item.max if high != item.reverse else item.min
        elif item.type == "attention":
            answers[item.code] = item.expected
        elif item.type == "best_worst":
            ranked = sorted(item.options, key=lambda o: order.index(o.construct))
            answers[item.code] = [ranked[0].code, ranked[-1].code]
    return answers


def _small_extreme_wave(session, factory) -> tuple[Wave, object]:
    imported = ensure_current_instrument(session=session)
    instrument = imported.instrument
    wave = Wave(
        name="Small extreme",
        instrument_id=imported.row.id,
        opens_on=date(2026, 11, 1),
        closes_on=date(2026, 11, 30),
        status="closed",
    )
    session.add(wave)
    session.commit()
    when = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for t in range(2):
        team = factory.team(f"Small {t}")
        for i in range(5):
            person = factory.person(team=team)
            response = SurveyResponse(
                wave_id=wave.id,
                person_id=person.id,
                instrument_id=imported.row.id,
                status="submitted",
                submitted_at=when,
                team_id=team.id,
                sales_role=person.sales_role,
            )
            session.add(response)
            session.flush()
            # Four at the top of the scale, one at the bottom: a mean near the top
            # with a wide interval.
            answers = _extreme_answers(instrument, high=i != 0)
            rows = [to_answer_row(response.id, instrument.item(c), v) for c, v in answers.items()]
            session.add_all([r for r in rows if r is not None])
    session.commit()
    return wave, instrument


def _all_intervals(data: dict):
    for group in [*data["groups"], data["total"]]:
        if group["suppressed"]:
            continue
        for key, (low, high) in group["ci"].items():
            yield group.get("key", "total"), key, group["scores"][key], low, high


def test_a_small_group_with_extreme_answers_gets_intervals_inside_the_scale(session, factory):
    wave, instrument = _small_extreme_wave(session, factory)
    data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    intervals = list(_all_intervals(data))
    assert len(intervals) == 3 * len(data["constructs"])  # two teams and the total shown
    for group, key, mean, low, high in intervals:
        assert instrument.scale_min <= low <= mean <= high <= instrument.scale_max, (group, key)
    # Four answers at 5 and one at 1: the interval reaches the top of the scale, no further.
    team = data["groups"][0]
    assert team["scores"]["autonomy"] == 4.2
    assert team["ci"]["autonomy"][1] == instrument.scale_max
    # Best-worst scores (recognition always best, or always worst) stay on 1-5 as well.
    assert team["scores"]["pref_recognition"] == 4.2
    assert team["ci"]["pref_recognition"] == [1.98, 5.0]


def test_the_exports_show_the_same_intervals_and_means(session, factory):
    wave, instrument = _small_extreme_wave(session, factory)
    data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    book = load_workbook(
        io.BytesIO(
            export_summary(
                session=session, viewer=SYSTEM, by="team", wave=wave.name, fmt="xlsx"
            ).content
        )
    )
    sheet = book["Intervals"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert rows
    expected = {(g, k): (m, lo, hi) for g, k, m, lo, hi in _all_intervals(data)}
    for row in rows:
        assert instrument.scale_min <= row["ci_low"] <= row["ci_high"] <= instrument.scale_max
        assert expected[(row["key"], row["construct"])] == (
            row["mean"],
            row["ci_low"],
            row["ci_high"],
        )
    exported = json.loads(
        export_summary(session=session, viewer=SYSTEM, by="team", wave=wave.name).content
    )
    assert exported["groups"] == data["groups"] and exported["total"] == data["total"]
    table = list(
        csv.DictReader(
            io.StringIO(
                export_summary(
                    session=session, viewer=SYSTEM, by="team", wave=wave.name, fmt="csv"
                ).content.decode("utf-8-sig")
            )
        )
    )
    first = next(r for r in table if r["key"] == data["groups"][0]["key"])
    assert float(first["Autonomy"]) == data["groups"][0]["scores"]["autonomy"]
