"""Every page, for every role, at 375 px and at desktop width: no serious or critical axe-core
violations, nothing wider than the screen, and nothing the Content-Security-Policy refused
(Chromium reports each refusal on the console: "Refused to apply inline style ...")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

PAGES = {
    "anon": ["/auth/login"],
    "rep": ["/me/", "/me/history", "/me/settings", "/survey/", "/me/notifications", "/me/answers"],
    "manager": ["/team/", "/team/recognition"],
    "hr": [
        "/hr/",
        "/hr/reliability",
        "/hr/validity",
        "/hr/model",
        "/hr/responses/import",
        "/hr/budgets",
        "/hr/fairness",
        "/hr/insights/",
        "/hr/insights/analytics",
        "/hr/insights/focus-groups",
        "/hr/insights/reminders",
        "/hr/insights/report",
        "/hr/experiments/",
        "/hr/experiments/new",
        "/hr/experiments/kpis",
        "/hr/rewards/",
        "/hr/rewards/new",
        "/hr/rewards/account-planning-workshop",
        "/admin/people",
        "/admin/people?q=a&status=active",
    ],
    "admin": ["/admin/people", "/admin/channels"],
}


# Console messages that mean a security header broke (or was ignored on) the page.
POLICY_WORDS = ("Refused to", "Content Security Policy", "Content-Security-Policy", "Policy header")


def watch_policy_messages(page) -> list[str]:
    """Collect, from now on, every console message about the page's security policies."""
    messages: list[str] = []

    def on_console(message) -> None:
        if any(word in message.text for word in POLICY_WORDS):
            messages.append(f"{page.url}: {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: messages.append(f"{page.url}: page error: {error}"))
    return messages


def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("role", list(PAGES))
def test_pages_are_accessible_and_fit(live_server, page_factory, role, width):
    page = page_factory(width=width)
    refused = watch_policy_messages(page)
    if role != "anon":
        sign_in(page, live_server.base, live_server.logins[role])
    script = axe_script()
    problems = []
    for path in PAGES[role]:
        response = page.goto(f"{live_server.base}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        page.evaluate(script)
        result = page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        for v in serious:
            nodes = ", ".join(n["target"][0] for n in v["nodes"][:3])
            problems.append(f"{path}: {v['id']} ({v['impact']}): {v['help']} at {nodes}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            problems.append(f"{path}: page is {overflow}px wider than a {width}px screen")
        if width == 375:
            shot(page, f"a11y-{role}{path.replace('/', '-').rstrip('-')}-375")
    problems += refused
    assert not problems, "\n".join(problems)


def test_report_error_and_budget_pages_obey_the_policy(live_server, page_factory):
    """Pages outside the walk that once needed inline styles: the standalone report (its
    one ``<style>`` block is allowed by hash), an error page, and the budget meter."""
    page = page_factory()
    refused = watch_policy_messages(page)
    sign_in(page, live_server.base, live_server.logins["hr"])
    response = page.goto(f"{live_server.base}/hr/insights/report")
    assert response.status == 200
    # The hashed print stylesheet applied: the report body is 60rem wide at most.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "960px"
    assert page.locator("svg.chart").count() > 0
    assert page.goto(f"{live_server.base}/no-such-page").status == 404
    page = page_factory()
    refused += watch_policy_messages(page)
    sign_in(page, live_server.base, live_server.logins["manager"])
    page.goto(f"{live_server.base}/team/")
    meter = page.locator("meter.budget-meter").first
    assert meter.evaluate("m => getComputedStyle(m).maxWidth") == "384px"
    assert not refused, "\n".join(refused)


def test_pages_work_without_javascript(live_server, page_factory):
    """Sign in, open pages and send a form with JavaScript turned off."""
    page = page_factory(javascript=False)
    sign_in(page, live_server.base, live_server.logins["rep"])
    for path in PAGES["rep"]:
        assert page.goto(f"{live_server.base}{path}").status == 200, path
    page.goto(f"{live_server.base}/me/settings")
    with page.expect_navigation() as saved:
        page.locator("main input[type=submit]").click()
    assert saved.value.status == 200
    assert page.locator(".flash").count() == 1
