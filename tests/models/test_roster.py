"""The roster read on SQLAlchemy Core (``models.roster``) agrees with the ORM tables."""

import pytest

from models import roster
from models.tables import AuditLog, Person, Team
from services.actors import SYSTEM
from services.errors import NotAllowed
from services.people import list_people as list_people_in_session
from services.roster import list_people


def test_every_column_the_roster_reads_exists_in_the_tables():
    for light, orm in (
        (roster.person, Person.__table__),
        (roster.team, Team.__table__),
        (roster.auditlog, AuditLog.__table__),
    ):
        assert light.name == orm.name
        assert set(light.c.keys()) <= set(orm.c.keys()), set(light.c.keys()) - set(orm.c.keys())


def test_rows_name_team_and_manager_and_leave_out_the_deactivated(session, factory):
    oslo = factory.team("Oslo Enterprise")
    kari = factory.person("manager", team=oslo, name="Kari Nordmann", sales_role="Sales manager")
    ola = factory.person("rep", team=oslo, manager=kari, name="Ola Hansen")
    gone = factory.person("rep", manager=kari, name="Per Gone", active=False)
    loner = factory.person("hr", name="Hedda HR")

    rows = list_people(connection=session.connection(), viewer=SYSTEM)
    by_name = {r["name"]: r for r in rows}
    assert [r["external_id"] for r in rows] == sorted(r["external_id"] for r in rows)
    assert set(by_name) == {"Kari Nordmann", "Ola Hansen", "Hedda HR"}
    assert by_name["Ola Hansen"] == {
        "external_id": ola.external_id,
        "name": "Ola Hansen",
        "email": ola.email,
        "access": "rep",
        "team": "Oslo Enterprise",
        "manager_email": kari.email,
        "sales_role": "closer",
        "active": True,
    }
    assert by_name["Kari Nordmann"]["manager_email"] is None
    assert by_name["Kari Nordmann"]["sales_role"] == "sales_manager"
    assert by_name["Hedda HR"]["team"] is None

    everyone = list_people_in_session(session=session, viewer=SYSTEM, include_inactive=True)
    gone_row = next(r for r in everyone if r["external_id"] == gone.external_id)
    assert gone_row["active"] is False and gone_row["manager_email"] == kari.email
    assert len(everyone) == 4 and loner.external_id in {r["external_id"] for r in everyone}


def test_a_rep_or_no_one_may_not_list_people(session, factory):
    rep = factory.person("rep")
    hr = factory.person("hr")
    for viewer in (rep, None):
        with pytest.raises(NotAllowed):
            list_people(connection=session.connection(), viewer=viewer)
    assert len(list_people(connection=session.connection(), viewer=hr)) == 2
