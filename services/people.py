"""People: the roster import (all-or-nothing), listings and look-ups."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from models.tables import ACCESS_ROLES, Person, Team, utcnow
from services import roster
from services.access import (
    PRIVILEGED_ROLES,
    TOKEN_ACCESS_CEILING,
    Actor,
    TokenActor,
    ensure_can_view_person,
    is_admin,
    require,
)
from services.accounts import end_sessions
from services.audit import record_event
from services.errors import InvalidInput, NotFound, Problem, row_problem
from services.imports import (
    column_length,
    length_problems,
    line_break_problems,
    missing_column,
    new_external_id_problems,
    nothing_imported,
    unknown_column,
)
from services.sales_roles import remember_labels
from services.text import invisible, mixed_scripts

PEOPLE_COLUMNS = ("external_id", "name", "email", "team", "manager_email", "access", "sales_role")
# Every column is required: a roster without, say, `team` would blank everyone's team, and
# one without `access` would demote every manager. A blank `access` cell means "rep".
REQUIRED_COLUMNS = PEOPLE_COLUMNS
MASS_DEACTIVATION_SHARE = 0.5
MANAGING_ROLES = ("manager", "hr", "admin")
# The role rules, worded as the row/column messages that refuse a roster breaking them.
ACCESS_RULE = "only an admin may grant or remove admin or hr access"
EMAIL_RULE = "only an admin may change the email of an admin or HR person"
SELF_RULE = "nobody can change their own access"
TOKEN_RULE = f"an API token cannot set access above {TOKEN_ACCESS_CEILING}"
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def _column_limits() -> dict[str, int]:
    """Each roster column's limit, read from the schema so the two cannot drift apart."""
    return {
        "external_id": column_length(Person, "external_id"),
        "name": column_length(Person, "name"),
        "email": column_length(Person, "email"),
        "team": column_length(Team, "name"),
        "manager_email": column_length(Person, "email"),
        "sales_role": column_length(Person, "sales_role"),
    }


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    # (external id, access before, access after) for people who were there before.
    access_changes: list[tuple[str, str, str]] = field(default_factory=list)
    # Names of the people in ``deactivated`` and ``access_changes``, for a confirmation step.
    names: dict[str, str] = field(default_factory=dict)

    OUTCOMES = ("created", "updated", "unchanged", "deactivated", "reactivated")

    def as_dict(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in self.OUTCOMES}

    def external_ids(self) -> dict[str, list[str]]:
        """The external ids under each outcome (what the API returns beside the counts)."""
        return {k: list(getattr(self, k)) for k in self.OUTCOMES}

    @property
    def needs_confirmation(self) -> bool:
        """Deactivating people or changing their access is confirmed by name first."""
        return bool(self.deactivated or self.access_changes)

    def describe(self) -> str:
        counts = self.as_dict()
        return ", ".join(f"{n} {k}" for k, n in counts.items())


@dataclass(frozen=True)
class _Row:
    number: int
    external_id: str
    name: str
    email: str
    team: str
    manager_email: str
    access: str
    sales_role: str


def _clean(value: object) -> str:
    return "" if value is None else str(value).strip()


def _validate(
    session: Session, header: Sequence[str], records: Sequence[Mapping[str, object]]
) -> tuple[list[_Row], list[str]]:
    problems: list[str] = []
    columns = {c.strip().lower() for c in header}
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            problems.append(missing_column(column))
    unknown = sorted(columns - set(PEOPLE_COLUMNS))
    for column in unknown:
        problems.append(unknown_column(column, PEOPLE_COLUMNS))
    if problems:
        return [], problems
    if not any(records):
        return [], [row_problem(2, "", "people.none", "the file has a header but no people")]

    rows: list[_Row] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    limits = _column_limits()
    for offset, record in enumerate(records):
        number = offset + 2  # the header is row 1, as in a spreadsheet
        if not record:
            continue  # a blank spreadsheet row
        # A row that leaves a column out (a JSON object without the key) is not a row with
        # that cell blank: a blank team or access changes the person, so it is refused.
        problems.extend(
            row_problem(
                number,
                column,
                "people.column_left_out",
                'left out of this row; give every column in every row ("" for a blank cell)',
            )
            for column in PEOPLE_COLUMNS
            if column not in record
        )
        values = {c: _clean(record.get(c)) for c in PEOPLE_COLUMNS}
        problems.extend(length_problems(number, values, limits))
        problems.extend(line_break_problems(number, values))
        row = _Row(
            number=number,
            external_id=values["external_id"],
            name=values["name"],
            email=values["email"].lower(),
            team=values["team"],
            manager_email=values["manager_email"].lower(),
            access=(values["access"] or "rep").lower(),
            sales_role=values["sales_role"],
        )
        if not row.external_id:
            problems.append(row_problem(number, "external_id", "import.cell_empty", "empty"))
        elif row.external_id in seen_ids:
            first = seen_ids[row.external_id]
            problems.append(
                row_problem(
                    number,
                    "external_id",
                    "import.duplicate_of_row",
                    f"duplicate of row {first} ({row.external_id})",
                    first=first,
                    value=row.external_id,
                )
            )
        else:
            seen_ids[row.external_id] = number
        if not row.name:
            problems.append(row_problem(number, "name", "import.cell_empty", "empty"))
        if not row.email:
            problems.append(row_problem(number, "email", "import.cell_empty", "empty"))
        elif not _EMAIL.match(row.email):
            problems.append(
                row_problem(
                    number,
                    "email",
                    "people.email_invalid",
                    f"{row.email!r} is not an email address",
                    email=row.email,
                )
            )
        elif mixed := mixed_scripts(row.email):
            # "hаnne.bakke@…" with a Cyrillic "а" reads as Hanne's address and is another.
            problems.append(
                row_problem(
                    number,
                    "email",
                    "people.email_mixed_scripts",
                    f"{row.email!r} mixes letters of {' and '.join(s.title() for s in mixed)} "
                    "script, so it reads as an address it is not; write it in one script",
                    email=row.email,
                    scripts=" / ".join(s.title() for s in mixed),
                )
            )
        elif row.email in seen_emails:
            first = seen_emails[row.email]
            problems.append(
                row_problem(
                    number,
                    "email",
                    "import.duplicate_of_row",
                    f"duplicate of row {first} ({row.email})",
                    first=first,
                    value=row.email,
                )
            )
        else:
            seen_emails[row.email] = number
        if row.access not in ACCESS_ROLES:
            known = ", ".join(ACCESS_ROLES)
            problems.append(
                row_problem(
                    number,
                    "access",
                    "people.access_unknown",
                    f"unknown access role {row.access!r} (use one of {known})",
                    access=row.access,
                    known=known,
                )
            )
        rows.append(row)

    by_email = {r.email: r for r in rows if r.email}
    existing = {p.email: p for p in session.exec(select(Person)) if p.email}
    # Managers are found by address as it will be after the import: a person in the file
    # answers to the address the file gives them, not to the one stored.
    in_file_ids = {r.external_id: r for r in rows}
    kept = {email: p for email, p in existing.items() if p.external_id not in in_file_ids}
    for row in rows:
        owner = existing.get(row.email)
        if (
            owner is not None
            and owner.external_id != row.external_id
            and owner.external_id not in seen_ids
        ):
            problems.append(
                row_problem(
                    row.number,
                    "email",
                    "people.email_taken",
                    f"{row.email} already belongs to {owner.external_id}",
                    email=row.email,
                    owner=owner.external_id,
                )
            )
        if not row.manager_email:
            continue
        if row.manager_email == row.email:
            problems.append(
                row_problem(
                    row.number,
                    "manager_email",
                    "people.manages_self",
                    "a person cannot manage themself",
                )
            )
            continue
        in_file = by_email.get(row.manager_email)
        in_db = kept.get(row.manager_email)
        moved = existing.get(row.manager_email)
        if in_file is None and in_db is None and moved is not None:
            changed_by = in_file_ids[moved.external_id]
            problems.append(
                row_problem(
                    row.number,
                    "manager_email",
                    "people.manager_email_changed",
                    f"{row.manager_email} is changed to {changed_by.email} by row "
                    f"{changed_by.number} of this file; give the new address",
                    manager=row.manager_email,
                    email=changed_by.email,
                    in_row=changed_by.number,
                )
            )
            continue
        if in_file is None and in_db is None:
            problems.append(
                row_problem(
                    row.number,
                    "manager_email",
                    "people.manager_unknown",
                    f"unknown manager {row.manager_email} (not in this file nor in Motivo)",
                    manager=row.manager_email,
                )
            )
            continue
        manager_access = in_file.access if in_file is not None else in_db.access
        if manager_access not in MANAGING_ROLES:
            problems.append(
                row_problem(
                    row.number,
                    "manager_email",
                    "people.manager_not_managing",
                    f"{row.manager_email} has access {manager_access!r};"
                    " give them access 'manager'",
                    manager=row.manager_email,
                    access=manager_access,
                )
            )
    return rows, problems + _manager_cycles(rows, existing)


def _manager_cycles(rows: Sequence[_Row], existing: Mapping[str, Person]) -> list[str]:
    """Rows whose line of managers comes back to them, through this file or through people
    already in Motivo (whom the file leaves as they are).

    The line is followed by person (external id), not by email, so a manager whose email the
    file changes is still the same link; and it is walked once for everyone, each person
    visited once, so a long line costs no more than a short one per person.
    """
    in_file = {r.external_id: r for r in rows}
    by_email = {r.email: r.external_id for r in rows if r.email}
    for email, person in existing.items():
        by_email.setdefault(email, person.external_id)
    id_of = {p.id: p.external_id for p in existing.values()}
    manager_of = {p.external_id: id_of.get(p.manager_id) for p in existing.values()}
    manager_of.update({r.external_id: by_email.get(r.manager_email) for r in in_file.values()})
    email_of = {p.external_id: p.email for p in existing.values()}
    email_of.update({r.external_id: r.email for r in in_file.values()})

    state: dict[str, int] = {}  # 1 on the line being walked, 2 done
    loops: dict[str, tuple[list[str], int]] = {}  # person -> their loop, their place in it
    for start in in_file:
        line, here = [], start
        while here is not None and here not in state:
            state[here] = 1
            line.append(here)
            here = manager_of.get(here)
        if here is not None and state[here] == 1:
            loop = line[line.index(here) :]
            for at, person in enumerate(loop):
                loops[person] = (loop, at)
        for person in line:
            state[person] = 2

    problems = []
    for row in rows:
        if row.external_id not in loops:
            continue
        loop, at = loops[row.external_id]
        size = len(loop)
        emails = [
            email_of.get(p) or p for p in (loop[(at + k) % size] for k in range(min(size, 6)))
        ]
        shown = emails if size <= 6 else [*emails[:5], "…"]
        chain = " → ".join([*shown, emails[0]])
        if size > 6:
            chain += f", {size} people"
        problems.append(
            row_problem(
                row.number,
                "manager_email",
                "people.manager_cycle",
                f"the line of managers from {row.email} comes back to them ({chain})",
                email=row.email,
                chain=chain,
            )
        )
    return problems


def _role_problems(rows: Sequence[_Row], people: Mapping[str, Person], actor: Actor) -> list[str]:
    """Rows that would change access, or an admin's or HR person's email, beyond the actor."""
    problems: list[str] = []
    admin = is_admin(actor)
    own_id = actor.id if isinstance(actor, Person) else None
    for row in rows:
        person = people.get(row.external_id)
        before = person.access if person is not None else None
        returning = person is not None and not person.active
        granting = row.access in PRIVILEGED_ROLES and (row.access != before or returning)
        removing = before in PRIVILEGED_ROLES and row.access != before
        own_row = person is not None and own_id is not None and person.id == own_id
        if own_row and row.access != before:
            problems.append(row_problem(row.number, "access", "people.own_access", SELF_RULE))
        if granting and isinstance(actor, TokenActor):
            problems.append(
                row_problem(
                    row.number,
                    "access",
                    "people.token_access",
                    TOKEN_RULE,
                    ceiling=TOKEN_ACCESS_CEILING,
                )
            )
        elif (granting or removing) and not admin:
            problems.append(row_problem(row.number, "access", "people.admin_access", ACCESS_RULE))
        if before in PRIVILEGED_ROLES and row.email != person.email and not admin:
            problems.append(row_problem(row.number, "email", "people.admin_email", EMAIL_RULE))
    return problems


def _free_changed_emails(session: Session, people: dict[str, Person], rows: list[_Row]) -> None:
    """Give every person whose email changes a placeholder first, so a file that swaps two
    people's emails (an HRIS correction) never meets the unique constraint half-way.

    The first pass compares against ``person.email``, so the old value is kept aside and
    put back in memory once the placeholders are flushed; only the final values reach the
    database after that.
    """
    moving = [
        (people[row.external_id], people[row.external_id].email)
        for row in rows
        if row.external_id in people and people[row.external_id].email != row.email
    ]
    if not moving:
        return
    for person, _ in moving:
        person.email = f"moving-{person.id}@import.invalid"
    session.flush()
    for person, old in moving:
        # Back in memory only, for the changed/unchanged comparison; the next flush writes
        # the wanted email over the placeholder.
        set_committed_value(person, "email", old)


def import_people(
    *,
    session: Session,
    header: Sequence[str],
    records: Sequence[Mapping[str, object]],
    actor: Actor,
    deactivate_missing: bool = True,
    allow_mass_deactivation: bool = False,
    source: str = "",
    dry_run: bool = False,
) -> ImportSummary:
    """Create or update people from roster rows; any problem means nothing is written.

    Re-importing the same file changes nothing. People missing from the file are deactivated
    (never deleted) unless ``deactivate_missing`` is off; admins and the importing person are
    never deactivated, so nobody locks themself out, and only an admin's import deactivates
    an HR person. A file that would change access or an email against the role rules (see
    ``services.access``) is refused whole. Each access and email change is audited with its
    before and after.

    ``dry_run`` checks everything and returns the summary of what would change, then writes
    nothing: a page shows it to confirm deactivations and access changes first.
    """
    require(actor, "import_people")
    rows, problems = _validate(session, header, records)
    if rows:
        known = {p.external_id: p for p in session.exec(select(Person))}
        problems = [*problems, *_role_problems(rows, known, actor)]
        problems += new_external_id_problems(
            ((row.number, row.external_id) for row in rows if row.external_id not in known),
            "external_id",
            known,
        )
    if problems:
        raise nothing_imported(problems, source)
    admin = is_admin(actor)
    own_id = actor.id if isinstance(actor, Person) else None

    def stays_active(person: Person) -> bool:
        """Kept active when missing from the file: admins, the importer, and HR unless an admin imports."""
        if person.access == "admin" or (own_id is not None and person.id == own_id):
            return True
        return person.access in PRIVILEGED_ROLES and not admin

    summary = ImportSummary()
    try:
        role_keys = remember_labels(session, [r.sales_role for r in rows])
        teams = _teams_by_key(session)
        for name in dict.fromkeys(r.team for r in rows if r.team):
            if team_key(name) not in teams:
                # A new team is named as the file first writes it.
                team = Team(name=" ".join(name.split()))
                session.add(team)
                teams[team_key(name)] = team
        session.flush()

        people = {p.external_id: p for p in session.exec(select(Person))}
        _free_changed_emails(session, people, rows)
        # First pass without managers, so a manager defined later in the file gets an id.
        touched: dict[str, Person] = {}
        changes: list[tuple[str, str, str | None, str]] = []
        for row in rows:
            person = people.get(row.external_id)
            wanted = {
                "name": row.name,
                "email": row.email,
                "team_id": teams[team_key(row.team)].id if row.team else None,
                "access": row.access,
                "sales_role": role_keys[row.sales_role],
            }
            if person is None:
                person = Person(external_id=row.external_id, **wanted)
                session.add(person)
                summary.created.append(row.external_id)
                if row.access != "rep":
                    changes.append((row.external_id, "access", None, row.access))
            else:
                changed = any(getattr(person, k) != v for k, v in wanted.items())
                if changed:
                    for key in ("access", "email"):
                        if getattr(person, key) != wanted[key]:
                            before = getattr(person, key)
                            changes.append((row.external_id, key, before, wanted[key]))
                            if key == "access":
                                summary.access_changes.append(
                                    (row.external_id, before, wanted[key])
                                )
                                summary.names[row.external_id] = row.name
                    for key, value in wanted.items():
                        setattr(person, key, value)
                    person.updated_at = utcnow()
                if not person.active:
                    person.active = True
                    summary.reactivated.append(row.external_id)
                elif changed:
                    summary.updated.append(row.external_id)
            touched[row.external_id] = person
        session.flush()

        by_email = {p.email: p for p in session.exec(select(Person)) if p.email}
        changed_ids = set(summary.created) | set(summary.updated)
        for row in rows:
            person = touched[row.external_id]
            manager_id = by_email[row.manager_email].id if row.manager_email else None
            if person.manager_id != manager_id:
                person.manager_id = manager_id
                person.updated_at = utcnow()
                if row.external_id not in changed_ids:
                    summary.updated.append(row.external_id)
                    changed_ids.add(row.external_id)
        # Sets, not the lists: a list concatenated per row made a 100,000-row roster
        # take minutes.
        changed_ids |= set(summary.reactivated)
        for row in rows:
            if row.external_id not in changed_ids:
                summary.unchanged.append(row.external_id)

        if deactivate_missing:
            leaving = [
                p
                for eid, p in people.items()
                if eid not in touched and p.active and not stays_active(p)
            ]
            active = sum(1 for p in people.values() if p.active)
            if (
                not allow_mass_deactivation
                and len(leaving) > 5
                and len(leaving) > MASS_DEACTIVATION_SHARE * active
            ):
                raise InvalidInput(
                    f"Nothing was imported: this file would deactivate {len(leaving)} of "
                    f"{active} active people.",
                    [
                        Problem(
                            "",
                            "people.partial_roster_hint",
                            "If it is a partial roster, import it as one: tick 'This is a "
                            "partial file' on the page, --keep-missing on the command line, or "
                            "keep_missing=true in the API.",
                        ),
                        Problem(
                            "",
                            "people.mass_deactivation_hint",
                            "If they really all left, allow it: --allow-mass-deactivation on "
                            "the command line, or allow_mass_deactivation=true in the API.",
                        ),
                    ],
                    code="people.mass_deactivation",
                    params={"leaving": len(leaving), "active": active},
                )
            for external_id, person in people.items():
                if external_id in touched or not person.active:
                    continue
                if stays_active(person):
                    continue
                person.active = False
                person.updated_at = utcnow()
                end_sessions(session, person)
                summary.deactivated.append(external_id)
                summary.names[external_id] = person.name

        for external_id, key, before, after in changes:
            record_event(
                session,
                actor=actor,
                action=f"person.{key}",
                target=external_id,
                details={"before": before, "after": after, "source": source},
            )
        record_event(
            session,
            actor=actor,
            action="people.import",
            target=source,
            details=summary.as_dict(),
        )
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return summary


def team_key(name: str) -> str:
    """What makes two team names the same team: "Oslo Enterprise", "oslo enterprise" and
    "Oslo  Enterprise" are one team, as an HR system's exports write it on different days;
    so is "Oslo Enterprise" with a zero-width space after it, which no page shows."""
    visible = "".join(c for c in name if c.isspace() or not invisible(c))
    return " ".join(visible.split()).casefold()


def _teams_by_key(session: Session) -> dict[str, Team]:
    teams: dict[str, Team] = {}
    for team in session.exec(select(Team).order_by(Team.id)):
        teams.setdefault(team_key(team.name), team)  # the oldest, should two exist already
    return teams


def find_team(session: Session, name: str) -> Team | None:
    """The team called ``name``, however its case and spacing are written (:func:`team_key`)."""
    return _teams_by_key(session).get(team_key(name or ""))


def find_teams(session: Session, names: Sequence[str]) -> tuple[list[Team], list[Problem]]:
    """The teams named (each once, however often or in whatever spelling it is named), and a
    ``teams`` problem for each name that is no team."""
    teams: dict[int, Team] = {}
    problems = []
    for name in names:
        if not (name or "").strip():
            continue
        team = find_team(session, name)
        if team is None:
            problems.append(
                Problem("teams", "team.unknown", f"no team called {name!r}", {"team": name})
            )
        else:
            teams.setdefault(team.id, team)
    return list(teams.values()), problems


def list_people(*, session: Session, viewer: Actor, include_inactive: bool = False) -> list[dict]:
    """The roster as plain dicts (the ``users list`` and API shape): see ``services.roster``."""
    return roster.list_people(
        connection=session.connection(), viewer=viewer, include_inactive=include_inactive
    )


PEOPLE_STATUSES = ("all", "active", "deactivated")


@dataclass(frozen=True)
class PeoplePage:
    """One page of a filtered roster, and where it sits among the others."""

    rows: list[dict]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position (from 1) of the first row on this page, 0 when there are none."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def search_people(
    *,
    session: Session,
    viewer: Actor,
    q: str = "",
    team: str = "",
    sales_role: str = "",
    access: str = "",
    status: str = "all",
    page: int = 1,
    per_page: int = 50,
) -> PeoplePage:
    """One page of the roster, filtered and counted in the database (two statements).

    ``q`` matches part of a name, email or external id, ignoring case; ``team`` is a team
    name. People are in name order, then external id, so a page is the same slice each
    time. A page past the end is the last page.
    """
    require(viewer, "view_people")
    per_page = max(1, min(int(per_page), 200))
    manager = aliased(Person)
    conditions = []
    if q.strip():
        needle = q.strip().lower()
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (Person.name, Person.email, Person.external_id)
                )
            )
        )
    if team:
        conditions.append(Team.name == team)
    if sales_role:
        conditions.append(Person.sales_role == sales_role)
    if access:
        conditions.append(Person.access == access)
    if status == "active":
        conditions.append(Person.active.is_(True))
    elif status == "deactivated":
        conditions.append(Person.active.is_(False))
    base = select(Person.id).join(Team, Team.id == Person.team_id, isouter=True).where(*conditions)
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page)), pages)
    stmt = (
        select(Person, Team.name, manager.email)
        .join(Team, Team.id == Person.team_id, isouter=True)
        .join(manager, manager.id == Person.manager_id, isouter=True)
        .where(*conditions)
        .order_by(Person.name, Person.external_id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    rows = [
        {
            "external_id": p.external_id,
            "name": p.name,
            "email": p.email,
            "access": p.access,
            "team": team_name,
            "manager_email": manager_email,
            "sales_role": p.sales_role,
            "active": p.active,
        }
        for p, team_name, manager_email in session.exec(stmt)
    ]
    return PeoplePage(rows=rows, total=total, page=page, per_page=per_page)


def find_person(*, session: Session, viewer: Actor, external_id: str) -> Person:
    """One person by external id, for those who see the roster; ``NotFound`` otherwise."""
    require(viewer, "view_people")
    person = session.exec(select(Person).where(Person.external_id == external_id)).first()
    if person is None:
        raise NotFound(
            f"No person {external_id!r}.",
            code="person.not_found_id",
            params={"person": external_id},
        )
    return person


def visible_person(*, session: Session, viewer: Actor, external_id: str) -> Person:
    """A person whose own pages the viewer may open (themself, a direct report).

    ``NotFound`` for everyone else, so a page never confirms who exists.
    """
    person = session.exec(select(Person).where(Person.external_id == external_id)).first()
    return ensure_can_view_person(viewer, person)


def direct_reports(*, session: Session, manager: Person) -> list[Person]:
    require(manager, "view_team")
    stmt = (
        select(Person)
        .where(Person.manager_id == manager.id, Person.active.is_(True))
        .order_by(Person.name)
    )
    return list(session.exec(stmt))


def team_name(session: Session, person: Person) -> str | None:
    if person.team_id is None:
        return None
    team = session.get(Team, person.team_id)
    return team.name if team else None


def update_preferences(
    *, session: Session, person: Person, locale: str, personalise: bool | None = None
) -> Person:
    """A person's own settings; ``locale`` "" means "follow my browser"."""
    from models.tables import LOCALES

    if locale not in ("", *LOCALES):
        raise InvalidInput(
            f"Unknown language {locale!r}.", code="locale.unknown", params={"locale": locale}
        )
    person.locale = locale
    if personalise is not None:
        person.personalise = bool(personalise)
    person.updated_at = utcnow()
    session.add(person)
    record_event(
        session,
        actor=person,
        action="person.preferences",
        target=person.external_id,
        details={"locale": locale, "personalise": person.personalise},
    )
    session.commit()
    return person
