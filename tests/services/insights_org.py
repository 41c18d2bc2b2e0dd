"""A generated organisation for the HR insights tests: the demo organisation (60 reps in
six teams, two waves of simulated answers), a planted three-person team that answered
both waves, some grants and ratings, and profiles.

Profiles come from ``services.recommendations`` once a model is trained there; until the
insights tests can train one, ``cluster_profiles`` groups the respondents with k-means
and stands in for it (monkeypatched into ``services.summaries.profile_map``).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from models.engine import make_engine
from models.tables import (
    Grant,
    Person,
    Rating,
    Reward,
    SurveyResponse,
    Team,
    Wave,
    utc_today,
)
from models.tables import Instrument as InstrumentRow
from recommender.quality import quality_flags
from seed.demo_org import demo_people
from seed.loaders import load_catalogue
from seed.simulate import simulate_organisation
from services import summaries
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.demo import CURRENT_WAVE, FIRST_WAVE, load_demo_people, load_demo_survey
from services.instruments import definition
from services.responses import to_answer_row
from services.summaries import ProfileMap, load_population
from tests.conftest import PG_URL, TEST_PASSWORD, _pg_schema_url

PLANTED_TEAM = "Tromsø Pilot"
PROFILE_NAMES = ("Achievers", "Explorers", "Team players", "Free spirits")


@dataclass
class Organisation:
    hr: Person
    manager: Person
    rep: Person
    admin: Person
    planted: list[Person]
    first_wave: Wave
    current_wave: Wave


def _store(session: Session, wave: Wave, person: Person, answers: dict, seconds: dict) -> None:
    instrument = definition_of(session, wave)
    when = datetime.combine(wave.opens_on + timedelta(days=1), time(9), tzinfo=UTC)
    flags = quality_flags(instrument, [answers], [seconds])[0]
    response = SurveyResponse(
        wave_id=wave.id,
        person_id=person.id,
        instrument_id=wave.instrument_id,
        status="submitted",
        source="demo",
        started_at=when,
        updated_at=when,
        submitted_at=when,
        page_seconds=seconds,
        flags=sorted(flags),
    )
    session.add(response)
    session.flush()
    rows = [to_answer_row(response.id, instrument.item(c), v) for c, v in answers.items()]
    session.add_all([r for r in rows if r is not None])


def definition_of(session: Session, wave: Wave):
    return definition(session.get(InstrumentRow, wave.instrument_id))


def build_organisation(session: Session, *, random_state: int = 11) -> Organisation:
    """Build the organisation; about a second on SQLite."""
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session, random_state=random_state)
    first = session.exec(select(Wave).where(Wave.name == FIRST_WAVE)).one()
    current = session.exec(select(Wave).where(Wave.name == CURRENT_WAVE)).one()
    manager = session.exec(
        select(Person).where(Person.access == "manager").order_by(Person.external_id)
    ).first()
    team = Team(name=PLANTED_TEAM)
    session.add(team)
    session.flush()
    planted = []
    for i in range(3):
        person = Person(
            external_id=f"PL{i}",
            name=f"Planted Person {i}",
            email=f"planted{i}@example.test",
            team_id=team.id,
            manager_id=manager.id,
            access="rep",
            sales_role="closer",
        )
        session.add(person)
        planted.append(person)
    session.flush()
    rewards = load_catalogue()
    for wave in (first, current):
        # The demo's waves use instrument versions 1 and 2; the same seed draws the same
        # three people (traits come before answers), who answer each wave's own version.
        sim = simulate_organisation(
            definition_of(session, wave),
            rewards,
            3,
            random_state=random_state + 1,
            careless_rate=0.0,
            text_rate=1.0,
        )
        for person, answers, seconds in zip(planted, sim.answers, sim.page_seconds, strict=True):
            _store(session, wave, person, answers, seconds)
    _grants_and_ratings(session, manager, random_state)
    session.commit()
    people = {p.access: p for p in session.exec(select(Person).order_by(Person.external_id))}
    rep = session.exec(
        select(Person).where(Person.access == "rep").order_by(Person.external_id)
    ).first()
    return Organisation(
        hr=people["hr"],
        manager=manager,
        rep=rep,
        admin=people["admin"],
        planted=planted,
        first_wave=first,
        current_wave=current,
    )


def _grants_and_ratings(session, manager, random_state) -> None:
    ensure_seed_catalogue(session=session)
    rows = list(session.exec(select(Reward).order_by(Reward.slug)))
    rng = np.random.default_rng(random_state)
    reps = list(session.exec(select(Person).where(Person.access == "rep").order_by(Person.id)))
    today = utc_today()
    for person in reps:
        for index in rng.choice(len(rows), size=int(rng.integers(0, 4)), replace=False):
            grant = Grant(
                reward_id=rows[index].id,
                person_id=person.id,
                given_by_id=manager.id,
                occasion="goal_reached",
                given_on=today - timedelta(days=int(rng.integers(1, 200))),
                status="accepted",
                source="demo",
                cost=rows[index].cost,
                team_id=person.team_id or manager.team_id,
            )
            session.add(grant)
            session.flush()
            dismissed = bool(rng.random() < 0.1)
            session.add(
                Rating(
                    person_id=person.id,
                    reward_id=rows[index].id,
                    grant_id=grant.id,
                    rating=None if dismissed else int(rng.integers(2, 6)),
                    dismissed=dismissed,
                    source="demo",
                )
            )


def cluster_profiles(session: Session, wave: Wave, *, n_profiles: int = 4) -> ProfileMap:
    """Profiles by k-means on the wave's scale scores, standing in for the trained model."""
    population = load_population(session, wave, ProfileMap({}, {}))
    z = (population.scores - population.scores.mean(axis=0)) / population.scores.std(axis=0)
    labels = KMeans(n_clusters=n_profiles, n_init=4, random_state=0).fit_predict(z)
    assignments = {p.id: int(label) for p, label in zip(population.people, labels, strict=True)}
    catalogue = {
        k: {"name": {"en": name, "nb": name + " (nb)"}, "description": {"en": "", "nb": ""}}
        for k, name in enumerate(PROFILE_NAMES[:n_profiles])
    }
    constructs = population.constructs
    centres = {
        k: dict(zip(constructs, population.scores[labels == k].mean(axis=0), strict=True))
        for k in range(n_profiles)
    }
    overall = dict(zip(constructs, population.scores.mean(axis=0), strict=True))
    return ProfileMap(assignments, catalogue, centres, overall)


def reward_rows(session: Session) -> list[Reward]:
    return list(session.exec(select(Reward)))


@dataclass
class OrgDatabase:
    url: str
    engine: object
    org: Organisation
    profiles: ProfileMap


@contextmanager
def fresh_database(kind: str, tmp_dir):
    """A new empty database (SQLite file, or a PostgreSQL schema) for a module's tests."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_dir / 'insights.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MOTIVO_TEST_DATABASE_URL (see README)")
    admin = make_engine(PG_URL)
    schema = f"ins_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=DATABASES)
def org_db(request, tmp_path_factory):
    """The generated organisation, built once per test module and database.

    Tests may add rows (exports add audit rows) but must not change what is there.
    """
    with fresh_database(request.param, tmp_path_factory.mktemp("insights")) as url:
        engine = make_engine(url)
        SQLModel.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as session:
            org = build_organisation(session)
            profiles = cluster_profiles(session, org.first_wave)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(summaries, "profile_map", lambda *, session: profiles)
            yield OrgDatabase(url, engine, org, profiles)
        engine.dispose()


def clear_ledger(engine) -> None:
    """Forget every release, so each test starts with nothing shown for any wave."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM releasedgroup"))
        conn.execute(text("DELETE FROM release"))


@pytest.fixture
def org_session(org_db):
    clear_ledger(org_db.engine)
    with Session(org_db.engine, expire_on_commit=False) as session:
        yield session


def small_organisation(
    session: Session, layout: dict[str, list[str]], *, random_state: int = 3
) -> tuple[Wave, list[Person]]:
    """Teams with reps of the given sales roles, all of whom answered one wave."""
    from services.instruments import ensure_default_instrument
    from services.waves import open_wave

    ensure_default_instrument(session=session)
    wave = open_wave(session=session, actor=SYSTEM, name="Spring pulse")
    people = []
    for team_name, roles in layout.items():
        team = Team(name=team_name)
        session.add(team)
        session.flush()
        for role in roles:
            n = len(people)
            person = Person(
                external_id=f"S{n:03d}",
                name=f"Small Person {n}",
                email=f"small{n}@example.test",
                team_id=team.id,
                access="rep",
                sales_role=role,
            )
            session.add(person)
            people.append(person)
    session.flush()
    _answer_all(session, wave, people, random_state)
    return wave, people


def _answer_all(session: Session, wave: Wave, people: list[Person], random_state: int) -> None:
    """Every one of ``people`` answers ``wave`` attentively, free text included."""
    sim = simulate_organisation(
        definition_of(session, wave),
        load_catalogue(),
        len(people),
        random_state=random_state,
        careless_rate=0.0,
        missing_rate=0.0,
        text_rate=1.0,
    )
    for person, answers, seconds in zip(people, sim.answers, sim.page_seconds, strict=True):
        _store(session, wave, person, answers, seconds)
    session.commit()


def answer_again(
    session: Session, people: list[Person], *, name: str = "Autumn pulse", random_state: int = 4
) -> Wave:
    """Close the open waves and open ``name`` on the same instrument version, answered
    anew by ``people``: two waves whose scores compare construct by construct."""
    from services.waves import close_wave, open_wave

    for wave in session.exec(select(Wave).where(Wave.status == "open")).all():
        close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    wave = open_wave(session=session, actor=SYSTEM, name=name)
    _answer_all(session, wave, people, random_state)
    return wave


@contextmanager
def some_flagged(engine, wave: Wave, n: int = 3):
    """Flag ``n`` more of the wave's unflagged responses for a test, then put them back.

    Yields the external ids of everyone whose response in the wave is flagged.
    """
    with Session(engine) as session:
        rows = session.exec(
            select(SurveyResponse)
            .where(SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted")
            .order_by(SurveyResponse.id)
        ).all()
        chosen = [r for r in rows if not r.flags][:n]
        for r in chosen:
            r.flags = ["straightlining"]
            session.add(r)
        session.commit()
        ids = [r.id for r in chosen]
        flagged = {
            p.external_id
            for p in session.exec(
                select(Person).where(Person.id.in_([r.person_id for r in rows if r.flags]))
            )
        }
    try:
        yield flagged
    finally:
        with Session(engine) as session:
            for rid in ids:
                row = session.get(SurveyResponse, rid)
                row.flags = []
                session.add(row)
            session.commit()


def submitted_ids(engine, wave: Wave) -> set[str]:
    """External ids of everyone who submitted a response to the wave."""
    with Session(engine) as session:
        return set(
            session.exec(
                select(Person.external_id)
                .join(SurveyResponse, SurveyResponse.person_id == Person.id)
                .where(SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted")
            )
        )
