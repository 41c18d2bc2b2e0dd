"""HR edits a reward and retires it in Chromium, with JavaScript off: every step is a form."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.engine import make_engine
from models.tables import AuditLog
from models.tables import Reward as RewardRow
from tests.e2e.conftest import go, shot, sign_in

pytestmark = pytest.mark.e2e


def stored(database_url: str, slug: str) -> tuple[RewardRow, list[str]]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            row = session.exec(select(RewardRow).where(RewardRow.slug == slug)).one()
            actions = [
                a.action
                for a in session.exec(
                    select(AuditLog).where(AuditLog.target == slug).order_by(AuditLog.id)
                )
            ]
            session.expunge(row)
            return row, actions
    finally:
        engine.dispose()


def test_hr_edits_a_reward_then_retires_it_after_a_confirmation(live_server, page_factory):
    page = page_factory(javascript=False, width=1100)
    sign_in(page, live_server.base, live_server.logins["hr"])
    page.goto(f"{live_server.base}/hr/")
    go(page.get_by_role("link", name="Reward catalogue"))
    first = page.locator("table tbody tr td a").first
    go(first)
    slug = page.url.rstrip("/").rsplit("/", 1)[1]
    before, _ = stored(live_server.database_url, slug)

    # A rule broken: the page comes back with the field marked and nothing typed is lost.
    page.fill("#name_nb", "Ny norsk tittel")
    page.fill("#cost", "-50")
    go(page.get_by_role("button", name="Save the reward"))
    assert page.locator("#cost-error").inner_text() == "must not be negative, got -50"
    assert page.input_value("#name_nb") == "Ny norsk tittel"
    assert page.input_value("#cost") == "-50"
    shot(page, "catalogue-edit-refused")
    assert stored(live_server.database_url, slug)[0].name == before.name

    page.fill("#cost", "750")
    go(page.get_by_role("button", name="Save the reward"))
    assert "Your changes to" in page.locator(".flashes").inner_text()
    history = page.locator("table.history tbody tr").first.inner_text()
    assert "Edited" in history and "Ny norsk tittel" in history and "750" in history
    row, actions = stored(live_server.database_url, slug)
    assert row.name["nb"] == "Ny norsk tittel" and row.cost == 750 and row.active
    assert actions[-1] == "reward.update"

    # Retiring asks first; cancelling changes nothing.
    go(page.get_by_role("button", name="Retire…"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Retire the reward")
    assert "It is no longer suggested to anyone" in page.locator(".notice").inner_text()
    shot(page, "catalogue-retire-confirmation")
    go(page.get_by_role("link", name="Cancel, change nothing"))
    assert stored(live_server.database_url, slug)[0].active

    go(page.get_by_role("button", name="Retire…"))
    go(page.get_by_role("button", name="Retire the reward"))
    assert "Retired: never suggested or given." in page.content()
    row, actions = stored(live_server.database_url, slug)
    assert not row.active and actions[-1] == "reward.retire"
    shot(page, "catalogue-retired")
