"""Wide tables at 390 px and 1280 px: the page never scrolls sideways; a table wider than its
box scrolls inside a keyboard-focusable wrapper that says so (a hint and a faded edge); and
the buttons in table rows are on screen and work. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go, shot, sign_in

pytestmark = pytest.mark.e2e

PAGES = {
    "rep": ["/me/", "/me/history", "/me/answers"],
    "manager": ["/team/", "/team/person/E1005", "/team/recognition"],
    "hr": ["/hr/", "/hr/insights/", "/hr/budgets", "/admin/people"],
    "admin": ["/admin/people"],
}
SIZES = [(390, 844), (1280, 800)]

# Every visible table: how wide it is against the box around it, and what that box offers.
TABLES = """
() => [...document.querySelectorAll('table')]
  .filter(t => t.getBoundingClientRect().width > 0)
  .map((t, i) => {
    const box = t.parentElement;
    const style = getComputedStyle(box);
    const hint = box.previousElementSibling;
    return {
      name: (t.caption && t.caption.textContent.trim()) || t.id || `table ${i + 1}`,
      table: t.scrollWidth,
      box: box.clientWidth,
      scrolls: ['auto', 'scroll'].includes(style.overflowX) && box.scrollWidth > box.clientWidth,
      focusable: box.tabIndex >= 0,
      faded: (style.maskImage || style.webkitMaskImage || 'none') !== 'none',
      hinted: !!hint && hint.classList.contains('table-hint') && !hint.hidden
        && hint.getBoundingClientRect().height > 0,
    };
  })
"""


def table_problems(page) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    if width > inner:
        problems.append(f"the page scrolls sideways ({width} px in a {inner} px window)")
    for t in page.evaluate(TABLES):
        if t["table"] <= t["box"] + 1:
            continue
        name = t["name"][:50]
        if not t["scrolls"]:
            problems.append(f"{name}: {t['table']} px wide in {t['box']} px, cut off")
        if not t["focusable"]:
            problems.append(f"{name}: its scrolling box takes no keyboard focus")
        if not (t["hinted"] and t["faded"]):
            problems.append(f"{name}: nothing shows that it scrolls")
    return problems


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("role", list(PAGES))
def test_wide_tables_scroll_in_their_own_box(live_server, page_factory, role, width, height):
    page = page_factory(width=width, height=height)
    sign_in(page, live_server.base, live_server.logins[role])
    problems = []
    for path in PAGES[role]:
        response = page.goto(f"{live_server.base}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        problems += [f"{path}: {p}" for p in table_problems(page)]
        shot(page, f"tables-{width}-{role}-{path.strip('/').replace('/', '-')}")
    assert problems == [], "\n".join(problems)


def on_screen(page, locator) -> bool:
    """Scrolled to only up or down (nobody finds a button by scrolling a table sideways), the
    whole element is inside the window and inside every box that clips it, and a click at its
    middle lands on it."""
    return locator.evaluate(
        """el => {
          window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 100);
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.left < 0 || r.right > window.innerWidth) return false;
          for (let box = el.parentElement; box; box = box.parentElement) {
            if (getComputedStyle(box).overflowX === 'visible') continue;
            const b = box.getBoundingClientRect();
            if (r.left < b.left - 1 || r.right > b.right + 1) return false;
          }
          const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
          return hit === el || el.contains(hit);
        }"""
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_row_buttons_can_be_reached_and_clicked(live_server, page_factory, width, height):
    manager = page_factory(width=width, height=height)
    sign_in(manager, live_server.base, live_server.logins["manager"])
    manager.goto(f"{live_server.base}/team/person/E1005")
    status = manager.locator("form.inline-status select").first
    save = manager.locator("form.inline-status button[type=submit]").first
    for control in (status, save):
        assert on_screen(manager, control), f"{control} is off screen at {width} px"
    save.scroll_into_view_if_needed()
    go(save)
    assert "/team/person/E1005" in manager.url
    assert manager.locator(".flash").count() > 0

    hr = page_factory(width=width, height=height)
    sign_in(hr, live_server.base, live_server.logins["hr"])
    hr.goto(f"{live_server.base}/hr/")
    close = hr.get_by_role("button", name="Close Winter check-in")
    assert on_screen(hr, close), f"the wave's Close button is off screen at {width} px"
    close.scroll_into_view_if_needed()
    go(close)
    # Closing asks first; the wave stays open for the other tests.
    assert hr.get_by_role("heading", name="Close the wave Winter check-in?").is_visible()
