"""Training the model offline: versions, the model card, the served cache and HR's jobs."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from models.tables import (
    AuditLog,
    ModelArtefact,
    Person,
    Rating,
    SurveyResponse,
    TrainingJob,
    utc_today,
)
from models.tables import Reward as RewardRow
from recommender import artefact
from recommender.quality import quality_flags
from seed.demo_org import demo_people
from seed.loaders import load_catalogue
from seed.simulate import simulate_organisation
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.demo import load_demo_people, load_demo_survey
from services.errors import InvalidInput, NotAllowed, NotFound
from services.instruments import definition, ensure_default_instrument
from services.recommendations import current_model, suggest_rewards
from services.responses import to_answer_row
from services.scores import latest_responses
from services.training import (
    TrainingResult,
    model_card,
    model_versions,
    queue_training,
    recent_jobs,
    run_job,
    train_model,
)
from services.waves import open_wave
from tests.conftest import TEST_PASSWORD


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def demo(session) -> None:
    load_demo_people(session=session, people=demo_people(), password=TEST_PASSWORD)
    load_demo_survey(session=session)


def small_org(session, factory, *, n: int = 14, catalogue: bool = True) -> list[Person]:
    """A team of ``n`` reps who each answered one wave; quick to train."""
    if catalogue:
        ensure_seed_catalogue(session=session)
    instrument = definition(ensure_default_instrument(session=session).row)
    wave = open_wave(
        session=session,
        actor=SYSTEM,
        name="Pulse",
        opens_on=utc_today() - timedelta(days=10),
        closes_on=utc_today() + timedelta(days=10),
    )
    team = factory.team("Small")
    manager = factory.person("manager", team=team, password=None)
    reps = [factory.person("rep", team=team, manager=manager, password=None) for _ in range(n)]
    sim = simulate_organisation(
        instrument, load_catalogue(), n, random_state=5, careless_rate=0.0, text_rate=0.0
    )
    when = datetime.now(UTC) - timedelta(days=2)
    for person, answers, seconds in zip(reps, sim.answers, sim.page_seconds, strict=True):
        response = SurveyResponse(
            wave_id=wave.id,
            person_id=person.id,
            instrument_id=wave.instrument_id,
            status="submitted",
            source="test",
            started_at=when,
            updated_at=when,
            submitted_at=when,
            page_seconds=seconds,
            flags=sorted(quality_flags(instrument, [answers], [seconds])[0]),
        )
        session.add(response)
        session.flush()
        rows = [to_answer_row(response.id, instrument.item(c), v) for c, v in answers.items()]
        session.add_all([r for r in rows if r is not None])
    session.commit()
    return reps


# --- train_model -------------------------------------------------------------------------


def test_training_needs_responses_and_a_catalogue(session, factory):
    with pytest.raises(InvalidInput, match="no submitted survey responses"):
        train_model(session=session, actor=SYSTEM)
    small_org(session, factory, catalogue=False)
    with pytest.raises(InvalidInput, match="catalogue is empty"):
        train_model(session=session, actor=SYSTEM)
    assert count(session, ModelArtefact) == 0


def test_each_training_stores_the_next_version_with_a_model_card(session):
    demo(session)
    assert model_card(session=session) is None
    first = train_model(session=session, actor=SYSTEM)
    second = train_model(session=session, actor=SYSTEM)
    assert (first.version, second.version) == (1, 2)
    assert model_versions(session=session) == 2
    assert session.exec(select(ModelArtefact.version).order_by(ModelArtefact.version)).all() == [
        1,
        2,
    ]

    trained = latest_responses(session)
    trained_ids = {r.person_id for r in trained}
    feedback = session.exec(select(Rating).where(Rating.person_id.in_(list(trained_ids)))).all()
    card = second.card
    assert card["n_responses"] == len(trained) == 60
    assert card["n_flagged"] == sum(bool(r.flags) for r in trained)
    assert card["n_ratings"] == sum(r.rating is not None for r in feedback)
    assert card["n_dismissals"] == sum(r.dismissed for r in feedback)
    assert card["n_rewards"] == count(session, RewardRow)

    profiles = card["profiles"]
    assert profiles["n_profiles"] >= 2
    assert len(profiles["counts"]) == len(profiles["labels"]) == profiles["n_profiles"]
    assert sum(profiles["counts"]) == card["n_responses"] - card["n_flagged"]
    assert -1 <= profiles["silhouette"] <= 1 and math.isfinite(profiles["silhouette"])
    assert 0 <= profiles["entropy"] <= 1
    assert profiles["visible"] == [c >= 5 for c in profiles["counts"]]
    for label in profiles["labels"]:
        assert label["name"]["en"] and label["name"]["nb"]
    assert math.isfinite(card["ranker"]["mean_rating"])

    stored = model_card(session=session)
    assert stored["version"] == 2
    assert stored["n_responses"] == 60
    assert datetime.fromisoformat(stored["created_at"])
    row = session.exec(select(ModelArtefact).where(ModelArtefact.version == 2)).one()
    assert sorted(row.meta["person_ids"]) == sorted(trained_ids)
    assert second.describe().startswith("model version 2; 60 responses")


def test_people_who_turned_personalisation_off_are_left_out_of_training(session):
    demo(session)
    rep = session.exec(
        select(Person).where(Person.access == "rep").order_by(Person.external_id)
    ).first()
    theirs = count(session, Rating)
    rep.personalise = False
    session.add(rep)
    session.commit()
    result = train_model(session=session, actor=SYSTEM)
    row = session.exec(select(ModelArtefact)).one()
    assert result.card["n_responses"] == 59
    assert rep.id not in row.meta["person_ids"]
    mine = session.exec(select(func.count()).where(Rating.person_id == rep.id)).one()
    assert result.card["n_ratings"] + result.card["n_dismissals"] == theirs - mine


def test_only_hr_may_train_and_training_is_audited(session, factory):
    small_org(session, factory)
    rep = factory.person("rep", password=None)
    hr = factory.person("hr", password=None)
    with pytest.raises(NotAllowed):
        train_model(session=session, actor=rep)
    assert count(session, ModelArtefact) == 0
    train_model(session=session, actor=hr)
    artefact = session.exec(select(ModelArtefact)).one()
    assert artefact.trained_by_id == hr.id
    event = session.exec(select(AuditLog).where(AuditLog.action == "model.train")).one()
    assert (event.actor_id, event.target, event.details["n_responses"]) == (hr.id, "version 1", 14)


# --- the served model --------------------------------------------------------------------


def test_current_model_loads_once_and_reloads_when_a_newer_version_is_stored(
    session, engine, factory, monkeypatch
):
    small_org(session, factory)
    loads = []
    real = artefact.from_artefact  # services.recommendations imports it when it loads a model
    monkeypatch.setattr(
        artefact, "from_artefact", lambda blob, meta: loads.append(1) or real(blob, meta)
    )
    assert current_model(session) is None
    train_model(session=session, actor=SYSTEM)
    first = current_model(session)
    assert first.version == 1
    assert current_model(session) is first
    assert len(loads) == 1

    # Another worker (its own session) stores version 2; this one notices on its next call.
    with Session(engine, expire_on_commit=False) as other:
        train_model(
            session=other, actor=SYSTEM
        )  # reads version 1 too, to keep profile labels stable
    loaded = len(loads)
    second = current_model(session)
    assert second.version == 2
    assert second is not first
    assert len(loads) == loaded + 1
    assert current_model(session) is second
    assert len(loads) == loaded + 1
    rep = session.exec(select(Person).where(Person.access == "rep")).first()
    assert suggest_rewards(session=session, viewer=SYSTEM, person=rep).model_version == 2


# --- jobs HR queues from the page --------------------------------------------------------


def test_queue_training_queues_one_job(session, factory):
    hr = factory.person("hr", password=None)
    with pytest.raises(NotAllowed):
        queue_training(session=session, actor=factory.person("rep", password=None))
    job = queue_training(session=session, actor=hr)
    again = queue_training(session=session, actor=hr)
    assert again.id == job.id
    assert (job.status, job.requested_by_id) == ("queued", hr.id)
    assert count(session, TrainingJob) == 1
    events = session.exec(select(AuditLog).where(AuditLog.action == "model.train_requested")).all()
    assert len(events) == 1
    assert count(session, ModelArtefact) == 0  # queuing never trains


def test_run_job_trains_and_marks_the_job_done(session, factory):
    small_org(session, factory)
    hr = factory.person("hr", password=None)
    job = queue_training(session=session, actor=hr)
    done = run_job(session=session, job_id=job.id)
    assert (done.status, done.model_version) == ("done", 1)
    assert done.message.startswith("model version 1; 14 responses")
    assert done.started_at is not None and done.finished_at is not None
    assert session.exec(select(ModelArtefact.trained_by_id)).one() == hr.id

    # A finished job is not run again, and HR can queue the next one.
    assert run_job(session=session, job_id=job.id).status == "done"
    assert count(session, ModelArtefact) == 1
    following = queue_training(session=session, actor=hr)
    assert following.id != job.id
    assert [j.id for j in recent_jobs(session=session)] == [following.id, job.id]


def test_run_job_marks_a_failed_training_and_keeps_the_reason(session, factory):
    hr = factory.person("hr", password=None)
    job = queue_training(session=session, actor=hr)
    failed = run_job(session=session, job_id=job.id)
    assert failed.status == "failed"
    assert failed.message == "There are no submitted survey responses to train on yet."
    assert failed.finished_at is not None and failed.model_version is None
    assert count(session, ModelArtefact) == 0
    with pytest.raises(NotFound):
        run_job(session=session, job_id=job.id + 100)


def test_a_queued_job_is_trained_by_a_separate_worker_process(session, factory, database_url):
    small_org(session, factory)
    hr = factory.person("hr", password=None)
    job = queue_training(session=session, actor=hr)
    # Queuing starts nothing: the job waits for the worker.
    session.expire_all()
    assert session.get(TrainingJob, job.id).status == "queued"
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env["DATABASE_URL"] = database_url
    worker = subprocess.run(
        [str(Path(sys.executable).with_name("motivo")), "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert worker.returncode == 0, worker.stderr
    session.expire_all()
    finished = session.get(TrainingJob, job.id)
    assert (finished.status, finished.model_version) == ("done", 1), finished.message
    assert session.exec(select(ModelArtefact.trained_by_id)).one() == hr.id


# One profile, or as many as people: ``ProfileModel.quality`` stores no silhouette (None).
CARD_WITHOUT_SILHOUETTE = {
    "n_responses": 12,
    "n_flagged": 0,
    "n_ratings": 3,
    "n_dismissals": 1,
    "n_rewards": 9,
    "weak_structure": True,
    "profiles": {"n_profiles": 1, "silhouette": None, "entropy": 0.0, "counts": [12]},
}


def test_describe_reads_a_card_whose_silhouette_is_undefined():
    text = TrainingResult(version=3, card=CARD_WITHOUT_SILHOUETTE).describe()
    assert "1 profiles (silhouette n/a, entropy 0.00, weak structure" in text


def test_the_model_card_hides_small_profiles(session):
    assert model_card(session=session, min_size=5) is None
    card = {"n_responses": 40, "profiles": {"n_profiles": 2, "counts": [37, 3]}}
    session.add(ModelArtefact(version=1, blob=b"", meta={"card": {"n_responses": 1}}))
    session.add(ModelArtefact(version=2, blob=b"", meta={"card": card}))
    session.commit()
    shown = model_card(session=session, min_size=5)
    assert shown["version"] == 2
    assert shown["n_responses"] == 40
    assert shown["profiles"]["counts"] == [37, None]
    assert model_card(session=session)["profiles"]["counts"] == [37, None]


def test_the_demo_model_is_fresh_right_after_the_demo_is_loaded(session):
    """The demo's simulated answers are never stamped later than now, so the model trained
    on them does not read as stale ("7 new responses") on the HR page at once."""
    from services.retraining import RetrainPolicy, staleness

    demo(session)
    train_model(session=session, actor=SYSTEM)
    state = staleness(session=session, policy=RetrainPolicy())
    assert (state.new_responses, state.new_ratings) == (0, 0), state.reason
    assert not state.stale


def test_the_model_card_gives_hr_no_flagged_count_that_could_name_someone(session):
    """HR could retrain after each submission and watch the card's flagged count move: while
    a wave is open the card gives no count, a small one is only "fewer than k", and the
    job's message names no count at all."""
    from models.tables import Wave
    from services.waves import close_wave

    demo(session)
    result = train_model(session=session, actor=SYSTEM)
    assert result.card["n_flagged"] >= 1
    assert "flagged" not in result.describe()
    card = model_card(session=session)
    assert card["n_flagged"] is None and card["flagged_pending"] is True
    # Nor do the people per profile (unflagged responses only) beside the responses used.
    assert card["profiles"]["counts"] is None and card["profile_counts_withheld"]
    for wave in session.exec(select(Wave).where(Wave.status == "open")).all():
        close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    closed = model_card(session=session)
    assert closed["flagged_pending"] is False
    if result.card["n_flagged"] < 5:
        assert closed["n_flagged"] is None and closed["flagged_fewer_than"] == 5
        assert closed["profiles"]["counts"] is None
    else:
        assert closed["n_flagged"] == result.card["n_flagged"]
        assert closed["profiles"]["counts"] is not None
