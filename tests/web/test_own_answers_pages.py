"""The rep's own answers pages and data download, in both languages."""

import json

import pytest

from tests.conftest import login
from tests.services.test_own_data import FREE_TEXT, answered  # noqa: F401  (fixture)


def own_response_id(client) -> int:
    html = client.get("/me/answers").get_data(as_text=True)
    return int(html.split('href="/me/answers/')[1].split('"')[0])


@pytest.mark.parametrize(
    ("lang", "question", "likert"),
    [
        ("en", "What recognition would mean most to you?", "5 – Strongly agree"),
        ("nb", "Hvilken anerkjennelse ville betydd mest for deg?", "5 – Helt enig"),
    ],
)
def test_the_rep_reads_each_question_and_their_answer(client, answered, lang, question, likert):  # noqa: F811
    login(client, answered["rep"].email)
    listing = client.get(f"/me/answers?lang={lang}").get_data(as_text=True)
    assert "Autumn 2026" in listing
    assert {"en": "Download my data (JSON)", "nb": "Last ned dataene mine (JSON)"}[lang] in listing
    detail = client.get(f"/me/answers/{own_response_id(client)}?lang={lang}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert question in html and FREE_TEXT in html and likert in html
    assert {"en": "Only you can see these answers.", "nb": "Bare du kan se disse svarene."}[
        lang
    ] in html


def test_the_survey_pages_lead_to_the_answers(client, answered):  # noqa: F811
    login(client, answered["rep"].email)
    assert 'href="/me/answers"' in client.get("/me/").get_data(as_text=True)
    surveys = client.get("/survey/").get_data(as_text=True)
    assert "See your answers" in surveys and 'href="/me/answers/' in surveys


def test_the_download_is_the_reps_own_json_file(client, answered):  # noqa: F811
    login(client, answered["rep"].email)
    response = client.get("/me/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="motivo-my-data.json"'
    assert "no-store" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["name"] == "Rita Rep"
    assert any(a["value"] == FREE_TEXT for a in data["responses"][0]["answers"])
