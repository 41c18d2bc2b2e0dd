"""The demo organisation ships one running experiment that started the day it was loaded."""

from sqlmodel import func, select

from models.tables import Experiment
from seed.demo_org import demo_experiment
from services.access import SYSTEM
from services.demo import load_demo_experiment
from services.experiments import experiment_results, team_experiments
from services.waves import today


def test_the_demo_experiment_is_running_and_managers_see_it(session, factory):
    north = factory.team("North")
    boss = factory.person("manager", team=north)
    for _ in range(12):
        factory.person(team=north, manager=boss)
    spec = demo_experiment()
    experiment = load_demo_experiment(session=session, spec=spec)
    assert experiment.starts_on == today() and not experiment.retrospective
    assert experiment.status == "running"
    results = experiment_results(
        session=session, viewer=SYSTEM, ref=experiment.id, min_group_size=5
    )
    assert not results.ready and results.results_from > today()
    assert [a.key for a in results.arms] == ["control", "recognition", "experience"]
    views = team_experiments(session=session, manager=boss)
    assert [v.name for v in views] == [spec["name"]]
    # Loading the demo again keeps the one experiment.
    assert load_demo_experiment(session=session, spec=spec).id == experiment.id
    assert session.exec(select(func.count()).select_from(Experiment)).one() == 1
