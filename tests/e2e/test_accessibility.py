"""Every page, for every role, at 375 px and at desktop width: no serious or critical axe-core
violations, and nothing wider than the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

PAGES = {
    "anon": ["/auth/login"],
    "rep": ["/me/", "/me/history", "/me/settings", "/survey/", "/me/notifications"],
    "manager": ["/team/", "/team/recognition"],
    "hr": [
        "/hr/",
        "/hr/reliability",
        "/hr/model",
        "/hr/responses/import",
        "/hr/budgets",
        "/hr/fairness",
        "/hr/insights/",
        "/hr/insights/analytics",
        "/hr/insights/focus-groups",
        "/hr/experiments/",
        "/hr/experiments/new",
        "/hr/experiments/kpis",
        "/admin/people",
    ],
    "admin": ["/admin/people"],
}


def axe_script() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("role", list(PAGES))
def test_pages_are_accessible_and_fit(live_server, page_factory, role, width):
    page = page_factory(width=width)
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
    assert not problems, "\n".join(problems)
