"""Survey pages of instrument version 2: best-worst tasks and bipolar items over HTTP."""

import re

import pytest
from sqlmodel import select

from models.tables import Answer, SurveyResponse
from services.access import SYSTEM
from services.instruments import definition, ensure_current_instrument
from services.waves import open_wave
from tests.conftest import login


@pytest.fixture
def rep_in_v2_wave(session, factory, client):
    row = ensure_current_instrument(session=session).row
    manager = factory.person("manager")
    rep = factory.person("rep", manager=manager)
    wave = open_wave(session=session, actor=SYSTEM, name="Spring check-in")
    login(client, rep.email)
    return {"rep": rep, "wave": wave, "instrument": definition(row)}


def answer_page(items, value=4):
    """A complete page: likert value, right instructed answers, first option best, last worst."""
    data = {}
    for item in items:
        if item.type == "likert":
            data[item.code] = str(value)
        elif item.type == "attention":
            data[item.code] = str(item.expected)
        elif item.type == "best_worst":
            data[f"{item.code}__best"] = item.options[0].code
            data[f"{item.code}__worst"] = item.options[-1].code
    return data


def post_page(client, wave_id, key, data, nav="next"):
    from tests.conftest import csrf_token

    url = f"/survey/{wave_id}/page/{key}"
    token = csrf_token(client, url)
    return client.post(url, data={**data, "csrf_token": token, "nav": nav, "shown_at": "0"})


def reward_page(instrument):
    return next(
        (key, items)
        for key, items in instrument.pages()
        if any(item.type == "best_worst" for item in items)
    )


def test_the_new_wave_uses_version_2(rep_in_v2_wave, session):
    assert rep_in_v2_wave["instrument"].version == 2


def test_a_best_worst_task_renders_two_labelled_radio_groups_in_a_fieldset(client, rep_in_v2_wave):
    key, items = reward_page(rep_in_v2_wave["instrument"])
    html = client.get(f"/survey/{rep_in_v2_wave['wave'].id}/page/{key}").get_data(as_text=True)
    task = next(item for item in items if item.type == "best_worst")
    block = re.search(
        rf'<fieldset class="question best-worst[^"]*" id="q-{task.code}".*?</div>\s*</fieldset>',
        html,
        re.S,
    ).group(0)
    assert block.count("<fieldset") == 3 and block.count("<legend>") == 3
    assert "Want most" in block and "Want least" in block
    assert block.count(f'name="{task.code}__best"') == 3
    assert block.count(f'name="{task.code}__worst"') == 3
    assert "<script" not in html


def test_bipolar_items_show_their_two_named_ends(client, rep_in_v2_wave):
    key, _items = reward_page(rep_in_v2_wave["instrument"])
    html = client.get(f"/survey/{rep_in_v2_wave['wave'].id}/page/{key}").get_data(as_text=True)
    assert "1 – Privately, by my manager" in html
    assert "5 – In front of the team" in html


def test_option_order_is_the_same_on_every_visit(client, rep_in_v2_wave):
    key, items = reward_page(rep_in_v2_wave["instrument"])
    url = f"/survey/{rep_in_v2_wave['wave'].id}/page/{key}"
    task = next(item for item in items if item.type == "best_worst")

    def order():
        html = client.get(url).get_data(as_text=True)
        return re.findall(rf'name="{task.code}__best"[^>]*value="([^"]+)"', html)

    first = order()
    assert sorted(first) == sorted(o.code for o in task.options)
    assert order() == first == order()


def test_best_equal_to_worst_is_refused_and_nothing_else_is_lost(client, rep_in_v2_wave, session):
    key, items = reward_page(rep_in_v2_wave["instrument"])
    data = answer_page(items, value=2)
    task = next(item for item in items if item.type == "best_worst")
    data[f"{task.code}__worst"] = data[f"{task.code}__best"]
    response = post_page(client, rep_in_v2_wave["wave"].id, key, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a different option for least wanted than for most wanted." in html
    assert f'href="#q-{task.code}"' in html
    # Every other answer is still selected on the re-rendered page.
    other = next(item for item in items if item.type == "best_worst" and item is not task)
    chosen = re.search(
        rf'<input[^>]*name="{other.code}__best"[^>]*value="{other.options[0].code}"[^>]*>', html
    ).group(0)
    assert "checked" in chosen
    likert = next(item for item in items if item.type == "likert")
    assert "checked" in re.search(rf'<input[^>]*id="{likert.code}-1"[^>]*>', html).group(0)
    assert session.exec(select(SurveyResponse)).first() is None


def test_half_a_best_worst_answer_asks_for_the_other_half(client, rep_in_v2_wave):
    key, items = reward_page(rep_in_v2_wave["instrument"])
    data = answer_page(items)
    task = next(item for item in items if item.type == "best_worst")
    del data[f"{task.code}__worst"]
    response = post_page(client, rep_in_v2_wave["wave"].id, key, data)
    assert response.status_code == 400
    assert "Choose both the one you want most and the one you want least." in response.get_data(
        as_text=True
    )


def test_whole_v2_survey_is_stored_and_submitted(client, rep_in_v2_wave, session):
    wave_id = rep_in_v2_wave["wave"].id
    for key, items in rep_in_v2_wave["instrument"].pages():
        response = post_page(client, wave_id, key, answer_page(items))
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:400])
    token_page = client.get(f"/survey/{wave_id}/review")
    assert token_page.status_code == 200
    from tests.conftest import csrf_token

    token = csrf_token(client, f"/survey/{wave_id}/review")
    done = client.post(f"/survey/{wave_id}/submit", data={"csrf_token": token})
    assert done.status_code == 302
    response = session.exec(select(SurveyResponse)).one()
    assert response.status == "submitted"
    assert "attention" not in response.flags  # both instructed items answered right
    stored = {
        a.item_code: a.text
        for a in session.exec(select(Answer).where(Answer.response_id == response.id))
    }
    bw1 = rep_in_v2_wave["instrument"].item("bw1")
    assert stored["bw1"] == f"{bw1.options[0].code}>{bw1.options[-1].code}"


def test_the_error_summary_tells_tasks_of_one_wording_apart(client, rep_in_v2_wave):
    """Seven best-worst tasks share one wording; a summary listing it four times over did not
    say which ones. Each entry carries the number the page shows beside the question."""
    key, items = reward_page(rep_in_v2_wave["instrument"])
    data = answer_page(items)
    tasks = [(n, item) for n, item in enumerate(items, start=1) if item.type == "best_worst"]
    assert len(tasks) >= 2
    for _n, task in tasks[:2]:
        del data[f"{task.code}__worst"]
    html = post_page(client, rep_in_v2_wave["wave"].id, key, data).get_data(as_text=True)
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index('id="error-summary"'))
    ]
    entries = re.findall(r'<li><a href="#q-([^"]+)">(\d+)\. ', summary)
    assert entries == [(task.code, str(n)) for n, task in tasks[:2]]
    for n, task in tasks[:2]:
        assert f"<legend>{n}. " in html[html.index(f'id="q-{task.code}"') :][:600]
