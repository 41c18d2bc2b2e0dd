"""Survey pages through HTTP: notice, validation that keeps answers, resume, one submission."""

import re

import pytest
from sqlmodel import func, select

from models.tables import SurveyResponse
from services.access import SYSTEM
from services.instruments import definition, ensure_default_instrument
from services.waves import open_wave
from tests.conftest import csrf_token, login


@pytest.fixture
def rep_in_wave(session, factory, client):
    row = ensure_default_instrument(session=session).row
    manager = factory.person("manager")
    rep = factory.person("rep", manager=manager)
    wave = open_wave(session=session, actor=SYSTEM, name="Winter check-in")
    login(client, rep.email)
    return {"rep": rep, "wave": wave, "instrument": definition(row), "manager": manager}


def page_form(items, value=4):
    data = {}
    for item in items:
        if item.type in ("likert",):
            data[item.code] = str(value)
        elif item.type == "attention":
            data[item.code] = str(item.expected)
        elif item.type == "ranking":
            for n, option in enumerate(item.options, start=1):
                data[f"{item.code}__{option.code}"] = str(n)
    return data


def post_page(client, wave_id, key, data, nav="next"):
    url = f"/survey/{wave_id}/page/{key}"
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token, "nav": nav, "shown_at": "0"})


def test_notice_says_who_sees_what(client, rep_in_wave):
    html = client.get(f"/survey/{rep_in_wave['wave'].id}/").get_data(as_text=True)
    assert "never your individual answers" in html
    assert "at least 5 people" in html
    # Named focus groups show HR who is in a group and its mix of profiles: the notice said
    # HR never sees a single person.
    assert "never a single person" not in html
    assert "who is in each group and the mix of motivation profiles in it" in html


def test_missing_answer_rerenders_with_errors_and_keeps_the_others(client, rep_in_wave):
    key, items = rep_in_wave["instrument"].pages()[0]
    data = page_form(items, 5)
    skipped = items[2].code
    del data[skipped]
    response = post_page(client, rep_in_wave["wave"].id, key, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1 question needs your attention." in html
    assert f'href="#q-{skipped}"' in html
    kept = re.search(rf'<input[^>]*id="{items[0].code}-4"[^>]*>', html).group(0)
    assert "checked" in kept  # the value 5 (index 4) stays selected
    assert client.get("/survey/").status_code == 200


def test_duplicate_ranks_are_refused(client, rep_in_wave):
    key, items = next(
        (k, items)
        for k, items in rep_in_wave["instrument"].pages()
        if any(i.type == "ranking" for i in items)
    )
    data = page_form(items)
    ranking = next(i for i in items if i.type == "ranking")
    data[f"{ranking.code}__{ranking.options[1].code}"] = "1"
    response = post_page(client, rep_in_wave["wave"].id, key, data)
    assert response.status_code == 400
    assert "Use each place only once" in response.get_data(as_text=True)


def test_leave_saves_a_partial_page_and_resume_shows_it(client, rep_in_wave, session):
    key, items = rep_in_wave["instrument"].pages()[0]
    data = {items[0].code: "2"}
    response = post_page(client, rep_in_wave["wave"].id, key, data, nav="leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/")
    home = client.get("/me/").get_data(as_text=True)
    assert "Continue the survey" in home
    html = client.get(f"/survey/{rep_in_wave['wave'].id}/page/{key}").get_data(as_text=True)
    assert "checked" in re.search(rf'<input[^>]*id="{items[0].code}-1"[^>]*>', html).group(0)


def test_whole_survey_then_one_submission(client, rep_in_wave, session):
    wave_id = rep_in_wave["wave"].id
    pages = rep_in_wave["instrument"].pages()
    for n, (key, items) in enumerate(pages):
        response = post_page(client, wave_id, key, page_form(items, 2 + n % 3))
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith(f"/survey/{wave_id}/review")
    review = client.get(f"/survey/{wave_id}/review").get_data(as_text=True)
    assert "Submit my answers" in review
    token = csrf_token(client, f"/survey/{wave_id}/review")
    first = client.post(f"/survey/{wave_id}/submit", data={"csrf_token": token})
    second = client.post(f"/survey/{wave_id}/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    done = client.get(f"/survey/{wave_id}/done").get_data(as_text=True)
    # One value per page is a straight line: submitted, and told it was flagged.
    assert "Your answers are submitted, but flagged" in done
    assert session.exec(select(func.count()).select_from(SurveyResponse)).one() == 1
    # a submitted survey cannot be edited any more
    key = pages[0][0]
    assert client.get(f"/survey/{wave_id}/page/{key}").headers["Location"].endswith("/done")


def test_submit_without_csrf_is_rejected(client, rep_in_wave):
    assert client.post(f"/survey/{rep_in_wave['wave'].id}/submit").status_code == 400


def test_other_people_cannot_see_a_wave_meant_for_a_team(client, session, factory, rep_in_wave):
    team = factory.team("Elsewhere")
    wave = open_wave(session=session, actor=SYSTEM, name="Elsewhere only", team_names=[team.name])
    assert client.get(f"/survey/{wave.id}/").status_code == 404


def test_long_groups_are_split_into_short_pages_that_save_and_resume(client, rep_in_wave, session):
    """Every page holds at most a dozen questions; each saves on its own, saving one twice
    changes nothing, and coming back resumes at the first page not finished."""
    from recommender.instrument import MAX_ITEMS_PER_PAGE
    from services.survey import survey_for

    instrument = rep_in_wave["instrument"]
    wave_id = rep_in_wave["wave"].id
    pages = instrument.pages()
    assert len(pages) >= 5
    for _key, items in pages:
        assert len([i for i in items if i.type != "attention"]) <= MAX_ITEMS_PER_PAGE
    for key, items in pages[:3]:
        for _ in range(2):  # the same page saved twice: idempotent
            assert post_page(client, wave_id, key, page_form(items)).status_code == 302
    view = survey_for(session=session, person=rep_in_wave["rep"], wave_id=wave_id)
    saved = {code for code, value in view.answers.items() if value is not None}
    assert saved == {i.code for _, items in pages[:3] for i in items}
    notice = client.get(f"/survey/{wave_id}/").get_data(as_text=True)
    assert f"/survey/{wave_id}/page/{pages[3][0]}" in notice
    html = client.get(f"/survey/{wave_id}/page/{pages[3][0]}").get_data(as_text=True)
    assert f"Page 4 of {len(pages)}" in html and "(part 2)" in html


def test_a_save_the_service_turns_away_after_a_fast_read_shows_the_page_again(
    client, rep_in_wave, monkeypatch
):
    # A submission in another tab lands between this post being read and its answers being
    # stored: the service refuses the save, and the page says so (it used to fail building
    # the form it needed for the message).
    from services import survey

    monkeypatch.setattr(survey, "store_page", lambda *args, **kwargs: False)
    key, items = rep_in_wave["instrument"].pages()[0]
    response = post_page(client, rep_in_wave["wave"].id, key, page_form(items))
    assert response.status_code == 400
    assert "already submitted" in response.get_data(as_text=True)
