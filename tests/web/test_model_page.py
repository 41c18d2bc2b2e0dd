from sqlmodel import select

from models.tables import ModelArtefact
from models.tables import Reward as RewardRow
from tests.conftest import login
from tests.services.test_training import CARD_WITHOUT_SILHOUETTE


def test_the_model_page_shows_a_card_whose_silhouette_is_undefined(client, session, factory):
    session.add(ModelArtefact(version=1, blob=b"", meta={"card": CARD_WITHOUT_SILHOUETTE}))
    session.commit()
    hr = factory.person("hr")
    login(client, hr.email)
    page = client.get("/hr/model")
    assert page.status_code == 200
    assert "silhouette –, entropy 0.00" in page.get_data(as_text=True)


def trained_then_rated(client, session, factory, ratings: int):
    """A small organisation trained once, then ``ratings`` new ratings; HR signed in."""
    from services.retraining import RetrainPolicy, run_due_training
    from tests.services.test_retraining import rate
    from tests.services.test_training import small_org

    reps = small_org(session, factory, n=12)
    run_due_training(
        session=session, actor=factory.person("hr", password=None), policy=RetrainPolicy()
    )
    rate(session, reps, ratings)
    hr = factory.person("hr", name="Hanne Berg")
    login(client, hr.email)
    return hr


def test_the_model_page_says_when_and_why_it_trained_and_what_is_pending(
    app, client, session, factory
):
    trained_then_rated(client, session, factory, 3)
    page = client.get("/hr/model").get_data(as_text=True)
    assert "stale: no model yet, 12 new responses" in page
    assert "0 new survey responses, 3 new ratings" in page
    assert "after 10 new responses or 25 new ratings, or when the model is 7 days old" in page
    # "Train now" queues a job for the worker, with who asked, and starts nothing.
    from tests.conftest import csrf_token

    token = csrf_token(client, "/hr/model")
    client.post("/hr/model/train", data={"csrf_token": token})
    page = client.get("/hr/model").get_data(as_text=True)
    assert "requested by Hanne Berg" in page
    assert "Waiting for the worker to pick it up." in page


def test_the_pending_counts_are_singular_for_one(client, session, factory):
    hr = trained_then_rated(client, session, factory, 1)
    page = client.get("/hr/model").get_data(as_text=True)
    assert "0 new survey responses, 1 new rating" in page
    assert "1 new ratings" not in page
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    page = client.get("/hr/model").get_data(as_text=True)
    assert "0 nye besvarelser, 1 ny vurdering" in page


def test_why_and_how_a_training_went_read_in_the_hr_persons_language(client, session, factory):
    """The job list kept English sentences ("requested by ...", "model version 1; ...")
    that a Norwegian HR page showed as they were."""
    from services.training import run_job
    from tests.conftest import csrf_token

    hr = trained_then_rated(client, session, factory, 3)
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    client.post("/hr/model/train", data={"csrf_token": csrf_token(client, "/hr/model")})
    page = client.get("/hr/model").get_data(as_text=True)
    assert "bestilt av Hanne Berg" in page and "requested by" not in page
    assert "utdatert: ingen modell ennå, 12 nye besvarelser" in page
    assert "stale:" not in page
    from sqlmodel import select

    from models.tables import TrainingJob

    queued = session.exec(select(TrainingJob).where(TrainingJob.status == "queued")).one()
    run_job(session=session, job_id=queued.id)
    page = client.get("/hr/model").get_data(as_text=True)
    assert "modellversjon 2; 12 besvarelser; 3 vurderinger" in page
    assert "model version" not in page and "responses;" not in page


def test_an_abandoned_job_reads_in_norwegian_with_its_minutes(client, session, factory):
    from datetime import timedelta

    from models.tables import TRAINING_CLAIM, TrainingJob, utcnow
    from services.training import STALE_JOB, release_abandoned

    hr = factory.person("hr")
    hr.locale = "nb"
    started = utcnow() - STALE_JOB - timedelta(minutes=1)
    session.add_all(
        [
            hr,
            TrainingJob(
                status="running", claim=TRAINING_CLAIM, started_at=started, requested_at=started
            ),
        ]
    )
    session.commit()
    assert release_abandoned(session=session) is not None
    login(client, hr.email)
    page = client.get("/hr/model").get_data(as_text=True)
    minutes = int(STALE_JOB.total_seconds() // 60)
    assert f"Ingen resultat etter {minutes} minutter" in page and "No result" not in page


def test_a_new_reward_shows_as_pending_and_due_in_the_readers_language(client, session, factory):
    from services.catalogue import create_reward, reward_record
    from services.retraining import RetrainPolicy, run_due_training

    hr = trained_then_rated(client, session, factory, 0)
    record = reward_record(session.exec(select(RewardRow).order_by(RewardRow.id)).first())
    create_reward(session=session, actor=hr, record={**record, "id": "harbour-lunch"})
    page = client.get("/hr/model").get_data(as_text=True)
    assert "0 new survey responses, 0 new ratings, 1 reward new or changed in the catalogue" in page
    assert "due: the worker retrains at its next look" in page
    done = run_due_training(session=session, actor=hr, policy=RetrainPolicy())
    assert done.action == "trained", done.message
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    page = client.get("/hr/model").get_data(as_text=True)
    assert "utdatert: 1 belønning ny eller endret i katalogen" in page
    assert "katalogen</dd>" not in page, "nothing is pending after the training"
