"""In Chromium: HR sends reminders from the Reminders page (a chat channel gets the numbers,
no names); a reminded rep sees the reminder, answers, and reads their own answers."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from tests.e2e.conftest import (
    BIN,
    DEMO_PASSWORD,
    ROOT,
    LiveServer,
    _need_chromium,
    go,
    shot,
    sign_in,
)
from tests.e2e.test_story_browser import read_at_human_pace
from tests.e2e.test_survey_browser import answer_likert_page, answer_ranking, reps_without_response
from tests.receivers import port_in_range, webhook_receiver
from tests.servers import running

pytestmark = pytest.mark.e2e

FREE_TEXT = "Flexible Fridays after a big quarter"


@pytest.fixture(scope="module")
def live_server(demo_database, tmp_path_factory):
    """The demo behind gunicorn, as in conftest, but on a port from 8300-8399."""
    _need_chromium()
    instance = tmp_path_factory.mktemp("instance")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(
        DATABASE_URL=demo_database,
        SECRET_KEY=uuid.uuid4().hex * 2,
        MOTIVO_INSTANCE_PATH=str(instance),
        PATH=f"{BIN}:{env.get('PATH', '')}",
        MOTIVO_WEBHOOK_ALLOW_LOCAL="1",  # the test's webhook receiver runs on this machine
    )
    init = subprocess.run(
        [str(BIN / "motivo"), "init", "--demo", "--demo-password", DEMO_PASSWORD],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    logins = {
        line.split()[0]: line.split()[1]
        for line in init.stdout.splitlines()
        if line.startswith("  ")
    }
    port = port_in_range()
    args = [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "web:create_app()",
    ]
    base = f"http://127.0.0.1:{port}"
    with running(args, env=env, health_url=f"{base}/healthz", cwd=ROOT):
        yield LiveServer(base=base, database_url=demo_database, logins=logins)


def test_hr_sends_reminders_and_the_rep_reads_their_own_answers(live_server, page_factory):
    base = live_server.base
    rep_email = reps_without_response(live_server.database_url, 6)[5]
    with webhook_receiver() as (hooks, hook_base):
        # 1. HR sets up a Slack channel (a local receiver) and sends the reminders.
        hr = page_factory()
        sign_in(hr, base, live_server.logins["hr"])
        hr.goto(f"{base}/admin/channels")
        hr.fill("input[name=slack]", f"{hook_base}/services/T0/B0/demo")
        go(hr.get_by_role("button", name="Save"))
        assert hr.get_by_text("The chat channels are saved.").is_visible()
        assert "/services/T0/B0/demo" not in hr.content()
        hr.goto(f"{base}/hr/insights/reminders")
        assert (
            hr.locator("#reminder-policy")
            .inner_text()
            .startswith("So that nobody is spammed, each person gets at most 3 reminders per wave")
        )
        button = hr.get_by_role("button", name="Remind")
        label = button.inner_text()
        pending = int(label.split()[1])
        assert pending >= 6
        go(button)
        assert hr.get_by_text(f"{pending} people were reminded in Motivo.").is_visible()
        assert hr.get_by_text("The numbers were posted to Slack.").is_visible()
        assert hr.get_by_text("Nobody can be reminded right now").is_visible()
        shot(hr, "reminders-en-1-hr-sent")
    [(path, message)] = hooks.posts
    assert path == "/services/T0/B0/demo"
    assert f"{pending} were reminded now" in message["text"]
    assert "@" not in message["text"]

    # 2. A reminded rep sees the reminder, answers with their own words, and reads it back.
    rep = page_factory()
    sign_in(rep, base, rep_email)
    rep.goto(f"{base}/me/notifications")
    assert rep.get_by_text("is waiting for your answers").first.is_visible()
    go(rep.get_by_role("link", name="My page", exact=True))
    go(rep.get_by_role("link", name="Take the survey"))
    go(rep.get_by_role("link", name="Start the survey"))
    while "/page/open" not in rep.url:  # every page of statements, one with the ranking
        answer_likert_page(rep)
        if rep.locator("select.rank-select").count():
            answer_ranking(rep)
        read_at_human_pace(rep)
        go(rep.get_by_role("button", name="Next", exact=True))
    rep.locator("textarea").first.fill(FREE_TEXT)
    go(rep.get_by_role("button", name="Review and submit"))
    go(rep.get_by_role("button", name="Submit my answers"))
    go(rep.get_by_role("link", name="See your answers"))
    table = rep.locator("#own-answers")
    assert table.get_by_text("What recognition would mean most to you?").is_visible()
    assert table.get_by_text(FREE_TEXT).is_visible()
    assert table.locator("bdi.answer").count() >= 20
    shot(rep, "reminders-en-2-rep-answers")
