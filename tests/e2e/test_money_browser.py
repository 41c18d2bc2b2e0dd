"""Money in Chromium: a manager sees the reward's cost and what is left of the budget on the
give form before giving (with and without JavaScript), and HR sees the currency on the
budget page; HR's figures opened by a link on another site wait until HR asks."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import go, shot, sign_in

pytestmark = pytest.mark.e2e


def open_give_form(page, base: str) -> None:
    page.goto(f"{base}/team/")
    go(page.locator("a.button.small", has_text="Give a reward").first)


def test_manager_sees_cost_and_remaining_budget_before_giving(live_server, page_factory):
    page = page_factory()
    sign_in(page, live_server.base, live_server.logins["manager"])
    open_give_form(page, live_server.base)
    budget = page.locator(".budget-inline")
    assert re.search(r"NOK\u00a0[\d,]+ left this quarter\.|Over budget by NOK", budget.inner_text())

    # Choosing a reward shows its cost and the budget after it at once.
    select = page.locator("select[name=reward]")
    value = select.locator("option[data-cost]").nth(3).get_attribute("value")
    select.select_option(value)
    preview = page.locator("#give-preview")
    text = preview.inner_text()
    assert re.search(r"This reward costs NOK\u00a0[\d,]+\.", text), text
    assert "left after this reward" in text or "over this quarter's budget" in text
    shot(page, "money-give-form")

    # Without JavaScript, "Check the cost" asks the server for the same.
    plain = page_factory(javascript=False)
    sign_in(plain, live_server.base, live_server.logins["manager"])
    open_give_form(plain, live_server.base)
    plain.locator("select[name=reward]").select_option(value)
    go(plain.locator("button[name=preview]"))
    assert plain.locator("#give-preview").inner_text().strip().startswith("This reward costs NOK")
    assert plain.locator("textarea[name=note]").count() == 1  # still the give form


def _given_a_week_ago(database_url: str, manager_email: str) -> tuple[str, str]:
    """Record, straight in the database, that one of the manager's reps had a reward with a
    cooldown a week ago; returns the rep's external id and the reward's slug."""
    from datetime import timedelta

    from sqlmodel import Session, select

    from models.engine import make_engine
    from models.tables import Grant, Person, Reward, utcnow

    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            manager = db.exec(select(Person).where(Person.email == manager_email)).one()
            rep = db.exec(
                select(Person).where(Person.manager_id == manager.id).order_by(Person.id)
            ).first()
            reward = next(
                r
                for r in db.exec(
                    select(Reward)
                    .where(Reward.active, Reward.cost == 0, Reward.cooldown_days > 14)
                    .order_by(Reward.slug)
                )
                if "all" in r.roles
            )
            db.add(
                Grant(
                    reward_id=reward.id,
                    person_id=rep.id,
                    given_by_id=manager.id,
                    given_on=utcnow().date() - timedelta(days=7),
                    cost=0,
                    team_id=rep.team_id,
                )
            )
            db.commit()
            return rep.external_id, reward.slug
    finally:
        engine.dispose()


def test_giving_a_reward_again_within_its_cooldown_asks_first(live_server, page_factory):
    rep, slug = _given_a_week_ago(live_server.database_url, live_server.logins["manager"])
    page = page_factory()
    sign_in(page, live_server.base, live_server.logins["manager"])
    page.goto(f"{live_server.base}/team/person/{rep}/give?reward={slug}")
    go(page.locator("form button.button:not(.secondary)"))
    warning = page.locator(".notice[role=alert]").inner_text()
    assert "received this reward 7 days ago" in warning, warning
    assert "Give it again?" in warning
    shot(page, "give-within-cooldown")
    go(page.locator("form button.button:not(.secondary)", has_text="Give it anyway"))
    assert page.url.endswith(f"/team/person/{rep}")
    assert "has been given" in page.locator(".flash").first.inner_text()


def test_hr_sees_the_currency_on_the_budget_page(live_server, page_factory):
    page = page_factory()
    sign_in(page, live_server.base, live_server.logins["hr"])
    page.goto(f"{live_server.base}/hr/budgets")
    assert "Amounts are in NOK." in page.inner_text("main")
    table = page.locator("#budgets-table").inner_text()
    assert "NOK" in table and "$" not in table
    shot(page, "money-budgets")


def test_manager_sees_the_demo_experiment_and_what_to_do(live_server, page_factory):
    page = page_factory()
    sign_in(page, live_server.base, live_server.logins["manager"])
    page.goto(f"{live_server.base}/team/")
    section = page.locator("section[aria-labelledby=experiments-heading]")
    text = section.inner_text()
    assert "Winter recognition trial" in text and "Running from" in text
    assert "Carry on as usual" in text or "Give these reps rewards from the category" in text
    section.scroll_into_view_if_needed()
    shot(page, "money-team-experiment")


def test_figures_opened_from_another_site_wait_for_hr_to_ask(live_server, page_factory, tmp_path):
    """A link on another site opened HR's summary by profile, which recorded that grouping in
    the wave's ledger, and so chose which others the wave can never show."""
    import os
    import sys

    from tests.servers import free_port, running

    port = free_port()
    target = f"{live_server.base}/hr/insights/?by=profile"
    (tmp_path / "index.html").write_text(f'<a id="go" href="{target}">Figures</a>')
    page = page_factory()
    sign_in(page, live_server.base, live_server.logins["hr"])
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with running(
        args, env=dict(os.environ), cwd=tmp_path, health_url=f"http://127.0.0.1:{port}/index.html"
    ):
        page.goto(f"http://127.0.0.1:{port}/index.html")
        go(page.locator("#go"))
    assert page.locator("h1").inner_text() == "Show these figures?"
    shot(page, "figures-from-another-site")
    go(page.locator("a.button", has_text="Show the figures"))
    assert "Show these figures?" not in page.content()
    assert page.url == target
