"""Automatic, single-flight retraining: the staleness policy, the worker step, the CLI.

Real databases (an SQLite file and, with MOTIVO_TEST_DATABASE_URL, PostgreSQL) and real
``motivo`` processes; no mocks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.tables import ModelArtefact, Rating, SurveyResponse, TrainingJob, utcnow
from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.catalogue import create_reward, reward_record, set_reward_active, update_reward
from services.errors import NotAllowed
from services.recommendations import current_model
from services.retraining import (
    RetrainPolicy,
    run_due_training,
    staleness,
    training_status,
)
from services.training import queue_training, train_model
from tests.services.test_training import small_org

MOTIVO = str(Path(sys.executable).with_name("motivo"))
POLICY = RetrainPolicy(min_new_responses=3, min_new_ratings=4, max_age_days=7)


def later(session, reps, *, minutes: int = 1) -> None:
    """Mark the reps' responses as submitted after the model's data was read."""
    when = utcnow() + timedelta(minutes=minutes)
    for response in session.exec(select(SurveyResponse)):
        if response.person_id in {r.id for r in reps}:
            response.submitted_at = when
            session.add(response)
    session.commit()


def rate(session, reps, n: int, *, minutes: int = 1) -> None:
    rewards = session.exec(select(RewardRow).order_by(RewardRow.id)).all()
    when = utcnow() + timedelta(minutes=minutes)
    for k in range(n):
        session.add(
            Rating(
                person_id=reps[k % len(reps)].id,
                reward_id=rewards[k].id,
                rating=4,
                created_at=when,
                updated_at=when,
            )
        )
    session.commit()


# --- the policy ---------------------------------------------------------------------------


def test_without_a_model_the_first_submitted_response_makes_it_stale(session, factory):
    state = staleness(session=session, policy=POLICY)
    assert not state.stale and "no model yet" in state.reason
    small_org(session, factory, n=12)
    state = staleness(session=session, policy=POLICY)
    assert state.stale and state.reason == "stale: no model yet, 12 new responses"


def test_new_responses_and_ratings_count_from_the_models_data(session, factory):
    reps = small_org(session, factory, n=12)
    train_model(session=session, actor=SYSTEM)
    state = staleness(session=session, policy=POLICY)
    assert (state.stale, state.new_responses, state.new_ratings) == (False, 0, 0)
    assert state.reason.startswith("fresh: nothing new since model version 1")
    later(session, reps[:2])
    rate(session, reps, 3)
    state = staleness(session=session, policy=POLICY)
    assert (state.stale, state.new_responses, state.new_ratings) == (False, 2, 3)
    assert state.reason.startswith("fresh: 2 new responses, 3 new ratings since model version 1")
    later(session, reps[:3])
    state = staleness(session=session, policy=POLICY)
    assert state.stale and state.reason == "stale: 3 new responses, 3 new ratings"
    assert staleness(session=session, policy=RetrainPolicy(min_new_responses=4)).stale is False


def test_enough_new_ratings_alone_make_it_stale(session, factory):
    reps = small_org(session, factory, n=12)
    train_model(session=session, actor=SYSTEM)
    rate(session, reps, 4)
    state = staleness(session=session, policy=POLICY)
    assert state.stale and state.reason == "stale: 4 new ratings"


def test_an_old_model_is_stale_only_when_something_is_new(session, factory):
    reps = small_org(session, factory, n=12)
    train_model(session=session, actor=SYSTEM)
    eight_days = utcnow() + timedelta(days=8)
    state = staleness(session=session, policy=POLICY, now=eight_days)
    assert not state.stale and state.age_days > 7
    rate(session, reps, 1)
    state = staleness(session=session, policy=POLICY, now=eight_days)
    assert state.stale and state.reason == "stale: model 8 days old, 1 new rating"


def test_a_catalogue_change_the_model_has_not_seen_makes_it_stale(session, factory):
    # A reward HR adds is suggested to nobody until a training has seen it, and a reward
    # made public or team-wide is scored and explained as it was: neither waits for ten
    # new responses or a week.
    small_org(session, factory, n=12)
    train_model(session=session, actor=SYSTEM)
    hr = factory.person("hr", password=None)
    record = reward_record(session.exec(select(RewardRow).order_by(RewardRow.id)).first())
    update_reward(
        session=session,
        actor=hr,
        slug=record["id"],
        record={**record, "name": {**record["name"], "en": "A new name"}},
    )
    state = staleness(session=session, policy=POLICY)
    assert not state.stale, "a new name changes nothing the model learns from"
    create_reward(session=session, actor=hr, record={**record, "id": "harbour-lunch"})
    flipped = "private" if record["visibility"] == "public" else "public"
    update_reward(
        session=session, actor=hr, slug=record["id"], record={**record, "visibility": flipped}
    )
    state = staleness(session=session, policy=POLICY)
    assert state.stale and state.reason == "stale: 2 rewards new or changed in the catalogue"
    assert state.changed_rewards == 2
    done = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert done.action == "trained", done.message
    assert "harbour-lunch" in current_model(session).model.index_.ids
    assert not staleness(session=session, policy=POLICY).stale
    # Retiring a reward needs no training: serving reads who may have what from the
    # catalogue as it is now.
    set_reward_active(session=session, actor=hr, slug="harbour-lunch", active=False)
    assert not staleness(session=session, policy=POLICY).stale


def test_the_policy_reads_settings_with_defaults():
    assert RetrainPolicy.from_settings({}) == RetrainPolicy()
    policy = RetrainPolicy.from_settings(
        {"MOTIVO_RETRAIN_NEW_RESPONSES": "5", "MOTIVO_RETRAIN_NEW_RATINGS": 9}
    )
    assert (policy.min_new_responses, policy.min_new_ratings) == (5, 9)
    assert "5 new responses" in policy.describe()


# --- the worker step ----------------------------------------------------------------------


def test_fresh_does_nothing_and_stale_trains_with_the_reason_on_the_job(session, factory):
    reps = small_org(session, factory, n=12)
    first = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert first.action == "trained", first.message
    assert first.job.reason == "stale: no model yet, 12 new responses"
    again = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert again.action == "fresh" and again.message.startswith("Not training: fresh")
    assert len(session.exec(select(TrainingJob)).all()) == 1
    rate(session, reps, 5)
    third = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert third.action == "trained" and third.job.reason == "stale: 5 new ratings"
    assert third.job.model_version == 2


def test_the_job_hr_queued_is_run_with_who_asked(session, factory):
    small_org(session, factory, n=12)
    hr = factory.person("hr", name="Hanne Berg", password=None)
    job = queue_training(session=session, actor=hr)
    assert (job.status, job.reason) == ("queued", "requested by Hanne Berg")
    outcome = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert outcome.action == "trained" and outcome.job.id == job.id
    session.refresh(job)
    assert (job.status, job.model_version) == ("done", 1)
    assert "requested by Hanne Berg" in outcome.message
    # The model was trained for HR, on their authority.
    assert session.exec(select(ModelArtefact.trained_by_id)).one() == hr.id


def test_a_failed_training_waits_before_trying_again(session, factory):
    small_org(session, factory, n=12, catalogue=False)
    failed = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert failed.action == "failed" and "catalogue is empty" in failed.message
    waiting = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert waiting.action == "fresh" and "retrying after" in waiting.message
    later = utcnow() + timedelta(hours=2)
    retried = run_due_training(session=session, actor=SYSTEM, policy=POLICY, now=later)
    assert retried.action == "failed"
    assert len(session.exec(select(TrainingJob)).all()) == 2


def test_the_status_shows_last_training_and_pending_to_hr_only(session, factory):
    reps = small_org(session, factory, n=12)
    hr = factory.person("hr", password=None)
    run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    rate(session, reps, 2)
    status = training_status(session=session, viewer=hr, policy=POLICY)
    assert status.last_trained.reason == "stale: no model yet, 12 new responses"
    assert (status.staleness.new_ratings, status.staleness.stale) == (2, False)
    assert status.active is None and status.jobs[0].id == status.last_trained.id
    with pytest.raises(NotAllowed):
        training_status(session=session, viewer=reps[0], policy=POLICY)


# --- the command line ---------------------------------------------------------------------


def _env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(DATABASE_URL=database_url, MOTIVO_RETRAIN_NEW_RATINGS="4", **extra)
    return env


def test_train_if_stale_says_why_and_trains_only_when_stale(runner, session, factory):
    result = runner.invoke(args=["train", "--if-stale"])
    assert result.exit_code == 0, result.output
    assert "Not training: fresh: no model yet" in result.stderr
    reps = small_org(session, factory, n=12)
    result = runner.invoke(args=["train", "--if-stale"])
    assert result.exit_code == 0, result.output
    assert "Trained (stale: no model yet, 12 new responses): model version 1" in result.stderr
    result = runner.invoke(args=["train", "--if-stale"])
    assert result.exit_code == 0 and "Not training: fresh: nothing new" in result.stderr
    rate(session, reps, 30)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Trained (stale: 30 new ratings)" in result.stderr
    assert sorted(session.exec(select(ModelArtefact.version)).all()) == [1, 2]


def test_two_if_stale_runs_at_once_train_once(database_url, engine, session, factory):
    small_org(session, factory, n=14)
    env = _env(database_url)
    # Both start together; whichever claims second is told, or finds the model fresh.
    runs = [
        subprocess.Popen(
            [MOTIVO, "train", "--if-stale"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outcomes = [(run.wait(timeout=300), run.communicate()[1]) for run in runs]
    for code, err in outcomes:
        assert code == 0 and "Traceback" not in err, err
    trained = [err for _code, err in outcomes if "Trained (stale:" in err]
    other = [
        err
        for _code, err in outcomes
        if "already running" in err or "Not training: fresh" in err or "another worker" in err
    ]
    assert (len(trained), len(other)) == (1, 1), outcomes
    with Session(engine) as fresh:
        assert fresh.exec(select(ModelArtefact.version)).all() == [1]
        jobs = fresh.exec(select(TrainingJob)).all()
    assert [(j.status, j.reason) for j in jobs] == [
        ("done", "stale: no model yet, 14 new responses")
    ]


def run_worker(env: dict[str, str], until, timeout: float) -> tuple[bool, int, str]:
    """Run `motivo worker --interval 1` until ``until(lines)`` holds (or ``timeout``, which
    only stops a broken run hanging), then SIGTERM it. Returns whether it was still running
    when stopped, its exit code and what it wrote to stderr."""
    worker = subprocess.Popen(
        [MOTIVO, "worker", "--interval", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in worker.stderr:
            lines.append(line)
            if until(lines):
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        seen.wait(timeout=timeout)
        still_running = worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=120)
        reader.join(timeout=10)
        worker.stderr.close()
    return still_running, worker.returncode, "".join(lines)


def test_the_worker_runs_a_queued_job_and_stops_on_sigterm(database_url, engine, session, factory):
    small_org(session, factory, n=12)
    hr = factory.person("hr", name="Hanne Berg", password=None)
    job = queue_training(session=session, actor=hr)
    _running, code, text = run_worker(
        _env(database_url), lambda lines: "Job " in lines[-1], timeout=240
    )
    assert code == 0, text
    assert f"Job {job.id} (requested by Hanne Berg)" in text and "Worker stopped." in text
    with Session(engine) as fresh:
        finished = fresh.get(TrainingJob, job.id)
    assert (finished.status, finished.model_version) == ("done", 1), finished.message


def test_a_training_left_running_by_a_dead_worker_does_not_block_the_worker(session, factory):
    small_org(session, factory, n=12)
    dead = TrainingJob(
        status="running",
        claim="model",
        requested_at=utcnow() - timedelta(hours=2),
        started_at=utcnow() - timedelta(hours=2),
        reason="stale: no model yet, 12 new responses",
    )
    session.add(dead)
    session.commit()
    outcome = run_due_training(session=session, actor=SYSTEM, policy=POLICY)
    assert outcome.action == "trained", outcome.message
    session.refresh(dead)
    assert dead.status == "failed" and dead.claim is None


def test_the_worker_keeps_looking_while_the_database_is_unreachable(tmp_path):
    """A database restarting ended the worker with a traceback: under `motivo serve
    --training-worker` nothing starts it again, and HR's queued jobs waited for ever."""
    from tests.servers import free_port

    closed = free_port()  # nothing listens there
    url = f"postgresql+psycopg://postgres@127.0.0.1:{closed}/motivo?connect_timeout=2"
    still_running, _code, text = run_worker(
        _env(url, MOTIVO_INSTANCE_PATH=str(tmp_path)),
        lambda lines: sum("could not be reached" in line for line in lines) >= 2,
        timeout=120,
    )
    assert still_running, text
    assert text.count("could not be reached") >= 2, text
    assert "Traceback" not in text and "Worker stopped." in text
