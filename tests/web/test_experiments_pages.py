"""HR's experiment and KPI pages, and the `kpis` and `experiments` commands."""

import io
import json
import re
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
    Person,
    Team,
)
from services.access import SYSTEM
from services.experiments import ArmSpec, create_experiment
from services.notifications import format_day
from services.waves import today
from tests.conftest import csrf_token, login


def month(offset: int) -> str:
    """The month ``offset`` months from this one, as ``YYYY-MM``."""
    now = today()
    index = now.year * 12 + now.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


ARMS = [
    ArmSpec("control", "Control"),
    ArmSpec("recognition", "Recognition rewards", "recognition"),
    ArmSpec("experience", "Experiential rewards", "experience"),
]


def running(session, name: str, seed: int):
    """An experiment that started today: last month before, next month after."""
    return create_experiment(
        session=session,
        actor=SYSTEM,
        name=name,
        metric="revenue",
        period_before=month(-1),
        period_after=month(1),
        arms=ARMS,
        control="control",
        seed=seed,
    )


@pytest.fixture
def reps(session):
    """Sixty reps without logins in two teams; their names must never reach a results page."""
    north, south = Team(name="North"), Team(name="South")
    session.add_all([north, south])
    session.flush()
    people = [
        Person(
            external_id=f"R{i:03d}",
            name=f"Secretname{i:03d}",
            email=f"r{i}@example.test",
            team_id=(north if i < 45 else south).id,
            sales_role=("closer", "sdr")[i % 2],
        )
        for i in range(60)
    ]
    session.add_all(people)
    session.commit()
    return people


@pytest.fixture
def hr(factory, client):
    person = factory.person("hr")
    login(client, person.email)
    return person


def counts(session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Experiment, ExperimentArm, ExperimentAssignment, KPI)
    )


def simulated(session, effects: dict[str, float], *, team_names=(), missing=()) -> Experiment:
    experiment = create_experiment(
        session=session,
        actor=SYSTEM,
        name="Q4 rewards",
        metric="revenue",
        period_before="2026-Q2",
        period_after="2026-Q3",
        arms=ARMS,
        control="control",
        team_names=team_names,
        seed=3,
        today=date(2026, 7, 1),  # created as Q3 began; Q3 is over now
    )
    stmt = (
        select(ExperimentAssignment.person_id, ExperimentArm.key)
        .join(ExperimentArm, ExperimentArm.id == ExperimentAssignment.arm_id)
        .where(ExperimentAssignment.experiment_id == experiment.id)
    )
    rng = np.random.default_rng(0)
    dropped: Counter[str] = Counter()
    for person_id, key in sorted(session.exec(stmt).all()):
        level = rng.normal(100_000, 20_000)
        session.add(KPI(person_id=person_id, period="2026-Q2", metric="revenue", value=level))
        if dropped[key] < dict(missing).get(key, 0):
            dropped[key] += 1
            continue
        after = level + 2000 + rng.normal(0, 3000) + effects.get(key, 0)
        session.add(KPI(person_id=person_id, period="2026-Q3", metric="revenue", value=after))
    session.commit()
    return experiment


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/hr/experiments/", "/hr/experiments/new", "/hr/experiments/kpis"]
)
def test_pages_are_for_hr_only(client, factory, path):
    assert client.get(path).status_code == 302  # to the sign-in page
    manager = factory.person("manager")
    login(client, manager.email)
    assert client.get(path).status_code == 403


# --- creating -----------------------------------------------------------------------------


def form_data(client, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/hr/experiments/new"),
        "name": "Recognition trial",
        "description": "",
        "metric": "revenue",
        "period_before": month(-1),
        "period_after": month(1),
        "arms-0-key": "control",
        "arms-0-label": "Control",
        "arms-0-category": "",
        "arms-1-key": "recognition",
        "arms-1-label": "Recognition rewards",
        "arms-1-category": "recognition",
        "arms-2-key": "",
        "arms-2-label": "",
        "arms-2-category": "",
        "arms-3-key": "",
        "arms-3-label": "",
        "arms-3-category": "",
        "control": "0",
        "assignment": "stratified",
        "seed": "99",
    }
    data.update(overrides)
    return data


def arm_input(html: str, name: str) -> str:
    """The ``<input>`` tag of one arms-table field."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


def test_the_form_suggests_arms_as_placeholders_only(client, hr):
    html = client.get("/hr/experiments/new").get_data(as_text=True)
    assert 'placeholder="Recognition rewards"' in html
    assert 'placeholder="Experiential rewards"' in html
    for row in range(4):
        for part in ("key", "label"):
            tag = arm_input(html, f"arms-{row}-{part}")
            assert 'value=""' in tag or "value=" not in tag, tag
    assert 'value="Recognition rewards"' not in html and 'value="control"' not in html
    assert 'aria-label="Arm 1 is the control"' in html
    # Reward categories by name, not by key.
    assert '<option value="recognition">Recognition</option>' in html
    assert '<option value="experience">Experiences</option>' in html


def test_two_filled_rows_create_exactly_two_arms(client, session, hr, reps):
    data = form_data(
        client,
        **{"arms-0-key": "base", "arms-0-label": "As before", "arms-1-key": "praise"},
    )
    response = client.post("/hr/experiments/new", data=data)
    assert response.status_code == 302
    arms = session.exec(select(ExperimentArm)).all()
    assert sorted(a.key for a in arms) == ["base", "praise"]
    assert counts(session)[:3] == (1, 2, 60)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<td>Recognition</td>" in page  # the category by name, not its key


@pytest.mark.parametrize(
    "row",
    [
        {"arms-2-key": "extra"},
        {"arms-2-label": "Extra rewards"},
        {"arms-2-category": "experience"},
    ],
)
def test_a_half_filled_arm_row_is_an_error_and_keeps_what_was_typed(client, session, hr, reps, row):
    response = client.post("/hr/experiments/new", data=form_data(client, name="Kept name", **row))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was created" in html
    missing = [p for p in ("key", "label") if f"arms-2-{p}" not in row]
    for part in missing:
        assert f'id="arms-2-{part}-error"' in html
        assert 'aria-invalid="true"' in arm_input(html, f"arms-2-{part}")
    assert f'href="#arms-2-{missing[0]}"' in html  # listed in the summary too
    assert 'value="Kept name"' in html and 'value="Recognition rewards"' in html
    for name, value in row.items():
        if name.endswith("category"):
            assert f'<option selected value="{value}">' in html
        else:
            assert f'value="{value}"' in arm_input(html, name)
    assert counts(session) == (0, 0, 0, 0)


def test_create_through_the_form(client, session, hr, reps):
    response = client.post("/hr/experiments/new", data=form_data(client, teams=["South"]))
    assert response.status_code == 302
    experiment = session.exec(select(Experiment)).one()
    assert response.headers["Location"].endswith(f"/hr/experiments/{experiment.id}")
    assert (experiment.assignment, experiment.random_seed) == ("stratified", 99)
    assert counts(session)[:3] == (1, 2, 15)  # South has 15 reps
    audit = session.exec(select(AuditLog).where(AuditLog.action == "experiment.create")).one()
    assert audit.actor_id == hr.id and audit.details["teams"] == ["South"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Random, balanced within each sales role" in page
    assert "Active reps in South" in page


def test_form_errors_rerender_and_write_nothing(client, session, hr, reps):
    data = form_data(client, name="", period_before="last spring")
    response = client.post("/hr/experiments/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was created" in html
    assert "Use YYYY-MM or YYYY-Qn." in html
    assert 'value="last spring"' in html  # what was typed is kept
    assert counts(session) == (0, 0, 0, 0)


def test_service_problems_land_on_their_fields(client, session, hr, reps):
    data = form_data(
        client,
        period_before="2026-Q4",
        period_after="2026-Q2",
        **{"arms-1-key": "control", "arms-1-label": "Again"},
    )
    response = client.post("/hr/experiments/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="period_after-error"' in html and "2026-Q2 must start after 2026-Q4 ends" in html
    assert 'id="arms-error"' in html and "The key &#39;control&#39; is used twice." in html
    assert counts(session) == (0, 0, 0, 0)


def test_a_control_on_a_blank_row_is_refused(client, session, hr, reps):
    response = client.post("/hr/experiments/new", data=form_data(client, control="3"))
    assert response.status_code == 400
    assert "say which arm is the control" in response.get_data(as_text=True)
    assert counts(session) == (0, 0, 0, 0)


# --- results ------------------------------------------------------------------------------


def test_results_page_for_a_simulated_kpi_set(client, session, hr, reps):
    experiment = simulated(session, {"recognition": 9000})
    html = client.get(f"/hr/experiments/{experiment.id}").get_data(as_text=True)
    assert "Recognition rewards raised revenue by " in html
    assert "compared with Control — likely a real effect." in html
    assert "All participants, before and after (not causal)" in html
    # 20 per arm: enough to show, with the power warning about the standard effect.
    assert "The power to detect a medium effect (Hedges g = 0.5, the standard effect" in html
    assert "Secretname" not in html and "R00" not in html  # sizes only, never names
    assert '<th scope="col" class="num">People with both values</th>' in html
    listing = client.get("/hr/experiments/").get_data(as_text=True)
    assert "Q4 rewards" in listing
    # Periods the reader's way on pages (forms and files keep 2026-Q2).
    for page in (html, listing):
        assert "2nd quarter 2026" in page and "3rd quarter 2026" in page
        assert "2026-Q2" not in page and "2026-Q3" not in page


def test_small_arms_are_hidden_and_warned(client, session, hr, reps, app):
    # South has 15 reps, 5 per arm; three experience reps have no after value.
    experiment = simulated(
        session, {"recognition": 9000}, team_names=["South"], missing={"experience": 3}
    )
    html = client.get(f"/hr/experiments/{experiment.id}").get_data(as_text=True)
    assert app.config["MOTIVO_MIN_GROUP_SIZE"] == 5
    assert "too few to show" in html
    assert "Too few to show: Experiential rewards or Control has fewer than 5 people" in html
    assert "Fewer than 20 people in an arm (5 in Recognition rewards, 5 in Control)" in html
    assert "Too few people to tell whether Recognition rewards changed revenue" in html


def test_bootstrap_intervals_on_request(client, session, hr, reps):
    experiment = simulated(session, {"recognition": 9000})
    plain = client.get(f"/hr/experiments/{experiment.id}").get_data(as_text=True)
    assert "Bootstrap interval" not in plain
    html = client.get(f"/hr/experiments/{experiment.id}?bootstrap=1").get_data(as_text=True)
    assert "Bootstrap interval" in html


def test_an_unknown_experiment_is_404(client, hr):
    assert client.get("/hr/experiments/999").status_code == 404


# --- KPI import page ----------------------------------------------------------------------


def upload(client, text: str, **extra):
    data = {
        "csrf_token": csrf_token(client, "/hr/experiments/kpis"),
        "file": (io.BytesIO(text.encode("utf-8")), "kpis.csv"),
        **extra,
    }
    return client.post("/hr/experiments/kpis", data=data, content_type="multipart/form-data")


def test_kpi_import_page_imports_and_shows_coverage(client, session, hr, reps):
    text = "person,period,metric,value\nR000,2026-Q2,revenue,100\nR001,2026-Q2,revenue,200\n"
    response = upload(client, text)
    assert response.status_code == 302
    html = client.get("/hr/experiments/kpis").get_data(as_text=True)
    assert "Imported kpis.csv: 2 new, 0 changed and 0 unchanged KPI values." in html
    assert '<th scope="row">2nd quarter 2026</th>' in html  # 2026-Q2, the reader's way
    assert '<td class="num">2</td>' in html
    assert counts(session)[3] == 2


def test_kpi_import_page_lists_every_problem_and_writes_nothing(client, session, hr, reps):
    text = "person,period,metric,value\nR000,2026-Q2,revenue,lots\nNOBODY,2026-Q9,revenue,1\n"
    response = upload(client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported. Fix these rows" in html
    assert "row 2, column value: &#39;lots&#39; is not a number" in html
    assert "row 3, column person: unknown person &#39;NOBODY&#39;" in html
    assert "row 3, column period: &#39;2026-Q9&#39; is not a period" in html
    assert counts(session)[3] == 0


def test_kpi_import_page_can_allow_new_metrics(client, session, hr, reps):
    text = "person,period,metric,value\nR000,2026-Q2,demos,4\n"
    assert upload(client, text).status_code == 400
    assert upload(client, text, allow_new_metrics="y").status_code == 302
    assert counts(session)[3] == 1


# --- command line -------------------------------------------------------------------------


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_cli_kpis_import_list_and_errors(runner, session, reps, tmp_path):
    good = tmp_path / "kpis.csv"
    good.write_text(
        "person,period,metric,value\nR000,2026-Q2,revenue,100\nR001,2026-06,calls,30\n",
        encoding="utf-8",
    )
    result = invoke(runner, "kpis", "import", str(good))
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.stderr
    again = invoke(runner, "kpis", "import", str(good))
    assert "0 created, 0 updated, 2 unchanged" in again.stderr

    listed = invoke(runner, "kpis", "list", "--format", "json")
    assert json.loads(listed.stdout) == [
        {"period": "2026-Q2", "metric": "revenue", "people": 1},
        {"period": "2026-06", "metric": "calls", "people": 1},
    ]
    csv_out = invoke(runner, "kpis", "list", "--metric", "calls", "--format", "csv")
    # Text cells are quoted (a spreadsheet splitting on ";" sees no formula), numbers not.
    assert csv_out.stdout.splitlines() == ["period,metric,people", '"2026-06","calls",1']

    bad = tmp_path / "bad.csv"
    bad.write_text("person,period,metric,value\nR000,2026-Q2,revnue,1\n", encoding="utf-8")
    failed = invoke(runner, "kpis", "import", str(bad))
    assert failed.exit_code == 1 and failed.stdout == ""
    assert "row 2, column metric: unknown metric 'revnue'" in failed.stderr
    allowed = invoke(runner, "kpis", "import", str(bad), "--allow-new-metrics")
    assert allowed.exit_code == 0 and "new metric(s): revnue" in allowed.stderr


def test_cli_experiments_create_list_results(runner, session, reps):
    created = invoke(
        runner,
        "experiments", "create", "Q4 rewards",
        "--metric", "revenue", "--before", "2026-Q2", "--after", "2026-Q4",
        "--arm", "control:Control",
        "--arm", "recognition:Recognition rewards:recognition",
        "--control", "control", "--team", "North", "--stratified", "--seed", "5",
        "--retrospective",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "stratified assignment, seed 5" in created.stderr
    experiment = session.exec(select(Experiment)).one()
    assert counts(session)[:3] == (1, 2, 45)

    listed = json.loads(invoke(runner, "experiments", "list", "--format", "json").stdout)
    assert [(e["name"], e["arms"], e["people"]) for e in listed] == [("Q4 rewards", 2, 45)]

    stmt = select(ExperimentAssignment.person_id, ExperimentArm.key).join(
        ExperimentArm, ExperimentArm.id == ExperimentAssignment.arm_id
    )
    rng = np.random.default_rng(1)
    for person_id, key in session.exec(stmt).all():
        level = rng.normal(50_000, 10_000)
        after = level + rng.normal(0, 1000) + (6000 if key == "recognition" else 0)
        session.add(KPI(person_id=person_id, period="2026-Q2", metric="revenue", value=level))
        session.add(KPI(person_id=person_id, period="2026-Q4", metric="revenue", value=after))
    session.commit()

    result = invoke(
        runner, "experiments", "results", "Q4 rewards", "--bootstrap", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    comparison = data["comparisons"][0]
    assert comparison["verdict"] == "effect" and comparison["bootstrap"]["method"] == "bootstrap"
    assert data["design"] == "observational" and comparison["observational"]
    assert data["random_seed"] == experiment.random_seed == 5
    assert data["before_after_all_participants"]["causal"] is False
    table = invoke(runner, "experiments", "results", "Q4 rewards")
    assert "Observational, not an experiment: Recognition rewards raised revenue by" in table.stdout
    assert table.stdout.startswith("Observational, not an experiment.")
    assert "not causal" in table.stdout
    exports = session.exec(
        select(AuditLog).where(AuditLog.action == "experiment.results_export")
    ).all()
    assert len(exports) == 2

    change = invoke(
        runner, "kpis", "change", "--metric", "revenue", "--before", "2026-Q2",
        "--after", "2026-Q4", "--team", "North", "--format", "json",
    )  # fmt: skip
    assert json.loads(change.stdout)["n"] == 45
    # Everyone: the reps outside North have no revenue, so nothing is shown, and it says why.
    everyone = invoke(
        runner, "kpis", "change", "--metric", "revenue", "--before", "2026-Q2",
        "--after", "2026-Q4",
    )  # fmt: skip
    assert "Not shown:" in everyone.stdout and "no revenue value" in everyone.stdout


def test_cli_experiments_create_problems_exit_1(runner, session, reps):
    result = invoke(
        runner,
        "experiments", "create", "Bad",
        "--metric", "revenue", "--before", "2026-Q2", "--after", "2026-Q1",
        "--arm", "control:Control", "--control", "nobody",
    )  # fmt: skip
    assert result.exit_code == 1 and result.stdout == ""
    assert "period_after: 2026-Q1 must start after 2026-Q2 ends" in result.stderr
    assert "arms: give at least two arms" in result.stderr
    assert "control: 'nobody' is not one of the arms" in result.stderr
    assert counts(session) == (0, 0, 0, 0)
    unknown = invoke(runner, "experiments", "results", "Nope")
    assert unknown.exit_code == 1 and "No experiment called 'Nope'" in unknown.stderr


# --- not retroactive ----------------------------------------------------------------------


def test_the_form_refuses_periods_that_are_over_unless_marked_retrospective(
    client, session, hr, reps
):
    data = form_data(client, period_before=month(-3), period_after=month(-1))
    response = client.post("/hr/experiments/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="period_after-error"' in html
    assert "must begin on or after the day the experiment starts" in html
    assert counts(session) == (0, 0, 0, 0)
    data = form_data(client, period_before=month(-3), period_after=month(-1), retrospective="y")
    response = client.post("/hr/experiments/new", data=data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Observational, not an experiment" in page
    listing = client.get("/hr/experiments/").get_data(as_text=True)
    assert "observational" in listing


def test_a_start_date_in_the_past_is_refused_on_its_field(client, session, hr, reps):
    yesterday = (today() - timedelta(days=1)).isoformat()
    response = client.post("/hr/experiments/new", data=form_data(client, starts_on=yesterday))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="starts_on-error"' in html
    assert counts(session) == (0, 0, 0, 0)


def test_a_running_experiment_says_when_its_results_come(client, session, hr, reps):
    response = client.post("/hr/experiments/new", data=form_data(client))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Running since " + format_day(today(), "en") in html
    assert "Results are shown from" in html and "likely a real effect" not in html
    assert "Observational" not in html


def test_a_manager_sees_their_reps_arms_on_the_team_page(app, session, reps, factory):
    manager = factory.person("manager", name="Mona Manager")
    for rep in reps[:30]:
        rep.manager_id = manager.id
        session.add(rep)
    session.commit()
    running(session, "Winter recognition", seed=3)
    client = app.test_client()
    login(client, manager.email)
    html = client.get("/team/").get_data(as_text=True)
    section = html.split('id="experiments-heading"')[1].split("</section>")[0]
    assert "Winter recognition" in section, section
    assert "Carry on as usual" in section, section
    assert "Give these reps rewards from the category" in section
    assert all(f"<bdi>{rep.name}</bdi>" in section for rep in reps[:30])
    assert reps[30].name not in section
    nb = client.get("/team/?lang=nb")
    assert nb.status_code == 200


def test_experiment_pages_in_norwegian(client, session, hr, reps):
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    running = client.post("/hr/experiments/new", data=form_data(client))
    html = client.get(running.headers["Location"]).get_data(as_text=True)
    assert "Resultatene vises fra" in html and "Pågår siden" in html
    old = client.post(
        "/hr/experiments/new",
        data=form_data(
            client, name="Old", period_before=month(-3), period_after=month(-1), retrospective="y"
        ),
    )
    html = client.get(old.headers["Location"]).get_data(as_text=True)
    assert "Observasjon, ikke et eksperiment." in html
    assert "observasjon, ikke et eksperiment" in client.get("/hr/experiments/").get_data(
        as_text=True
    )


def test_replacing_stored_kpi_values_asks_first(client, session, hr, reps):
    text = "person,period,metric,value\nR000,2026-Q2,revenue,100\nR001,2026-Q2,revenue,200\n"
    assert upload(client, text).status_code == 302
    changed = text.replace("R001,2026-Q2,revenue,200", "R001,2026-Q2,revenue,250")
    asked = upload(client, changed)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "1 stored KPI value will be replaced by the file" in html
    from models.tables import KPI

    assert sorted(v for v in session.exec(select(KPI.value))) == [100, 200]
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)
    assert upload(client, changed, confirm="1", digest=digest).status_code == 302
    session.expire_all()
    assert sorted(v for v in session.exec(select(KPI.value))) == [100, 250]


def test_finishing_asks_first_then_ends_the_experiment(app, client, session, factory, reps):
    experiment = running(session, "Spring test", seed=3)
    url = f"/hr/experiments/{experiment.id}/finish"
    as_manager = app.test_client()
    login(as_manager, factory.person("manager").email)
    token = csrf_token(as_manager, "/team/")
    assert as_manager.post(url, data={"csrf_token": token}).status_code == 403

    login(client, factory.person("hr").email)
    token = csrf_token(client, f"/hr/experiments/{experiment.id}")
    asked = client.post(url, data={"csrf_token": token})
    assert asked.status_code == 200 and "Finish the experiment Spring test?" in asked.text
    session.refresh(experiment)
    assert experiment.status == "running"
    done = client.post(url, data={"csrf_token": token, "confirm": "1"})
    assert done.status_code == 302
    session.refresh(experiment)
    assert experiment.status == "finished"
    page = client.get(f"/hr/experiments/{experiment.id}").text
    assert "Finished" in page and "Finish the experiment…" not in page
    finished = select(func.count()).where(AuditLog.action == "experiment.finish")
    assert session.exec(finished).one() == 1


def test_cli_finishes_an_experiment_and_says_so(runner, session, reps):
    running(session, "Autumn test", seed=5)
    result = invoke(runner, "experiments", "finish", "Autumn test")
    assert result.exit_code == 0, result.output
    assert "is finished" in result.output
    listed = json.loads(invoke(runner, "experiments", "list", "--format", "json").output)
    assert [(e["name"], e["status"]) for e in listed] == [("Autumn test", "finished")]
    missing = invoke(runner, "experiments", "finish", "Nope")
    assert missing.exit_code != 0 and "No experiment called 'Nope'" in missing.output


def test_a_month_reads_as_a_month_in_either_language(app):
    from web.filters import period

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert period("2026-11") == "November 2026"
        assert period("not a period") == "not a period"
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert period("2026-11") == "november 2026"
        assert period("2026-Q4") == "4. kvartal 2026"


def test_the_categories_a_manager_should_leave_alone_read_as_alternatives(app):
    """The team page told managers "Do not give them extra rewards from Experiences,
    Recognition": a list of alternatives takes "or" ("eller")."""
    from flask import render_template_string

    sentence = "{{ ['experience', 'recognition']|map('category_label')|or_list }}"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render_template_string(sentence) == "Experiences or Recognition"
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert " eller " in render_template_string(sentence)
