"""Attacks on what concurrent requests could break: budgets, training, answer imports.

Every test here uses real threads or processes against the real databases (an SQLite
file and, when MOTIVO_TEST_DATABASE_URL is set, PostgreSQL), never a mock of either.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.tables import (
    Answer,
    AuditLog,
    Budget,
    Grant,
    ModelArtefact,
    Reward,
    SurveyResponse,
    TrainingJob,
    utc_today,
    utcnow,
)
from services.access import SYSTEM
from services.budgets import OverBudget, budget_status, current_quarter
from services.errors import InvalidInput
from services.grants import give_reward
from services.instruments import definition, ensure_default_instrument
from services.responses import to_answer_row
from services.responses_import import import_responses
from services.tabular import read_table_bytes
from services.training import TrainingResult, TrainingRunning, train_model
from services.waves import open_wave
from tests.conftest import csrf_token, login
from tests.services.test_training import small_org

MOTIVO = str(Path(sys.executable).with_name("motivo"))

N_GIVES = 40
COST = 100.0
LIMIT = 1000.0  # room for ten gives


def _reward(session, slug: str = "team-lunch", cost: float = COST) -> Reward:
    reward = Reward(
        slug=slug,
        name={"en": "Team lunch", "nb": "Teamlunsj"},
        category="recognition",
        visibility="private",
        scope="individual",
        roles=["all"],
        cost_band=1,
        cost=cost,
        horizon="short",
    )
    session.add(reward)
    session.commit()
    return reward


def _spent(engine, team_id: int) -> float:
    with Session(engine) as fresh:
        return budget_status(session=fresh, team_id=team_id).spent


def _in_parallel(n: int, work) -> list:
    """Run ``work(i)`` in ``n`` threads released together; the results or the exceptions."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the caller inspects what each thread got
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _signed_in(app, person, n: int, path: str) -> list[tuple[object, str]]:
    """``n`` browsers signed in as ``person``, each with the form token of ``path``."""
    clients = []
    for _ in range(n):
        client = app.test_client()
        login(client, person.email)
        clients.append((client, csrf_token(client, path)))
    return clients


@pytest.fixture
def budget_org(session, factory):
    north, south = factory.team("North"), factory.team("South")
    boss = factory.person("manager", team=north)
    reps = [factory.person(team=north, manager=boss, name=f"North {i}") for i in range(4)]
    # A report who sits in another team than their manager.
    away = factory.person(team=south, manager=boss, name="South rep")
    session.add(Budget(team_id=north.id, quarter=current_quarter(utc_today()), amount=LIMIT))
    session.commit()
    return {"north": north, "south": south, "boss": boss, "reps": reps, "away": away}


def _rewards(session, n: int) -> list[Reward]:
    """``n`` rewards of the same cost: one person gets a reward once a day."""
    return [_reward(session, f"team-lunch-{i}") for i in range(n)]


def test_forty_parallel_gives_never_overspend_without_a_warning(engine, session, budget_org):
    rewards = _rewards(session, N_GIVES)
    boss, reps = budget_org["boss"], budget_org["reps"]

    def give(i):
        with Session(engine, expire_on_commit=False) as own:
            return give_reward(
                session=own,
                manager=own.get(type(boss), boss.id),
                person=own.get(type(boss), reps[i % len(reps)].id),
                reward_slug=rewards[i].slug,
            )

    results = _in_parallel(N_GIVES, give)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, OverBudget)]
    assert not unexpected, unexpected
    given = [r for r in results if isinstance(r, Grant)]
    warned = [r for r in results if isinstance(r, OverBudget)]
    assert len(given) == int(LIMIT // COST) and len(warned) == N_GIVES - len(given)
    assert _spent(engine, budget_org["north"].id) <= LIMIT


def test_forty_parallel_gives_through_the_page_never_overspend(app, engine, session, budget_org):
    rewards = _rewards(session, N_GIVES)
    boss, reps = budget_org["boss"], budget_org["reps"]
    clients = []
    for i in range(N_GIVES):
        client = app.test_client()
        login(client, boss.email)
        url = f"/team/person/{reps[i % len(reps)].external_id}/give"
        clients.append((client, url, csrf_token(client, url)))

    def post(i):
        client, url, token = clients[i]
        data = {"reward": rewards[i].slug, "occasion": "other", "note": "", "csrf_token": token}
        return client.post(url, data=data).status_code

    codes = _in_parallel(N_GIVES, post)
    assert all(code in (302, 409) for code in codes), codes
    assert codes.count(302) == int(LIMIT // COST), codes
    assert _spent(engine, budget_org["north"].id) <= LIMIT


def test_a_report_in_another_team_is_charged_to_their_team_and_warns(
    app, engine, session, budget_org
):
    rewards = _rewards(session, 3)
    south, away = budget_org["south"], budget_org["away"]
    session.add(Budget(team_id=south.id, quarter=current_quarter(utc_today()), amount=250))
    session.commit()
    client = app.test_client()
    login(client, budget_org["boss"].email)
    url = f"/team/person/{away.external_id}/give"
    codes = []
    for reward in rewards:
        data = {"reward": reward.slug, "occasion": "other", "csrf_token": csrf_token(client, url)}
        codes.append(client.post(url, data=data).status_code)
    assert codes == [302, 302, 409]
    assert _spent(engine, south.id) == 200
    assert _spent(engine, budget_org["north"].id) == 0


def test_a_report_in_no_team_is_charged_to_the_givers_team(engine, session, factory, budget_org):
    reward = _reward(session)
    boss = budget_org["boss"]
    loose = factory.person(manager=boss, name="No team")
    give_reward(session=session, manager=boss, person=loose, reward_slug=reward.slug)
    assert _spent(engine, budget_org["north"].id) == COST


def test_a_confirmed_overspend_is_given_and_audited(engine, session, budget_org):
    reward = _reward(session, cost=LIMIT + 1)
    boss, rep = budget_org["boss"], budget_org["reps"][0]
    with pytest.raises(OverBudget):
        give_reward(session=session, manager=boss, person=rep, reward_slug=reward.slug)
    assert session.exec(select(Grant)).first() is None
    give_reward(
        session=session,
        manager=boss,
        person=rep,
        reward_slug=reward.slug,
        confirm_over_budget=True,
    )
    event = session.exec(select(AuditLog).where(AuditLog.action == "reward.give")).one()
    assert event.details["over_budget"] is True


# --- training: one at a time -------------------------------------------------------------


def _artefacts(engine) -> list[int]:
    with Session(engine) as fresh:
        return sorted(fresh.exec(select(ModelArtefact.version)).all())


def test_two_trainings_at_once_run_one_and_tell_the_other(engine, session, factory):
    small_org(session, factory)

    def train(_i):
        with Session(engine, expire_on_commit=False) as own:
            return train_model(session=own, actor=SYSTEM)

    results = _in_parallel(2, train)
    trained = [r for r in results if isinstance(r, TrainingResult)]
    told = [r for r in results if isinstance(r, TrainingRunning)]
    assert (len(trained), len(told)) == (1, 1), results
    assert "already running" in str(told[0])
    assert _artefacts(engine) == [1]
    # The claim is released: the next training runs.
    assert train_model(session=session, actor=SYSTEM).version == 2


def test_two_motivo_train_processes_never_crash(database_url, engine, session, factory):
    small_org(session, factory)
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = database_url
    workers = [
        subprocess.Popen(
            [MOTIVO, "train"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outcomes = []
    for worker in workers:
        _out, err = worker.communicate(timeout=180)
        outcomes.append((worker.returncode, err))
    for code, err in outcomes:
        assert "Traceback" not in err, err
        if code != 0:
            assert code == 1, err
            # After the "Training…" progress line, one line says why, and nothing else.
            last = err.strip().splitlines()[-1]
            assert last.startswith("Error: A training is already running (job "), err
            assert err.count("Error") == 1, err
    stored = [err for code, err in outcomes if code == 0]
    assert stored, outcomes
    assert _artefacts(engine) == list(range(1, len(stored) + 1))


def test_four_clicks_on_train_now_queue_one_job(app, engine, session, factory):
    hr = factory.person("hr")
    clients = _signed_in(app, hr, 4, "/hr/model")

    def click(i):
        client, token = clients[i]
        return client.post("/hr/model/train", data={"csrf_token": token}).status_code

    assert _in_parallel(4, click) == [302] * 4
    with Session(engine) as fresh:
        jobs = fresh.exec(select(TrainingJob)).all()
    assert [job.status for job in jobs] == ["queued"]
    pages = [client.get("/hr/model").get_data(as_text=True) for client, _token in clients]
    assert sum(f"Training job {jobs[0].id} is queued" in page for page in pages) == 1
    assert sum("is already waiting for the worker" in page for page in pages) == 3
    assert not any("SQL" in page or "Error" in page for page in pages)


# --- answer imports never overwrite the survey ---------------------------------------------


@pytest.fixture
def survey_answered(session, factory):
    """A rep who answered every numeric item of the open wave through the survey pages."""
    instrument = definition(ensure_default_instrument(session=session).row)
    wave = open_wave(session=session, actor=SYSTEM, name="Autumn pulse")
    rep = factory.person(name="Web rep")
    response = SurveyResponse(
        wave_id=wave.id,
        person_id=rep.id,
        instrument_id=wave.instrument_id,
        status="submitted",
        source="web",
        submitted_at=utcnow(),
    )
    session.add(response)
    session.flush()
    items = [item for item in instrument.items if item.type in ("likert", "attention")]
    for item in items:
        session.add(to_answer_row(response.id, item, item.min))
    session.commit()
    codes = [item.code for item in items if item.type == "likert"][:3]
    csv = f"person,{','.join(codes)}\n{rep.external_id},{item.max},{item.max},{item.max}\n"
    return {"wave": wave, "rep": rep, "response": response, "n": len(items), "csv": csv}


def _answers(engine, response_id: int) -> dict[str, float]:
    with Session(engine) as fresh:
        rows = fresh.exec(select(Answer).where(Answer.response_id == response_id)).all()
        return {a.item_code: a.value for a in rows}


def test_an_import_over_a_survey_response_is_a_conflict_and_writes_nothing(
    engine, session, factory, survey_answered
):
    hr = factory.person("hr")
    before = _answers(engine, survey_answered["response"].id)
    assert len(before) == survey_answered["n"] > 3
    with pytest.raises(InvalidInput) as refused:
        import_responses(
            session=session,
            table=read_table_bytes(survey_answered["csv"].encode(), name="paper.csv"),
            wave="Autumn pulse",
            actor=hr,
        )
    rep = survey_answered["rep"].external_id
    assert refused.value.problems == [
        f"row 2, column person: {rep} answered wave 'Autumn pulse' through the survey "
        f"({survey_answered['n']} answers); an import does not replace that unless you "
        "choose to replace survey answers"
    ]
    assert _answers(engine, survey_answered["response"].id) == before
    with Session(engine) as fresh:
        assert fresh.get(SurveyResponse, survey_answered["response"].id).source == "web"
        assert not fresh.exec(select(AuditLog).where(AuditLog.action.like("responses.%"))).all()


def test_replacing_survey_answers_must_be_asked_for_and_is_audited(
    engine, session, factory, survey_answered
):
    hr = factory.person("hr")
    summary = import_responses(
        session=session,
        table=read_table_bytes(survey_answered["csv"].encode(), name="paper.csv"),
        wave="Autumn pulse",
        actor=hr,
        replace_survey_responses=True,
    )
    assert (summary.updated, summary.survey_replaced) == (1, 1)
    assert len(_answers(engine, survey_answered["response"].id)) == 3
    event = session.exec(
        select(AuditLog).where(AuditLog.action == "responses.replace_survey")
    ).one()
    assert event.actor_id == hr.id
    assert event.details["people"] == [survey_answered["rep"].external_id]
    assert event.details["answers_replaced"] == survey_answered["n"]


def test_the_answers_import_page_shows_the_conflict_and_replaces_only_when_ticked(
    client, engine, factory, survey_answered
):
    hr = factory.person("hr")
    login(client, hr.email)

    def upload(**extra):
        token = csrf_token(client, "/hr/responses/import")
        data = {
            "csrf_token": token,
            "wave": "Autumn pulse",
            "file": (io.BytesIO(survey_answered["csv"].encode()), "paper.csv"),
            **extra,
        }
        return client.post("/hr/responses/import", data=data, content_type="multipart/form-data")

    refused = upload()
    assert refused.status_code == 400
    assert "through the survey" in refused.get_data(as_text=True)
    assert len(_answers(engine, survey_answered["response"].id)) == survey_answered["n"]
    # Ticking "replace" is not enough: a second step says what will be overwritten.
    asked = upload(replace_survey="y")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "1 response given through the survey will be overwritten" in html
    assert len(_answers(engine, survey_answered["response"].id)) == survey_answered["n"]
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)
    assert 'name="replace_survey" value="y"' in html and 'name="wave" value="Autumn pulse"' in html
    assert upload(replace_survey="y", confirm="1", digest=digest).status_code == 302
    assert len(_answers(engine, survey_answered["response"].id)) == 3


def test_the_api_import_refuses_survey_responses_without_the_parameter(
    app, engine, session, survey_answered
):
    from services.api_tokens import create_token

    _row, token = create_token(
        session=session, actor=SYSTEM, name="sync", scopes=["responses:write"]
    )
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    client = app.test_client()
    url = "/api/v1/responses/import?wave=Autumn%20pulse"
    refused = client.post(url, data=survey_answered["csv"], headers=headers)
    assert refused.status_code == 422
    assert "through the survey" in str(refused.get_json())
    assert len(_answers(engine, survey_answered["response"].id)) == survey_answered["n"]
    replaced = client.post(
        url + "&replace_survey_answers=true", data=survey_answered["csv"], headers=headers
    )
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json()["counts"]["survey_replaced"] == 1


def test_the_command_line_import_replaces_survey_answers_only_with_the_flag(
    runner, engine, survey_answered, tmp_path
):
    path = tmp_path / "paper.csv"
    path.write_text(survey_answered["csv"])
    args = ["responses", "import", str(path), "--wave", "Autumn pulse"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1
    assert "through the survey" in refused.stderr
    assert len(_answers(engine, survey_answered["response"].id)) == survey_answered["n"]
    replaced = runner.invoke(args=[*args, "--replace-survey-answers"])
    assert replaced.exit_code == 0, replaced.stderr
    assert "1 survey response replaced" in replaced.stderr
    assert len(_answers(engine, survey_answered["response"].id)) == 3


def test_the_migration_keeps_one_active_training_job(database_url):
    from sqlalchemy import text

    from models import migrate
    from models.engine import make_engine

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, "0005")
        with engine.begin() as conn:
            for _ in range(2):
                conn.execute(
                    text(
                        "INSERT INTO trainingjob (requested_at, status, message)"
                        " VALUES ('2026-12-01 10:00:00', 'queued', '')"
                    )
                )
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, claim FROM trainingjob ORDER BY id"))
            assert [tuple(r) for r in rows] == [(1, "failed", None), (2, "queued", "model")]
    finally:
        engine.dispose()


def test_parallel_reminder_sends_never_remind_anyone_twice(engine, session, factory):
    from models.tables import Notification, Person, Reminder
    from services.reminders import RemindersBusy, send_reminders

    ensure_default_instrument(session=session)
    reps = [factory.person(name=f"Rep {i}") for i in range(6)]
    hr = factory.person("hr")
    wave = open_wave(session=session, actor=SYSTEM, name="Race wave")

    def send(_i):
        with Session(engine, expire_on_commit=False) as own:
            return send_reminders(
                session=own, actor=own.get(Person, hr.id), wave=wave.id, settings={}
            )

    results = _in_parallel(8, send)
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, RemindersBusy)
    ]
    assert not unexpected, unexpected
    assert sum(r.reminded for r in results if not isinstance(r, Exception)) == len(reps)
    with Session(engine) as fresh:
        for rep in reps:
            reminders = fresh.exec(select(Reminder).where(Reminder.person_id == rep.id)).all()
            notices = fresh.exec(
                select(Notification).where(
                    Notification.person_id == rep.id, Notification.kind == "survey_reminder"
                )
            ).all()
            assert (len(reminders), len(notices)) == (1, 1), rep.name


def test_parallel_reminder_clicks_on_the_page_never_remind_anyone_twice(
    app, engine, session, factory
):
    from models.tables import Reminder

    ensure_default_instrument(session=session)
    reps = [factory.person(name=f"Rep {i}") for i in range(4)]
    hr = factory.person("hr")
    wave = open_wave(session=session, actor=SYSTEM, name="Race wave")
    clients = _signed_in(app, hr, 6, "/hr/insights/reminders")

    def post(i):
        client, token = clients[i]
        data = {"csrf_token": token, "wave": str(wave.id)}
        return client.post("/hr/insights/reminders/send", data=data).status_code

    codes = _in_parallel(len(clients), post)
    assert codes == [302] * len(clients), codes
    with Session(engine) as fresh:
        for rep in reps:
            assert len(fresh.exec(select(Reminder).where(Reminder.person_id == rep.id)).all()) == 1


def test_parallel_recognition_due_runs_tell_each_manager_once(engine, session, factory):
    from models.tables import Notification, RecognitionNotice
    from services.notifications import recognition_due_notices

    boss = factory.person("manager")
    for i in range(3):
        factory.person(manager=boss, name=f"Due {i}")

    def run(_i):
        with Session(engine, expire_on_commit=False) as own:
            return len(recognition_due_notices(session=own, days=45))

    results = _in_parallel(6, run)
    assert sorted(results) == [0, 0, 0, 0, 0, 1], results
    with Session(engine) as fresh:
        notices = fresh.exec(select(Notification).where(Notification.person_id == boss.id)).all()
        told = fresh.exec(select(RecognitionNotice)).all()
    assert len(notices) == 1, results
    assert len(told) == 3


def test_parallel_releases_of_one_wave_never_show_two_groups_that_isolate_someone(
    engine, session, factory
):
    """Shown one after the other, the second of two groups that differ by one swap is
    withheld (together they would isolate a person). Released at once, each must still see
    the other: on SQLite as on PostgreSQL."""
    from services.disclosure import Candidate, release, released_groups

    ensure_default_instrument(session=session)
    wave = open_wave(session=session, actor=SYSTEM, name="Race wave")
    first, second = [1, 2, 3, 4, 5], [1, 2, 3, 4, 6]

    def show(i):
        with Session(engine, expire_on_commit=False) as own:
            members = first if i % 2 == 0 else second
            decision = release(
                session=own,
                wave=own.get(type(wave), wave.id),
                kind="summary",
                candidates=[Candidate(f"group{i % 2}", members)],
                min_size=5,
                actor=SYSTEM,
            )
            return decision.shown(f"group{i % 2}")

    results = _in_parallel(8, show)
    assert not [r for r in results if isinstance(r, Exception)], results
    with Session(engine) as fresh:
        stored = [sorted(g.tolist()) for g in released_groups(session=fresh, wave=wave)]
    assert len(stored) == 1 and stored[0] in (first, second)


def test_a_double_click_on_give_gives_once_and_a_different_give_that_day_is_refused(
    app, engine, session, budget_org
):
    """Two posts of the same give form made two grants, two notifications and charged the
    budget twice; five at once made five."""
    reward = _reward(session)
    boss, rep = budget_org["boss"], budget_org["reps"][0]
    url = f"/team/person/{rep.external_id}/give"
    clients = _signed_in(app, boss, 5, url)

    def post(i):
        client, token = clients[i]
        data = {"reward": reward.slug, "occasion": "goal_reached", "note": "", "csrf_token": token}
        return client.post(url, data=data).status_code

    assert _in_parallel(5, post) == [302] * 5
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Grant).where(Grant.person_id == rep.id)).all()) == 1
    assert _spent(engine, budget_org["north"].id) == COST
    # Another give of the same reward the same day is a different act: refused, said why.
    client, _ = clients[0]
    data = {
        "reward": reward.slug,
        "occasion": "milestone",
        "note": "Again",
        "csrf_token": csrf_token(client, url),
    }
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "They received this reward today already." in response.get_data(as_text=True)
    assert _spent(engine, budget_org["north"].id) == COST


def test_parallel_not_for_me_and_ratings_store_one_row_each_and_undo_takes_it_back(
    engine, session, budget_org
):
    """Six "not for me" posts at once stored five rows on PostgreSQL (NULL grant ids never
    collide in the unique constraint), so "undo" removed one and the reward stayed
    dismissed; parallel ratings of one grant failed with an integrity error."""
    from models.tables import Person, Rating
    from services.feedback import dismiss_reward, rate_grant, undo_dismissal

    reward, other = _reward(session), _reward(session, "desk-plant")
    boss, rep = budget_org["boss"], budget_org["reps"][0]
    grant = give_reward(session=session, manager=boss, person=rep, reward_slug=other.slug)

    def dismiss(_i):
        with Session(engine, expire_on_commit=False) as own:
            return dismiss_reward(
                session=own, person=own.get(Person, rep.id), reward_slug="team-lunch"
            )

    def rate(i):
        with Session(engine, expire_on_commit=False) as own:
            return rate_grant(
                session=own, person=own.get(Person, rep.id), grant_id=grant.id, rating=1 + i % 5
            )

    for work in (dismiss, rate):
        results = _in_parallel(6, work)
        assert not [r for r in results if isinstance(r, Exception)], results
    with Session(engine) as fresh:
        rows = fresh.exec(select(Rating).where(Rating.person_id == rep.id)).all()
        assert sorted((r.reward_id, r.dismissed) for r in rows) == sorted(
            [(reward.id, True), (other.id, False)]
        )
        undo_dismissal(session=fresh, person=fresh.get(Person, rep.id), reward_slug="team-lunch")
        left = fresh.exec(select(Rating).where(Rating.reward_id == reward.id)).all()
        assert left == []


def test_the_same_wave_opened_four_times_at_once_is_one_wave_and_no_server_error(
    app, engine, session, factory
):
    """Four posts of the open-wave form at once gave three 500 pages (a unique name)."""
    from models.tables import Wave

    ensure_default_instrument(session=session)
    hr = factory.person("hr")
    clients = _signed_in(app, hr, 4, "/hr/")

    def post(i):
        client, token = clients[i]
        today = utc_today()
        data = {
            "name": "Spring",
            "opens_on": today.isoformat(),
            "closes_on": today.replace(day=28).isoformat() if today.day < 28 else today.isoformat(),
            "csrf_token": token,
        }
        response = client.post("/hr/waves", data=data)
        return response.status_code, response.get_data(as_text=True)

    results = _in_parallel(4, post)
    codes = sorted(code for code, _ in results)
    assert 500 not in codes and codes.count(302) >= 1, codes
    for code, html in results:
        if code == 409:
            assert "saved by another request at the same moment" in html
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Wave)).all()) == 1


def test_a_double_click_records_one_achievement_and_two_closes_audit_one(
    app, engine, session, budget_org
):
    """Four posts of one achievement stored four; five closes of a wave wrote three
    "wave.close" audit rows."""
    from models.tables import Achievement
    from services.access import SYSTEM as system
    from services.waves import close_wave

    boss, rep = budget_org["boss"], budget_org["reps"][0]
    clients = _signed_in(app, boss, 4, "/team/recognition")

    def post(i):
        client, token = clients[i]
        data = {
            "person": rep.external_id,
            "title": "Closed the Nordic deal",
            "achieved_on": utc_today().isoformat(),
            "csrf_token": token,
        }
        return client.post("/team/recognition", data=data).status_code

    codes = _in_parallel(4, post)
    assert 500 not in codes, codes
    with Session(engine) as fresh:
        assert len(fresh.exec(select(Achievement)).all()) == 1

    ensure_default_instrument(session=session)
    wave = open_wave(session=session, actor=system, name="Closing")

    def close(_i):
        with Session(engine, expire_on_commit=False) as own:
            return close_wave(session=own, actor=system, wave_id=wave.id)

    results = _in_parallel(5, close)
    assert not [r for r in results if isinstance(r, Exception)], results
    with Session(engine) as fresh:
        closes = fresh.exec(select(AuditLog).where(AuditLog.action == "wave.close")).all()
        assert len(closes) == 1


def test_parallel_kpi_imports_of_the_same_values_all_land_and_keep_one_row_each(
    engine, session, factory
):
    """Two HR people importing the same people's month at once: one got a server error
    (the database's unique rule, raised from the bulk copy, which no page handles). Imports
    now take their turn; the last one's values stand, one row per person and month."""
    from models.tables import KPI
    from services.kpis import import_kpis

    people = [factory.person(name=f"Seller {i}") for i in range(10)]
    header = ["person", "period", "metric", "value"]

    def run(i):
        records = [
            {
                "person": p.external_id,
                "period": "2025-01",
                "metric": "revenue",
                "value": 100 * i + n,
            }
            for n, p in enumerate(people)
        ]
        with Session(engine) as mine:
            return import_kpis(session=mine, header=header, records=records, actor=SYSTEM)

    for _attempt in range(3):
        outcomes = _in_parallel(4, run)
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with Session(engine) as fresh:
        rows = fresh.exec(select(KPI).where(KPI.period == "2025-01")).all()
    assert len(rows) == len(people)
    # All from one import: every value shares its hundreds.
    assert len({int(r.value) // 100 for r in rows}) == 1


def test_an_import_that_changes_nothing_gives_its_turn_back(engine, session, factory):
    """Importing the same file twice held the import turn (SQLite's write lock) until the
    session ended: every other writer then waited, or failed with "database is locked"."""
    from models.tables import KPI
    from services.kpis import import_kpis

    seller = factory.person()
    header = ["person", "period", "metric", "value"]
    records = [{"person": seller.external_id, "period": "2025-02", "metric": "revenue", "value": 5}]
    with Session(engine) as mine:
        import_kpis(session=mine, header=header, records=records, actor=SYSTEM)
        import_kpis(session=mine, header=header, records=records, actor=SYSTEM)
        # Still inside the first session: another writer gets through at once.
        with Session(engine) as other:
            other.add(KPI(person_id=seller.id, period="2025-03", metric="revenue", value=1))
            other.commit()
