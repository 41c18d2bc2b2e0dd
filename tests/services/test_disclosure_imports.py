"""The disclosure ledger when HR imported some of a wave's answers.

Whoever imported answers knows them, so the ledger counts every imported response as
already disclosed: a group is judged by the people whose answers HR does not know.
"""

import numpy as np
import pytest
from sqlmodel import select

from models.tables import Person, SurveyResponse, Team
from recommender.anonymity import leverage
from seed.loaders import load_catalogue
from seed.simulate import simulate_organisation
from services.access import SYSTEM
from services.errors import InvalidInput
from services.responses import answers_by_response
from services.responses_import import IMPORT_SOURCE, import_responses
from services.summaries import summary
from tests.services.attacker import shown_groups
from tests.services.insights_org import definition_of
from tests.services.test_disclosure import add_respondent, group, organisation, unflag

MIN = 5


def answered_through_the_survey(session):
    for response in session.exec(select(SurveyResponse)):
        response.source = "web"
        session.add(response)
    session.commit()


def web_organisation(session, layout):
    wave, people = organisation(session, layout)
    answered_through_the_survey(session)
    return wave, people


def made_up(session, wave, n: int, seed: int = 300):
    return simulate_organisation(
        definition_of(session, wave),
        load_catalogue(),
        n,
        random_state=seed,
        careless_rate=0.0,
        missing_rate=0.0,
        text_rate=0.0,
    ).answers


def import_invented(session, wave, team_name: str, role: str, n: int, *, first: int = 0):
    """HR creates ``n`` people in a team and imports answers it made up for them."""
    team = session.exec(select(Team).where(Team.name == team_name)).first()
    if team is None:
        team = Team(name=team_name)
        session.add(team)
        session.flush()
    ids = [f"F{first + i:03d}" for i in range(n)]
    for external_id in ids:
        session.add(
            Person(
                external_id=external_id,
                name=f"Invented {external_id}",
                team_id=team.id,
                access="rep",
                sales_role=role,
            )
        )
    session.commit()
    import_answers(session, wave, ids, made_up(session, wave, n, seed=200 + first))


def import_answers(session, wave, external_ids, answers, **kwargs):
    """Import one row of answers per person, as a file from another survey tool would."""
    records = [
        {"person": external_id, **{c: cell(v) for c, v in row.items()}}
        for external_id, row in zip(external_ids, answers, strict=True)
    ]
    header = ["person", *sorted({k for r in records for k in r} - {"person"})]
    import_responses(
        session=session, header=header, records=records, wave=wave.name, actor=SYSTEM, **kwargs
    )
    unflag(session)


def cell(value):
    # Rankings and best-worst picks are option codes joined by ">".
    return ">".join(value) if isinstance(value, list) else value


def imported_ids(session, wave) -> set[int]:
    return set(
        session.exec(
            select(SurveyResponse.id).where(
                SurveyResponse.wave_id == wave.id, SurveyResponse.source == IMPORT_SOURCE
            )
        )
    )


def assert_nobody_unknown_isolated(session, wave):
    """Leverage over everything shown plus every imported answer, which HR holds."""
    known = imported_ids(session, wave)
    groups = [m for m, _ in shown_groups(session, wave)]
    ids = np.unique(np.concatenate([*groups, np.array(sorted(known), dtype=np.int64)]))
    rows = [np.searchsorted(ids, g) for g in groups]
    rows += [np.searchsorted(ids, [k]) for k in known]
    h = leverage(ids.size, rows)
    unknown = ~np.isin(ids, sorted(known))
    assert float(h[unknown].max(initial=0.0)) <= 1 / MIN + 1e-9


def pad_north(session, wave):
    """One real rep answers in a new team, North; HR invents four closers there and
    imports answers it made up for them."""
    north = Team(name="North")
    session.add(north)
    session.commit()
    add_respondent(session, wave, north, "closer", 1)
    answered_through_the_survey(session)
    import_invented(session, wave, "North", "closer", 4)


def test_a_difference_padded_with_imported_answers_is_withheld(session):
    # South's five are shown. Then one real rep answers in North, and HR invents four
    # closers in North and imports their answers: North (5) and the total (10) minus
    # South would each be the real rep's answers once HR takes off its own four.
    wave, _ = web_organisation(session, {"South": ["hunter"] * 5})
    before = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert not group(before, "South")["suppressed"]
    pad_north(session, wave)
    after = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(after, "North")["n"] is None
    assert group(after, "North")["reason"] == "combined"
    assert after["total"]["reason"] == "combined"
    assert not group(after, "South")["suppressed"]
    assert_nobody_unknown_isolated(session, wave)


def test_swapping_one_respondent_for_an_imported_one_is_withheld(session):
    # {r, a, b, c, d} shown by team, then {a, b, c, d, f} by role with f imported.
    wave, _ = web_organisation(session, {"North": ["hunter"] + ["closer"] * 4})
    before = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert not group(before, "North")["suppressed"]
    import_invented(session, wave, "South", "closer", 1)
    after = summary(session=session, viewer=SYSTEM, by="sales_role", wave=wave.name)
    assert group(after, "closer")["reason"] == "combined"
    assert_nobody_unknown_isolated(session, wave)


def test_five_with_three_imported_hide_only_two_and_are_withheld(session):
    wave, _ = web_organisation(session, {"North": ["closer"] * 2})
    import_invented(session, wave, "North", "closer", 3)
    data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(data, "North")["reason"] == "combined"
    assert data["total"]["reason"] == "combined"
    assert_nobody_unknown_isolated(session, wave)


def test_enough_unknown_people_beside_imported_ones_are_shown(session):
    wave, _ = web_organisation(session, {"North": ["closer"] * 5})
    import_invented(session, wave, "North", "closer", 3)
    data = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(data, "North")["n"] == 8 and not group(data, "North")["suppressed"]
    assert_nobody_unknown_isolated(session, wave)


def test_a_wave_imported_from_paper_shows_its_groups(session):
    wave, _ = web_organisation(session, {})
    import_invented(session, wave, "North", "closer", 6)
    import_invented(session, wave, "South", "hunter", 5, first=6)
    import_invented(session, wave, "West", "farmer", 2, first=11)
    for by in ("team", "sales_role", "team"):
        data = summary(session=session, viewer=SYSTEM, by=by, wave=wave.name)
        shown = {g["key"]: g["n"] for g in data["groups"] if not g["suppressed"]}
        big = ("North", "South") if by == "team" else ("closer", "hunter")
        assert shown == {big[0]: 6, big[1]: 5}
        assert [g["reason"] for g in data["groups"] if g["suppressed"]] == ["small"]
        assert data["total"]["n"] == 13


def answers_of(session, wave, person) -> dict:
    response = session.exec(
        select(SurveyResponse).where(
            SurveyResponse.wave_id == wave.id, SurveyResponse.person_id == person.id
        )
    ).one()
    return answers_by_response(session, definition_of(session, wave), [response.id])[response.id]


def test_answers_already_shown_cannot_be_replaced_by_an_import(session):
    # North's figures are shown. If HR could then replace four of the five closers'
    # answers with its own and show the closers again, their mean would be the fifth
    # closer's answers; replacing one would give away the change in that one person.
    wave, people = web_organisation(session, {"North": ["closer"] * 5 + ["hunter"] * 5})
    first = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert not group(first, "North")["suppressed"]
    closers = [p for p in people if p.sales_role == "closer"][:4]
    kept = {p.id: answers_of(session, wave, p) for p in closers}
    with pytest.raises(InvalidInput) as refused:
        import_answers(
            session,
            wave,
            [p.external_id for p in closers],
            made_up(session, wave, 4),
            replace_survey_responses=True,
        )
    problems = refused.value.problems
    assert len(problems) == 4
    assert all(p.column == "person" and p.code == "answers.already_shown" for p in problems)
    assert "already part of figures shown" in str(problems[0])
    session.rollback()
    assert {p.id: answers_of(session, wave, p) for p in closers} == kept
    again = summary(session=session, viewer=SYSTEM, by="team", wave=wave.name)
    assert group(again, "North") == group(first, "North")


def test_imported_answers_already_shown_cannot_be_replaced_either(session):
    # A wave imported from paper: its groups are shown, and the same people's answers
    # cannot then be changed by a second file, or the change would show in the figures.
    wave, people = organisation(session, {"North": ["closer"] * 6})
    assert not group(summary(session=session, viewer=SYSTEM, by="team", wave=wave.name), "North")[
        "suppressed"
    ]
    with pytest.raises(InvalidInput) as refused:
        import_answers(session, wave, [people[0].external_id], made_up(session, wave, 1))
    assert [p.code for p in refused.value.problems] == ["answers.already_shown"]


def test_answers_not_yet_shown_can_still_be_replaced(session):
    wave, people = web_organisation(session, {"North": ["closer"] * 5})
    new = made_up(session, wave, 1)
    import_answers(session, wave, [people[0].external_id], new, replace_survey_responses=True)
    stored = answers_of(session, wave, people[0])
    assert stored and all(stored[code] == value for code, value in new[0].items() if value)


def test_quartiles_need_enough_people_whose_answers_hr_does_not_hold(session):
    # Ten people, five of them imported: the mean hides five, but with five known scores
    # placed at the top, the median would be the highest real score itself.
    from services.analytics import programme_analytics

    wave, _ = web_organisation(session, {"North": ["closer"] * 5, "South": ["hunter"] * 10})
    import_invented(session, wave, "North", "closer", 5)
    data = programme_analytics(session=session, viewer=SYSTEM, wave=wave.name)
    teams = {g["key"]: g for g in data["distributions"]["team"]["groups"]}
    assert teams["North"]["n"] == 10 and not teams["North"]["suppressed"]
    assert teams["North"]["quartiles_reason"] == "imported_for_quartiles"
    assert all(f["median"] is None for f in teams["North"]["constructs"].values())
    assert teams["South"]["quartiles_reason"] is None
