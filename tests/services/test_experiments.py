"""Experiments: creation all or nothing, reproducible and stratified assignment, results."""

from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from sqlmodel import func, select

from models.tables import (
    KPI,
    AuditLog,
    Experiment,
    ExperimentArm,
    ExperimentAssignment,
    ModelArtefact,
    Person,
    Team,
)
from services import experiments
from services.access import SYSTEM
from services.errors import InvalidInput, NotAllowed, NotFound
from services.experiments import (
    ArmSpec,
    create_experiment,
    experiment_detail,
    experiment_results,
    find_experiment,
    finish_experiment,
    format_figure,
    list_experiments,
    parse_arm,
    precision,
    programme_change,
    strata_for,
    team_experiments,
)
from services.waves import today

ARMS = [
    ArmSpec("control", "Control"),
    ArmSpec("recognition", "Recognition rewards", "recognition"),
    ArmSpec("experience", "Experiential rewards", "experience"),
]
ROLES = ("closer", "sdr", "account_manager")


@pytest.fixture
def org(session):
    """Two teams of reps with three sales roles, plus people who are never in an audience."""
    north, south = Team(name="North"), Team(name="South")
    session.add_all([north, south])
    session.flush()
    reps = []
    for i in range(90):
        reps.append(
            Person(
                external_id=f"R{i:03d}",
                name=f"Rep {i}",
                email=f"r{i}@example.test",
                team_id=(north if i < 60 else south).id,
                sales_role=ROLES[i % 3],
            )
        )
    others = [
        Person(external_id="M1", name="Manager", email="m1@example.test", access="manager"),
        Person(external_id="H1", name="HR", email="h1@example.test", access="hr"),
        Person(external_id="X1", name="Gone", email="x1@example.test", active=False),
    ]
    session.add_all(reps + others)
    session.commit()
    return {"reps": reps, "hr": others[1], "manager": others[0], "gone": others[2]}


# Created at the start of Q3 2026, so its Q2 baseline is over and its Q3 after period lies
# ahead of the start; Q3 has ended by now, so its results can be read.
CREATED = date(2026, 7, 1)


def create(session, name="Q4 rewards", **kwargs):
    values = {
        "session": session,
        "actor": SYSTEM,
        "name": name,
        "metric": "revenue",
        "period_before": "2026-Q2",
        "period_after": "2026-Q3",
        "today": CREATED,
        "arms": ARMS,
        "control": "control",
        "seed": 7,
    }
    values.update(kwargs)
    return create_experiment(**values)


def assignment(session, experiment) -> dict[int, str]:
    stmt = (
        select(ExperimentAssignment.person_id, ExperimentArm.key)
        .join(ExperimentArm, ExperimentArm.id == ExperimentAssignment.arm_id)
        .where(ExperimentAssignment.experiment_id == experiment.id)
    )
    return dict(session.exec(stmt).all())


def counts(session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Experiment, ExperimentArm, ExperimentAssignment, AuditLog)
    )


def plant_kpis(session, experiment, effects: dict[str, float], *, seed=0, skip=()):
    """Revenue before and after for everyone assigned; ``effects`` adds to an arm's after."""
    rng = np.random.default_rng(seed)
    rows = []
    for person_id, key in sorted(assignment(session, experiment).items()):
        if key in skip:
            continue
        level = rng.normal(100_000, 20_000)
        before = level + rng.normal(0, 4000)
        after = level + 2000 + rng.normal(0, 4000) + effects.get(key, 0.0)
        rows.append(KPI(person_id=person_id, period="2026-Q2", metric="revenue", value=before))
        rows.append(KPI(person_id=person_id, period="2026-Q3", metric="revenue", value=after))
    session.add_all(rows)
    session.commit()


# --- creation ---------------------------------------------------------------------------


def test_create_assigns_every_active_rep_once_and_audits(session, org):
    experiment = create(session, actor=org["hr"], description="Does recognition help?")
    arms = session.exec(select(ExperimentArm).where(ExperimentArm.experiment_id == experiment.id))
    arms = {a.key: a for a in arms}
    assert set(arms) == {"control", "recognition", "experience"}
    assert [k for k, a in arms.items() if a.is_control] == ["control"]
    assert arms["recognition"].reward_category == "recognition"

    assigned = assignment(session, experiment)
    assert set(assigned) == {p.id for p in org["reps"]}  # not managers, HR or inactive people
    assert sorted(Counter(assigned.values()).values()) == [30, 30, 30]
    assert experiment.random_seed == 7 and experiment.assignment == "random"

    audit = session.exec(select(AuditLog).where(AuditLog.action == "experiment.create")).one()
    assert audit.actor_id == org["hr"].id and audit.target == "Q4 rewards"
    assert audit.details["random_seed"] == 7
    assert audit.details["arm_sizes"] == {"control": 30, "recognition": 30, "experience": 30}


def test_the_seed_reproduces_the_assignment(session, org):
    first = create(session, name="A", seed=12345)
    second = create(session, name="B", seed=12345)
    third = create(session, name="C", seed=54321)
    assert assignment(session, first) == assignment(session, second)
    assert assignment(session, first) != assignment(session, third)


def test_a_seed_is_chosen_and_stored_when_none_is_given(session, org):
    experiment = create(session, seed=None)
    again = create(session, name="again", seed=experiment.random_seed)
    assert assignment(session, experiment) == assignment(session, again)


def test_teams_limit_the_audience(session, org):
    experiment = create(session, team_names=["South"])
    south = {p.id for p in org["reps"][60:]}
    assert set(assignment(session, experiment)) == south
    assert experiment_detail(session=session, viewer=SYSTEM, ref=experiment.id).teams == ["South"]


def test_stratified_without_a_model_balances_sales_roles(session, org):
    # 90 reps: 30 per role, 3 arms, so exactly 10 of each role in each arm.
    experiment = create(session, stratified=True, arms=ARMS)
    roles = {p.id: p.sales_role for p in org["reps"]}
    per_role_arm = Counter((roles[p], arm) for p, arm in assignment(session, experiment).items())
    assert set(per_role_arm.values()) == {10}
    detail = experiment_detail(session=session, viewer=SYSTEM, ref=experiment.name)
    assert experiment.assignment == "stratified" and detail.strata == "sales_role"


def test_stratified_uses_motivation_profiles_when_there_is_a_model(session, org, monkeypatch):
    reps = org["reps"]
    # Profiles that cut across sales roles; ten reps have no profile (no survey).
    profiles = {p.id: (i // 4) % 2 for i, p in enumerate(reps[:80])}
    monkeypatch.setattr(experiments, "profile_assignments", lambda *, session: profiles)
    arms = ARMS[:2]
    experiment = create(session, stratified=True, arms=arms)
    assigned = assignment(session, experiment)
    for profile in (0, 1, None):
        members = [p.id for p in reps if profiles.get(p.id) == profile]
        sizes = Counter(assigned[m] for m in members)
        assert abs(sizes["control"] - sizes["recognition"]) <= 1, profile
    assert experiment_detail(session=session, viewer=SYSTEM, ref=experiment.id).strata == "profile"


def test_profiles_of_people_who_turned_personalisation_off_are_not_used(session, org, monkeypatch):
    reps = org["reps"]
    for rep in reps[:30]:
        rep.personalise = False
    session.commit()
    monkeypatch.setattr(
        experiments, "profile_assignments", lambda *, session: {p.id: 1 for p in reps}
    )
    strata, source = strata_for(session, [p.id for p in reps])
    assert source == "profile"
    assert Counter(strata.values()) == {None: 30, 1: 60}


def test_a_missing_model_falls_back_to_sales_roles(session, org):
    assert session.exec(select(func.count()).select_from(ModelArtefact)).one() == 0
    strata, source = strata_for(session, [p.id for p in org["reps"]])
    assert source == "sales_role"
    assert set(strata.values()) == set(ROLES)


def test_every_problem_is_reported_and_nothing_is_written(session, org):
    create(session)
    before = counts(session)
    with pytest.raises(InvalidInput) as caught:
        create(
            session,
            metric="revnue",
            period_before="2026-Q4",
            period_after="2026-13",
            arms=[ArmSpec("control", "Control"), ArmSpec("Bad Key!", "", "money")],
            control="nobody",
            team_names=["Atlantis"],
            seed=-1,
        )
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "name",
        "metric",
        "period_after",
        "arms",
        "arms",
        "arms",
        "control",
        "teams",
        "seed",
    ]
    assert "exists already" in problems[0]
    assert counts(session) == before


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"period_before": "2026-Q4", "period_after": "2026-Q2"}, "2026-Q2 must start after"),
        ({"period_before": "2026-Q3", "period_after": "2026-09"}, "same kind of period"),
        ({"period_before": "2026-Q3", "period_after": "2026-Q3"}, "must start after"),
        ({"arms": [ArmSpec("control", "Control")]}, "at least two arms"),
        (
            {"arms": [ArmSpec("control", "C"), ArmSpec("control", "D")]},
            "the key 'control' is used twice",
        ),
        ({"control": ""}, "say which arm is the control"),
        ({"team_names": ["North", "Nowhere"]}, "no team called 'Nowhere'"),
    ],
)
def test_single_problems(session, org, kwargs, problem):
    with pytest.raises(InvalidInput) as caught:
        create(session, **kwargs)
    assert any(problem in p for p in caught.value.problems), caught.value.problems
    assert counts(session) == (0, 0, 0, 0)


def test_an_audience_smaller_than_the_arms_is_refused(session, factory):
    team = factory.team("Tiny")
    factory.person("rep", team=team)
    factory.person("rep", team=team)
    with pytest.raises(InvalidInput) as caught:
        create(session, team_names=["Tiny"])
    assert "2 active reps in the chosen teams, fewer than the 3 arms" in str(caught.value)


def test_only_hr_may_create_and_read(session, org):
    with pytest.raises(NotAllowed):
        create(session, actor=org["manager"])
    create(session, actor=org["hr"])
    with pytest.raises(NotAllowed):
        list_experiments(session=session, viewer=org["reps"][0])
    with pytest.raises(NotAllowed):
        experiment_results(
            session=session, viewer=org["manager"], ref="Q4 rewards", min_group_size=5
        )


def test_list_and_find(session, org):
    create(session, name="First")
    create(session, name="Second", arms=ARMS[:2])
    rows = list_experiments(session=session, viewer=SYSTEM)
    assert [(r.name, r.arms, r.people) for r in rows] == [("Second", 2, 90), ("First", 3, 90)]
    assert find_experiment(session, "First").name == "First"
    assert find_experiment(session, rows[0].id).name == "Second"
    with pytest.raises(NotFound):
        find_experiment(session, "Third")


def test_parse_arm():
    assert parse_arm("recognition:Recognition rewards:recognition") == ArmSpec(
        "recognition", "Recognition rewards", "recognition"
    )
    assert parse_arm("control:Control") == ArmSpec("control", "Control", None)
    with pytest.raises(InvalidInput):
        parse_arm("control")


# --- results ------------------------------------------------------------------------------


def test_results_find_a_planted_effect(session, org):
    experiment = create(session)
    plant_kpis(session, experiment, {"recognition": 8000}, seed=1)
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.name, min_group_size=5
    )
    by_arm = {c.arm: c for c in results.comparisons}
    recognition = by_arm["recognition"]
    assert recognition.verdict == "effect"
    assert recognition.stats.difference.low < 8000 < recognition.stats.difference.high
    assert recognition.sentence.startswith("Recognition rewards raised revenue by ")
    assert "per rep compared with Control — likely a real effect." in recognition.sentence
    # 30 per arm cannot reliably detect a medium effect, so the null arm is not called "no
    # difference", and the reason is given.
    experience = by_arm["experience"]
    assert experience.verdict == "too_few"
    assert any("Power to detect a medium effect" in w for w in experience.warnings)
    assert [a.summary.n for a in results.arms] == [30, 30, 30]
    assert results.overall.n == 90 and results.overall.causal is False
    data = results.as_dict()
    assert data["before_after_all_participants"]["causal"] is False
    assert data["comparisons"][0]["verdict"] == "effect"


def test_results_show_no_figures_for_an_arm_under_the_minimum(session, org):
    experiment = create(session, team_names=["South"], arms=ARMS)  # 30 reps, 10 per arm
    plant_kpis(session, experiment, {"recognition": 5000})
    assigned = assignment(session, experiment)
    # Only three experience reps keep both values: below a minimum group size of 5.
    experience = sorted(p for p, key in assigned.items() if key == "experience")
    for kpi in session.exec(select(KPI).where(KPI.person_id.in_(experience[3:]))):
        session.delete(kpi)
    session.commit()

    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    arms = {a.key: a for a in results.arms}
    assert arms["experience"].hidden and arms["experience"].summary is None
    assert arms["experience"].assigned == 10
    hidden = next(c for c in results.comparisons if c.arm == "experience")
    assert hidden.verdict == "hidden" and hidden.stats is None
    assert hidden.sentence.startswith("Too few to show")
    # The hidden arm takes no part in the overall figure, so it cannot be worked out.
    assert results.overall.n == 20
    shown = next(c for c in results.comparisons if c.arm == "recognition")
    assert "small_arm" in shown.stats.warnings and shown.verdict == "too_few"
    assert any(w.startswith("Fewer than 20 people in an arm") for w in shown.warnings)


def test_a_hidden_control_hides_every_comparison(session, org):
    experiment = create(session, team_names=["South"])
    plant_kpis(session, experiment, {}, skip=("control",))
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    assert {c.verdict for c in results.comparisons} == {"hidden"}
    assert [a.hidden for a in results.arms] == [True, False, False]


def test_results_before_any_kpis(session, org):
    experiment = create(session)
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    assert all(a.hidden for a in results.arms)
    assert results.overall is None and results.overall_hidden


def test_bootstrap_results_are_reproducible(session, org):
    experiment = create(session)
    plant_kpis(session, experiment, {"recognition": 8000})
    first = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5, bootstrap=True
    )
    again = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5, bootstrap=True
    )
    assert first.comparisons[0].stats.bootstrap is not None
    assert first.comparisons[0].stats.bootstrap == again.comparisons[0].stats.bootstrap


def test_an_export_is_audited(session, org):
    experiment = create(session)
    experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5, export=True
    )
    audit = session.exec(
        select(AuditLog).where(AuditLog.action == "experiment.results_export")
    ).one()
    assert audit.target == experiment.name


def test_programme_change_is_paired_and_not_causal(session, org):
    experiment = create(session)
    plant_kpis(session, experiment, {})
    change = programme_change(
        session=session,
        viewer=SYSTEM,
        metric="revenue",
        period_before="2026-Q2",
        period_after="2026-Q3",
        min_group_size=5,
    )
    assert change.summary.n == 90 and not change.hidden
    assert change.summary.change.low < 2000 < change.summary.change.high
    assert change.as_dict()["causal"] is False
    few = programme_change(
        session=session,
        viewer=SYSTEM,
        metric="revenue",
        period_before="2026-Q1",
        period_after="2026-Q3",
        min_group_size=5,
    )
    assert few.hidden and few.summary is None


@pytest.mark.parametrize(
    ("value", "spread", "text"),
    [
        (8437.2, 7200, "8,400"),
        (-8437.2, 7200, "-8,400"),
        (0.03412, 0.021, "0.034"),
        (12.5, 3.1, "12.5"),
        (-0.0001, 0.5, "0.00"),
    ],
)
def test_figures_are_rounded_to_what_the_interval_supports(value, spread, text):
    assert format_figure(value, precision(spread)) == text


# --- not retroactive ------------------------------------------------------------------------


def month(offset: int) -> str:
    """The month ``offset`` months from this one, as ``YYYY-MM``."""
    now = today()
    index = now.year * 12 + now.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def test_an_experiment_cannot_start_in_the_past(session, org):
    with pytest.raises(InvalidInput) as caught:
        create(
            session,
            today=None,
            starts_on=today() - timedelta(days=1),
            period_before=month(-1),
            period_after=month(1),
        )
    assert any(p.startswith("starts_on:") for p in caught.value.problems)
    assert counts(session) == (0, 0, 0, 0)


def test_periods_that_are_over_are_refused_unless_marked_retrospective(session, org):
    # Created today, "before" three months ago and "after" last month: the arms never
    # received anything in the after period, so this cannot be an experiment.
    past = {"today": None, "period_before": month(-3), "period_after": month(-1)}
    with pytest.raises(InvalidInput) as caught:
        create(session, **past)
    assert [p.split(":")[0] for p in caught.value.problems] == ["period_after"]
    assert "on or after the day the experiment starts" in caught.value.problems[0]
    assert counts(session) == (0, 0, 0, 0)
    # A baseline that runs into the experiment is refused too.
    with pytest.raises(InvalidInput) as caught:
        create(session, today=None, period_before=month(0), period_after=month(1))
    assert [p.split(":")[0] for p in caught.value.problems] == ["period_before"]

    experiment = create(session, retrospective=True, **past)
    assert experiment.retrospective and experiment.starts_on is None


def test_a_retrospective_comparison_is_labelled_observational_everywhere(session, org):
    experiment = create(
        session, retrospective=True, today=None, period_before="2026-Q2", period_after="2026-Q3"
    )
    plant_kpis(session, experiment, {"recognition": 8000}, seed=1)
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    assert results.observational and results.ready
    label = "Observational, not an experiment"
    assert all(c.sentence.startswith(label) for c in results.comparisons)
    assert results.notes[0].startswith(label)
    data = results.as_dict()
    assert data["design"] == "observational" and data["label"].startswith(label)
    assert all(c["observational"] and c["sentence"].startswith(label) for c in data["comparisons"])
    listed = list_experiments(session=session, viewer=SYSTEM)[0]
    assert listed.design == "observational"


def test_results_wait_until_the_after_period_is_over(session, org):
    experiment = create(session, today=None, period_before=month(-1), period_after=month(1))
    assert experiment.starts_on == today() and not experiment.retrospective
    # Figures in the after period already (say, typed in early) show nothing yet.
    for person_id in assignment(session, experiment):
        session.add(KPI(person_id=person_id, period=month(-1), metric="revenue", value=1.0))
        session.add(KPI(person_id=person_id, period=month(1), metric="revenue", value=9.0))
    session.commit()
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    assert not results.ready and not results.observational
    assert all(a.summary is None for a in results.arms) and results.comparisons == []
    assert results.overall is None
    assert results.results_from > today()
    assert results.as_dict()["ready"] is False and "comparisons" not in results.as_dict()


def test_a_future_start_date_moves_the_earliest_after_period(session, org):
    start = today() + timedelta(days=70)
    with pytest.raises(InvalidInput) as caught:
        create(session, today=None, starts_on=start, period_before=month(0), period_after=month(1))
    assert [p.split(":")[0] for p in caught.value.problems] == ["period_after"]
    experiment = create(
        session, today=None, starts_on=start, period_before=month(0), period_after=month(4)
    )
    assert experiment.starts_on == start


def test_a_manager_sees_which_arm_each_of_their_reps_is_in_and_what_to_do(session, org):
    manager = org["manager"]
    mine = org["reps"][:9]
    for rep in mine:
        rep.manager_id = manager.id
        session.add(rep)
    session.commit()
    running = create(session, today=None, period_before=month(-1), period_after=month(1))
    create(session, name="Old look", retrospective=True, today=None)
    views = team_experiments(session=session, manager=manager)
    assert [v.name for v in views] == [running.name]  # observational comparisons: no arms
    view = views[0]
    assert sum(len(a.people) for a in view.arms) == 9
    assert {p.id for a in view.arms for p in a.people} == {p.id for p in mine}
    by_key = {a.key: a for a in view.arms}
    assert by_key["control"].instruction == "control"
    assert by_key["recognition"].instruction == "category"
    assert by_key["recognition"].reward_category == "recognition"
    assert view.ends_on == date.fromisoformat(month(1) + "-01").replace(day=1) + timedelta(
        days=40
    ) - timedelta(days=(date.fromisoformat(month(1) + "-01") + timedelta(days=40)).day)
    with pytest.raises(NotAllowed):
        team_experiments(session=session, manager=org["reps"][0])


def test_finishing_an_experiment_ends_it_for_managers_and_keeps_its_results(session, org):
    manager = org["manager"]
    for rep in org["reps"][:9]:
        rep.manager_id = manager.id
        session.add(rep)
    session.commit()
    running = create(session, today=None, period_before=month(-1), period_after=month(1))
    assert [v.name for v in team_experiments(session=session, manager=manager)] == [running.name]
    with pytest.raises(NotAllowed):
        finish_experiment(session=session, actor=manager, ref=running.name)
    assert session.get(Experiment, running.id).status == "running"

    finished = finish_experiment(session=session, actor=org["hr"], ref=running.name)
    assert finished.status == "finished"
    assert team_experiments(session=session, manager=manager) == []
    # People stay assigned, so the results can still be read once the after period is over.
    assert len(assignment(session, running)) == 90
    # A second click changes nothing and writes no second audit row.
    finish_experiment(session=session, actor=org["hr"], ref=running.id)
    audits = session.exec(select(AuditLog).where(AuditLog.action == "experiment.finish")).all()
    assert [a.target for a in audits] == [running.name]
    listed = {e.name: e.status for e in list_experiments(session=session, viewer=SYSTEM)}
    assert listed[running.name] == "finished"


def test_two_overlapping_team_filters_never_give_away_a_small_teams_values(session, org):
    """North and a one-person team together, then North alone: their difference was the
    one person's exact revenue in both periods. People in a team with fewer active reps than
    the minimum never count, in any filter, so no two filters differ by fewer than the
    minimum; each run is audited."""
    experiment = create(session)
    plant_kpis(session, experiment, {})
    tiny = Team(name="Tiny")
    session.add(tiny)
    session.flush()
    lone = Person(external_id="T1", name="Tor", email="t1@example.test", team_id=tiny.id)
    session.add(lone)
    session.flush()
    session.add_all(
        [
            KPI(person_id=lone.id, period="2026-Q2", metric="revenue", value=200_300),
            KPI(person_id=lone.id, period="2026-Q3", metric="revenue", value=255_000),
        ]
    )
    session.commit()

    def change(*teams):
        return programme_change(
            session=session,
            viewer=org["hr"],
            metric="revenue",
            period_before="2026-Q2",
            period_after="2026-Q3",
            team_names=teams,
            min_group_size=5,
        )

    both, north, alone, everyone = (
        change("North", "Tiny"),
        change("North"),
        change("Tiny"),
        change(),
    )
    assert alone.hidden
    assert both.summary.n == north.summary.n
    assert both.summary.mean_before == north.summary.mean_before
    assert everyone.summary.n == 90 and everyone.as_dict()["left_out"] == 1
    runs = session.exec(select(AuditLog).where(AuditLog.action == "kpis.change")).all()
    assert len(runs) == 4 and all(r.actor_id == org["hr"].id for r in runs)


def test_a_rep_without_a_value_in_one_period_hides_the_run(session, org):
    """Q2-Q3 over 59 reps (one has no Q3 value) less Q2-Q4 over all 60 gave that rep's Q2
    revenue. Who counts comes from the roster, so a run with a gap shows nothing."""
    experiment = create(session)
    plant_kpis(session, experiment, {})
    gap = org["reps"][0]
    session.add_all(
        [
            KPI(person_id=r.id, period="2026-Q4", metric="revenue", value=1000.0 * (i + 1))
            for i, r in enumerate(org["reps"])
        ]
    )
    q3 = session.exec(select(KPI).where(KPI.person_id == gap.id, KPI.period == "2026-Q3")).one()
    session.delete(q3)
    session.commit()

    def change(after):
        return programme_change(
            session=session,
            viewer=SYSTEM,
            metric="revenue",
            period_before="2026-Q2",
            period_after=after,
            team_names=["North"],
            min_group_size=5,
        )

    with_gap, complete = change("2026-Q3"), change("2026-Q4")
    assert with_gap.hidden and with_gap.summary is None and with_gap.missing == 1
    assert not complete.hidden and complete.summary.n == 60
