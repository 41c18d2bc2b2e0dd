"""Importing answers to instrument version 2: best-worst cells are ``best>worst``."""

import pytest
from sqlmodel import func, select

from models.tables import Answer, Person, SurveyResponse
from recommender.instrument import instrument_to_dict
from seed.loaders import load_seed_instrument
from services.access import SYSTEM
from services.errors import InvalidInput
from services.instruments import export_instrument, import_instrument
from services.responses import answers_by_response
from services.responses_import import import_responses
from services.tabular import read_table_bytes

HEADER = "person,bw1,bw2,pub5,tea5"


@pytest.fixture
def v2_row(session):
    return import_instrument(
        session=session, actor=SYSTEM, data=instrument_to_dict(load_seed_instrument(2))
    ).row


@pytest.fixture
def people(session, v2_row):
    rows = [
        Person(external_id=eid, name=f"Rep {eid}", email=f"{eid.lower()}@example.test")
        for eid in ("R1", "R2")
    ]
    session.add_all(rows)
    session.commit()
    return rows


def run(session, text: str):
    table = read_table_bytes(text.encode("utf-8"), name="answers.csv")
    return import_responses(
        session=session, table=table, instrument_name="motivation", actor=SYSTEM
    )


def test_instrument_version_2_round_trips_through_import_and_export(session, v2_row):
    exported = export_instrument(session=session, name="motivation")
    again = import_instrument(session=session, actor=SYSTEM, data=exported)
    assert again.created is False  # the same definition: no new version
    assert exported == instrument_to_dict(load_seed_instrument(2)) | {"version": v2_row.version}


def test_best_worst_cells_are_stored_as_best_then_worst(session, people, v2_row):
    text = f"{HEADER}\nR1,Recognition>wellness,exclusive>experience,5,2\nR2,,,3,\n"
    summary = run(session, text)
    assert summary.as_dict()["created"] == 2
    response = session.exec(
        select(SurveyResponse)
        .join(Person, Person.id == SurveyResponse.person_id)
        .where(Person.external_id == "R1")
    ).one()
    rows = {
        a.item_code: (a.value, a.text)
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    # Option codes are matched without letter case and stored as the instrument spells them.
    assert rows["bw1"] == (None, "recognition>wellness")
    assert rows["bw2"] == (None, "exclusive>experience")
    answers = answers_by_response(session, load_seed_instrument(2), [response.id])[response.id]
    assert answers["bw1"] == ["recognition", "wellness"]
    assert answers["pub5"] == 5


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        pytest.param(
            "wellness>wellness",
            "row 2, column bw1: option 'wellness' is both the best and the worst",
            id="same-option-twice",
        ),
        pytest.param(
            "recognition>time",
            "row 2, column bw1: unknown option 'time' (options: recognition, development, "
            "wellness)",
            id="unknown-code",
        ),
        pytest.param(
            "recognition",
            "row 2, column bw1: 'recognition' is not two options as best>worst",
            id="missing-worst",
        ),
        pytest.param(
            "recognition>",
            "row 2, column bw1: 'recognition>' is not two options as best>worst",
            id="empty-worst",
        ),
        pytest.param(
            "recognition>development>wellness",
            "row 2, column bw1: 'recognition>development>wellness' is not two options as "
            "best>worst",
            id="a-ranking-not-a-pair",
        ),
    ],
)
def test_a_bad_best_worst_cell_is_reported_and_nothing_is_written(session, people, cell, problem):
    text = f"{HEADER}\nR1,{cell},development>exclusive,4,4\nR2,development>wellness,,3,3\n"
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert caught.value.problems == [problem]
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 0
    assert session.exec(select(func.count()).select_from(Answer)).one() == 0
