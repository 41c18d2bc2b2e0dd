"""The demo organisation: a realistic sales organisation to try Motivo on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from models.tables import Credential, Person
from services.accounts import store_password
from services.people import PEOPLE_COLUMNS, import_people


@dataclass(frozen=True)
class DemoLogin:
    access: str
    name: str
    email: str


def load_demo_people(*, session: Session, people: Sequence[dict], password: str) -> list[DemoLogin]:
    """Import the demo people (idempotent) and give a password to those who have none."""
    import_people(
        session=session,
        header=list(PEOPLE_COLUMNS),
        records=[{k: ("" if v is None else v) for k, v in p.items()} for p in people],
        deactivate_missing=False,
        source="demo organisation",
    )
    emails = [p["email"] for p in people]
    persons = session.exec(select(Person).where(Person.email.in_(emails))).all()
    with_credentials = {c.person_id for c in session.exec(select(Credential))}
    for person in persons:
        if person.id not in with_credentials:
            store_password(session, person, password)
    session.commit()
    return demo_logins(persons)


def demo_logins(persons: Sequence[Person]) -> list[DemoLogin]:
    """One example login per access role, in the order a visitor would try them."""
    order = ("rep", "manager", "hr", "admin")
    first: dict[str, Person] = {}
    for person in sorted(persons, key=lambda p: p.external_id):
        first.setdefault(person.access, person)
    return [DemoLogin(a, first[a].name, first[a].email) for a in order if a in first]
