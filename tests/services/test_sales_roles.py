"""Sales roles are keys, not what someone happened to type: one role, one group."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from models.tables import Person, Reward, SalesRole, SurveyResponse, utc_today
from recommender.catalogue import role_key
from services.access import SYSTEM
from services.catalogue import import_rewards
from services.people import import_people
from services.sales_roles import role_labels
from services.tabular import read_table_bytes

HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"


def run(session, rows: str):
    table = read_table_bytes((HEADER + rows).encode("utf-8"), name="roster.csv")
    return import_people(
        session=session,
        header=table.header,
        records=table.rows,
        actor=SYSTEM,
        deactivate_missing=False,
    )


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("closer", "closer"),
        ("Closer", "closer"),
        ("closer ", "closer"),
        ("  CLOSER\t", "closer"),
        ("Account Manager", "account_manager"),
        ("account  manager", "account_manager"),
        ("Account-Manager", "account_manager"),
        ("account_manager", "account_manager"),
        ("SDR", "sdr"),
        ("Kundeansvarlig Øst", "kundeansvarlig_øst"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_role_key_folds_case_and_spacing(typed, key):
    assert role_key(typed) == key


@given(st.text(max_size=40))
def test_role_key_is_idempotent(text):
    assert role_key(role_key(text)) == role_key(text)


def test_importing_closer_next_to_closer_keeps_one_role(session):
    run(session, "R1,Ola,ola@example.test,North,,rep,closer\n")
    run(
        session,
        "R2,Kari,kari@example.test,North,,rep,Closer\nR3,Per,per@example.test,North,,rep,closer \n",
    )
    roles = {p.sales_role for p in session.exec(select(Person))}
    assert roles == {"closer"}


def test_import_keeps_the_typed_label_of_a_new_role(session):
    run(session, "R1,Ola,ola@example.test,North,,rep,Key Account Lead\n")
    person = session.exec(select(Person)).one()
    assert person.sales_role == "key_account_lead"
    assert role_labels(session=session) == {"key_account_lead": "Key Account Lead"}
    # A later spelling of the same role neither splits it nor renames it.
    run(session, "R2,Kari,kari@example.test,North,,rep,key account lead\n")
    assert {p.sales_role for p in session.exec(select(Person))} == {"key_account_lead"}
    assert role_labels(session=session) == {"key_account_lead": "Key Account Lead"}


def test_reimporting_the_same_role_in_another_case_changes_nobody(session):
    run(session, "R1,Ola,ola@example.test,North,,rep,closer\n")
    summary = run(session, "R1,Ola,ola@example.test,North,,rep,Closer\n")
    assert summary.unchanged == ["R1"] and summary.updated == []


def test_a_person_saved_by_any_path_gets_the_key(session, factory):
    person = factory.person(sales_role="Account Manager ")
    session.refresh(person)
    assert person.sales_role == "account_manager"
    person.sales_role = "CLOSER"
    session.add(person)
    session.commit()
    session.refresh(person)
    assert person.sales_role == "closer"


def test_a_submitted_response_freezes_the_key(session, factory):

    from models.tables import Instrument, Wave

    person = factory.person(sales_role="closer")
    instrument = Instrument(name="m", version=1, definition={}, fingerprint="x")
    session.add(instrument)
    session.flush()
    wave = Wave(name="w", instrument_id=instrument.id, opens_on=utc_today(), closes_on=utc_today())
    session.add(wave)
    session.flush()
    response = SurveyResponse(
        wave_id=wave.id, person_id=person.id, instrument_id=instrument.id, sales_role="Closer "
    )
    session.add(response)
    session.commit()
    session.refresh(response)
    assert response.sales_role == "closer"


def test_reward_eligibility_roles_are_normalised(session):
    record = {
        "id": "coffee",
        "name": {"en": "Coffee", "nb": "Kaffe"},
        "description": {"en": "A coffee", "nb": "En kaffe"},
        "category": "recognition",
        "visibility": "private",
        "scope": "individual",
        "roles": ["Account Manager", "closer "],
        "cost_band": 1,
        "cost": 50,
        "horizon": "short",
        "cooldown_days": 0,
        "active": True,
    }
    import_rewards(session=session, records=[record], actor=SYSTEM)
    reward = session.exec(select(Reward)).one()
    assert reward.roles == ["account_manager", "closer"]


def test_sales_role_table_holds_labels(session):
    session.add(SalesRole(key="closer", label="Closer"))
    session.commit()
    assert role_labels(session=session) == {"closer": "Closer"}


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Salgsutvikling (SDR)", "sdr"),
        ("Sales development (SDR)", "sdr"),
        ("Kundeansvarlig", "account_manager"),
        ("kundesuksess", "customer_success"),
        ("Salgsleder", "sales_manager"),
    ],
)
def test_a_role_typed_as_the_pages_show_it_is_that_role(session, typed, key):
    """Copying the role from the people list (in either language) into a roster puts the
    person in that role, not in a new one that looks the same on every page."""
    run(session, "E1,Ola,ola@example.test,North,,rep,SDR\n")
    run(session, f"E2,Kari,kari@example.test,North,,rep,{typed}\n")
    kari = session.exec(select(Person).where(Person.external_id == "E2")).one()
    assert kari.sales_role == key
    assert set(role_labels(session=session)) == {"sdr", key}
