"""The roster import: all or nothing, idempotent, deactivates leavers."""

import pytest
from sqlmodel import func, select

from models.tables import AuditLog, Person, Team
from services.access import SYSTEM
from services.errors import InvalidInput
from services.people import import_people
from services.tabular import TableError, read_table_bytes

ROSTER = (
    "external_id,name,email,team,manager_email,access,sales_role\n"
    "M1,Kari Nordmann,kari@example.test,Oslo Enterprise,,manager,sales_manager\n"
    "R1,Ola Hansen,ola@example.test,Oslo Enterprise,kari@example.test,,closer\n"
    "R2,Aisha Khan,aisha@example.test,Oslo Enterprise,kari@example.test,rep,presales\n"
)


def run(session, text: str, **kwargs):
    table = read_table_bytes(text.encode("utf-8"), name="roster.csv")
    kwargs.setdefault("actor", SYSTEM)
    return import_people(session=session, header=table.header, records=table.rows, **kwargs)


def refusal(session, text: str, **kwargs) -> list[str]:
    """The problems an import of ``text`` is refused with (it must be refused)."""
    with pytest.raises(InvalidInput) as caught:
        run(session, text, **kwargs)
    return [str(p) for p in caught.value.problems]


def count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_happy_path_creates_people_teams_and_managers(session):
    summary = run(session, ROSTER)
    assert len(summary.created) == 3
    ola = session.exec(select(Person).where(Person.external_id == "R1")).one()
    kari = session.exec(select(Person).where(Person.external_id == "M1")).one()
    assert ola.manager_id == kari.id
    assert ola.access == "rep"  # blank access defaults to rep
    assert session.get(Team, ola.team_id).name == "Oslo Enterprise"
    assert session.exec(select(AuditLog).where(AuditLog.action == "people.import")).one()


def test_manager_may_come_after_their_reports_in_the_file(session):
    lines = ROSTER.splitlines()
    reordered = "\n".join([lines[0], lines[2], lines[3], lines[1]]) + "\n"
    run(session, reordered)
    ola = session.exec(select(Person).where(Person.external_id == "R1")).one()
    assert ola.manager_id is not None


def test_reimporting_the_same_file_changes_nothing(session):
    run(session, ROSTER)
    before = [(p.id, p.name, p.updated_at) for p in session.exec(select(Person))]
    summary = run(session, ROSTER)
    assert summary.created == [] and summary.updated == [] and summary.deactivated == []
    assert sorted(summary.unchanged) == ["M1", "R1", "R2"]
    assert [(p.id, p.name, p.updated_at) for p in session.exec(select(Person))] == before


def test_reimport_updates_by_external_id_and_deactivates_leavers(session):
    run(session, ROSTER)
    changed = ROSTER.replace("Ola Hansen", "Ola Hansen-Berg").replace(
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise,kari@example.test,rep,presales\n", ""
    )
    summary = run(session, changed)
    assert summary.updated == ["R1"]
    assert summary.deactivated == ["R2"]
    aisha = session.exec(select(Person).where(Person.external_id == "R2")).one()
    assert aisha.active is False  # deactivated, not deleted
    back = run(session, ROSTER)
    assert back.reactivated == ["R2"]


def test_partial_file_keeps_missing_people_active(session):
    run(session, ROSTER)
    partial = "\n".join(ROSTER.splitlines()[:2]) + "\n"
    summary = run(session, partial, deactivate_missing=False)
    assert summary.deactivated == []
    assert count(session, Person) == 3


def test_semicolons_and_byte_order_mark_are_accepted(session):
    text = "\ufeff" + ROSTER.replace(",", ";")
    table = read_table_bytes(text.encode("utf-8"))
    summary = import_people(session=session, actor=SYSTEM, header=table.header, records=table.rows)
    assert len(summary.created) == 3


BAD_INPUTS = [
    (
        "missing column",
        "external_id,name,team\nR1,Ola,Oslo\n",
        "row 1, column email: missing column",
    ),
    (
        "duplicate external_id",
        ROSTER + "R1,Other Person,other@example.test,Oslo Enterprise,,rep,closer\n",
        "row 5, column external_id: duplicate of row 3 (R1)",
    ),
    (
        "duplicate email",
        ROSTER + "R9,Other Person,ola@example.test,Oslo Enterprise,,rep,closer\n",
        "row 5, column email: duplicate of row 3 (ola@example.test)",
    ),
    (
        "unknown manager",
        ROSTER + "R9,Other Person,o@example.test,Oslo Enterprise,nobody@example.test,rep,closer\n",
        "row 5, column manager_email: unknown manager nobody@example.test",
    ),
    (
        "bad email",
        ROSTER + "R9,Other Person,not-an-email,Oslo Enterprise,,rep,closer\n",
        "row 5, column email: 'not-an-email' is not an email address",
    ),
    (
        "unknown access role",
        ROSTER + "R9,Other Person,o@example.test,Oslo Enterprise,,boss,closer\n",
        "row 5, column access: unknown access role 'boss'",
    ),
    (
        "empty name",
        ROSTER + "R9,,o@example.test,Oslo Enterprise,,rep,closer\n",
        "row 5, column name: empty",
    ),
    (
        "manager who is a rep",
        ROSTER + "R9,Other Person,o@example.test,Oslo Enterprise,ola@example.test,rep,closer\n",
        "row 5, column manager_email: ola@example.test has access 'rep'",
    ),
    (
        # A name that went on into "Bcc: ..." ended the header of every email to them.
        "a line break in a name",
        ROSTER + 'R9,"Nils\nBcc: spy@evil.example",o@example.test,Oslo Enterprise,,rep,closer\n',
        "row 5, column name: holds a line break or a tab; keep it on one line",
    ),
    (
        "header only",
        "external_id,name,email,team,manager_email,access,sales_role\n",
        "row 2: the file has a header but no people",
    ),
    (
        "a roster without its team column",
        "external_id,name,email,manager_email,access,sales_role\nR1,Ola,o@example.test,,rep,\n",
        "row 1, column team: missing column",
    ),
]


@pytest.mark.parametrize(("kind", "text", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_writes_nothing_and_names_row_and_column(session, kind, text, message):
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    assert any(message in problem for problem in caught.value.problems), caught.value.problems
    assert count(session, Person) == 0
    assert count(session, Team) == 0
    assert count(session, AuditLog) == 0


def test_every_problem_is_reported_at_once(session):
    text = ROSTER + "R1,,bad,Oslo,nobody@example.test,boss,closer\n"
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    columns = {p.split(":")[0].split(",")[1].strip() for p in caught.value.problems}
    assert {"column external_id", "column name", "column email", "column access"} <= columns


def test_bad_input_after_a_good_import_leaves_the_first_import_intact(session):
    run(session, ROSTER)
    with pytest.raises(InvalidInput):
        run(session, ROSTER.replace("Ola Hansen", "Ola Renamed") + "R9,X,bad,,,rep,\n")
    ola = session.exec(select(Person).where(Person.external_id == "R1")).one()
    assert ola.name == "Ola Hansen"


def test_email_owned_by_someone_else_is_refused(session):
    run(session, ROSTER)
    other = (
        "external_id,name,email,team,manager_email,access,sales_role\nR7,New,ola@example.test,,,,\n"
    )
    with pytest.raises(InvalidInput) as caught:
        run(session, other, deactivate_missing=False)
    assert "already belongs to R1" in str(caught.value)


def test_non_utf8_file_is_refused_with_a_row_number():
    data = b"external_id,name,email\nR1,Ola,ola@example.test\nR2," + b"\xff\xfe" + b"\n"
    with pytest.raises(TableError, match="row 3: not valid UTF-8"):
        read_table_bytes(data)


def test_too_many_cells_is_refused():
    with pytest.raises(TableError, match="row 2: 4 values but the header has 3 columns"):
        read_table_bytes(b"external_id,name,email\nR1,Ola,o@example.test,extra\n")


def test_a_file_that_would_deactivate_most_people_is_refused(session):
    header = "external_id,name,email,team,manager_email,access,sales_role\n"
    everyone = header + "".join(
        f"R{i},Rep {i},rep{i}@example.test,Oslo,,rep,closer\n" for i in range(12)
    )
    run(session, everyone)
    only_one = header + "R0,Rep 0,rep0@example.test,Oslo,,rep,closer\n"
    with pytest.raises(InvalidInput, match="would deactivate 11 of 12 active people"):
        run(session, only_one)
    assert all(p.active for p in session.exec(select(Person)))
    summary = run(session, only_one, allow_mass_deactivation=True)
    assert len(summary.deactivated) == 11


def test_problems_are_listed_in_row_order(session):
    text = ROSTER + "R5,,bad,,,rep,\n" + "R1,Dup,dup@example.test,,,boss,\n"
    with pytest.raises(InvalidInput) as caught:
        run(session, text)
    rows = [int(p.split(",")[0].removeprefix("row ")) for p in caught.value.problems]
    assert rows == sorted(rows)


def test_a_dry_run_reports_who_would_lose_access_and_writes_nothing(session):
    run(session, ROSTER)
    before = [
        (p.external_id, p.name, p.access, p.active, p.session_version)
        for p in session.exec(select(Person).order_by(Person.external_id))
    ]
    audit = count(session, AuditLog)
    changed = ROSTER.replace(
        "R1,Ola Hansen,ola@example.test,Oslo Enterprise,kari@example.test,,closer",
        "R1,Ola Hansen,ola@example.test,Oslo Enterprise,kari@example.test,manager,closer",
    ).replace(
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise,kari@example.test,rep,presales\n", ""
    )
    preview = run(session, changed, dry_run=True)
    assert preview.deactivated == ["R2"]
    assert preview.access_changes == [("R1", "rep", "manager")]
    assert preview.names == {"R2": "Aisha Khan", "R1": "Ola Hansen"}
    assert "access_changes" not in preview.describe()
    after = [
        (p.external_id, p.name, p.access, p.active, p.session_version)
        for p in session.exec(select(Person).order_by(Person.external_id))
    ]
    assert after == before and count(session, AuditLog) == audit


def test_a_team_written_in_another_case_or_spacing_is_the_same_team(session):
    """HR systems export "Oslo Enterprise", "oslo enterprise" and "Oslo  Enterprise" for one
    team; three teams would split its budget, its fairness figures and its survey audience."""
    run(session, ROSTER)
    later = ROSTER.replace(
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise",
        "R2,Aisha Khan,aisha@example.test,oslo  ENTERPRISE ",
    )
    later += "R3,Per Berg,per@example.test,OSLO ENTERPRISE,kari@example.test,rep,closer\n"
    run(session, later)
    assert [t.name for t in session.exec(select(Team))] == ["Oslo Enterprise"]
    team_ids = {p.team_id for p in session.exec(select(Person))}
    assert len(team_ids) == 1


def test_a_new_team_in_two_spellings_in_one_file_is_one_team_named_as_first_written(session):
    roster = ROSTER.replace(
        "R1,Ola Hansen,ola@example.test,Oslo Enterprise",
        "R1,Ola Hansen,ola@example.test,Bergen SMB",
    )
    roster = roster.replace(
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise",
        "R2,Aisha Khan,aisha@example.test,bergen smb",
    )
    run(session, roster)
    assert sorted(t.name for t in session.exec(select(Team))) == ["Bergen SMB", "Oslo Enterprise"]


def test_a_wave_for_a_team_finds_it_however_hr_writes_its_name(session):
    from services.instruments import ensure_default_instrument
    from services.waves import open_wave

    ensure_default_instrument(session=session)
    run(session, ROSTER)
    wave = open_wave(session=session, actor=SYSTEM, name="Pulse", team_names=[" oslo ENTERPRISE"])
    assert wave.audience == "teams"


def test_a_line_of_managers_that_comes_back_to_its_start_is_refused(session):
    """Two managers set as each other's manager would each see the other's suggestions and
    give each other rewards from the team budget; nobody above them sees either."""
    roster = (
        "external_id,name,email,team,manager_email,access,sales_role\n"
        "M1,Kari Nordmann,kari@example.test,Oslo,per@example.test,manager,sales_manager\n"
        "M2,Per Berg,per@example.test,Oslo,kari@example.test,manager,sales_manager\n"
        "R1,Ola Hansen,ola@example.test,Oslo,kari@example.test,rep,closer\n"
    )
    assert refusal(session, roster) == [
        "row 2, column manager_email: the line of managers from kari@example.test comes back "
        "to them (kari@example.test → per@example.test → kari@example.test)",
        "row 3, column manager_email: the line of managers from per@example.test comes back "
        "to them (per@example.test → kari@example.test → per@example.test)",
    ]
    assert count(session, Person) == 0


def test_a_cycle_through_someone_already_in_motivo_is_refused_too(session):
    run(
        session,
        ROSTER + "M2,Per Berg,per@example.test,Oslo Enterprise,kari@example.test,manager,closer\n",
    )
    # A file with Kari alone gives her Per as manager; Per, in Motivo, reports to Kari.
    later = (
        "external_id,name,email,team,manager_email,access,sales_role\n"
        "M1,Kari Nordmann,kari@example.test,Oslo Enterprise,per@example.test,manager,closer\n"
    )
    assert refusal(session, later, deactivate_missing=False) == [
        "row 2, column manager_email: the line of managers from kari@example.test comes back "
        "to them (kari@example.test → per@example.test → kari@example.test)"
    ]
    kari = session.exec(select(Person).where(Person.external_id == "M1")).one()
    assert kari.manager_id is None


def test_a_team_name_with_an_invisible_character_is_the_same_team(session):
    run(session, ROSTER)
    later = ROSTER.replace(
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise",
        "R2,Aisha Khan,aisha@example.test,Oslo Enterprise\u200b",
    )
    run(session, later)
    assert [t.name for t in session.exec(select(Team))] == ["Oslo Enterprise"]


@pytest.mark.parametrize(
    ("external_id", "code"),
    [
        ("M1\u200b", "U+200B"),
        ("M\u00a01", "U+00A0"),
        ("\ufeffM1", "U+FEFF"),
        ("M\u31641", "U+3164"),
    ],
)
def test_a_new_external_id_with_an_invisible_character_is_refused(session, external_id, code):
    """ "M1" followed by a zero-width space looks like M1 on every page and in every export,
    yet is a second person, who could be given another person's access."""
    roster = ROSTER.replace("M1,Kari Nordmann", f"{external_id},Kari Nordmann")
    assert refusal(session, roster) == [
        f"row 2, column external_id: holds {code}, a character that shows as nothing or as a "
        "space; write a new id in visible characters and ordinary spaces"
    ]
    assert count(session, Person) == 0


@pytest.mark.parametrize("lookalike", ["m1", "\uff2d1", "\uff4d\uff11"])
def test_a_new_id_that_differs_from_a_stored_one_only_in_case_or_width_is_refused(
    session, lookalike
):
    """ "m1" or the full-width "Ｍ1" beside M1 would list a second Kari Nordmann, a new
    person every page shows as if she were the stored one."""
    run(session, ROSTER)
    later = ROSTER + f"{lookalike},Kari Nordmann,kari2@example.test,Oslo Enterprise,,rep,closer\n"
    assert refusal(session, later) == [
        f"row 5, column external_id: {lookalike!r} differs from the id 'M1' only in case or "
        "character width; use 'M1' for that person, or an id that differs in more"
    ]
    assert count(session, Person) == 3


def test_two_new_ids_in_one_file_that_differ_only_in_case_are_refused(session):
    roster = ROSTER + "r1,Ola Hansen,ola2@example.test,Oslo Enterprise,,rep,closer\n"
    assert refusal(session, roster) == [
        "row 5, column external_id: 'r1' differs from the id 'R1' only in case or character "
        "width; use 'R1' for that person, or an id that differs in more"
    ]
    assert count(session, Person) == 0


def test_ids_with_ordinary_spaces_and_ids_already_stored_keep_importing(session):
    """HR systems have ids such as "EMP 1"; and an id stored before the rule must not stop
    every later roster sync."""
    session.add(Person(external_id="OLD\u200b1", name="Old", email="old@example.test"))
    session.commit()
    roster = ROSTER.replace("M1,Kari Nordmann", "EMP 1,Kari Nordmann")
    roster += "OLD\u200b1,Old,old@example.test,Oslo Enterprise,,rep,closer\n"
    summary = run(session, roster)
    assert sorted(summary.created) == ["EMP 1", "R1", "R2"]
    assert summary.updated == ["OLD\u200b1"]


def test_a_cycle_made_while_a_manager_changes_email_is_refused(session):
    """The line was followed by email, and people in Motivo kept their old one: X moving to
    x2@ and reporting to P, who reports to X, went through."""
    roster = (
        "external_id,name,email,team,manager_email,access,sales_role\n"
        "X,Xena,x@example.test,Oslo,,manager,sales_manager\n"
        "P,Per,p@example.test,Oslo,x@example.test,manager,sales_manager\n"
    )
    run(session, roster)
    later = (
        "external_id,name,email,team,manager_email,access,sales_role\n"
        "X,Xena,x2@example.test,Oslo,p@example.test,manager,sales_manager\n"
    )
    assert refusal(session, later, deactivate_missing=False) == [
        "row 2, column manager_email: the line of managers from x2@example.test comes back "
        "to them (x2@example.test → p@example.test → x2@example.test)"
    ]


def test_a_long_loop_of_managers_names_each_row_with_the_start_of_its_line(session):
    header = "external_id,name,email,team,manager_email,access,sales_role\n"
    n = 300
    lines = [
        f"E{i},M{i},m{i}@example.test,Oslo,m{(i + 1) % n}@example.test,manager,sales_manager\n"
        for i in range(n)
    ]
    with pytest.raises(InvalidInput) as caught:
        run(session, header + "".join(lines))
    problems = [str(p) for p in caught.value.problems]
    assert problems[0] == (
        "row 2, column manager_email: the line of managers from m0@example.test comes back to "
        "them (m0@example.test → m1@example.test → m2@example.test → m3@example.test → "
        "m4@example.test → … → m0@example.test, 300 people)"
    )
    assert count(session, Person) == 0


def test_a_team_named_twice_in_two_spellings_is_one_team_of_the_wave(session):
    """Both spellings found the same team, which was then added to the wave twice: a 500."""
    from services.instruments import ensure_default_instrument
    from services.waves import open_wave

    ensure_default_instrument(session=session)
    run(session, ROSTER)
    wave = open_wave(
        session=session,
        actor=SYSTEM,
        name="Pulse",
        team_names=["Oslo Enterprise", "oslo enterprise", "  "],
    )
    from models.tables import WaveTeam

    links = session.exec(select(WaveTeam).where(WaveTeam.wave_id == wave.id)).all()
    assert [session.get(Team, link.team_id).name for link in links] == ["Oslo Enterprise"]


def test_an_email_that_mixes_scripts_is_refused_as_a_lookalike(session):
    """ "kаri@example.test" with a Cyrillic "а" was stored as a new person beside Kari."""
    run(session, ROSTER)
    lookalike = ROSTER + "R3,Kari Fake,k\u0430ri@example.test,Oslo Enterprise,,rep,closer\n"
    problems = refusal(session, lookalike)
    assert any(
        p.startswith("row 5, column email:") and "Latin and Cyrillic" in p for p in problems
    ), problems
    assert count(session, Person) == 3
    # Each part written in one script is an address: a Cyrillic name at a Latin domain, a
    # Japanese name in kanji and kana.
    run(
        session,
        ROSTER
        + "R4,Пётр Иванов,пётр@пример.рф,Oslo Enterprise,,rep,closer\n"
        + "R5,Ivan,иван@firma.no,Oslo Enterprise,,rep,closer\n"
        + "R6,Yamada,やまだ太郎@example.jp,Oslo Enterprise,,rep,closer\n",
    )
    assert count(session, Person) == 6


def test_a_manager_named_by_the_address_the_same_file_changes_is_refused_at_its_row(session):
    """The file gives Kari a new address and names her by the old one as Ola's manager:
    the import stopped with a KeyError (a 500 on the API) instead of saying where."""
    run(session, ROSTER)
    moved = (
        "external_id,name,email,team,manager_email,access,sales_role\n"
        "M1,Kari Nordmann,kari.new@example.test,Oslo Enterprise,,manager,sales_manager\n"
        "R1,Ola Hansen,ola@example.test,Oslo Enterprise,kari@example.test,,closer\n"
    )
    problems = refusal(session, moved, deactivate_missing=False)
    assert problems == [
        "row 3, column manager_email: kari@example.test is changed to kari.new@example.test "
        "by row 2 of this file; give the new address"
    ]
    kari = session.exec(select(Person).where(Person.external_id == "M1")).one()
    assert kari.email == "kari@example.test"
    # With the new address the same file goes through.
    summary = run(session, moved.replace(",kari@", ",kari.new@"), deactivate_missing=False)
    assert summary.updated == ["M1"]
