"""When to retrain: a staleness policy, and one step of the background worker.

The model is *stale* when, since the data it was trained on, at least
``min_new_responses`` survey responses were submitted, or at least ``min_new_ratings``
ratings were given or changed (dismissals included), or it is older than
``max_age_days`` and anything at all is new. It is stale at once when the catalogue holds
a reward the model has not seen as it is now: a new one, or one whose category,
visibility, scope, horizon, cost band, roles or cooldown changed (a model scores and
explains rewards by these as they were when it trained, and offers a reward only to the
roles it was open to then; names and prices it never reads, and what the catalogue rules
out now, retired rewards included, serving leaves out without training). A model that was
never trained is stale as soon as one response is submitted. After a training that failed, the policy waits
``retry_after`` before trying again, so a worker does not fail every minute.

``run_due_training`` is what `motivo worker` runs every interval and what
`motivo train --if-stale` runs once (for cron): run the job HR queued, else train if
the model is stale, else say why not. Every path goes through the single-flight claim of
``services.training``, so two workers, or a worker and a cron run, never train at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Rating, SurveyResponse, TrainingJob, utcnow
from recommender.reward_index import model_facts
from services.access import Actor, require
from services.catalogue import catalogue_rows, to_reward
from services.job_reasons import FRESH, STALE, Why
from services.training import (
    DEFAULT_MODEL_RETENTION,
    TrainingRunning,
    active_job,
    latest_artefact,
    release_abandoned,
    run_job,
    train_model,
)

DEFAULT_NEW_RESPONSES = 10
DEFAULT_NEW_RATINGS = 25
DEFAULT_MAX_AGE_DAYS = 7
DEFAULT_RETRY_MINUTES = 60
DEFAULT_WORKER_INTERVAL = 60


@dataclass(frozen=True)
class RetrainPolicy:
    """Thresholds that make the model stale (``MOTIVO_RETRAIN_*`` settings)."""

    min_new_responses: int = DEFAULT_NEW_RESPONSES
    min_new_ratings: int = DEFAULT_NEW_RATINGS
    max_age_days: int = DEFAULT_MAX_AGE_DAYS
    retry_after: timedelta = timedelta(minutes=DEFAULT_RETRY_MINUTES)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> RetrainPolicy:
        """The policy from a configuration mapping, defaults for what it leaves out."""
        return cls(
            min_new_responses=int(
                settings.get("MOTIVO_RETRAIN_NEW_RESPONSES", DEFAULT_NEW_RESPONSES)
            ),
            min_new_ratings=int(settings.get("MOTIVO_RETRAIN_NEW_RATINGS", DEFAULT_NEW_RATINGS)),
            max_age_days=int(settings.get("MOTIVO_RETRAIN_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS)),
            retry_after=timedelta(
                minutes=int(settings.get("MOTIVO_RETRAIN_RETRY_MINUTES", DEFAULT_RETRY_MINUTES))
            ),
        )

    def describe(self) -> str:
        return (
            f"retrain after {self.min_new_responses} new responses or "
            f"{self.min_new_ratings} new ratings, or when the model is "
            f"{self.max_age_days} days old and anything is new; at once for a new or "
            "changed reward"
        )


@dataclass(frozen=True)
class Staleness:
    """What is pending since the model's data, and whether that calls for training.

    ``why`` says why (``services.job_reasons``); ``reason`` is it in English: "stale: 12
    new responses" when ``stale``, else why not.
    """

    stale: bool
    why: Why
    new_responses: int
    new_ratings: int
    trained_at: datetime | None
    data_as_of: datetime | None
    model_version: int | None
    age_days: float | None
    changed_rewards: int = 0

    @property
    def reason(self) -> str:
        return str(self.why)


def _aware(value: datetime) -> datetime:
    # SQLite hands back what was stored; older rows may lack the zone.
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pending(session: Session, since: datetime | None) -> tuple[int, int]:
    responses = (
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.status == "submitted")
    )
    ratings = select(func.count()).select_from(Rating)
    if since is not None:
        responses = responses.where(SurveyResponse.submitted_at > since)
        ratings = ratings.where(Rating.updated_at > since)
    return int(session.exec(responses).one()), int(session.exec(ratings).one())


def _changed_rewards(session: Session, known: Mapping[str, str] | None) -> int:
    """Rewards in use that the model has not seen as they are now (``model_facts``).

    Retired rewards are not counted: nobody is suggested them whatever the model knows. A
    model stored before it kept what it knew of the catalogue counts nothing.
    """
    if known is None:
        return 0
    return sum(
        1
        for row in catalogue_rows(session=session, active_only=True)
        if known.get(row.slug) != model_facts(to_reward(row))
    )


def staleness(*, session: Session, policy: RetrainPolicy, now: datetime | None = None) -> Staleness:
    """Count what is new since the served model's data and apply ``policy``."""
    now = now or utcnow()
    row = latest_artefact(session)
    trained_at = _aware(row.created_at) if row is not None else None
    data_as_of = None
    if row is not None:
        stamp = (row.meta or {}).get("data_as_of")
        data_as_of = datetime.fromisoformat(stamp) if stamp else trained_at
    new_responses, new_ratings = _pending(session, data_as_of)
    changed = _changed_rewards(session, (row.meta or {}).get("catalogue")) if row else 0
    age = (now - trained_at).total_seconds() / 86400 if trained_at else None
    counts = {"responses": new_responses, "ratings": new_ratings}
    if row is None:
        stale = new_responses > 0
        why = (
            Why(STALE, {"trigger": "first", **counts})
            if stale
            else Why(FRESH, {**counts, "version": None})
        )
    elif changed:
        stale, why = True, Why(STALE, {"trigger": "catalogue", "rewards": changed, **counts})
    elif new_responses >= policy.min_new_responses or new_ratings >= policy.min_new_ratings:
        stale, why = True, Why(STALE, {"trigger": "counts", **counts})
    elif age is not None and age >= policy.max_age_days and (new_responses or new_ratings):
        stale, why = True, Why(STALE, {"trigger": "age", "days": int(age), **counts})
    else:
        stale = False
        why = Why(FRESH, {**counts, "version": row.version, "policy": policy.describe()})
    return Staleness(
        stale=stale,
        why=why,
        new_responses=new_responses,
        new_ratings=new_ratings,
        trained_at=trained_at,
        data_as_of=data_as_of,
        model_version=row.version if row is not None else None,
        age_days=age,
        changed_rewards=changed,
    )


def _last_failure(session: Session) -> TrainingJob | None:
    last = session.exec(
        select(TrainingJob)
        .where(TrainingJob.status.in_(("done", "failed")))
        .order_by(TrainingJob.id.desc())
        .limit(1)
    ).first()
    return last if last is not None and last.status == "failed" else None


@dataclass(frozen=True)
class RetrainOutcome:
    """What one worker step did: ``action`` is "trained", "failed", "busy" or "fresh"."""

    action: str
    message: str
    job: TrainingJob | None = None


def run_due_training(
    *,
    session: Session,
    actor: Actor,
    policy: RetrainPolicy,
    retention: int = DEFAULT_MODEL_RETENTION,
    now: datetime | None = None,
) -> RetrainOutcome:
    """Run the queued job, or train if the model is stale, or say why nothing was done."""
    require(actor, "run_hr")
    release_abandoned(session=session)
    holder = active_job(session=session)
    if holder is not None and holder.status == "queued":
        job = run_job(session=session, job_id=holder.id, retention=retention)
        if job.status in ("done", "failed"):
            action = "trained" if job.status == "done" else "failed"
            return RetrainOutcome(action, f"Job {job.id} ({job.reason}): {job.message}", job)
        # Another worker took it between our look and our update.
        return RetrainOutcome("busy", f"Job {job.id} is being run by another worker.", job)
    if holder is not None:
        return RetrainOutcome(
            "busy", f"A training is already running (job {holder.id}); nothing to do.", holder
        )
    state = staleness(session=session, policy=policy, now=now)
    if not state.stale:
        return RetrainOutcome("fresh", f"Not training: {state.reason}.")
    failed = _last_failure(session)
    now = now or utcnow()
    if failed is not None:
        # Counted from when the attempt began, so a job abandoned by a worker that died
        # long ago does not hold the next attempt back.
        retry_at = _aware(failed.started_at or failed.requested_at) + policy.retry_after
        if now < retry_at:
            return RetrainOutcome(
                "fresh",
                f"Not training yet: job {failed.id} failed ({failed.message}); "
                f"retrying after {retry_at:%Y-%m-%d %H:%M} UTC.",
                failed,
            )
    try:
        result = train_model(session=session, actor=actor, retention=retention, reason=state.why)
    except TrainingRunning as running:
        return RetrainOutcome(
            "busy",
            f"A training is already running (job {running.job.id}); nothing to do.",
            running.job,
        )
    except Exception as exc:  # noqa: BLE001 - the job row holds the message; report it
        session.rollback()
        job = session.exec(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(1)).first()
        message = job.message if job is not None else str(exc)
        return RetrainOutcome("failed", f"Training failed ({state.reason}): {message}", job)
    job = session.exec(
        select(TrainingJob).where(TrainingJob.model_version == result.version)
    ).first()
    return RetrainOutcome("trained", f"Trained ({state.reason}): {result.describe()}.", job)


@dataclass(frozen=True)
class TrainingStatus:
    """What the HR model page shows about training: last, pending, policy, recent jobs."""

    staleness: Staleness
    policy: RetrainPolicy
    last_trained: TrainingJob | None
    active: TrainingJob | None
    jobs: list[TrainingJob]


def training_status(
    *, session: Session, viewer: Actor, policy: RetrainPolicy, limit: int = 5
) -> TrainingStatus:
    """When and why the model last trained, what is pending, the policy, recent jobs."""
    from services.training import recent_jobs

    require(viewer, "run_hr")
    last = session.exec(
        select(TrainingJob)
        .where(TrainingJob.status == "done")
        .order_by(TrainingJob.id.desc())
        .limit(1)
    ).first()
    return TrainingStatus(
        staleness=staleness(session=session, policy=policy),
        policy=policy,
        last_trained=last,
        active=active_job(session=session),
        jobs=recent_jobs(session=session, limit=limit),
    )
