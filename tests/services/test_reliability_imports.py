"""The reliability and validity reports when HR imported some of a wave's answers.

Whoever imported answers knows them. Item-level statistics (alpha, item-total
correlations, alpha if an item is deleted) over a few survey answers mixed with many
imported ones can be solved for the few: one survey response beside two made-up rows gave
back every answer. So the reports use the answers HR does not hold, when there are any,
and need at least the minimum group size of them.
"""

import pytest
from sqlmodel import select

from models.tables import RESPONSE_IMPORTED, SurveyResponse
from services.access import SYSTEM
from services.errors import InvalidInput
from services.reliability import reliability
from tests.services.test_disclosure import organisation
from tests.services.test_disclosure_imports import import_invented, web_organisation


def test_one_survey_answer_among_imported_ones_gets_no_report(session):
    wave, _ = web_organisation(session, {"North": ["closer"]})
    import_invented(session, wave, "North", "closer", 20)
    with pytest.raises(InvalidInput) as refused:
        reliability(session=session, viewer=SYSTEM, wave=wave.name)
    assert refused.value.code == "reliability.too_few"
    assert "at least 5 responses" in str(refused.value)


def test_the_report_is_on_the_survey_answers_alone(session):
    wave, _ = web_organisation(session, {"North": ["closer"] * 6})
    import_invented(session, wave, "North", "closer", 20)
    report = reliability(session=session, viewer=SYSTEM, wave=wave.name)
    assert report["n_responses"] == 6
    assert report["n_imported_left_out"] == 20


def test_a_wave_imported_from_paper_still_gets_its_report(session):
    wave, _ = organisation(session, {"North": ["closer"] * 6})
    for response in session.exec(select(SurveyResponse)):
        response.source = RESPONSE_IMPORTED
        session.add(response)
    session.commit()
    report = reliability(session=session, viewer=SYSTEM, wave=wave.name)
    assert report["n_responses"] == 6 and report["n_imported_left_out"] == 0


def test_fewer_than_the_minimum_group_size_get_no_report(session):
    wave, _ = web_organisation(session, {"North": ["closer"] * 4})
    with pytest.raises(InvalidInput) as refused:
        reliability(session=session, viewer=SYSTEM, wave=wave.name)
    assert refused.value.code == "reliability.too_few"
