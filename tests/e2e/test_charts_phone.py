"""Charts at 375 px: the phone layout is the one shown, its text is readable, inside the
chart and never on top of other text. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e

# Every <text> of every visible chart: its box on the page, in CSS pixels.
BOXES = """
() => [...document.querySelectorAll('svg.chart')]
  .filter(svg => svg.getBoundingClientRect().width > 0)
  .map(svg => {
    const frame = svg.getBoundingClientRect();
    return {
      id: svg.id,
      frame: [frame.left, frame.top, frame.right, frame.bottom],
      texts: [...svg.querySelectorAll('text')].map(t => {
        const r = t.getBoundingClientRect();
        return {text: t.textContent, box: [r.left, r.top, r.right, r.bottom]};
      }),
    };
  })
"""


def _overlap(a, b) -> bool:
    # A pixel of slack: neighbouring glyph boxes may touch.
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def chart_problems(page) -> tuple[int, list[str]]:
    charts = page.evaluate(BOXES)
    problems = []
    for chart in charts:
        left, top, right, bottom = chart["frame"]
        if right > 375:
            problems.append(f"{chart['id']}: wider than the screen ({right:.0f} px)")
        texts = chart["texts"]
        for t in texts:
            l_, t_, r_, b_ = t["box"]
            if l_ < left - 1 or r_ > right + 1 or t_ < top - 1 or b_ > bottom + 1:
                problems.append(f"{chart['id']}: {t['text']!r} is cut off")
            if b_ - t_ < 11:
                problems.append(f"{chart['id']}: {t['text']!r} is {b_ - t_:.1f} px tall")
        for i, a in enumerate(texts):
            for b in texts[i + 1 :]:
                if _overlap(a["box"], b["box"]):
                    problems.append(f"{chart['id']}: {a['text']!r} overlaps {b['text']!r}")
    return len(charts), problems


@pytest.mark.parametrize(
    ("access", "path", "name"),
    [
        ("rep", "/me/", "me"),
        ("hr", "/hr/insights/", "insights"),
        ("hr", "/hr/insights/analytics", "analytics"),
    ],
)
def test_charts_are_legible_at_375_px(live_server, page_factory, access, path, name):
    page = page_factory(width=375, height=800)
    sign_in(page, live_server.base, live_server.logins[access])
    page.goto(f"{live_server.base}{path}")
    count, problems = chart_problems(page)
    shot(page, f"charts-375-{name}")
    assert count > 0, f"no chart on {path}"
    assert problems == [], "\n".join(problems)


def test_wide_screens_keep_the_wide_charts(live_server, page_factory):
    page = page_factory(width=1280)
    sign_in(page, live_server.base, live_server.logins["hr"])
    page.goto(f"{live_server.base}/hr/insights/")
    ids = [c["id"] for c in page.evaluate(BOXES)]
    assert ids and not any(i.endswith("-narrow") for i in ids)
