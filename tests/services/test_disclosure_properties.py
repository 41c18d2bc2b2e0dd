"""Random organisations and random sequences of HR requests against the ledger's promise.

Whatever HR asks for, in whatever order (summaries by every dimension, focus groups of
every size and mode, exports in every format, roster moves, new answers to an open
wave), an attacker who solves the least-squares system from everything released never
isolates a respondent: every leverage stays at or below 1/k, and nobody's scores come
out exact.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

from models.tables import Team
from recommender.anonymity import within_bound
from services.access import SYSTEM
from services.exports import export_focus_groups, export_summary
from services.summaries import summary
from tests.services.attacker import best_recovery, leverages
from tests.services.test_disclosure import add_respondent, organisation, truth

ROLES = ("closer", "hunter")

actions = st.one_of(
    st.tuples(st.just("summary"), st.sampled_from(("team", "sales_role", "profile"))),
    st.tuples(
        st.just("export"),
        st.sampled_from(("team", "sales_role", "profile")),
        st.sampled_from(("json", "csv", "xlsx")),
    ),
    st.tuples(
        st.just("focus"),
        st.sampled_from(("profile", "mixed")),
        st.integers(5, 8),
        st.booleans(),
        st.sampled_from(("json", "csv", "xlsx")),
    ),
    st.tuples(st.just("move"), st.integers(0, 100), st.integers(0, 3)),
    st.tuples(st.just("submit"), st.integers(0, 3), st.sampled_from(ROLES)),
)

layouts = st.lists(st.lists(st.sampled_from(ROLES), min_size=2, max_size=9), min_size=2, max_size=4)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(layout=layouts, steps=st.lists(actions, min_size=3, max_size=10), k=st.sampled_from((3, 5)))
def test_no_sequence_of_requests_isolates_a_respondent(layout, steps, k):
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    SQLModel.metadata.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            wave, people = organisation(
                session, {f"Team {i}": roles for i, roles in enumerate(layout)}
            )
            teams = session.exec(select(Team).order_by(Team.id)).all()
            late = 0
            for step in steps:
                if step[0] == "summary":
                    summary(
                        session=session, viewer=SYSTEM, by=step[1], wave=wave.name, min_group_size=k
                    )
                elif step[0] == "export":
                    export_summary(
                        session=session,
                        viewer=SYSTEM,
                        by=step[1],
                        wave=wave.name,
                        fmt=step[2],
                        min_group_size=k,
                    )
                elif step[0] == "focus":
                    _, by, size, anonymous, fmt = step
                    export_focus_groups(
                        session=session,
                        viewer=SYSTEM,
                        wave=wave.name,
                        by=by,
                        size=size,
                        anonymous=anonymous,
                        fmt=fmt,
                        min_group_size=k,
                    )
                elif step[0] == "move":
                    person = people[step[1] % len(people)]
                    person.team_id = teams[step[2] % len(teams)].id
                    session.add(person)
                    session.commit()
                else:
                    late += 1
                    add_respondent(session, wave, teams[step[1] % len(teams)], step[2], late)
            ids, h = leverages(session, wave)
            assert within_bound(h, k), float(h.max())
            if ids.size:
                assert best_recovery(session, wave, truth(session, wave)) > 0.02
    finally:
        engine.dispose()


def test_the_attacker_sees_a_group_of_k_as_the_bound_allows():
    """Sanity check of the attacker: with one group of k shown, each member's estimate
    is the group mean, so the error is each one's distance from it, never zero."""
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    SQLModel.metadata.create_all(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            wave, _ = organisation(session, {"North": ["closer"] * 5})
            data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
            assert data["total"]["n"] == 5
            ids, h = leverages(session, wave)
            assert np.allclose(h, 1 / 5)
            assert best_recovery(session, wave, truth(session, wave)) > 0.02
    finally:
        engine.dispose()
