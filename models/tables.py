"""The database tables. One module until it hurts; every change goes through a migration."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Column,
    Index,
    LargeBinary,
    UniqueConstraint,
    event,
    false,
    inspect,
    select,
    text,
    true,
)
from sqlmodel import Field, SQLModel

from recommender.catalogue import role_key

ACCESS_ROLES = ("rep", "manager", "hr", "admin")
LOCALES = ("en", "nb")


def utcnow() -> datetime:
    """Aware UTC; SQLModel's UTC column type stores and returns it alike on both databases."""
    return datetime.now(UTC)


def utc_today() -> date:
    """Today in UTC, the one calendar every day Motivo keeps is counted in (grants, waves,
    budgets, cooldowns), whatever the server's local time zone."""
    return utcnow().date()


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Person(SQLModel, table=True):
    # The people page lists people in this order, a page at a time.
    __table_args__ = (Index("ix_person_name_external_id", "name", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254, unique=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    access: str = Field(default="rep", max_length=16)
    sales_role: str = Field(default="", max_length=64)
    locale: str = Field(default="", max_length=8)  # "" follows the browser
    # "Use my answers to personalise my rewards"; off means non-personal suggestions and no
    # profile shown to the manager.
    personalise: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Part of every signed-in session; raising it (sign-out, new password, deactivation) ends
    # all of the person's sessions on every worker, because the user loader compares it.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


ROLE_KEY_LENGTH = 64


def sales_role_key(text: str | None) -> str:
    """The stored form of a sales role (see ``recommender.catalogue.role_key``)."""
    return role_key(text or "")[:ROLE_KEY_LENGTH].rstrip("_")


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _person_role_key(_mapper, _connection, target: Person) -> None:
    # Every path that saves a person (roster import, demo, an edit, a test factory) stores
    # the key, so "Closer" and "closer " never become two groups below the minimum size.
    target.sales_role = sales_role_key(target.sales_role)


class SalesRole(SQLModel, table=True):
    """A sales role's display label as first typed; people and responses store ``key``."""

    key: str = Field(max_length=ROLE_KEY_LENGTH, primary_key=True)
    label: str = Field(max_length=ROLE_KEY_LENGTH)


class Credential(SQLModel, table=True):
    """A login password; people imported only as respondents have none."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = Field(default_factory=utcnow)


class PasswordToken(SQLModel, table=True):
    """A one-time link an admin hands out so a person can choose their own password."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Kept in the database so throttling holds across every worker process."""

    __table_args__ = (
        Index("ix_loginattempt_email_at", "email", "at"),
        Index("ix_loginattempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    email: str = Field(max_length=254)
    ip: str = Field(max_length=64)
    success: bool = Field(default=False)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key (an account, an address or a known browser) in a fixed window.

    Counted with one conditional UPDATE, so parallel requests cannot share a free slot.
    """

    key: str = Field(max_length=300, primary_key=True)
    window_started: datetime = Field(default_factory=utcnow)
    failures: int = Field(default=0)


class AuditLog(SQLModel, table=True):
    """Who did what, when: every change and every export writes a row."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=80, index=True)
    target: str = Field(default="", max_length=200)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Instrument(SQLModel, table=True):
    """One version of a questionnaire; never changed once stored (a change is a new version)."""

    __table_args__ = (UniqueConstraint("name", "version", name="uq_instrument_name_version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, index=True)
    version: int
    title: str = Field(default="", max_length=200)
    definition: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")


WAVE_STATUSES = ("open", "closed")


class Wave(SQLModel, table=True):
    """One round of a survey that HR opens and closes."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    opens_on: date
    closes_on: date
    status: str = Field(default="open", max_length=16)
    audience: str = Field(default="all", max_length=16)  # all | teams
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class WaveTeam(SQLModel, table=True):
    """The teams a wave is meant for, when its audience is not everyone."""

    wave_id: int = Field(foreign_key="wave.id", primary_key=True)
    team_id: int = Field(foreign_key="team.id", primary_key=True)


RESPONSE_FROM_SURVEY = "web"
"""``SurveyResponse.source`` of answers the person gave through the survey pages."""
RESPONSE_IMPORTED = "import"
"""``SurveyResponse.source`` of answers imported from another tool: known to the importer."""


class SurveyResponse(SQLModel, table=True):
    """One person's submission in a wave; partial until submitted."""

    __table_args__ = (UniqueConstraint("wave_id", "person_id", name="uq_response_wave_person"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    instrument_id: int = Field(foreign_key="instrument.id")
    status: str = Field(default="in_progress", max_length=16)  # in_progress | submitted
    source: str = Field(default="web", max_length=16)  # web | import | demo
    started_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    page_seconds: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The groups the person belonged to when they submitted. Every aggregate groups by
    # these, never by today's roster, so moving someone cannot isolate their answers.
    team_id: int | None = Field(default=None, foreign_key="team.id")
    sales_role: str = Field(default="", max_length=64)
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    groups_frozen_at: datetime | None = None


def freeze_groups(connection, response: SurveyResponse) -> None:
    """Record the person's team, sales role and manager on a response being submitted."""
    if response.status != "submitted" or response.groups_frozen_at is not None:
        return
    person = Person.__table__
    row = connection.execute(
        select(person.c.team_id, person.c.sales_role, person.c.manager_id).where(
            person.c.id == response.person_id
        )
    ).first()
    if row is not None:
        response.team_id, response.sales_role, response.manager_id = row[0], row[1] or "", row[2]
    response.groups_frozen_at = utcnow()


@event.listens_for(SurveyResponse, "before_insert")
@event.listens_for(SurveyResponse, "before_update")
def _freeze_on_submit(_mapper, connection, target: SurveyResponse) -> None:
    # Whatever path submits a response (the survey, an import, the demo), it carries
    # the groups of the moment it was submitted.
    freeze_groups(connection, target)
    target.sales_role = sales_role_key(target.sales_role)


class Answer(SQLModel, table=True):
    """One item's value in a response: a number, or text (a ranking is codes joined by '>')."""

    __table_args__ = (UniqueConstraint("response_id", "item_code", name="uq_answer_item"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="surveyresponse.id", index=True)
    item_code: str = Field(max_length=64)
    value: float | None = None
    text: str | None = None


class Reward(SQLModel, table=True):
    """One reward in the organisation's catalogue; ``slug`` is its stable id in files."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    description: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    category: str = Field(max_length=20, index=True)
    visibility: str = Field(max_length=10)
    scope: str = Field(max_length=12)
    roles: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cost_band: int
    cost: float
    horizon: str = Field(max_length=8)
    cooldown_days: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


OCCASIONS = ("goal_reached", "milestone", "peer_nomination", "other")
GRANT_STATUSES = ("given", "accepted", "redeemed")


class Grant(SQLModel, table=True):
    """A reward a manager actually gave a person."""

    __tablename__ = "reward_grant"  # "grant" is an SQL keyword

    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(foreign_key="reward.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    given_by_id: int | None = Field(default=None, foreign_key="person.id")
    occasion: str = Field(default="other", max_length=20)
    note: str = Field(default="", max_length=1000)
    given_on: date
    status: str = Field(default="given", max_length=12)
    source: str = Field(default="web", max_length=12)  # web | import | demo
    created_at: datetime = Field(default_factory=utcnow)
    # What the team paid and which team paid it, fixed when it was given: a later change of
    # the catalogue's cost or of the person's team does not rewrite a quarter's spend.
    cost: float
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)


class Rating(SQLModel, table=True):
    """A rep's 1-5 judgement of a reward; ``dismissed`` is "not for me" (no rating)."""

    __table_args__ = (
        UniqueConstraint("person_id", "reward_id", "grant_id", name="uq_rating"),
        # NULLs never collide in a unique constraint, so a rating without a grant (a "not
        # for me", an imported rating) needs its own: one per person and reward.
        Index(
            "uq_rating_no_grant",
            "person_id",
            "reward_id",
            unique=True,
            sqlite_where=text("grant_id IS NULL"),
            postgresql_where=text("grant_id IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    reward_id: int = Field(foreign_key="reward.id", index=True)
    grant_id: int | None = Field(default=None, foreign_key="reward_grant.id", index=True)
    rating: int | None = None
    dismissed: bool = False
    comment: str = Field(default="", max_length=2000)
    source: str = Field(default="web", max_length=12)
    # The reward's category when the rating was last given or changed (stamped below): the
    # rating figures per category count it there, so re-filing a reward in the catalogue
    # does not move the ratings it already has (``services.satisfaction``).
    category: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    # Counts changes of the value (rating or "not for me"), not of the comment: what the
    # rating releases compare, so that they hold no rating values themselves.
    value_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


@event.listens_for(Rating, "before_insert")
@event.listens_for(Rating, "before_update")
def _stamp_category(_mapper, connection, target: Rating) -> None:
    # Every path that writes a rating (a rep's page, "not for me", an import, the demo, a
    # test factory) stamps the category its reward has at that moment and counts a new
    # value. A save that leaves the value as stored (a new comment) changes neither, or
    # re-saving ratings after a reward was re-filed would move them between categories,
    # and count as changes, without a change. The stored row is read rather than the
    # attribute history, which an expired object does not have.
    table = Rating.__table__
    state = inspect(target)
    if state.persistent:
        stored = connection.execute(
            select(table.c.rating, table.c.dismissed, table.c.source, table.c.value_version).where(
                table.c.id == target.id
            )
        ).first()
        if stored is not None:
            value = (
                state.dict.get("rating", stored.rating),
                bool(state.dict.get("dismissed", stored.dismissed)),
                state.dict.get("source", stored.source),
            )
            # An imported rating the person rates becomes theirs, stamped anew whatever
            # they give: were it re-stamped only for a new value, the category it ends up
            # in would tell whether they gave the value the import carried.
            if value == (stored.rating, bool(stored.dismissed), stored.source):
                return
            target.value_version = stored.value_version + 1
    reward = Reward.__table__
    target.category = (
        connection.execute(
            select(reward.c.category).where(reward.c.id == target.reward_id)
        ).scalar_one_or_none()
        or ""
    )


class RatingRelease(SQLModel, table=True):
    """Rating figures of one reward category as they were shown (``services.satisfaction``).

    ``raters`` maps each person counted (their id, as text) to a digest of which of their
    own ratings in the category stood at which version (ids and ``value_version``, no
    values), so a later reading can tell how many people have changed anything since.
    ``previous_id`` is the release this one followed (0 for the first): unique per
    category, so of two readings releasing at the same moment only one can.
    """

    __tablename__ = "rating_release"
    __table_args__ = (
        UniqueConstraint("category", "previous_id", name="uq_rating_release_previous"),
    )

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=20, index=True)
    previous_id: int = 0
    released_at: datetime = Field(default_factory=utcnow)
    people: int
    ratings: int
    rating_sum: float
    dismissed: int
    items: int
    raters: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ModelArtefact(SQLModel, table=True):
    """A trained model: arrays (npz, no pickle) and JSON metadata with the model card."""

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    trained_by_id: int | None = Field(default=None, foreign_key="person.id")
    blob: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    meta: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


TRAINING_CLAIM = "model"


class TrainingJob(SQLModel, table=True):
    """A request to train the model, run outside any web request by `motivo worker` or
    `motivo train --if-stale`; ``reason`` says why ("requested by Hanne", "stale: ...")."""

    # ``claim`` is TRAINING_CLAIM while the job is queued or running and NULL once it ended;
    # the unique index lets one training at a time hold it (NULLs never collide).
    __table_args__ = (Index("uq_trainingjob_claim", "claim", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    requested_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str = Field(default="queued", max_length=12)  # queued | running | done | failed
    message: str = Field(default="", max_length=2000)
    model_version: int | None = None
    claim: str | None = Field(default=None, max_length=16)
    reason: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # Why it ran and how it ended as codes and figures (``services.job_reasons``), so each
    # reader gets them in their language; ``reason`` and ``message`` keep the English.
    details: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Budget(SQLModel, table=True):
    """A team's allowance for one quarter (``2026-Q4``), in the organisation's currency."""

    __table_args__ = (UniqueConstraint("team_id", "quarter", name="uq_budget_team_quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    quarter: str = Field(max_length=7)
    amount: float
    set_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow)


class Achievement(SQLModel, table=True):
    """Something a manager recorded that deserves recognition (a goal reached, a milestone)."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="person.id")
    title: str = Field(max_length=200)
    achieved_on: date
    grant_id: int | None = Field(default=None, foreign_key="reward_grant.id")
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """An in-app message; ``kind`` and ``params`` are rendered in the reader's language."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=40)
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None
    emailed_at: datetime | None = None


class KPI(SQLModel, table=True):
    """A sales figure for one person and period (``2026-10`` or ``2026-Q3``)."""

    __tablename__ = "kpi"
    __table_args__ = (UniqueConstraint("person_id", "period", "metric", name="uq_kpi"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    period: str = Field(max_length=10, index=True)
    metric: str = Field(max_length=40, index=True)
    value: float
    source: str = Field(default="import", max_length=12)
    updated_at: datetime = Field(default_factory=utcnow)


class Experiment(SQLModel, table=True):
    """An incentive test HR runs: arms, an audience, a KPI, and periods before and after.

    The arms start on ``starts_on`` (the day it was created, or a later day); the before
    period ends before it and the after period begins on or after it. ``retrospective``
    marks a comparison of periods that were over when it was made: observational, not an
    experiment, and ``starts_on`` is then None.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    description: str = Field(default="", max_length=2000)
    metric: str = Field(max_length=40)
    period_before: str = Field(max_length=10)
    period_after: str = Field(max_length=10)
    assignment: str = Field(default="random", max_length=12)  # random | stratified
    random_seed: int = 0
    status: str = Field(default="running", max_length=12)  # running | finished
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    starts_on: date | None = None
    retrospective: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class ExperimentArm(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    experiment_id: int = Field(foreign_key="experiment.id", index=True)
    key: str = Field(max_length=40)
    label: str = Field(max_length=120)
    reward_category: str | None = Field(default=None, max_length=20)
    is_control: bool = False


class ExperimentAssignment(SQLModel, table=True):
    experiment_id: int = Field(foreign_key="experiment.id", primary_key=True)
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    arm_id: int = Field(foreign_key="experimentarm.id", index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token for integrations; only its SHA-256 digest is stored."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    scopes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ReleasedGroup(SQLModel, table=True):
    """A group of a wave's respondents whose figures were shown: one row per membership.

    ``members`` holds the sorted response ids (little-endian int64); ``digest`` is their
    SHA-256, so showing the same people again finds the row instead of adding one.
    """

    __table_args__ = (UniqueConstraint("wave_id", "digest", name="uq_releasedgroup_digest"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    digest: str = Field(max_length=64)
    size: int
    members: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    first_release_id: int | None = Field(default=None, foreign_key="release.id")
    created_at: datetime = Field(default_factory=utcnow)


class Release(SQLModel, table=True):
    """One aggregate of a wave shown to someone: the disclosure ledger.

    ``details`` records the filters, every group shown (its ledger row, key, size and
    figures) and every group withheld with the reason.
    """

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=40)  # summary | focus_groups | distributions | drift
    channel: str = Field(default="", max_length=20)  # page | export | report | api | cli
    model_version: int | None = None
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Reminder(SQLModel, table=True):
    """One survey reminder sent to one person in one wave; the per-wave cap counts these.

    ``seq`` numbers a person's reminders in a wave (1, 2, ...); being unique, two rounds
    sent at the same moment cannot both remind the same person.
    """

    __table_args__ = (UniqueConstraint("wave_id", "person_id", "seq", name="uq_reminder_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    wave_id: int = Field(foreign_key="wave.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    seq: int
    sent_by_id: int | None = Field(default=None, foreign_key="person.id")
    sent_at: datetime = Field(default_factory=utcnow)


class Webhook(SQLModel, table=True):
    """A chat channel's incoming webhook (``slack`` or ``teams``); it only ever gets counts."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, unique=True)
    url: str = Field(max_length=500)
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow)


class RecognitionNotice(SQLModel, table=True):
    """A manager was told that one of their people was due for recognition in a period
    (an achievement's window, or a calendar month of waiting); each at most once."""

    __table_args__ = (
        UniqueConstraint("manager_id", "person_id", "period", name="uq_recognition_notice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    manager_id: int = Field(foreign_key="person.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    period: str = Field(max_length=40)
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    created_at: datetime = Field(default_factory=utcnow)


class ApiRateWindow(SQLModel, table=True):
    """Requests per token per minute, shared by every worker through the database."""

    token_id: int = Field(foreign_key="apitoken.id", primary_key=True)
    window_start: datetime = Field(primary_key=True)
    count: int = 0


__all__ = [
    "ACCESS_ROLES",
    "LOCALES",
    "Answer",
    "Achievement",
    "ApiRateWindow",
    "ApiToken",
    "AuditLog",
    "Budget",
    "Experiment",
    "ExperimentArm",
    "ExperimentAssignment",
    "KPI",
    "Notification",
    "Credential",
    "GRANT_STATUSES",
    "Grant",
    "ModelArtefact",
    "OCCASIONS",
    "Rating",
    "RecognitionNotice",
    "Reminder",
    "Release",
    "ReleasedGroup",
    "Reward",
    "Instrument",
    "LoginAttempt",
    "LoginThrottle",
    "PasswordToken",
    "Person",
    "SurveyResponse",
    "Team",
    "TRAINING_CLAIM",
    "TrainingJob",
    "WAVE_STATUSES",
    "Wave",
    "WaveTeam",
    "Webhook",
    "freeze_groups",
    "utcnow",
]
