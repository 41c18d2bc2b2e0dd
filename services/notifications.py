"""In-app notifications, rendered in the reader's language, and their optional email copy.

A notification stores a ``kind`` and ``params``; the sentence is made when it is read
(:func:`render`), from the text tables below, so it follows the reader's language and
needs no web framework. Email is off unless ``MOTIVO_EMAIL_ENABLED`` is set:
:func:`send_pending_email` (the ``motivo notifications send-email`` command, run from cron)
sends each unread notification of the last ``EMAIL_MAX_AGE_DAYS`` days once, over SMTP
with STARTTLS when ``MOTIVO_SMTP_TLS`` is on, and marks it ``emailed_at``.
"""

from __future__ import annotations

import dataclasses
import smtplib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.tables import Notification, Person, RecognitionNotice, Reward, Wave, utcnow
from services.audit import record_event
from services.errors import InvalidInput, ServiceError
from services.recognition import DueItem, recognition_due
from services.waves import audience_query

EMAIL_MAX_AGE_DAYS = 7
SMTP_TIMEOUT_SECONDS = 20
LOCALES = ("en", "nb")

# kind -> locale -> sentence; "{name}" fields come from params. A kind with a count has
# one sentence for exactly one and one for the rest.
TEXTS: dict[str, dict[str, str]] = {
    "reward_received": {
        "en": "{manager} gave you a reward: {reward}. Tell us what you think of it.",
        "nb": "{manager} har gitt deg en belønning: {reward}. Si gjerne hva du synes om den.",
    },
    "survey_open": {
        "en": "A survey is open for you: {wave}. Please answer by {closes_on}.",
        "nb": "En undersøkelse er åpen for deg: {wave}. Svar innen {closes_on}.",
    },
    "recognition_due": {
        "en": "{count} people in your team are due for recognition.",
        "nb": "{count} personer i teamet ditt bør få anerkjennelse.",
    },
    "survey_reminder": {
        "en": "Reminder: {wave} is waiting for your answers. Please answer by {closes_on}.",
        "nb": "Påminnelse: {wave} venter på svarene dine. Svar innen {closes_on}.",
    },
    "recognition_due/1": {
        "en": "One person in your team is due for recognition.",
        "nb": "Én person i teamet ditt bør få anerkjennelse.",
    },
}
SUBJECTS: dict[str, dict[str, str]] = {
    "reward_received": {"en": "You received a reward", "nb": "Du har fått en belønning"},
    "survey_open": {"en": "A survey is open for you", "nb": "En undersøkelse er åpen for deg"},
    "recognition_due": {"en": "Recognition due in your team", "nb": "Anerkjennelse i teamet"},
    "survey_reminder": {
        "en": "Reminder: a survey is waiting for you",
        "nb": "Påminnelse: en undersøkelse venter på deg",
    },
}
# The lines of the recognition digest (the email copy of a "recognition_due" notice).
DIGEST: dict[str, dict[str, str]] = {
    "achievement": {
        "en": "- {name}: {title}; recognise by {due_by}",
        "nb": "- {name}: {title}; gi anerkjennelse innen {due_by}",
    },
    "waiting": {
        "en": "- {name}: no reward for {days} days",
        "nb": "- {name}: ingen belønning på {days} dager",
    },
    "never": {
        "en": "- {name}: never given a reward",
        "nb": "- {name}: har aldri fått en belønning",
    },
}
FALLBACK = {"en": "You have a new notification.", "nb": "Du har fått et nytt varsel."}
EMAIL_FOOTER = {
    "en": "You receive this because you use Motivo. Open Motivo to see all your notifications.",
    "nb": "Du får denne e-posten fordi du bruker Motivo. Åpne Motivo for å se alle varslene dine.",
}
KINDS = tuple(k for k in TEXTS if "/" not in k)
MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "nb": [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ],
}


class _Blank(dict):
    """Leaves a missing field empty rather than failing on an old or partial row."""

    def __missing__(self, key: str) -> str:
        return ""


def _locale(locale: str | None) -> str:
    locale = (locale or "").split("_")[0].split("-")[0].lower()
    return locale if locale in LOCALES else "en"


def format_day(value: object, locale: str) -> str:
    """A day as ``5 October 2026`` or ``5. oktober 2026``; anything else as it is."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    month = MONTHS[locale][day.month - 1]
    return f"{day.day}. {month} {day.year}" if locale == "nb" else f"{day.day} {month} {day.year}"


def _reward_name(params: Mapping, locale: str) -> str:
    name = params.get("reward_name")
    if isinstance(name, Mapping):
        text = name.get(locale) or name.get("en") or next(iter(name.values()), "")
        if text:
            return str(text)
    elif name:
        return str(name)
    return str(params.get("reward", "")).replace("-", " ").replace("_", " ")


def render(notification: Notification, locale: str) -> str:
    """The notification as one sentence in ``locale`` (``en`` or ``nb``)."""
    locale = _locale(locale)
    params = dict(notification.params or {})
    kind = notification.kind
    if kind == "recognition_due" and int(params.get("count") or 0) == 1:
        kind = "recognition_due/1"
    texts = TEXTS.get(kind)
    if texts is None:
        return FALLBACK[locale]
    fields = _Blank({k: v for k, v in params.items() if isinstance(v, str | int | float)})
    if notification.kind == "reward_received":
        fields["reward"] = _reward_name(params, locale)
    if "closes_on" in params:
        fields["closes_on"] = format_day(params["closes_on"], locale)
    return string.Formatter().vformat(texts[locale], (), fields)


def subject(notification: Notification, locale: str) -> str:
    """A short email subject for the notification."""
    locale = _locale(locale)
    return "Motivo: " + SUBJECTS.get(notification.kind, FALLBACK)[locale].rstrip(".")


def notify(
    session: Session, person: Person, kind: str, params: dict, link: str = ""
) -> Notification:
    """Add a notification for ``person`` to the caller's transaction (the caller commits)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r} (known: {', '.join(KINDS)})")
    params = dict(params or {})
    if kind == "reward_received" and params.get("reward") and not params.get("reward_name"):
        # Kept with the message so it reads the same after the catalogue changes.
        reward = session.exec(select(Reward).where(Reward.slug == params["reward"])).first()
        if reward is not None:
            params["reward_name"] = dict(reward.name)
    row = Notification(person_id=person.id, kind=kind, params=params, link=(link or "")[:300])
    session.add(row)
    return row


def unread_count(*, session: Session, person: Person) -> int:
    """How many of the person's notifications are unread."""
    return int(
        session.exec(
            select(func.count(Notification.id)).where(
                Notification.person_id == person.id, Notification.read_at.is_(None)
            )
        ).one()
    )


def list_notifications(*, session: Session, person: Person, limit: int = 50) -> list[Notification]:
    """The person's newest notifications, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.person_id == person.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(max(1, min(int(limit), 500)))
        )
    )


def mark_read(*, session: Session, person: Person, ids: Sequence[int] | None = None) -> int:
    """Mark the person's unread notifications (all, or those in ``ids``) read; returns how many."""
    stmt = select(Notification).where(
        Notification.person_id == person.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        stmt = stmt.where(Notification.id.in_(wanted))
    rows = list(session.exec(stmt))
    if not rows:
        return 0
    now = utcnow()
    for row in rows:
        row.read_at = now
        session.add(row)
    record_event(
        session,
        actor=person,
        action="notifications.read",
        target=person.external_id,
        details={"count": len(rows), "all": ids is None},
    )
    session.commit()
    return len(rows)


def notify_survey_open(*, session: Session, wave: Wave, commit: bool = True) -> int:
    """Tell every active rep the wave is meant for that it is open; once per rep and wave.

    Only a wave that takes answers today: a closed or ended one would send people to a
    survey that says it is closed."""
    from services.waves import is_answerable  # it imports this module

    if not is_answerable(wave):
        raise InvalidInput(
            f"The wave {wave.name!r} does not take answers today; nobody was told it is open.",
            code="notifications.wave_not_answerable",
            params={"wave": wave.name},
        )
    link = f"/survey/{wave.id}/"
    invited = set(session.exec(audience_query(session, wave)).all())
    told = set(
        session.exec(
            select(Notification.person_id).where(
                Notification.kind == "survey_open", Notification.link == link
            )
        ).all()
    )
    new = sorted(invited - told)
    params = {"wave": wave.name, "wave_id": wave.id, "closes_on": wave.closes_on.isoformat()}
    for person_id in new:
        session.add(
            Notification(person_id=person_id, kind="survey_open", params=dict(params), link=link)
        )
    if new:
        record_event(
            session,
            actor=None,
            action="notifications.survey_open",
            target=wave.name,
            details={"created": len(new)},
        )
    if commit:
        session.commit()
    return len(new)


def settle_survey_notice(session: Session, *, person_id: int, wave_id: int) -> None:
    """Mark the person's "a survey is open for you" for this wave read, once they have
    submitted it: it asks nothing more of them, and an unread one is still emailed. The
    caller commits."""
    table = Notification.__table__
    session.execute(
        table.update()
        .where(
            table.c.person_id == person_id,
            table.c.kind == "survey_open",
            table.c.link == f"/survey/{wave_id}/",
            table.c.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )


def _due_period(item: DueItem, day: date) -> str:
    """The period a manager is told about a due person once: the achievement's window, or
    the calendar month while the person keeps waiting."""
    if item.reason == "achievement" and item.achievement is not None:
        return f"achievement:{item.achievement.id}"
    return f"waiting:{day:%Y-%m}"


def _digest_entry(item: DueItem) -> dict:
    if item.reason == "achievement" and item.achievement is not None:
        return {
            "name": item.person.name,
            "reason": "achievement",
            "title": item.achievement.title,
            "due_by": item.due_by.isoformat() if item.due_by else "",
        }
    if item.days_since is None:
        return {"name": item.person.name, "reason": "never"}
    return {"name": item.person.name, "reason": "waiting", "days": item.days_since}


def notify_recognition_due(
    *,
    session: Session,
    manager: Person,
    days: int,
    today: date | None = None,
    commit: bool = True,
) -> Notification | None:
    """Tell a manager who in their team is newly due for recognition; returns the notice or None.

    Idempotent per person and period (:func:`_due_period`): running it again, the same day
    or the next, tells nobody twice; a person comes back only with a new achievement or
    when a new month of waiting begins. One notice per run names the newly due people in
    its ``params`` (for the email digest); its sentence gives the count only.
    """
    day = today or utcnow().date()
    due = recognition_due(session=session, manager=manager, days=days, today=day)
    wanted: dict[tuple[int, str], DueItem] = {}
    for item in due:
        wanted.setdefault((item.person.id, _due_period(item, day)), item)
    if not wanted:
        return None
    told = set(
        session.exec(
            select(RecognitionNotice.person_id, RecognitionNotice.period).where(
                RecognitionNotice.manager_id == manager.id,
                RecognitionNotice.period.in_(sorted({period for _, period in wanted})),
            )
        ).all()
    )
    new = {key: item for key, item in wanted.items() if key not in told}
    if not new:
        return None
    entries: list[dict] = []
    seen: set[int] = set()
    for (person_id, _), item in new.items():
        if person_id not in seen:
            seen.add(person_id)
            entries.append(_digest_entry(item))
    params = {"count": len(seen), "day": day.isoformat(), "people": entries}
    try:
        # A savepoint: a concurrent run that told the same people first makes this one a no-op.
        with session.begin_nested():
            row = notify(session, manager, "recognition_due", params, link="/team/recognition")
            session.flush()
            for person_id, period in new:
                session.add(
                    RecognitionNotice(
                        manager_id=manager.id,
                        person_id=person_id,
                        period=period,
                        notification_id=row.id,
                    )
                )
            session.flush()
    except IntegrityError:
        return None
    record_event(
        session,
        actor=None,
        action="notifications.recognition_due",
        target=manager.external_id,
        details={"count": len(seen), "day": day.isoformat()},
    )
    if commit:
        session.commit()
    return row


def recognition_due_notices(
    *, session: Session, days: int, today: date | None = None
) -> list[Notification]:
    """Run :func:`notify_recognition_due` for every active manager; returns the new notices."""
    managers = session.exec(
        select(Person)
        .where(Person.active.is_(True), Person.access == "manager")
        .order_by(Person.id)
    ).all()
    created = []
    for manager in managers:
        row = notify_recognition_due(
            session=session, manager=manager, days=days, today=today, commit=False
        )
        if row is not None:
            created.append(row)
    session.commit()
    return created


def notify_all_recognition_due(*, session: Session, days: int, today: date | None = None) -> int:
    """Run :func:`notify_recognition_due` for every active manager; returns how many were told."""
    return len(recognition_due_notices(session=session, days=days, today=today))


# --- email ----------------------------------------------------------------------------


def _setting(settings: Mapping, key: str, default: object = None) -> object:
    value = settings.get(key, default)
    return default if value is None or value == "" else value


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def digest_lines(notification: Notification, locale: str) -> list[str]:
    """The people a recognition notice names, one line each (empty for other kinds)."""
    locale = _locale(locale)
    people = (
        (notification.params or {}).get("people")
        if notification.kind == "recognition_due"
        else None
    )
    if not isinstance(people, list) or not people:
        return []
    lines = [""]
    for entry in people:
        if not isinstance(entry, Mapping):
            continue
        texts = DIGEST.get(str(entry.get("reason")), DIGEST["never"])
        fields = _Blank({k: v for k, v in entry.items() if isinstance(v, str | int | float)})
        if entry.get("due_by"):
            fields["due_by"] = format_day(entry["due_by"], locale)
        lines.append(string.Formatter().vformat(texts[locale], (), fields))
    return lines


def _one_line(text: str | None) -> str:
    """Text for a header: a line break in a stored name or a wave's name would end the
    header (mail libraries refuse it, and every later email with it)."""
    return " ".join((text or "").split())


def email_message(
    notification: Notification, person: Person, *, sender: str, base_url: str, locale: str
) -> EmailMessage:
    """The email copy of one notification, in plain text."""
    locale = _locale(person.locale or locale)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((_one_line(person.name), person.email or ""))
    message["Subject"] = _one_line(subject(notification, locale))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    lines = [render(notification, locale)]
    lines += digest_lines(notification, locale)
    if notification.link:
        link = notification.link
        if base_url and link.startswith("/"):
            link = base_url.rstrip("/") + link
        lines += ["", link]
    lines += ["", "-- ", EMAIL_FOOTER[locale]]
    message.set_content("\n".join(lines))
    return message


def _pending(session: Session, limit: int) -> list[tuple[Notification, Person]]:
    since = utcnow() - timedelta(days=EMAIL_MAX_AGE_DAYS)
    return list(
        session.exec(
            select(Notification, Person)
            .join(Person, Person.id == Notification.person_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.read_at.is_(None),
                Notification.created_at >= since,
                Person.active.is_(True),
                Person.email.is_not(None),
                Person.email != "",
            )
            .order_by(Notification.id)
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True)
class Delivery:
    """What became of a batch of emails: ``error`` says why sending stopped, if it did."""

    sent: int = 0
    refused: int = 0
    no_address: int = 0
    error: str = ""
    enabled: bool = True


def _smtp_config(settings: Mapping) -> dict:
    host = str(_setting(settings, "MOTIVO_SMTP_HOST", ""))
    sender = str(_setting(settings, "MOTIVO_SMTP_FROM", ""))
    problems = []
    if not host:
        problems.append("MOTIVO_SMTP_HOST: set the SMTP server's host name")
    if not sender:
        problems.append("MOTIVO_SMTP_FROM: set the sender address, e.g. motivo@example.org")
    try:
        port = int(_setting(settings, "MOTIVO_SMTP_PORT", 587))
    except (TypeError, ValueError):
        port = 0
    if not 0 < port < 65536:
        problems.append("MOTIVO_SMTP_PORT: use a port number from 1 to 65535")
    if problems:
        raise InvalidInput("Email is on but not configured.", problems, code="email.not_configured")
    return {
        "host": host,
        "port": port,
        "sender": sender,
        "user": str(_setting(settings, "MOTIVO_SMTP_USER", "")),
        "password": str(_setting(settings, "MOTIVO_SMTP_PASSWORD", "")),
        "tls": _flag(settings.get("MOTIVO_SMTP_TLS")),
        "base_url": str(_setting(settings, "MOTIVO_BASE_URL", "")),
        "locale": str(_setting(settings, "MOTIVO_DEFAULT_LOCALE", "en")),
    }


def _deliver(
    session: Session, config: dict, pending: Sequence[tuple[Notification, Person]]
) -> Delivery:
    """Send each notification's email copy and mark it ``emailed_at``; never raises for SMTP.

    Those sent are marked even if a later one fails, so nothing is sent twice; the caller
    commits.
    """
    sent = refused = 0
    error = ""
    try:
        with smtplib.SMTP(config["host"], config["port"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if config["tls"]:
                smtp.starttls()
            if config["user"]:
                smtp.login(config["user"], config["password"])
            for notification, person in pending:
                try:
                    message = email_message(
                        notification,
                        person,
                        sender=config["sender"],
                        base_url=config["base_url"],
                        locale=config["locale"],
                    )
                    smtp.send_message(message)
                except (smtplib.SMTPRecipientsRefused, ValueError):
                    # A bad address, or one no message can be addressed to, should not
                    # hold up everyone else.
                    refused += 1
                    continue
                notification.emailed_at = utcnow()
                session.add(notification)
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.__class__.__name__ + (f": {exc}" if str(exc) else "")
        error = (
            f"Sending email through {config['host']}:{config['port']} failed"
            f" after {sent} messages ({reason})."
        )
    if sent or refused or error:
        record_event(
            session,
            actor=None,
            action="notifications.email",
            target=config["host"],
            details={"sent": sent, "refused": refused, **({"failed": True} if error else {})},
        )
    return Delivery(sent=sent, refused=refused, error=error)


def email_now(
    *, session: Session, settings: Mapping, notifications: Sequence[Notification]
) -> Delivery:
    """Email these notifications at once (reminders, digests); reports failures, never raises
    for them, and commits. With email off it sends nothing and says so (``enabled`` False)."""
    if not _flag(settings.get("MOTIVO_EMAIL_ENABLED")):
        return Delivery(enabled=False)
    try:
        config = _smtp_config(settings)
    except InvalidInput as exc:
        return Delivery(error=str(exc))
    ids = [n.person_id for n in notifications]
    people = (
        {p.id: p for p in session.exec(select(Person).where(Person.id.in_(ids)))} if ids else {}
    )
    pending, no_address = [], 0
    for notification in notifications:
        person = people.get(notification.person_id)
        if notification.emailed_at is not None:
            continue
        if person is None or not person.active or not person.email:
            no_address += 1
            continue
        pending.append((notification, person))
    delivery = _deliver(session, config, pending) if pending else Delivery()
    session.commit()
    return dataclasses.replace(delivery, no_address=no_address)


def send_pending_email(*, session: Session, settings: Mapping, limit: int = 500) -> int:
    """Email unread notifications not emailed yet, when ``MOTIVO_EMAIL_ENABLED`` is on.

    Returns how many were sent; 0 when email is off. Those sent are marked ``emailed_at``
    even if a later one fails, so nothing is sent twice.
    """
    if not _flag(settings.get("MOTIVO_EMAIL_ENABLED")):
        return 0
    config = _smtp_config(settings)
    pending = _pending(session, limit)
    if not pending:
        return 0
    try:
        delivery = _deliver(session, config, pending)
    finally:
        session.commit()
    if delivery.error:
        raise ServiceError(delivery.error)
    return delivery.sent
