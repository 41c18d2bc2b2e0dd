"""One way to read a quarter everywhere: the budget page, fairness, KPI imports.

The Norwegian hint says ÅÅÅÅ-Kn ("kvartal"), and "2026-K4" was refused as "not a quarter".
"""

import pytest

from services.budgets import resolve_quarter
from services.kpis import parse_period
from services.quarters import parse_quarter


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-Q4", "2026-Q4"),
        ("2026-K4", "2026-Q4"),
        (" 2026 - k1 ", "2026-Q1"),
        ("2026-q3", "2026-Q3"),
    ],
)
def test_a_quarter_reads_with_q_or_k(typed, stored):
    assert parse_quarter(typed) == stored
    assert resolve_quarter(typed) == stored
    assert parse_period(typed) == stored


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-K0", "2026Q1", "26-Q1", "2026-03", "", None])
def test_anything_else_is_not_a_quarter(bad):
    assert parse_quarter(bad) is None


def set_budget_through_the_page(client, factory, *, quarter: str, amount: str, **kwargs):
    """HR signed in, posting the budget form for a new team."""
    from tests.conftest import csrf_token, login

    team = factory.team()
    hr = factory.person("hr", team=team)
    login(client, hr.email)
    token = csrf_token(client, "/hr/budgets")
    data = {"csrf_token": token, "team": str(team.id), "quarter": quarter, "amount": amount}
    return client.post("/hr/budgets", data=data, **kwargs)


def test_the_budget_form_takes_the_norwegian_spelling(client, session, factory):
    page = set_budget_through_the_page(
        client, factory, quarter="2026-K4", amount="1000", follow_redirects=True
    )
    html = page.get_data(as_text=True)
    assert "is not a quarter" not in html and "Write the quarter" not in html
    assert page.status_code == 200


def test_a_field_shows_the_first_thing_to_fix_not_a_run_on_of_two(client, session, factory):
    page = set_budget_through_the_page(client, factory, quarter="2026-Q4", amount="abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    error = html[html.index('id="amount-error"') :].split("</p>")[0]
    assert "Give an amount of 0 or more" not in error and len(error) < 120, error


def test_the_quarter_chooser_lets_the_browser_send_the_norwegian_spelling(client, factory):
    """Its HTML pattern allowed only Q, so Chromium refused "2026-K4" before the server
    could read it."""
    import re

    from tests.conftest import login

    hr = factory.person("hr")
    login(client, hr.email)
    html = client.get("/hr/budgets").get_data(as_text=True)
    pattern = re.search(r'id="quarter-choice"[^>]*pattern="([^"]+)"', html).group(1)
    for typed in ("2026-Q4", "2026-K4", "2026-k1"):
        assert re.fullmatch(pattern.replace("&#34;", '"'), typed), typed
    assert not re.fullmatch(pattern, "2026-Q5")


@pytest.mark.parametrize(
    ("access", "path"),
    [("manager", "/team/recognition"), ("hr", "/hr/fairness"), ("hr", "/hr/budgets")],
)
def test_a_quarter_typed_wrong_is_a_field_error_on_the_page(client, factory, access, path):
    """ "2026-Q5" in the quarter box (the browser's pattern check skipped, or the address
    edited) gave a bare error page instead of the page with the box saying what is wrong."""
    from tests.conftest import login

    person = factory.person(access, team=factory.team())
    login(client, person.email)
    page = client.get(f"{path}?quarter=2026-Q5")
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'id="quarter-choice-error"' in html and "e.g. 2026-Q4" in html
    assert 'value="2026-Q5"' in html  # what was typed stays in the box
    assert 'aria-invalid="true"' in html
