"""A rep's team median never lets them watch an open wave fill up."""

from sqlmodel import select

from models.tables import Release, SurveyResponse, Team
from services.access import SYSTEM
from services.me import my_scores
from services.organisation import use_min_group_size
from services.waves import close_wave
from tests.services.test_disclosure import add_respondent, organisation


def medians(session, person) -> list:
    return [row.team_median for row in my_scores(session=session, person=person)]


def test_an_open_wave_newcomer_does_not_move_the_reps_team_figure(session):
    """A team at k + 1 in an open wave; one more submits; the page must not tell."""
    wave, people = organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 8})
    north = session.exec(select(Team).where(Team.name == "North")).one()
    rep = next(p for p in people if p.team_id == north.id)
    before = medians(session, rep)
    add_respondent(session, wave, north, "closer", 1)
    after = medians(session, rep)
    assert before == after  # with open-wave answers in it, the median moved with the newcomer
    assert all(m is None for m in after)  # nothing closed yet: no team figure at all


def test_the_last_closed_wave_with_frozen_membership_gives_the_figure(session):
    wave, people = organisation(session, {"North": ["closer"] * 6, "South": ["hunter"] * 4})
    north = session.exec(select(Team).where(Team.name == "North")).one()
    south = session.exec(select(Team).where(Team.name == "South")).one()
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    rep = next(p for p in people if p.team_id == north.id)
    shown = medians(session, rep)
    assert any(m is not None for m in shown)
    # Someone who moves to North after the wave closed does not count in (or change) it.
    mover = next(p for p in people if p.team_id == south.id)
    mover.team_id = north.id
    session.add(mover)
    session.commit()
    assert medians(session, rep) == shown
    assert any(m is not None for m in medians(session, mover))  # North's, now
    # South had 4 respondents: below the minimum, its reps see no figure.
    other = next(p for p in people if p.team_id == south.id)
    assert all(m is None for m in medians(session, other))
    kinds = session.exec(select(Release.kind).where(Release.wave_id == wave.id)).all()
    assert "team_median" in kinds  # recorded in the ledger like every other figure


def test_the_minimum_group_size_setting_applies(session):
    wave, people = organisation(session, {"North": ["closer"] * 6})
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    use_min_group_size(session, 7)
    assert all(m is None for m in medians(session, people[0]))
    use_min_group_size(session, 6)
    assert any(m is not None for m in medians(session, people[0]))


def test_a_scale_fewer_than_the_minimum_answered_shows_no_median(session):
    """Six teammates submitted, but only one answered the autonomy items (an import with
    blanks, or optional items): the "team median" of that scale was their own score."""
    from models.tables import Answer
    from tests.services.insights_org import definition_of

    wave, people = organisation(session, {"North": ["closer"] * 6})
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    instrument = definition_of(session, wave)
    construct = next(item.construct for item in instrument.items if item.construct)
    codes = [item.code for item in instrument.items if item.construct == construct]
    responses = session.exec(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    for response in responses[1:]:
        for answer in session.exec(
            select(Answer).where(Answer.response_id == response.id, Answer.item_code.in_(codes))
        ):
            session.delete(answer)
    session.commit()
    viewer = next(p for p in people if p.id != responses[0].person_id)
    rows = {row.construct: row.team_median for row in my_scores(session=session, person=viewer)}
    assert rows[construct] is None
    assert any(m is not None for c, m in rows.items() if c != construct)
