"""Importing answers collected with other survey tools: all or nothing, and idempotent.

The file has a ``person`` column (the person's external_id) and one column per item code.
A blank cell is a missing answer; a ranking cell holds option codes joined by ``>``, most
preferred first; a best-worst cell holds two of its task's option codes, ``best>worst``
(most wanted, then least wanted); text items hold text. Every row is checked before anything is written, and
every problem is reported as ``row N, column X: problem``.

An import never replaces a response a person gave through the survey (``source`` "web",
submitted or holding answers; an empty draft is replaced): such rows are conflicts, reported like any other problem, and nothing is written, unless
the caller asks for ``replace_survey_responses``; then they are replaced and the audit log
names every person whose survey answers were overwritten.

Thousands of rows must import in seconds, so the database is read a fixed number of times
(people, existing responses and their answers, each in chunks) and written in bulk with one
commit at the end, never row by row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, exists, insert, or_, update
from sqlmodel import Session, select

from models.queries import chunks
from models.tables import (
    RESPONSE_FROM_SURVEY,
    RESPONSE_IMPORTED,
    Answer,
    Person,
    SurveyResponse,
    Wave,
    utcnow,
)
from models.tables import Instrument as InstrumentRow
from recommender.instrument import Instrument, Item
from recommender.quality import quality_flags
from services.access import Actor, require
from services.audit import record_event
from services.disclosure import released_groups
from services.errors import Problem, row_problem
from services.imports import (
    PERSON_COLUMN,
    new_external_id_problems,
    nothing_imported,
    table_input,
)
from services.instruments import definition, get_instrument_row
from services.responses import RANKING_SEPARATOR, answers_by_response, to_answer_row
from services.tabular import Table
from services.text import counted, text_problems
from services.waves import find_wave

IMPORT_SOURCE = RESPONSE_IMPORTED
SURVEY_SOURCE = RESPONSE_FROM_SURVEY  # answered by the person through the survey pages
IMPORTED_WAVE_PREFIX = "Imported from "
ANSWER_CHUNK = 10_000
_WAVE_NAME_MAX = 120
_EXTERNAL_ID_MAX = 64


@dataclass
class ImportSummary:
    """What an import did, counted in responses (and the people it had to create)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people_created: int = 0
    survey_replaced: int = 0
    wave: str = ""
    instrument: str = ""

    def as_dict(self) -> dict[str, int]:
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "people_created": self.people_created,
        }
        if self.survey_replaced:
            counts["survey_replaced"] = self.survey_replaced
        return counts

    @property
    def needs_confirmation(self) -> bool:
        """Overwriting stored answers is confirmed with a count first."""
        return bool(self.updated or self.survey_replaced)

    def describe(self) -> str:
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged "
            f"response(s)"
        )
        if self.people_created:
            text += f", {counted(self.people_created, 'new respondent')}"
        if self.survey_replaced:
            text += f", {counted(self.survey_replaced, 'survey response')} replaced"
        return f"{text} in wave {self.wave!r} ({self.instrument})"


@dataclass(frozen=True)
class _Row:
    number: int
    external_id: str
    answers: dict[str, object]


def _cell(value: object) -> str:
    # Records passed in directly may hold numbers; a 0 is an answer, not a blank.
    return "" if value is None else str(value).strip()


def _whole_number(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number) or not number.is_integer():
        return None
    return int(number)


# A cell's problem before it knows its row: (code, English message, params).
_Issue = tuple[str, str, dict[str, object]]


def _issue(code: str, message: str, **params: object) -> _Issue:
    return code, message, params


def _parse_cell(item: Item, text: str) -> tuple[object, _Issue | None]:
    """The answer a non-blank cell holds, or ``(None, problem)``."""
    if item.type == "text":
        return text, None
    if item.type == "ranking":
        return _parse_ranking(item, text)
    if item.type == "best_worst":
        return _parse_best_worst(item, text)
    number = _whole_number(text)
    if number is None:
        return None, _issue("answer.not_whole", f"{text!r} is not a whole number", value=text)
    if not item.min <= number <= item.max:
        attention = item.type == "attention"
        what = "the attention item" if attention else "this item"
        return None, _issue(
            "answer.attention_out_of_range" if attention else "answer.out_of_range",
            f"{number} is out of range for {what} ({item.min} to {item.max})",
            value=number,
            min=item.min,
            max=item.max,
        )
    return number, None


def _option_code(item: Item, part: str) -> tuple[str | None, _Issue | None]:
    """The option ``part`` names; other tools differ in letter case, so it is matched
    without it."""
    for option in item.options:
        if option.code.lower() == part.lower():
            return option.code, None
    known = ", ".join(option.code for option in item.options)
    return None, _issue(
        "answer.option_unknown",
        f"unknown option {part!r} (options: {known})",
        option=part,
        known=known,
    )


def _parse_ranking(item: Item, text: str) -> tuple[object, _Issue | None]:
    ranked: list[str] = []
    for part in text.split(RANKING_SEPARATOR):
        part = part.strip()
        if not part:
            return None, _issue(
                "answer.ranking_gap",
                f"{text!r} has an empty place between '{RANKING_SEPARATOR}' signs",
                value=text,
                separator=RANKING_SEPARATOR,
            )
        code, issue = _option_code(item, part)
        if issue is not None:
            return None, issue
        if code in ranked:
            return None, _issue(
                "answer.option_twice", f"option {code!r} is ranked twice", option=code
            )
        ranked.append(code)
    return ranked, None


def _parse_best_worst(item: Item, text: str) -> tuple[object, _Issue | None]:
    parts = [part.strip() for part in text.split(RANKING_SEPARATOR)]
    if len(parts) != 2 or not all(parts):
        return None, _issue(
            "answer.best_worst_pair",
            f"{text!r} is not two options as best{RANKING_SEPARATOR}worst",
            value=text,
            separator=RANKING_SEPARATOR,
        )
    pair: list[str] = []
    for part in parts:
        code, issue = _option_code(item, part)
        if issue is not None:
            return None, issue
        pair.append(code)
    if pair[0] == pair[1]:
        return None, _issue(
            "answer.best_is_worst",
            f"option {pair[0]!r} is both the best and the worst",
            option=pair[0],
        )
    return pair, None


def _item_columns(
    header: Sequence[str], instrument: Instrument, label: str
) -> tuple[dict[str, Item], bool, list[str]]:
    """Map each header column to its item; ``tabular`` lower-cases headers, so match so."""
    by_lower: dict[str, list[Item]] = {}
    for item in instrument.items:
        by_lower.setdefault(item.code.lower(), []).append(item)
    columns: dict[str, Item] = {}
    problems: list[str] = []
    has_person = False
    for column in header:
        if column == PERSON_COLUMN:
            has_person = True
            continue
        matches = by_lower.get(column.lower(), [])
        exact = [item for item in matches if item.code == column]
        if len(matches) == 1 or len(exact) == 1:
            columns[column] = exact[0] if exact else matches[0]
        elif matches:
            codes = ", ".join(item.code for item in matches)
            problems.append(
                row_problem(
                    1,
                    column,
                    "answers.column_ambiguous",
                    f"matches more than one item code ({codes})",
                    codes=codes,
                )
            )
        else:
            problems.append(
                row_problem(
                    1,
                    column,
                    "answers.column_unknown",
                    f"unknown item code (not in {label})",
                    instrument=label,
                    where_title=dict(instrument.title),
                    where_version=instrument.version,
                )
            )
    if not columns and not problems:
        problems.append(
            row_problem(
                1,
                "",
                "answers.no_item_columns",
                f"no item columns (expected item codes of {label})",
                instrument=label,
                where_title=dict(instrument.title),
                where_version=instrument.version,
            )
        )
    if not has_person:
        problems.insert(
            0,
            row_problem(
                1,
                PERSON_COLUMN,
                "answers.person_column_missing",
                "missing column (it holds each person's external_id)",
            ),
        )
    return columns, has_person, problems


def _parse_rows(
    records: Sequence[Mapping[str, object]],
    columns: Mapping[str, Item],
    has_person: bool,
) -> tuple[list[_Row], list[str]]:
    rows: list[_Row] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for offset, record in enumerate(records):
        number = offset + 2  # the header is row 1, as in a spreadsheet
        if not record:
            continue
        external_id = _cell(record.get(PERSON_COLUMN))
        if has_person:
            if not external_id:
                problems.append(row_problem(number, PERSON_COLUMN, "import.cell_empty", "empty"))
            elif len(external_id) > _EXTERNAL_ID_MAX:
                problems.append(
                    row_problem(
                        number,
                        PERSON_COLUMN,
                        "import.longer_than",
                        f"longer than {_EXTERNAL_ID_MAX} characters",
                        limit=_EXTERNAL_ID_MAX,
                    )
                )
            elif external_id in seen:
                problems.append(
                    row_problem(
                        number,
                        PERSON_COLUMN,
                        "import.duplicate_of_row",
                        f"duplicate of row {seen[external_id]} ({external_id})",
                        first=seen[external_id],
                        value=external_id,
                    )
                )
            else:
                seen[external_id] = number
        answers: dict[str, object] = {}
        for column, item in columns.items():
            text = _cell(record.get(column))
            if not text:
                continue
            value, issue = _parse_cell(item, text)
            if issue is not None:
                code, message, params = issue
                problems.append(row_problem(number, column, code, message, **params))
            else:
                answers[item.code] = value
        if not answers and columns:
            problems.append(row_problem(number, "", "answers.row_empty", "no answers in this row"))
        rows.append(_Row(number, external_id, answers))
    if not rows:
        problems.append(
            row_problem(2, "", "answers.none", "the file has a header but no responses")
        )
    return rows, problems


def _person_ids(
    session: Session, external_ids: Sequence[str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Person ids by external id, and the access of those who are not reps."""
    found: dict[str, int] = {}
    not_reps: dict[str, str] = {}
    for chunk in chunks(list(external_ids)):
        stmt = select(Person.external_id, Person.id, Person.access).where(
            Person.external_id.in_(chunk)
        )
        for external_id, person_id, access in session.exec(stmt).all():
            found[external_id] = person_id
            if access != "rep":
                not_reps[external_id] = access
    return found, not_reps


def _imported_wave_name(source: str) -> str:
    name = Path(source).name if source else "a file"
    return (IMPORTED_WAVE_PREFIX + name)[:_WAVE_NAME_MAX]


def _resolve_wave(
    session: Session,
    *,
    wave: str | int | None,
    instrument_name: str | None,
    instrument_version: int | None,
    source: str,
) -> tuple[Wave | None, str, InstrumentRow, list[str]]:
    """The wave to import into (None: create it), its name, its instrument, and problems."""
    if wave is not None:
        existing = find_wave(session, wave)
    else:
        name = _imported_wave_name(source)
        existing = session.exec(select(Wave).where(Wave.name == name)).first()
    if existing is None:
        row = get_instrument_row(session=session, name=instrument_name, version=instrument_version)
        return None, _imported_wave_name(source), row, []
    row = session.get(InstrumentRow, existing.instrument_id)
    problems = []
    named = instrument_name is not None and instrument_name != row.name
    if named or (instrument_version is not None and instrument_version != row.version):
        wanted = instrument_name or row.name
        if instrument_version is not None:
            wanted += f" version {instrument_version}"
        problems.append(
            Problem(
                "wave",
                "answers.wave_instrument_differs",
                f"{existing.name!r} uses instrument {row.name} version {row.version}, not {wanted}",
                {
                    "wave": existing.name,
                    "uses": f"{row.name} version {row.version}",
                    "wanted": wanted,
                },
            )
        )
    return existing, existing.name, row, problems


def import_responses(
    *,
    session: Session,
    table: Table | None = None,
    header: Sequence[str] | None = None,
    records: Sequence[Mapping[str, object]] | None = None,
    instrument_name: str | None = None,
    instrument_version: int | None = None,
    wave: str | int | None = None,
    create_people: bool = False,
    actor: Actor,
    source: str = "",
    replace_survey_responses: bool = False,
    dry_run: bool = False,
) -> ImportSummary:
    """Store submitted responses from a table; any problem means nothing is written.

    Give either ``table`` (from ``services.tabular``) or ``header`` and ``records``.
    ``wave`` picks an existing wave by name or id; without it the responses go into a
    closed wave named "Imported from <file name>", created on the first import and reused
    on the next. Re-importing the same file changes nothing; a changed row replaces that
    person's response, except one the person gave through the survey: that is a conflict
    (nothing is written) unless ``replace_survey_responses`` is set, which is audited. With
    ``create_people``, unknown people are created as respondents without a login.
    ``dry_run`` counts what would change and writes nothing (a page confirms replacements).
    """
    require(actor, "import_responses")
    header, records, source = table_input(table, header, records, source, what="import_responses")

    existing_wave, wave_name, instrument_row, problems = _resolve_wave(
        session,
        wave=wave,
        instrument_name=instrument_name,
        instrument_version=instrument_version,
        source=source,
    )
    # The source names the wave the answers go into ("Imported from <source>") when none is
    # given, so it is held to the rule for a name.
    problems += text_problems("source", source, one_line=True)
    instrument = definition(instrument_row)
    label = f"{instrument_row.name} version {instrument_row.version}"
    columns, has_person, header_problems = _item_columns(header, instrument, label)
    problems += header_problems
    rows, row_problems = _parse_rows(records, columns, has_person)
    problems += row_problems

    person_ids, not_reps = _person_ids(session, [r.external_id for r in rows if r.external_id])
    unknown = [r for r in rows if r.external_id and r.external_id not in person_ids]
    # Only reps answer: a manager or HR person whose answers were imported would sit,
    # knowing them, in the figures they read (the survey pages refuse them too). A rep
    # who has left may still have answers from before imported.
    problems += [
        row_problem(
            r.number,
            PERSON_COLUMN,
            "answers.person_not_rep",
            f"{r.external_id} has {not_reps[r.external_id]} access, not rep; only reps "
            "answer a survey",
            person=r.external_id,
            access=not_reps[r.external_id],
        )
        for r in rows
        if r.external_id in not_reps
    ]
    # Respondents an import creates are held to the roster's rule for new ids.
    if create_people and unknown:
        problems += new_external_id_problems(
            ((r.number, r.external_id) for r in unknown),
            PERSON_COLUMN,
            session.exec(select(Person.external_id)),
        )
    if not create_people:
        problems += [
            row_problem(
                r.number,
                PERSON_COLUMN,
                "answers.person_unknown",
                f"unknown person {r.external_id!r} "
                "(import people first, or create respondents with --create-people)",
                person=r.external_id,
            )
            for r in unknown
        ]
    if problems:
        problems.sort(key=_problem_order)
        raise nothing_imported(problems, source)

    flags = [sorted(f) for f in quality_flags(instrument, [r.answers for r in rows])]
    summary = ImportSummary(wave=wave_name, instrument=label)
    try:
        _write(
            session,
            instrument=instrument,
            instrument_row=instrument_row,
            existing_wave=existing_wave,
            wave_name=wave_name,
            rows=rows,
            flags=flags,
            person_ids=person_ids,
            new_people=[r.external_id for r in unknown],
            actor=actor,
            source=source,
            summary=summary,
            replace_survey=replace_survey_responses,
            dry_run=dry_run,
        )
    except Exception:
        session.rollback()
        raise
    return summary


def _problem_order(problem: str) -> tuple[int, str]:
    # Wave problems first, then by row number, so the list reads like the file.
    if not problem.startswith("row "):
        return -1, problem
    digits = problem[4:].split(",", 1)[0].split(":", 1)[0]
    return (int(digits) if digits.isascii() and digits.isdigit() else 0), ""


def _write(
    session: Session,
    *,
    instrument: Instrument,
    instrument_row: InstrumentRow,
    existing_wave: Wave | None,
    wave_name: str,
    rows: list[_Row],
    flags: list[list[str]],
    person_ids: dict[str, int],
    new_people: list[str],
    actor: Actor,
    source: str,
    summary: ImportSummary,
    replace_survey: bool = False,
    dry_run: bool = False,
) -> None:
    now = utcnow()
    wave = existing_wave
    responses: dict[int, SurveyResponse] = {}
    stored: dict[int, dict[str, object]] = {}
    if wave is not None:
        for chunk in chunks(list(person_ids.values())):
            stmt = select(SurveyResponse).where(
                SurveyResponse.wave_id == wave.id, SurveyResponse.person_id.in_(chunk)
            )
            responses.update((r.person_id, r) for r in session.exec(stmt))
        stored = answers_by_response(session, instrument, [r.id for r in responses.values()])

    to_create: list[tuple[_Row, list[str]]] = []
    to_update: list[tuple[_Row, list[str], SurveyResponse]] = []
    for row, row_flags in zip(rows, flags, strict=True):
        response = responses.get(person_ids.get(row.external_id, -1))
        if response is None:
            to_create.append((row, row_flags))
        elif (
            response.status != "submitted"
            or list(response.flags or []) != row_flags
            or stored.get(response.id, {}) != row.answers
        ):
            to_update.append((row, row_flags, response))
        else:
            summary.unchanged += 1
    # Answers already part of figures shown must not change behind them: showing the same
    # group again would give the change away, and with answers the importer chose, the one
    # person whose answers it did not choose.
    shown = set()
    for members in released_groups(session=session, wave=wave) if to_update else []:
        shown.update(members.tolist())
    already_shown = [row for row, _, response in to_update if response.id in shown]
    if already_shown:
        raise nothing_imported([_shown(row, wave) for row in already_shown], source)
    from_survey = [
        (row, response)
        for row, _, response in to_update
        if response.source == SURVEY_SOURCE
        and (response.status == "submitted" or stored.get(response.id))
    ]
    if from_survey and not replace_survey:
        raise nothing_imported(
            [
                _conflict(row, wave, len(stored.get(response.id, {})))
                for row, response in from_survey
            ],
            source,
        )
    if not to_create and not to_update:
        return  # the same file again: nothing to write, not even an audit row
    if to_update and not replace_survey:
        # Written first, so a survey answer saved since the read above is never overwritten:
        # this takes the write lock (row locks on PostgreSQL) and skips survey responses.
        ids = [response.id for _, _, response in to_update]
        protected = and_(
            SurveyResponse.source == SURVEY_SOURCE,
            or_(
                SurveyResponse.status == "submitted",
                exists().where(Answer.response_id == SurveyResponse.id),
            ),
        )
        kept = 0
        for chunk in chunks(ids):
            kept += session.execute(
                update(SurveyResponse)
                .where(SurveyResponse.id.in_(chunk), ~protected)
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
        if kept != len(ids):
            raise nothing_imported(
                [
                    Problem(
                        "wave",
                        "answers.survey_raced",
                        "someone answered through the survey during the import; import again",
                    )
                ],
                source,
            )

    if new_people:
        people = [
            Person(external_id=e, name=e, email=None, access="rep", created_at=now, updated_at=now)
            for e in new_people
        ]
        session.add_all(people)
        session.flush()
        person_ids.update((p.external_id, p.id) for p in people)
        summary.people_created = len(people)

    if wave is None:
        today = now.date()
        wave = Wave(
            name=wave_name,
            instrument_id=instrument_row.id,
            opens_on=today,
            closes_on=today,
            status="closed",
            audience="all",
            created_by_id=actor.id if actor else None,
            created_at=now,
            closed_at=now,
        )
        session.add(wave)
        session.flush()

    created = [
        SurveyResponse(
            wave_id=wave.id,
            person_id=person_ids[row.external_id],
            instrument_id=instrument_row.id,
            status="submitted",
            source=IMPORT_SOURCE,
            started_at=now,
            updated_at=now,
            submitted_at=now,
            page_seconds={},
            flags=row_flags,
        )
        for row, row_flags in to_create
    ]
    session.add_all(created)
    for _, row_flags, response in to_update:
        response.status = "submitted"
        response.source = IMPORT_SOURCE
        response.flags = row_flags
        response.updated_at = now
        response.submitted_at = response.submitted_at or now
    session.flush()  # many-row INSERT ... RETURNING gives the new ids in a few statements

    replaced = [response.id for _, _, response in to_update]
    for chunk in chunks(replaced):
        session.execute(Answer.__table__.delete().where(Answer.response_id.in_(chunk)))
    pairs = [(response, row) for response, (row, _) in zip(created, to_create, strict=True)]
    pairs += [(response, row) for row, _, response in to_update]
    _insert_answers(session, instrument, pairs)

    summary.created = len(created)
    summary.updated = len(to_update)
    summary.survey_replaced = len(from_survey)
    record_event(
        session,
        actor=actor,
        action="responses.import",
        target=wave.name,
        details={**summary.as_dict(), "source": source, "instrument": summary.instrument},
    )
    if from_survey:
        record_event(
            session,
            actor=actor,
            action="responses.replace_survey",
            target=wave.name,
            details={
                "source": source,
                "people": sorted(row.external_id for row, _ in from_survey),
                "answers_replaced": sum(len(stored.get(r.id, {})) for _, r in from_survey),
            },
        )
    if dry_run:
        session.rollback()
    else:
        session.commit()


def _shown(row: _Row, wave: Wave) -> str:
    return row_problem(
        row.number,
        PERSON_COLUMN,
        "answers.already_shown",
        f"{row.external_id}'s answers in wave {wave.name!r} are already part of figures shown "
        "for it; they cannot be replaced, or the change would show in those figures",
        person=row.external_id,
        wave=wave.name,
    )


def _conflict(row: _Row, wave: Wave, n_answers: int) -> str:
    return row_problem(
        row.number,
        PERSON_COLUMN,
        "answers.survey_conflict",
        f"{row.external_id} answered wave {wave.name!r} through the survey ({n_answers} "
        "answers); an import does not replace that unless you choose to replace survey answers",
        person=row.external_id,
        wave=wave.name,
        count=n_answers,
    )


def _insert_answers(
    session: Session, instrument: Instrument, pairs: list[tuple[SurveyResponse, _Row]]
) -> None:
    items = {item.code: item for item in instrument.items}
    # Likert answers repeat a handful of values, so each distinct one is converted once.
    converted: dict[tuple[str, object], tuple[float | None, str | None]] = {}
    values: list[tuple[int, str, float | None, str | None]] = []
    for response, row in pairs:
        for code, value in row.answers.items():
            key = (code, tuple(value) if isinstance(value, list) else value)
            if key not in converted:
                answer = to_answer_row(0, items[code], value)
                converted[key] = (answer.value, answer.text)
            number, text = converted[key]
            values.append((response.id, code, number, text))
    _bulk_insert(session, values)


def _bulk_insert(session: Session, values: list[tuple[int, str, float | None, str | None]]) -> None:
    """Insert answer rows inside the session's transaction, fast on both databases."""
    table = Answer.__table__
    columns = ("response_id", "item_code", "value", "text")
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # COPY streams the rows; an INSERT would make psycopg parse a huge statement per batch.
        cursor = connection.connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    # With RETURNING, SQLAlchemy batches the rows into multi-row INSERTs ("insertmanyvalues");
    # a plain executemany would run one statement per answer.
    for chunk in chunks(values, ANSWER_CHUNK):
        rows = [dict(zip(columns, value, strict=True)) for value in chunk]
        session.execute(insert(table).returning(table.c.id), rows).close()
