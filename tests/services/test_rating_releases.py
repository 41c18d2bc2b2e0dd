"""Rating summaries per reward category cannot be differenced down to one person.

HR reads the programme analytics page, one rep rates a reward they were given (or changes
or takes back a rating, or says "not for me"), and HR reads the page again: whatever the
two readings differ by must stand for at least the minimum group size of people.
"""

from datetime import date

import pytest
from sqlmodel import select

from models.tables import Grant, Person, Rating, RatingRelease, Team
from models.tables import Reward as RewardRow
from recommender.catalogue import reward_to_dict
from services import satisfaction
from services.access import SYSTEM
from services.analytics import programme_analytics
from services.catalogue import ensure_seed_catalogue, to_reward, update_reward
from services.feedback import dismiss_reward, import_feedback, rate_grant, undo_dismissal
from services.satisfaction import reward_satisfaction

MIN = 5


@pytest.fixture
def reps(session):
    ensure_seed_catalogue(session=session)
    team = Team(name="North")
    session.add(team)
    session.flush()
    people = [
        Person(
            external_id=f"R{n:02d}",
            name=f"Rater {n}",
            email=f"rater{n}@example.test",
            team_id=team.id,
            access="rep",
        )
        for n in range(16)
    ]
    session.add_all(people)
    session.commit()
    return people


def _rewards(session, category: str) -> list[RewardRow]:
    rows = session.exec(
        select(RewardRow).where(RewardRow.category == category).order_by(RewardRow.slug)
    ).all()
    assert len(rows) >= 2, category
    return list(rows)


def _rate(session, person: Person, reward: RewardRow, rating: int) -> None:
    """The rep rates ``reward`` through the service a rep's page uses, given it first if
    they were not (rating it again replaces their rating)."""
    grant = session.exec(
        select(Grant).where(Grant.person_id == person.id, Grant.reward_id == reward.id)
    ).first()
    if grant is None:
        grant = Grant(
            reward_id=reward.id,
            person_id=person.id,
            given_on=date(2026, 11, 2),
            cost=reward.cost,
        )
        session.add(grant)
        session.commit()
    rate_grant(session=session, person=person, grant_id=grant.id, rating=rating)


def _category(figures: dict, category: str) -> dict:
    return next(c for c in figures["categories"] if c["category"] == category)


def _read(session, category: str) -> dict:
    return _category(reward_satisfaction(session=session, min_size=MIN), category)


def test_one_new_rating_does_not_move_the_figures(session, reps):
    experience, other = _rewards(session, "experience")[:2]
    for person, rating in zip(reps[:6], (5, 4, 4, 3, 5, 4), strict=True):
        _rate(session, person, experience, rating)
    before = _read(session, "experience")
    assert not before["suppressed"]
    assert (before["people"], before["ratings"], before["mean_rating"]) == (6, 6, 4.17)

    _rate(session, reps[6], other, 1)
    assert _read(session, "experience") == before

    # Nor does one rep changing their rating, another taking a "not for me" back, or a
    # third saying "not for me": each reading still stands for the same people.
    _rate(session, reps[0], experience, 1)
    dismiss_reward(session=session, person=reps[7], reward_slug=other.slug)
    assert _read(session, "experience") == before
    undo_dismissal(session=session, person=reps[7], reward_slug=other.slug)
    assert _read(session, "experience") == before


def test_the_figures_move_once_enough_people_have_changed(session, reps):
    experience, other = _rewards(session, "experience")[:2]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    before = _read(session, "experience")
    for person in reps[6:9]:
        _rate(session, person, other, 2)
    _rate(session, reps[0], experience, 1)
    assert _read(session, "experience") == before  # four people: not yet
    _rate(session, reps[1], experience, 1)
    after = _read(session, "experience")
    # Five people changed: the page now shows every rating as it stands.
    assert (after["people"], after["ratings"]) == (9, 9)
    assert after["mean_rating"] == pytest.approx((4 * 4 + 1 + 1 + 3 * 2) / 9, abs=0.01)


def test_a_category_shows_as_soon_as_enough_people_rated_it(session, reps):
    wellness = _rewards(session, "wellness")[0]
    for person in reps[:4]:
        _rate(session, person, wellness, 3)
    assert _read(session, "wellness")["suppressed"]
    _rate(session, reps[4], wellness, 5)
    shown = _read(session, "wellness")
    assert not shown["suppressed"]
    assert (shown["people"], shown["mean_rating"]) == (5, 3.4)


def test_the_total_never_counts_a_hidden_category(session, reps):
    experience = _rewards(session, "experience")[0]
    wellness = _rewards(session, "wellness")[0]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    for person in reps[6:8]:
        _rate(session, person, wellness, 2)
    before = reward_satisfaction(session=session, min_size=MIN)
    assert _category(before, "wellness")["suppressed"]
    assert (before["total"]["people"], before["total"]["ratings"]) == (6, 6)
    # A hidden category is hidden from the total too: a third wellness rating cannot be
    # read off the total's change.
    _rate(session, reps[8], wellness, 1)
    assert reward_satisfaction(session=session, min_size=MIN) == before


def test_the_analytics_page_reads_the_same_release_twice(session, reps):
    experience = _rewards(session, "experience")[0]
    for person in reps[:6]:
        _rate(session, person, experience, 5)
    page = programme_analytics(session=session, viewer=SYSTEM)["satisfaction"]
    _rate(session, reps[6], experience, 1)
    again = programme_analytics(session=session, viewer=SYSTEM)["satisfaction"]
    assert again == page
    assert _category(again, "experience")["mean_rating"] == 5.0


def _refile(session, reward: RewardRow, category: str) -> None:
    """HR moves a reward to another category in the catalogue editor."""
    record = dict(reward_to_dict(to_reward(reward)), category=category)
    update_reward(session=session, actor=SYSTEM, slug=reward.slug, record=record)


def test_refiling_rewards_back_and_forth_forces_no_release(session, reps):
    """HR alone: a reward rated by five people moved into a category and back again would
    count as five changes each way and release figures that differ only by one victim's
    rating. A rating stays in the category it was given in, and a move is no change."""
    carrier, victims_reward = _rewards(session, "recognition")[:2]
    wellness = _rewards(session, "wellness")[0]
    for person in reps[:6]:
        _rate(session, person, carrier, 4)
    for person in reps[6:12]:
        _rate(session, person, wellness, 3)
    before = reward_satisfaction(session=session, min_size=MIN)
    _rate(session, reps[12], victims_reward, 1)
    _refile(session, victims_reward, "wellness")
    _refile(session, carrier, "wellness")
    assert reward_satisfaction(session=session, min_size=MIN) == before
    _refile(session, carrier, "recognition")
    assert reward_satisfaction(session=session, min_size=MIN) == before


def test_a_rating_counts_in_the_category_it_was_given_in(session, reps):
    experience = _rewards(session, "experience")[0]
    for person in reps[:5]:
        _rate(session, person, experience, 5)
    _refile(session, experience, "wellness")
    figures = reward_satisfaction(session=session, min_size=MIN)
    assert _category(figures, "experience")["ratings"] == 5
    assert _category(figures, "wellness")["ratings"] == 0


def test_imported_ratings_are_no_change_that_counts(session, reps):
    """Whoever imported a file knows its ratings: four imported changes and one rep's own
    rating would otherwise release a difference that gives the rep's rating away."""
    experience, other = _rewards(session, "experience")[:2]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    before = _read(session, "experience")
    records = [{"person": p.external_id, "reward_id": other.slug, "rating": 2} for p in reps[6:10]]
    import_feedback(
        session=session,
        header=["person", "reward_id", "rating"],
        records=records,
        actor=SYSTEM,
        source="ratings.csv",
    )
    _rate(session, reps[10], other, 1)
    assert _read(session, "experience") == before


def _import(session, rows: list[tuple[Person, RewardRow, int]]) -> None:
    import_feedback(
        session=session,
        header=["person", "reward_id", "rating"],
        records=[{"person": p.external_id, "reward_id": r.slug, "rating": v} for p, r, v in rows],
        actor=SYSTEM,
        source="ratings.csv",
    )


def test_imported_raters_never_make_up_the_minimum(session, reps):
    """Four people's imported ratings and one rep's own would show a category whose only
    unknown is that rep's rating."""
    wellness, other = _rewards(session, "wellness")[:2]
    _import(session, [(p, wellness, 5) for p in reps[:4]])
    _rate(session, reps[4], other, 1)
    assert _read(session, "wellness")["suppressed"]
    for person in reps[5:9]:
        _rate(session, person, other, 3)
    shown = _read(session, "wellness")
    assert (shown["suppressed"], shown["people"]) == (False, 9)


def test_re_saving_a_rating_after_a_reward_was_re_filed_is_no_change(session, reps):
    """HR re-files rewards; raters who only add a comment to their unchanged ratings must not
    carry them into the new category and release a difference that is one victim's rating."""
    experience = _rewards(session, "experience")[0]
    wellness, victims_reward = _rewards(session, "wellness")[:2]
    for person in reps[:6]:
        _rate(session, person, experience, 5)
    for person in reps[6:12]:
        _rate(session, person, wellness, 3)
    before = reward_satisfaction(session=session, min_size=MIN)
    _refile(session, experience, "wellness")
    for person in reps[:6]:
        grant = session.exec(
            select(Grant).where(Grant.person_id == person.id, Grant.reward_id == experience.id)
        ).one()
        rate_grant(session=session, person=person, grant_id=grant.id, rating=5, comment="still")
    _rate(session, reps[12], victims_reward, 1)
    assert reward_satisfaction(session=session, min_size=MIN) == before


def test_no_release_comes_back_to_an_earlier_one_but_for_one_person(session, reps):
    """Release A; four people say "not for me" and the victim rates: release B; the four
    take it back and the victim rates again. Against B five people changed, against A only
    the victim: a release then would differ from A by one rating."""
    experience, other = _rewards(session, "experience")[:2]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    _rate(session, reps[6], experience, 3)  # the victim
    first = _read(session, "experience")
    for person in reps[7:11]:
        dismiss_reward(session=session, person=person, reward_slug=other.slug)
    _rate(session, reps[6], experience, 5)
    second = _read(session, "experience")
    assert second != first
    for person in reps[7:11]:
        undo_dismissal(session=session, person=person, reward_slug=other.slug)
    _rate(session, reps[6], experience, 1)
    assert _read(session, "experience") == second


def test_a_larger_minimum_hides_a_release_made_under_a_smaller_one(session, reps):
    experience = _rewards(session, "experience")[0]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    assert not _read(session, "experience")["suppressed"]
    bigger = reward_satisfaction(session=session, min_size=7)
    assert _category(bigger, "experience")["suppressed"]


def test_a_comment_alone_is_no_change_even_on_an_expired_row(session, reps):
    experience = _rewards(session, "experience")[0]
    _rate(session, reps[0], experience, 4)
    row = session.exec(select(Rating).where(Rating.person_id == reps[0].id)).one()
    version = row.value_version
    session.expire(row)
    row.rating = 4
    row.comment = "still good"
    session.commit()
    session.refresh(row)
    assert (row.value_version, row.comment) == (version, "still good")
    row.rating = 2
    session.commit()
    session.refresh(row)
    assert row.value_version == version + 1


def test_of_two_readings_releasing_at_once_one_shows_the_others_release(session, reps, monkeypatch):
    """Two HR readings decide at the same moment: both would release. The second to commit
    collides with the first's release (same previous release), reads again and shows it."""
    from sqlmodel import Session

    experience = _rewards(session, "experience")[0]
    for person in reps[:6]:
        _rate(session, person, experience, 4)
    first = _read(session, "experience")
    for person in reps[6:11]:
        _rate(session, person, experience, 2)
    real = satisfaction._decide
    other: list[dict] = []
    started = []

    def decide_while_another_reading_commits(s, category, tally, last, k):
        release = real(s, category, tally, last, k)
        if category == "experience" and not started:
            started.append(True)
            with Session(session.get_bind(), expire_on_commit=False) as elsewhere:
                other.append(_read(elsewhere, "experience"))
        return release

    monkeypatch.setattr(satisfaction, "_decide", decide_while_another_reading_commits)
    shown = _read(session, "experience")
    assert shown == other[0] != first
    assert len(session.exec(select(RatingRelease)).all()) == 2


def test_where_an_imported_rating_ends_up_does_not_depend_on_the_reps_own_value(session, reps):
    """HR imports a 4 for a rep, re-files the reward into a category nobody rated, and
    watches whether the category turns from "none" to "hidden" once the rep rates: were a
    rating equal to the import left in its old category, that would tell whether it was 4."""
    recognition = _rewards(session, "recognition")[0]
    landed = []
    for own, person in ((4, reps[0]), (2, reps[1])):
        import_feedback(
            session=session,
            header=["person", "reward_id", "rating", "given_at"],
            records=[
                {
                    "person": person.external_id,
                    "reward_id": recognition.slug,
                    "rating": 4,
                    "given_at": "2026-11-02",
                }
            ],
            actor=SYSTEM,
            source="old-tool.csv",
        )
        row = session.exec(select(Rating).where(Rating.person_id == person.id)).one()
        _refile(session, recognition, "wellness")
        rate_grant(session=session, person=person, grant_id=row.grant_id, rating=own)
        session.refresh(row)
        landed.append(row.category)
        _refile(session, recognition, "recognition")
    assert landed == ["wellness", "wellness"]


def test_a_new_rating_row_is_a_change_even_where_it_reuses_a_deleted_rows_id(session, reps):
    """SQLite may give a new row the id of one deleted (a "not for me" taken back)."""
    first, second = _rewards(session, "experience")[:2]
    dismiss_reward(session=session, person=reps[0], reward_slug=first.slug)
    before = satisfaction._current(session)["experience"].raters
    undo_dismissal(session=session, person=reps[0], reward_slug=first.slug)
    dismiss_reward(session=session, person=reps[0], reward_slug=second.slug)
    after = satisfaction._current(session)["experience"].raters
    assert satisfaction._changed(before, after) == 1
