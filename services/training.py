"""Training the recommender offline and storing it as a versioned artefact in the database.

Training never runs inside a page request, and a request never starts a process: the CLI
trains directly (`motivo train`), the HR page queues a job, and a long-running
`motivo worker` (or `motivo train --if-stale` from cron) runs queued jobs and retrains
when the model is stale (``services.retraining``).

One training at a time: every training, from the CLI, the worker or the HR page, first
claims a ``TrainingJob`` row whose ``claim`` column is unique while the job is queued or
running. A second request finds the claim taken: the HR page joins the queued or running
job, the CLI stops with ``TrainingRunning`` ("a training is already running"). A claim left
by a worker that died is released after ``STALE_JOB``. Every job records why it ran
(``reason``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.queries import get_by_id
from models.tables import TRAINING_CLAIM, ModelArtefact, Person, Rating, TrainingJob, Wave, utcnow
from models.tables import Reward as RewardRow
from recommender.reward_index import model_facts
from services.access import SYSTEM, Actor, require
from services.audit import record_event
from services.catalogue import catalogue_rows, to_reward
from services.errors import InvalidInput, NotFound, ServiceError
from services.job_reasons import (
    COMMAND_LINE,
    OUTCOME_ABANDONED,
    REQUESTED,
    Why,
    outcome_failed,
)
from services.organisation import group_floor, min_group_size
from services.reliability import flagged_count
from services.scores import latest_response_keys, score_stored

if TYPE_CHECKING:
    from recommender.artefact import MotivoModel

DEFAULT_RANDOM_STATE = 20261130
DEFAULT_MODEL_RETENTION = 5
"""Model versions kept (``MOTIVO_MODEL_RETENTION``): the newest, which is served, and the
ones before it, for comparison; older ones are deleted after each training."""
STALE_JOB = timedelta(minutes=30)
_STALE_MINUTES = int(STALE_JOB.total_seconds() // 60)
_STALE_MESSAGE = f"No result after {_STALE_MINUTES} minutes; the worker was probably stopped."
# The outcome carries the minutes, so the page's words follow ``STALE_JOB`` too.
_ABANDONED = {**OUTCOME_ABANDONED, "minutes": _STALE_MINUTES}
log = logging.getLogger(__name__)


class TrainingRunning(ServiceError):
    """Another training holds the claim; ``job`` is the one queued or running."""

    def __init__(self, job: TrainingJob):
        self.job = job
        self.since = job.started_at or job.requested_at
        super().__init__(
            f"A training is already running (job {job.id}, since "
            f"{self.since:%H:%M} UTC); try again when it has finished."
        )


def _figure(value: float | None) -> str:
    # The card stores None where a figure is undefined (one profile has no silhouette).
    return "n/a" if value is None or value != value else f"{value:.2f}"


@dataclass(frozen=True)
class TrainingResult:
    version: int
    card: dict

    def outcome(self) -> dict:
        """``describe`` as figures, for the job to keep (``services.job_reasons``)."""
        card = self.card
        profiles = card.get("profiles") or {}
        return {
            "code": "trained",
            "version": self.version,
            "responses": card["n_responses"],
            "ratings": card["n_ratings"],
            "dismissals": card["n_dismissals"],
            "rewards": card["n_rewards"],
            "profiles": profiles.get("n_profiles") if profiles else None,
            "silhouette": profiles.get("silhouette") if profiles else None,
            "entropy": profiles.get("entropy") if profiles else None,
            "weak_structure": bool(card.get("weak_structure")),
        }

    def describe(self) -> str:
        card = self.card
        profiles = card.get("profiles") or {}
        parts = [
            f"model version {self.version}",
            # No flagged count: this line is kept with the job, shown to HR after each
            # training, and a count that moves between two trainings could name a person.
            f"{card['n_responses']} responses",
            f"{card['n_ratings']} ratings, {card['n_dismissals']} dismissals",
            f"{card['n_rewards']} rewards",
        ]
        if profiles:
            parts.append(
                f"{profiles.get('n_profiles')} profiles (silhouette "
                f"{_figure(profiles.get('silhouette'))}, entropy "
                f"{_figure(profiles.get('entropy'))}"
                + (
                    ", weak structure: ranking on scores alone"
                    if card.get("weak_structure")
                    else ""
                )
                + ")"
            )
        return "; ".join(parts)


def latest_artefact(session: Session) -> ModelArtefact | None:
    return session.exec(
        select(ModelArtefact).order_by(ModelArtefact.version.desc()).limit(1)
    ).first()


def load_model(row: ModelArtefact) -> MotivoModel:
    from recommender.artefact import from_artefact

    return from_artefact(row.blob, row.meta)


def _fit_and_store(
    *,
    session: Session,
    actor: Actor,
    random_state: int = DEFAULT_RANDOM_STATE,
    retention: int = DEFAULT_MODEL_RETENTION,
) -> TrainingResult:
    """Fit profiles and ranker on each consenting rep's latest non-flagged response and all
    feedback; store the result as the next model version and keep the newest ``retention``."""
    # scikit-learn is loaded by the processes that train, not by every one that imports this.
    from recommender.artefact import MotivoModel, to_artefact
    from recommender.ratings import Ratings

    require(actor, "run_hr")
    # What the model has seen: everything submitted or rated before this moment. The
    # retraining policy counts what came after it (``services.retraining``).
    data_as_of = utcnow()
    responses = latest_response_keys(session)
    if not responses:
        raise InvalidInput(
            "There are no submitted survey responses to train on yet.",
            code="training.no_responses",
        )
    scored = score_stored(session, responses)
    rewards = [to_reward(r) for r in catalogue_rows(session=session)]
    if not rewards:
        raise InvalidInput(
            "The reward catalogue is empty; import rewards first.", code="training.no_rewards"
        )
    row_of = {pid: i for i, pid in enumerate(scored.person_ids)}
    column_of = {r.id: j for j, r in enumerate(rewards)}
    slug_of = {r.id: r.slug for r in session.exec(select(RewardRow))}
    records = []
    # Plain columns of every rating, filtered here: tens of thousands of ORM objects (and a
    # bound parameter per person) cost seconds for nothing.
    stmt = select(Rating.person_id, Rating.reward_id, Rating.rating, Rating.dismissed)
    for person_id, reward_id, value, dismissed in session.connection().execute(stmt):
        row = row_of.get(person_id)
        column = column_of.get(slug_of.get(reward_id))
        if row is None or column is None:
            continue
        if dismissed:
            records.append((row, column, None))
        elif value is not None:
            records.append((row, column, float(value)))
    ratings = Ratings.from_records(records) if records else Ratings.empty()

    previous_row = latest_artefact(session)
    previous = load_model(previous_row) if previous_row is not None else None
    model = MotivoModel(
        random_state=random_state, ranker_params={"min_group_size": min_group_size(session)}
    ).fit(scored.scores, ratings, rewards, flagged=scored.flagged, previous=previous)
    blob, meta = to_artefact(model)
    version = (previous_row.version if previous_row else 0) + 1
    # Rows of the model are people; keep the mapping beside the arrays.
    meta = {
        **meta,
        "person_ids": scored.person_ids,
        "model_version": version,
        "data_as_of": data_as_of.isoformat(),
        # What the model knows of each reward: the retraining policy compares it with the
        # catalogue as it is now (``services.retraining``).
        "catalogue": {reward.id: model_facts(reward) for reward in rewards},
    }
    session.add(
        ModelArtefact(
            version=version,
            trained_by_id=actor.id if actor else None,
            blob=blob,
            meta=json.loads(json.dumps(meta)),
        )
    )
    session.flush()
    pruned = prune_models(session=session, keep=retention)
    record_event(
        session,
        actor=actor,
        action="model.train",
        target=f"version {version}",
        details={"n_responses": len(responses), "n_ratings": len(records), "pruned": pruned},
    )
    session.commit()
    return TrainingResult(version=version, card=model.card_)


def prune_models(*, session: Session, keep: int) -> list[int]:
    """Delete all but the newest ``keep`` model versions; the versions deleted, oldest first.

    The newest version is the one every worker serves, so it is never deleted. The caller
    commits (training does, in the same transaction as the new version).
    """
    if keep < 1:
        raise InvalidInput(
            "Keep at least one model version (MOTIVO_MODEL_RETENTION >= 1).",
            code="training.retention_too_low",
        )
    newest_first = session.exec(
        select(ModelArtefact.version).order_by(ModelArtefact.version.desc())
    ).all()
    old = sorted(newest_first[keep:])
    if old:
        session.execute(delete(ModelArtefact).where(ModelArtefact.version.in_(old)))
    return old


def model_card(*, session: Session, min_size: int | None = None) -> dict | None:
    """The newest model's card with its version and time stored; profile sizes under
    ``min_size`` are left out (None), as a small profile's size points at people."""
    row = latest_artefact(session)
    if row is None:
        return None
    card = dict((row.meta or {}).get("card") or {})
    profiles = card.get("profiles")
    if isinstance(profiles, dict) and isinstance(profiles.get("counts"), list):
        profiles = dict(profiles)
        min_size = group_floor(session, min_size)
        profiles["counts"] = [c if c >= min_size else None for c in profiles["counts"]]
        card["profiles"] = profiles
    # The flagged count follows the reliability report's rule: none while a wave is open
    # (HR could train after each submission and watch it move), and a small one is only
    # "fewer than k".
    shown = flagged_count(
        session,
        n_flagged=int(card.get("n_flagged") or 0),
        still_open=session.exec(select(Wave.id).where(Wave.status == "open")).first() is not None,
        min_size=group_floor(session, min_size),
    )
    card["n_flagged"] = shown["flagged"]
    # The people per profile count unflagged responses only: beside the responses used
    # they would give the withheld flagged count away.
    card["profile_counts_withheld"] = shown["flagged"] is None and isinstance(profiles, dict)
    if card["profile_counts_withheld"]:
        card["profiles"] = {**card["profiles"], "counts": None}
    card["flagged_pending"] = shown["pending"]
    card["flagged_fewer_than"] = shown["fewer_than"]
    card["version"] = row.version
    card["created_at"] = row.created_at.isoformat(timespec="seconds")
    return card


def active_job(*, session: Session) -> TrainingJob | None:
    """The training job that holds the claim (queued or running), if any."""
    return session.exec(select(TrainingJob).where(TrainingJob.claim == TRAINING_CLAIM)).first()


def _finish(
    session: Session,
    job_id: int,
    status: str,
    message: str,
    version=None,
    *,
    outcome: dict,
) -> TrainingJob:
    job = session.get(TrainingJob, job_id)
    job.status, job.finished_at, job.claim = status, utcnow(), None
    job.message, job.model_version = message[:2000], version
    job.details = {**(job.details or {}), "outcome": outcome}
    session.add(job)
    session.commit()
    return job


def _claim(session: Session, *, actor: Actor, status: str, reason: Why) -> TrainingJob:
    """Insert a job that holds the training claim, or raise ``TrainingRunning``.

    The unique index on ``claim`` decides between concurrent requests, on both databases:
    the second INSERT waits for the first transaction and then fails.
    """
    for _attempt in range(3):
        now = utcnow()
        job = TrainingJob(
            requested_by_id=actor.id if actor else None,
            requested_at=now,
            started_at=now if status == "running" else None,
            status=status,
            claim=TRAINING_CLAIM,
            reason=str(reason)[:200],
            details={"reason": reason.to_dict()},
        )
        session.add(job)
        if status == "queued":
            record_event(session, actor=actor, action="model.train_requested")
        try:
            session.commit()
            return job
        except IntegrityError:
            session.rollback()
        holder = active_job(session=session)
        if holder is None:
            continue  # it ended between our INSERT and this look: claim again
        if utcnow() - (holder.started_at or holder.requested_at) > STALE_JOB:
            # A worker that died leaves its claim behind; do not let it block training for ever.
            _finish(session, holder.id, "failed", _STALE_MESSAGE, outcome=_ABANDONED)
            continue
        raise TrainingRunning(holder)
    raise TrainingRunning(active_job(session=session) or job)


def release_abandoned(*, session: Session) -> TrainingJob | None:
    """Close a running job whose worker has given no result for ``STALE_JOB``; the job."""
    holder = active_job(session=session)
    if holder is None or holder.status != "running":
        return None
    started = holder.started_at or holder.requested_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=utcnow().tzinfo)
    if utcnow() - started <= STALE_JOB:
        return None
    return _finish(session, holder.id, "failed", _STALE_MESSAGE, outcome=_ABANDONED)


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, ServiceError):
        return str(exc)
    # Database and library errors are for the log, not for the HR page.
    log.error("Training failed", exc_info=exc)
    return f"Training failed unexpectedly ({type(exc).__name__}); the server log has details."


def train_model(
    *,
    session: Session,
    actor: Actor,
    random_state: int = DEFAULT_RANDOM_STATE,
    retention: int = DEFAULT_MODEL_RETENTION,
    reason: Why = Why(COMMAND_LINE),
) -> TrainingResult:
    """Train now and store the next model version; ``TrainingRunning`` if one is running."""
    require(actor, "run_hr")
    job = _claim(session, actor=actor, status="running", reason=reason)
    try:
        result = _fit_and_store(
            session=session, actor=actor, random_state=random_state, retention=retention
        )
    except BaseException as exc:
        session.rollback()
        _finish(session, job.id, "failed", _failure_message(exc), outcome=outcome_failed(exc))
        raise
    _finish(session, job.id, "done", result.describe(), result.version, outcome=result.outcome())
    return result


def request_training(*, session: Session, actor: Actor) -> tuple[TrainingJob, bool]:
    """Queue a training job for the worker, or join the one queued or running.

    Returns the job and whether it was already there. Nothing is started here: `motivo
    worker` (or `motivo train --if-stale` from cron) picks the job up.
    """
    require(actor, "run_hr")
    who = getattr(actor, "name", None) or getattr(actor, "label", "the system")
    try:
        job = _claim(session, actor=actor, status="queued", reason=Why(REQUESTED, {"who": who}))
    except TrainingRunning as running:
        return running.job, True
    return job, False


def queue_training(*, session: Session, actor: Actor) -> TrainingJob:
    """Queue a training job (or join the active one) for the worker to run."""
    return request_training(session=session, actor=actor)[0]


def run_job(
    *, session: Session, job_id: int, retention: int = DEFAULT_MODEL_RETENTION
) -> TrainingJob:
    """Run a queued training job (called by the worker or the CLI, never by a web request)."""
    job = get_by_id(session, TrainingJob, job_id)
    if job is None:
        raise NotFound(
            f"No training job {job_id}.", code="training.job_not_found", params={"job": job_id}
        )
    # Only the worker that moves the job from queued to running trains it.
    started = session.execute(
        update(TrainingJob)
        .where(
            TrainingJob.id == job_id,
            TrainingJob.status == "queued",
            TrainingJob.claim == TRAINING_CLAIM,
        )
        .values(status="running", started_at=utcnow())
    )
    session.commit()
    if started.rowcount != 1:
        session.refresh(job)
        return job
    # The job was authorised when it was requested; the worker acts on that request.
    requester = session.get(Person, job.requested_by_id) if job.requested_by_id else None
    try:
        result = _fit_and_store(session=session, actor=requester or SYSTEM, retention=retention)
    except Exception as exc:  # noqa: BLE001 - the job records any failure for HR to see
        session.rollback()
        return _finish(
            session, job_id, "failed", _failure_message(exc), outcome=outcome_failed(exc)
        )
    return _finish(
        session, job_id, "done", result.describe(), result.version, outcome=result.outcome()
    )


def recent_jobs(*, session: Session, limit: int = 5) -> list[TrainingJob]:
    return list(session.exec(select(TrainingJob).order_by(TrainingJob.id.desc()).limit(limit)))


def latest_version(*, session: Session) -> int | None:
    """The newest stored model version, or None before the first training."""
    return session.exec(select(func.max(ModelArtefact.version))).one()


def model_versions(*, session: Session) -> int:
    return session.exec(select(func.count()).select_from(ModelArtefact)).one()
