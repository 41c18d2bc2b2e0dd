"""Importing responses from other survey tools: all or nothing, idempotent, flagged."""

import tomllib
from pathlib import Path

import pytest
from sqlmodel import func, select

from models.tables import Answer, AuditLog, Credential, Person, SurveyResponse, Wave
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed, NotFound
from services.instruments import import_instrument
from services.responses_import import import_responses
from services.tabular import read_table_bytes
from services.waves import close_wave, open_wave

DATA = Path(__file__).resolve().parent.parent / "data"
NAME = "motivation_test"
HEADER = "person,aut1,aut2,aut3,aut4,mas1,mas2,att1,mas3,mas4,pur1,pur2,pur3,pur4,rank1,open1"
R1 = "R1,4,5,2,4,4,4,4,2,5,5,4,2,5,time>recognition>development,More time with my family"
R2 = "R2,3,,3,3,4,4,4,2,4,3,3,3,4,recognition>time,"
GOOD = f"{HEADER}\n{R1}\n{R2}\n"


def small_definition() -> dict:
    return tomllib.loads((DATA / "small_instrument.toml").read_text(encoding="utf-8"))


@pytest.fixture
def instrument(session):
    return import_instrument(session=session, actor=SYSTEM, data=small_definition()).row


@pytest.fixture
def people(session, instrument):
    rows = [
        Person(external_id=eid, name=f"Rep {eid}", email=f"{eid.lower()}@example.test")
        for eid in ("R1", "R2", "R3")
    ]
    session.add_all(rows)
    session.commit()
    return {p.external_id: p for p in rows}


def run(session, text: str, name: str = "answers.csv", **kwargs):
    table = read_table_bytes(text.encode("utf-8"), name=name)
    kwargs.setdefault("instrument_name", NAME)
    kwargs.setdefault("actor", SYSTEM)
    return import_responses(session=session, table=table, **kwargs)


def counts(session) -> dict[str, int]:
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (Person, Wave, SurveyResponse, Answer, AuditLog)
    }


def stored(session, external_id: str) -> tuple[SurveyResponse, dict[str, tuple]]:
    person = session.exec(select(Person).where(Person.external_id == external_id)).one()
    response = session.exec(
        select(SurveyResponse).where(SurveyResponse.person_id == person.id)
    ).one()
    answers = session.exec(select(Answer).where(Answer.response_id == response.id)).all()
    return response, {a.item_code: (a.value, a.text) for a in answers}


def test_happy_path_stores_submitted_responses_in_a_closed_wave(session, people, instrument):
    summary = run(session, GOOD, source="exports/answers.csv")
    assert summary.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "people_created": 0}

    wave = session.exec(select(Wave)).one()
    assert wave.name == "Imported from answers.csv"
    assert wave.status == "closed" and wave.closed_at is not None
    assert wave.instrument_id == instrument.id

    response, answers = stored(session, "R1")
    assert (response.status, response.source, response.flags) == ("submitted", "import", [])
    assert response.wave_id == wave.id and response.instrument_id == instrument.id
    assert response.submitted_at is not None and response.page_seconds == {}
    assert answers["aut1"] == (4.0, None)
    assert answers["rank1"] == (None, "time>recognition>development")
    assert answers["open1"] == (None, "More time with my family")
    assert len(answers) == 15

    _, partial = stored(session, "R2")
    assert "aut2" not in partial and "open1" not in partial  # blank cells are missing
    assert partial["rank1"] == (None, "recognition>time")  # a partial ranking is kept

    event = session.exec(select(AuditLog).where(AuditLog.action == "responses.import")).one()
    assert event.target == wave.name
    assert event.details["created"] == 2
    assert event.details["source"] == "exports/answers.csv"


def test_header_and_records_instead_of_a_table(session, people, instrument):
    table = read_table_bytes(GOOD.encode(), name="x.csv")
    summary = import_responses(
        session=session,
        actor=SYSTEM,
        header=[h.upper() if h != "person" else h for h in table.header],
        records=table.rows,
        instrument_name=NAME,
        source="x.csv",
    )
    assert summary.created == 2
    assert stored(session, "R1")[1]["aut1"] == (4.0, None)


def test_item_codes_and_option_codes_match_without_letter_case(session, people, instrument):
    text = GOOD.replace("aut1", "AUT1").replace("time>recognition", "TIME>Recognition")
    run(session, text)
    _, answers = stored(session, "R1")
    assert answers["aut1"] == (4.0, None)
    assert answers["rank1"] == (None, "time>recognition>development")


def test_whole_numbers_written_with_decimals_are_accepted(session, people, instrument):
    run(session, GOOD.replace("R1,4,5,", "R1,4.0,5,"))
    assert stored(session, "R1")[1]["aut1"] == (4.0, None)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(
            GOOD.replace("person,", "who,").replace("R1,", "X,"),
            "row 1, column person: missing column",
            id="no-person-column",
        ),
        pytest.param(
            GOOD.replace("open1", "colour"),
            "row 1, column colour: unknown item code (not in motivation_test version 1)",
            id="unknown-item-code",
        ),
        pytest.param(
            GOOD.replace("R1,4,5,", "R1,4,6,"),
            "row 2, column aut2: 6 is out of range for this item (1 to 5)",
            id="out-of-range",
        ),
        pytest.param(
            GOOD.replace("R1,4,5,", "R1,4,4.5,"),
            "row 2, column aut2: '4.5' is not a whole number",
            id="not-whole",
        ),
        pytest.param(
            GOOD.replace("R1,4,5,", "R1,4,a lot,"),
            "row 2, column aut2: 'a lot' is not a whole number",
            id="not-a-number",
        ),
        pytest.param(
            GOOD.replace("R2,3,,3,3,4,4,4,", "R2,3,,3,3,4,4,9,"),
            "row 3, column att1: 9 is out of range for the attention item (1 to 5)",
            id="attention-out-of-range",
        ),
        pytest.param(
            GOOD.replace("R2,", "R9,"),
            "row 3, column person: unknown person 'R9'",
            id="unknown-person",
        ),
        pytest.param(
            GOOD.replace("R2,", "R1,"),
            "row 3, column person: duplicate of row 2 (R1)",
            id="duplicate-person",
        ),
        pytest.param(
            GOOD.replace("R2,", ","),
            "row 3, column person: empty",
            id="empty-person",
        ),
        pytest.param(
            GOOD.replace("time>recognition>development", "time>money"),
            "row 2, column rank1: unknown option 'money' (options: time, recognition, development)",
            id="ranking-unknown-option",
        ),
        pytest.param(
            GOOD.replace("time>recognition>development", "time>recognition>time"),
            "row 2, column rank1: option 'time' is ranked twice",
            id="ranking-option-twice",
        ),
        pytest.param(
            GOOD.replace("time>recognition>development", "time>>development"),
            "row 2, column rank1: 'time>>development' has an empty place",
            id="ranking-empty-place",
        ),
        pytest.param(f"{HEADER}\n", "row 2: the file has a header but no responses", id="empty"),
        pytest.param(
            f"{HEADER}\nR1" + "," * 15 + "\n",
            "row 2: no answers in this row",
            id="no-answers",
        ),
    ],
)
def test_each_problem_is_reported_and_nothing_is_written(
    session, people, instrument, text, problem
):
    before = counts(session)
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert str(caught.value).startswith("Nothing was imported: ")
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert counts(session) == before


def test_every_problem_is_listed_at_once_in_file_order(session, people, instrument):
    text = GOOD.replace("R1,4,5,", "R1,4,6,").replace("R2,", "R9,").replace("open1", "colour")
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "row 1, column colour",
        "row 2, column aut2",
        "row 3, column person",
    ]


def test_a_failed_reimport_leaves_the_first_import_untouched(session, people, instrument):
    run(session, GOOD)
    before = counts(session)
    with pytest.raises(InvalidInput):
        run(session, GOOD.replace("R1,4,5,", "R1,1,5,").replace("R2,", "R9,"))
    assert counts(session) == before
    assert stored(session, "R1")[1]["aut1"] == (4.0, None)


def test_reimporting_the_same_file_changes_nothing(session, people, instrument):
    run(session, GOOD)
    before = counts(session)
    stamps = [(r.id, r.updated_at) for r in session.exec(select(SurveyResponse))]
    summary = run(session, GOOD)
    assert summary.as_dict() == {"created": 0, "updated": 0, "unchanged": 2, "people_created": 0}
    assert counts(session) == before  # not even an audit row: nothing happened
    session.expire_all()
    assert [(r.id, r.updated_at) for r in session.exec(select(SurveyResponse))] == stamps


def test_a_changed_file_updates_only_the_changed_responses(session, people, instrument):
    run(session, GOOD)
    r2_before = stored(session, "R2")[0].updated_at
    changed = GOOD.replace("R1,4,5,", "R1,4,,").replace(
        "time>recognition>development", "development>time"
    )
    summary = run(session, changed)
    assert summary.as_dict() == {"created": 0, "updated": 1, "unchanged": 1, "people_created": 0}
    session.expire_all()
    response, answers = stored(session, "R1")
    assert "aut2" not in answers  # an answer blanked in the file is removed
    assert answers["rank1"] == (None, "development>time")
    assert response.updated_at > response.started_at
    assert stored(session, "R2")[0].updated_at == r2_before
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 2


def test_create_people_adds_respondents_without_a_login(session, instrument):
    summary = run(session, GOOD, create_people=True)
    assert summary.people_created == 2 and summary.created == 2
    person = session.exec(select(Person).where(Person.external_id == "R1")).one()
    assert (person.name, person.email, person.access) == ("R1", None, "rep")
    assert session.exec(select(Credential)).all() == []
    again = run(session, GOOD, create_people=True)
    assert again.people_created == 0 and again.unchanged == 2


def test_a_respondent_created_by_an_import_may_not_look_like_a_stored_person(session, instrument):
    """Created respondents are new people: "r1" beside R1 is refused as in the roster."""
    run(session, GOOD, create_people=True)
    lookalike = GOOD.replace("R1,", "r1,", 1).replace("R2,", "R9,", 1)
    with pytest.raises(InvalidInput) as caught:
        run(session, lookalike, create_people=True)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.code) == (
        2,
        "person",
        "people.external_id_lookalike",
    )
    assert session.exec(select(func.count()).select_from(Person)).one() == 2


def test_unknown_people_are_refused_without_create_people(session, instrument):
    with pytest.raises(InvalidInput) as caught:
        run(session, GOOD)
    assert len(caught.value.problems) == 2
    assert "--create-people" in caught.value.problems[0]
    assert session.exec(select(func.count()).select_from(Person)).one() == 0


@pytest.mark.parametrize("access", ["manager", "hr", "admin"])
def test_only_reps_answers_are_imported(session, people, instrument, access):
    # A manager whose answers were imported would sit, knowing them, in the team's figures.
    people["R2"].access = access
    session.add(people["R2"])
    session.commit()
    with pytest.raises(InvalidInput) as caught:
        run(session, GOOD)
    [problem] = caught.value.problems
    assert (problem.row, problem.column, problem.code) == (3, "person", "answers.person_not_rep")
    assert f"R2 has {access} access" in str(problem)
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 0


def test_a_rep_who_has_left_may_still_have_earlier_answers_imported(session, people, instrument):
    people["R2"].active = False
    session.add(people["R2"])
    session.commit()
    assert run(session, GOOD).created == 2


def test_careless_responses_are_stored_with_their_flags(session, people, instrument):
    # R3 straightlines every likert item (so its answers do not vary), fails the attention
    # check and contradicts itself (strongly agrees with each scale's statements and with
    # their reverse-keyed opposites).
    careless = "R3,5,5,5,5,5,5,1,5,5,5,5,5,5,,"
    run(session, f"{GOOD}{careless}\n")
    assert stored(session, "R1")[0].flags == []
    assert stored(session, "R3")[0].flags == [
        "attention",
        "inconsistent",
        "low_variability",
        "straightlining",
    ]


def test_existing_wave_by_name_or_id(session, people, instrument):
    wave = open_wave(session=session, actor=SYSTEM, name="Spring", instrument_name=NAME)
    run(session, GOOD, wave="Spring")
    assert {r.wave_id for r in session.exec(select(SurveyResponse))} == {wave.id}
    summary = run(session, GOOD, wave=str(wave.id))
    assert summary.unchanged == 2 and summary.wave == "Spring"
    assert session.exec(select(func.count()).select_from(Wave)).one() == 1


def test_a_web_response_in_progress_is_replaced_by_the_imported_one(session, people, instrument):
    wave = open_wave(session=session, actor=SYSTEM, name="Spring", instrument_name=NAME)
    draft = SurveyResponse(
        wave_id=wave.id, person_id=people["R1"].id, instrument_id=instrument.id, source="web"
    )
    session.add(draft)
    session.commit()
    summary = run(session, GOOD, wave="Spring")
    assert (summary.created, summary.updated) == (1, 1)
    response, answers = stored(session, "R1")
    assert response.id == draft.id
    assert (response.status, response.source) == ("submitted", "import")
    assert len(answers) == 15


def test_a_wave_of_another_instrument_is_a_problem(session, people, instrument):
    from services.instruments import ensure_default_instrument

    ensure_default_instrument(session=session)
    open_wave(session=session, actor=SYSTEM, name="Main survey")
    before = counts(session)
    with pytest.raises(InvalidInput) as caught:
        run(session, GOOD, wave="Main survey")
    assert caught.value.problems[0] == (
        "wave: 'Main survey' uses instrument motivation version 1, not motivation_test"
    )
    assert counts(session) == before


def test_an_unknown_wave_is_not_found(session, people, instrument):
    with pytest.raises(NotFound, match="No wave 'Autumn'"):
        run(session, GOOD, wave="Autumn")


def test_the_imported_wave_uses_the_newest_version_and_is_reused(session, people, instrument):
    newer = small_definition()
    newer["items"][0]["text"] = {"en": "I decide how I approach a customer."}
    v2 = import_instrument(session=session, actor=SYSTEM, data=newer).row
    assert v2.version == 2
    run(session, GOOD)
    wave = session.exec(select(Wave)).one()
    assert wave.instrument_id == v2.id
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    summary = run(session, GOOD.replace("R1,4,5,", "R1,3,5,"))
    assert (summary.updated, summary.unchanged) == (1, 1)
    assert session.exec(select(func.count()).select_from(Wave)).one() == 1


def test_only_hr_may_import(session, people, instrument, factory):
    with pytest.raises(NotAllowed):
        run(session, GOOD, actor=factory.person("rep"))
    hr = factory.person("hr")
    run(session, GOOD, actor=hr)
    event = session.exec(select(AuditLog).where(AuditLog.action == "responses.import")).one()
    assert event.actor_id == hr.id


def test_a_dry_run_counts_what_would_be_replaced_and_writes_nothing(session, people, instrument):
    run(session, GOOD)
    changed = GOOD.replace("R1,4,5,", "R1,4,,")
    session.expire_all()
    before = stored(session, "R1")
    preview = run(session, changed, dry_run=True)
    assert (preview.created, preview.updated, preview.unchanged) == (0, 1, 1)
    session.expire_all()
    assert stored(session, "R1")[1] == before[1]
    assert run(session, changed).updated == 1


def test_a_respondent_created_from_an_id_with_an_invisible_character_is_refused(
    session, instrument
):
    """The same rule as the roster: "R1" with a zero-width space would be a second R1."""
    with pytest.raises(InvalidInput) as caught:
        run(session, "person,aut1\nR1\u200b,3\n", create_people=True)
    assert [str(p) for p in caught.value.problems] == [
        "row 2, column person: holds U+200B, a character that shows as nothing or as a space; "
        "write a new id in visible characters and ordinary spaces"
    ]


def test_an_instrument_with_an_item_called_person_is_refused(session):
    """Its answers could never be imported: the item's column is the file's person column."""
    from models.tables import Instrument as InstrumentRow

    data = small_definition()
    data["name"] = "reserved"
    data["items"][1]["code"] = "Person"
    with pytest.raises(InvalidInput) as refused:
        import_instrument(session=session, actor=SYSTEM, data=data)
    assert any("names the person column" in p for p in refused.value.problems)
    assert (
        session.exec(select(InstrumentRow).where(InstrumentRow.name == "reserved")).first() is None
    )
