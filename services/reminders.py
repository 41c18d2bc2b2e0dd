"""Survey reminders: HR reminds the people who have not answered an open wave.

Each reminder is an in-app notification, written and committed first; then its email copy
(when email is on) and one counts-only message to each chat channel (``services.webhooks``).
A failed email or channel never undoes the in-app reminders: the result says what failed,
and the audit log keeps both the sending and the delivery.

So that nobody is spammed, a person gets at most ``MOTIVO_REMINDER_MAX_PER_WAVE`` (3)
reminders per wave, and at least ``MOTIVO_REMINDER_MIN_HOURS`` (48) hours apart; those
over the cap or too recent are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.tables import Notification, Person, Reminder, Wave, utcnow
from services.access import Actor, require
from services.analytics import reminder_list
from services.audit import record_event
from services.errors import InvalidInput, ServiceError
from services.notifications import Delivery, email_now, format_day
from services.waves import invited_ids
from services.webhooks import ChannelOutcome, post_to_channels

DEFAULT_MAX_PER_WAVE = 3
DEFAULT_MIN_HOURS = 48

CHANNEL_TITLE = {"en": "Survey reminder", "nb": "Påminnelse om undersøkelse"}
CHANNEL_TEXT = {
    "en": (
        "{wave}: {pending} of {invited} people have not answered yet; {reminded} were"
        " reminded now. The survey closes on {closes_on}."
    ),
    "nb": (
        "{wave}: {pending} av {invited} personer har ikke svart ennå; {reminded} fikk"
        " en påminnelse nå. Undersøkelsen stenger {closes_on}."
    ),
}


class RemindersBusy(ServiceError):
    """Someone else was sending reminders for the same wave at the same moment."""


@dataclass(frozen=True)
class ReminderPolicy:
    """At most ``max_per_wave`` reminders per person and wave, ``min_hours`` apart."""

    max_per_wave: int = DEFAULT_MAX_PER_WAVE
    min_hours: int = DEFAULT_MIN_HOURS


def reminder_policy(settings: Mapping) -> ReminderPolicy:
    """The policy from the settings (``MOTIVO_REMINDER_MAX_PER_WAVE``, ``_MIN_HOURS``)."""
    try:
        most = int(settings.get("MOTIVO_REMINDER_MAX_PER_WAVE") or DEFAULT_MAX_PER_WAVE)
        hours = int(settings.get("MOTIVO_REMINDER_MIN_HOURS") or DEFAULT_MIN_HOURS)
    except (TypeError, ValueError):
        raise InvalidInput(
            "The reminder settings are not numbers.",
            ["MOTIVO_REMINDER_MAX_PER_WAVE and MOTIVO_REMINDER_MIN_HOURS: whole numbers"],
            code="reminders.settings_not_numbers",
        ) from None
    if most < 1 or hours < 1:
        raise InvalidInput(
            "The reminder settings are out of range.",
            ["MOTIVO_REMINDER_MAX_PER_WAVE and MOTIVO_REMINDER_MIN_HOURS: 1 or more"],
            code="reminders.settings_out_of_range",
        )
    return ReminderPolicy(max_per_wave=most, min_hours=hours)


@dataclass(frozen=True)
class ReminderResult:
    """What one round of reminders did; ``email`` and ``channels`` say what failed, if anything."""

    wave: str
    pending: int
    reminded: int
    capped: int
    too_soon: int
    email: Delivery
    channels: list[ChannelOutcome] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        out = []
        if self.email.error:
            out.append("email: " + self.email.error.splitlines()[0])
        out += [f"{c.channel}: {c.error}" for c in self.channels if not c.ok]
        return out


def _history(session: Session, wave: Wave) -> dict[int, tuple[int, datetime]]:
    """Person id -> (reminders sent in the wave, when the last one was sent)."""
    rows = session.exec(
        select(Reminder.person_id, func.count(Reminder.id), func.max(Reminder.sent_at))
        .where(Reminder.wave_id == wave.id)
        .group_by(Reminder.person_id)
    ).all()
    return {person_id: (int(n), last) for person_id, n, last in rows}


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for the aware UTC column in some aggregate queries.
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def reminder_overview(
    *,
    session: Session,
    viewer: Actor,
    wave: str | int | Wave | None = None,
    policy: ReminderPolicy | None = None,
    now: datetime | None = None,
) -> dict:
    """The wave's non-respondents (as :func:`services.analytics.reminder_list`) with, per
    person, the reminders sent so far and whether another may be sent now."""
    policy = policy or ReminderPolicy()
    now = now or utcnow()
    data = reminder_list(session=session, viewer=viewer, wave=wave)
    wave_row = session.exec(select(Wave).where(Wave.name == data["wave"])).one()
    history = _history(session, wave_row)
    gap = timedelta(hours=policy.min_hours)
    ready = 0
    for person in data["people"]:
        sent, last = history.get(person["person_id"], (0, None))
        last = _aware(last) if last else None
        person["reminders"] = sent
        person["last_reminded"] = last
        if sent >= policy.max_per_wave:
            person["reminder_state"] = "capped"
            person["next_reminder"] = None
        elif last is not None and now - last < gap:
            person["reminder_state"] = "too_soon"
            person["next_reminder"] = last + gap
        else:
            person["reminder_state"] = "ready"
            person["next_reminder"] = None
            ready += 1
    data["wave_id"] = wave_row.id
    data["ready"] = ready
    data["policy"] = policy
    return data


def channel_message(
    *, wave: Wave, pending: int, invited: int, reminded: int, locale: str
) -> tuple[str, str]:
    """(title, text) of the message to chat channels: counts only, never a name."""
    locale = locale if locale in CHANNEL_TEXT else "en"
    text = CHANNEL_TEXT[locale].format(
        wave=wave.name,
        pending=pending,
        invited=invited,
        reminded=reminded,
        closes_on=format_day(wave.closes_on, locale),
    )
    return CHANNEL_TITLE[locale], text


def send_reminders(
    *,
    session: Session,
    actor: Actor,
    wave: str | int | Wave | None,
    settings: Mapping,
    now: datetime | None = None,
) -> ReminderResult:
    """Remind everyone in the open wave who has not submitted and is within the policy."""
    require(actor, "run_hr")
    policy = reminder_policy(settings)
    now = now or utcnow()
    data = reminder_overview(session=session, viewer=actor, wave=wave, policy=policy, now=now)
    wave_row = session.get(Wave, data["wave_id"])
    ready = [p for p in data["people"] if p["reminder_state"] == "ready"]
    capped = sum(1 for p in data["people"] if p["reminder_state"] == "capped")
    too_soon = sum(1 for p in data["people"] if p["reminder_state"] == "too_soon")
    link = f"/survey/{wave_row.id}/"
    params = {
        "wave": wave_row.name,
        "wave_id": wave_row.id,
        "closes_on": wave_row.closes_on.isoformat(),
    }
    sent_by = actor.id if isinstance(actor, Person) else None
    notices: list[Notification] = []
    for person in ready:
        session.add(
            Reminder(
                wave_id=wave_row.id,
                person_id=person["person_id"],
                seq=person["reminders"] + 1,
                sent_by_id=sent_by,
                sent_at=now,
            )
        )
        notice = Notification(
            person_id=person["person_id"], kind="survey_reminder", params=dict(params), link=link
        )
        session.add(notice)
        notices.append(notice)
    record_event(
        session,
        actor=actor,
        action="reminders.send",
        target=wave_row.name,
        details={
            "reminded": len(ready),
            "pending": len(data["people"]),
            "capped": capped,
            "too_soon": too_soon,
            "max_per_wave": policy.max_per_wave,
            "min_hours": policy.min_hours,
        },
    )
    # The in-app reminders are safe before anything leaves the building. A round sent at
    # the same moment took the same sequence numbers first: this one then sends nothing.
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise RemindersBusy(
            "Reminders for this wave were being sent at the same moment; nobody was reminded twice."
        ) from None

    email = email_now(session=session, settings=settings, notifications=notices)
    channels: list[ChannelOutcome] = []
    if ready:
        invited = len(invited_ids(session, wave_row))
        title, text = channel_message(
            wave=wave_row,
            pending=len(data["people"]),
            invited=invited,
            reminded=len(ready),
            locale=str(settings.get("MOTIVO_DEFAULT_LOCALE") or "en"),
        )
        channels = post_to_channels(session=session, actor=actor, title=title, text=text)
    result = ReminderResult(
        wave=wave_row.name,
        pending=len(data["people"]),
        reminded=len(ready),
        capped=capped,
        too_soon=too_soon,
        email=email,
        channels=channels,
    )
    if ready:
        record_event(
            session,
            actor=actor,
            action="reminders.delivery",
            target=wave_row.name,
            details={
                "emailed": email.sent,
                "email_on": email.enabled,
                "email_failed": bool(email.error),
                "no_address": email.no_address,
                "channels": {c.channel: c.ok for c in channels},
                "failures": result.failures,
            },
        )
        session.commit()
    return result
