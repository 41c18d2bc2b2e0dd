"""In Chromium: HR sends reminders from the Reminders page (a chat channel gets the numbers,
no names); a reminded rep sees the reminder, answers, and reads their own answers."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (
    go,
    shot,
    sign_in,
)
from tests.e2e.test_story_browser import read_at_human_pace
from tests.e2e.test_survey_browser import answer_likert_page, answer_ranking, reps_without_response
from tests.receivers import webhook_receiver

pytestmark = pytest.mark.e2e

FREE_TEXT = "Flexible Fridays after a big quarter"


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
