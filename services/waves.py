"""Survey waves: HR opens and closes them; reps answer the ones meant for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, literal_column, or_, update
from sqlmodel import Session, select

from models.queries import get_by_id
from models.tables import Person, SurveyResponse, Wave, WaveTeam, utc_today, utcnow
from services.access import Actor, require
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem, ServiceError
from services.instruments import get_instrument_row
from services.people import find_teams
from services.text import text_problems

# A wave is a survey period, weeks long. These bounds cover any real one and keep every
# date the app works out from a wave's dates (a day after it closes, a quarter) in range.
WAVE_MAX_DAYS = 366
WAVE_YEARS = (2000, 2099)


def today() -> date:
    return utc_today()


class OverlapsOpenWave(ServiceError):
    """The new wave would ask people who are asked already; open it again with confirmation.

    ``waves`` names the open waves whose dates and people it shares; ``people`` counts the
    reps who would have two surveys at once. Nothing was written.
    """

    def __init__(self, waves: Sequence[str], people: int):
        self.waves = list(waves)
        self.people = int(people)
        names = ", ".join(self.waves)
        super().__init__(
            f"{self.people} of the people this wave asks are asked already in {names}, which "
            "is open on the same days; confirm to open it anyway (they get two surveys).",
            code="wave.overlaps_open_wave",
            params={"waves": names, "people": self.people},
        )


def open_wave(
    *,
    session: Session,
    actor: Actor,
    name: str,
    opens_on: date | None = None,
    closes_on: date | None = None,
    instrument_name: str | None = None,
    instrument_version: int | None = None,
    team_names: Sequence[str] = (),
    confirm_overlap: bool = False,
    allow_past: bool = False,
) -> Wave:
    """Open a wave for everyone, or for the named teams only.

    Raises ``OverlapsOpenWave`` when an open wave on some of the same days asks some of the
    same reps, unless ``confirm_overlap`` says HR saw that and wants both. A wave whose last
    day has passed is refused (nobody could answer it, and once closed it counts nobody
    added to the roster since as invited) unless ``allow_past`` says it records a survey
    already held, whose answers are imported.
    """
    require(actor, "run_hr")
    problems: list[str] = []
    name = (name or "").strip()
    typed = text_problems("name", name, one_line=True)
    if not name:
        problems.append(Problem("name", "wave.name_missing", "give the wave a name"))
    elif typed:
        problems.extend(typed)
    elif session.exec(select(Wave).where(Wave.name == name)).first() is not None:
        problems.append(
            Problem(
                "name",
                "wave.name_taken",
                f"a wave called {name!r} exists already",
                {"name": name},
            )
        )
    opens_on = opens_on or today()
    closes_on = closes_on or opens_on + timedelta(days=21)
    if closes_on < opens_on:
        problems.append(
            Problem(
                "closes_on",
                "wave.closes_before_opening",
                "the wave must close on or after the day it opens",
            )
        )
    elif closes_on < today() and not allow_past:
        problems.append(
            Problem(
                "closes_on",
                "wave.already_over",
                "that day has passed: a wave must close today or later",
            )
        )
    elif (closes_on - opens_on).days > WAVE_MAX_DAYS:
        problems.append(
            Problem(
                "closes_on",
                "wave.too_long",
                f"a wave runs for at most {WAVE_MAX_DAYS} days",
                {"days": WAVE_MAX_DAYS},
            )
        )
    first, last = WAVE_YEARS
    if not first <= opens_on.year <= last:
        problems.append(
            Problem(
                "opens_on",
                "wave.year_out_of_range",
                f"choose a day in the years {first} to {last}",
                {"first": first, "last": last},
            )
        )
    teams, team_problems = find_teams(session, team_names)
    problems += team_problems
    if problems:
        raise InvalidInput("The wave was not opened.", problems, code="wave.not_opened")
    if not confirm_overlap:
        _refuse_overlap(session, opens_on, closes_on, {team.id for team in teams})
    instrument = get_instrument_row(
        session=session, name=instrument_name, version=instrument_version
    )
    wave = Wave(
        name=name,
        instrument_id=instrument.id,
        opens_on=opens_on,
        closes_on=closes_on,
        status="open",
        audience="teams" if teams else "all",
        created_by_id=actor.id if actor else None,
    )
    session.add(wave)
    session.flush()
    for team in teams:
        session.add(WaveTeam(wave_id=wave.id, team_id=team.id))
    session.flush()
    if is_answerable(wave):
        from services.notifications import notify_survey_open  # it imports this module

        notify_survey_open(session=session, wave=wave, commit=False)
    record_event(
        session,
        actor=actor,
        action="wave.open",
        target=name,
        details={
            "instrument": f"{instrument.name} v{instrument.version}",
            "teams": list(team_names),
        },
    )
    session.commit()
    return wave


def _refuse_overlap(session: Session, opens_on: date, closes_on: date, team_ids: set[int]):
    """Raise ``OverlapsOpenWave`` if an open wave on some of these days asks some of the reps
    a wave for ``team_ids`` (everyone when empty) would ask."""
    asked = select(Person.id).where(Person.active.is_(True), Person.access == "rep")
    if team_ids:
        asked = asked.where(Person.team_id.in_(team_ids))
    mine = set(session.exec(asked))
    shared: set[int] = set()
    names = []
    others = session.exec(
        select(Wave)
        .where(Wave.status == "open", Wave.opens_on <= closes_on, Wave.closes_on >= opens_on)
        .order_by(Wave.opens_on, Wave.id)
    )
    for other in others:
        both = mine & set(session.exec(audience_query(session, other)))
        if both:
            shared |= both
            names.append(other.name)
    if shared:
        raise OverlapsOpenWave(names, len(shared))


def find_wave(session: Session, key: str | int) -> Wave:
    """A wave by id or by name."""
    wave = get_by_id(session, Wave, key)
    if wave is None:
        wave = session.exec(select(Wave).where(Wave.name == str(key))).first()
    if wave is None:
        raise NotFound(f"No wave {key!r}.", code="wave.not_found", params={"wave": str(key)})
    return wave


def close_wave(*, session: Session, actor: Actor, wave_id: int) -> Wave:
    require(actor, "run_hr")
    wave = find_wave(session, wave_id)
    now = utcnow()
    # One statement decides who closes it: two closes at once audit one "wave.close".
    closed = session.execute(
        update(Wave)
        .where(Wave.id == wave.id, Wave.status != "closed")
        .values(status="closed", closed_at=now)
    )
    if closed.rowcount == 1:
        record_event(session, actor=actor, action="wave.close", target=wave.name)
    session.commit()
    session.refresh(wave)
    return wave


def is_answerable(wave: Wave, on: date | None = None) -> bool:
    on = on or today()
    return wave.status == "open" and wave.opens_on <= on <= wave.closes_on


WAVE_STATES = ("open", "scheduled", "ended", "closed")


def wave_state(wave: Wave, on: date | None = None) -> str:
    """What a wave is on a day, as every page and listing names it: "closed" (by HR),
    "open" (answerable), "scheduled" (its first day is still to come) or "ended" (its last
    day has passed, not yet closed)."""
    on = on or today()
    if wave.status == "closed":
        return "closed"
    if is_answerable(wave, on):
        return "open"
    return "scheduled" if wave.opens_on > on else "ended"


def wave_team_ids(session: Session, wave: Wave) -> set[int]:
    return set(session.exec(select(WaveTeam.team_id).where(WaveTeam.wave_id == wave.id)))


def status_for_others():
    """A response's status as anyone but its person sees it (a column expression).

    Answered once is answered: only a flagged response can be reopened for review, so
    showing it as started again to a manager, or in HR's counts and reminders, would tell
    them its answers were flagged. Only its person sees it back in progress.
    """
    # A literal, not a bound parameter: PostgreSQL accepts a GROUP BY of this expression
    # only when it reads the same as in the select list, and two parameters do not.
    return case(
        (SurveyResponse.submitted_at.is_not(None), literal_column("'submitted'")),
        else_=SurveyResponse.status,
    )


def is_in_audience(session: Session, wave: Wave, person: Person) -> bool:
    """Whether ``person`` may answer ``wave``: an active rep of its teams, the people
    ``audience_query`` names. A manager or HR person who answered would sit, knowing their
    own answers, in the very figures they read."""
    if not person.active or person.access != "rep":
        return False
    if wave.audience == "all":
        return True
    return person.team_id is not None and person.team_id in wave_team_ids(session, wave)


def open_waves_for(*, session: Session, person: Person) -> list[Wave]:
    """Waves this person can answer today, newest first."""
    waves = session.exec(select(Wave).where(Wave.status == "open").order_by(Wave.id.desc()))
    return [w for w in waves if is_answerable(w) and is_in_audience(session, w, person)]


@dataclass(frozen=True)
class WaveSummary:
    wave: Wave
    instrument: str
    invited: int
    submitted: int
    in_progress: int

    @property
    def answerable(self) -> bool:
        return is_answerable(self.wave)

    @property
    def state(self) -> str:
        return wave_state(self.wave)


def audience_query(session: Session, wave: Wave):
    """Who the wave is meant for on today's roster: active reps (of its teams).

    That is who can still answer it (who is told it opened, who is reminded). It is not
    who was invited: use ``invited_ids`` for counts and rates.
    """
    stmt = select(Person.id).where(Person.active.is_(True), Person.access == "rep")
    if wave.audience == "teams":
        stmt = stmt.where(Person.team_id.in_(wave_team_ids(session, wave)))
    return stmt


def closed_since(wave: Wave) -> datetime | None:
    """The moment a closed wave stopped taking answers (None while it is not closed): the
    earlier of when HR closed it and the end of its last day (UTC, as ``is_answerable``)."""
    if wave.status != "closed":
        return None
    # A wave stored before dates were bounded may end on the last day there is.
    last = min(wave.closes_on, date.max - timedelta(days=1))
    end_of_last_day = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
    closed_at = wave.closed_at
    if closed_at is None:
        return end_of_last_day
    if closed_at.tzinfo is None:
        closed_at = closed_at.replace(tzinfo=UTC)
    return min(closed_at, end_of_last_day)


def invited_ids(session: Session, wave: Wave) -> set[int]:
    """The people a wave's participation is counted against: its audience together with
    everyone who has a response in it (submitted or started).

    The survey lets only someone in the audience start a response (an import or the demo
    records answers that were given), so a respondent was invited, whatever has happened
    to them since. A rep promoted to manager, deactivated or moved out of the
    wave's teams after answering therefore stays invited, a closed wave's count does not
    drop when its respondents change role, and answered can never exceed invited (the rate
    is at most 100%).

    While a wave runs its audience is today's roster. Once it is closed, only the audience
    members who existed before it closed (``closed_since``) count: someone added to the
    roster afterwards was never invited, so a closed wave's count does not grow either. A
    person without a creation time is taken to have existed. No other roster history is
    stored, so a non-respondent who leaves the audience later (deactivated, moved) still
    lowers an older wave's count; this rule never undercounts the people who answered.
    Every count of "invited" (waves list, HR pages, analytics, API, reminders) goes through
    here so they agree.
    """
    stmt = audience_query(session, wave)
    closed = closed_since(wave)
    if closed is not None:
        stmt = stmt.where(or_(Person.created_at.is_(None), Person.created_at < closed))
    audience = set(session.exec(stmt).all())
    responded = set(
        session.exec(select(SurveyResponse.person_id).where(SurveyResponse.wave_id == wave.id))
    )
    return audience | responded


def list_waves(*, session: Session, viewer: Actor) -> list[WaveSummary]:
    """Every wave with its participation counts (counts only, never names)."""
    require(viewer, "view_waves")
    from models.tables import Instrument

    summaries = []
    for wave in session.exec(select(Wave).order_by(Wave.id.desc())):
        invited = len(invited_ids(session, wave))
        counts = dict(
            session.exec(
                select(status_for_others(), func.count())
                .where(SurveyResponse.wave_id == wave.id)
                .group_by(status_for_others())
            ).all()
        )
        instrument = session.get(Instrument, wave.instrument_id)
        summaries.append(
            WaveSummary(
                wave=wave,
                instrument=f"{instrument.name} v{instrument.version}",
                invited=invited,
                submitted=counts.get("submitted", 0),
                in_progress=counts.get("in_progress", 0),
            )
        )
    return summaries


def wave_summary(*, session: Session, viewer: Actor, wave_id: int) -> WaveSummary:
    """One wave's participation counts, for the step that confirms closing it."""
    require(viewer, "view_waves")
    from models.tables import Instrument

    wave = find_wave(session, wave_id)
    invited = len(invited_ids(session, wave))
    counts = dict(
        session.exec(
            select(status_for_others(), func.count())
            .where(SurveyResponse.wave_id == wave.id)
            .group_by(status_for_others())
        ).all()
    )
    instrument = session.get(Instrument, wave.instrument_id)
    return WaveSummary(
        wave=wave,
        instrument=f"{instrument.name} v{instrument.version}",
        invited=invited,
        submitted=counts.get("submitted", 0),
        in_progress=counts.get("in_progress", 0),
    )


@dataclass(frozen=True)
class ReportScope:
    """The responses an HR report on the survey covers: one wave's, or all of the newest
    version of an instrument; ``where`` names them in messages."""

    wave: Wave | None
    row: object  # models.tables.Instrument
    instrument: object  # recommender.instrument.Instrument
    where: str

    def params(self) -> dict:
        """``where`` for a message, with its parts, so a reader's language can word it."""
        return {
            "where": self.where,
            "where_title": dict(self.instrument.title),
            "where_version": self.row.version,
            "where_wave": self.wave.name if self.wave is not None else "",
        }


def report_scope(
    session: Session,
    *,
    instrument_name: str | None,
    wave: str | int | None,
    refused: str,
    code: str,
) -> ReportScope:
    """Resolve ``wave`` (its own instrument) or ``instrument_name`` (its newest version).

    A wave that uses another instrument than the one named is refused with ``refused`` as
    the headline and ``code`` as the error's code, so each report words it its own way.
    """
    from models.tables import Instrument as InstrumentRow
    from services.instruments import definition

    wave_row = find_wave(session, wave) if wave is not None else None
    if wave_row is not None:
        row = session.get(InstrumentRow, wave_row.instrument_id)
        if instrument_name is not None and instrument_name != row.name:
            raise InvalidInput(
                refused,
                [
                    Problem(
                        "wave",
                        "wave.instrument_differs",
                        f"{wave_row.name!r} uses instrument {row.name}, not {instrument_name}",
                        {"wave": wave_row.name, "uses": row.name, "wanted": instrument_name},
                    )
                ],
                code=code,
            )
    else:
        row = get_instrument_row(session=session, name=instrument_name)
    where = f"{row.name} version {row.version}"
    if wave_row is not None:
        where += f" in wave {wave_row.name!r}"
    return ReportScope(wave_row, row, definition(row), where)
