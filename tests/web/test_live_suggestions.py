"""One serving path: the rep's page, the manager's page for that rep, `motivo recommend
--person`, the API and the CSV export for everyone give the same list, before and after the
rep answers again, and without retraining in between."""

from __future__ import annotations

import html
import json
import re

from sqlmodel import select

from models.tables import Reward
from services.access import SYSTEM
from services.api_tokens import create_token
from services.recommendations import recommend_for_all
from tests.conftest import login
from tests.services.test_live_suggestions import answer_again
from tests.services.test_recommendations import build

SUGGESTION = re.compile(
    r'<li class="suggestion">\s*<div class="suggestion-head">\s*<strong>(.*?)</strong>', re.S
)
REASONS = re.compile(r'<ul class="reasons">(.*?)</ul>', re.S)


def shown(client, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    return [html.unescape(name) for name in SUGGESTION.findall(page.get_data(as_text=True))]


def reasons_shown(client, path: str) -> list[list[str]]:
    body = client.get(path).get_data(as_text=True)
    return [
        [html.unescape(r) for r in re.findall(r"<li>(.*?)</li>", block, re.S)]
        for block in REASONS.findall(body)
    ]


def everywhere(app, client, runner, session, org, secret) -> dict[str, list[str]]:
    rep, manager = org.rep, org.manager
    names = {}
    cli = json.loads(
        runner.invoke(args=["recommend", "--person", rep.external_id, "--format", "json"]).stdout
    )
    names["cli"] = [row["reward_id"] for row in cli]
    api = client.get(
        f"/api/v1/recommendations/{rep.external_id}?k=5",
        headers={"Authorization": f"Bearer {secret}"},
    ).get_json()
    names["api"] = [item["reward_id"] for item in api["suggestions"]]
    export = recommend_for_all(session=session, viewer=SYSTEM, k=5)
    names["all"] = [row["reward_id"] for row in export if row["person"] == rep.external_id]
    by_name = {reward.name["en"]: reward.slug for reward in session.exec(select(Reward))}
    as_rep, as_manager = app.test_client(), app.test_client()
    login(as_rep, rep.email)
    names["me"] = [by_name[n] for n in shown(as_rep, "/me/")]
    names["me_reasons"] = reasons_shown(as_rep, "/me/")
    login(as_manager, manager.email)
    names["manager"] = [by_name[n] for n in shown(as_manager, f"/team/person/{rep.external_id}")]
    return names


def test_pages_cli_api_and_export_give_the_same_list(app, client, runner, session):
    org = build(session)
    secret = create_token(
        session=session, actor=SYSTEM, name="test", scopes=("recommendations:read",)
    )[1]
    before = everywhere(app, client, runner, session, org, secret)
    lists = {key: value for key, value in before.items() if key != "me_reasons"}
    assert len(before["cli"]) == 5
    assert all(value == before["cli"] for value in lists.values()), lists

    answer_again(session, org.rep, team="low", exclusive_place=5)
    after = everywhere(app, client, runner, session, org, secret)
    lists = {key: value for key, value in after.items() if key != "me_reasons"}
    assert after["cli"] != before["cli"] or after["me_reasons"] != before["me_reasons"]
    assert all(value == after["cli"] for value in lists.values()), lists
    cli = json.loads(
        runner.invoke(
            args=["recommend", "--person", org.rep.external_id, "--format", "json"]
        ).stdout
    )
    assert after["me_reasons"] == [row["reasons"] for row in cli]
