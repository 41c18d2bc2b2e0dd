"""Hostile values in forms and URLs: NUL bytes, numbers too large for the database. Each
gets a clear 4xx page, never a 500, and nothing is written."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from models.tables import Budget, Grant, LoginAttempt, Reward, SurveyResponse
from services.access import SYSTEM
from services.catalogue import ensure_seed_catalogue
from services.instruments import definition, ensure_default_instrument
from services.waves import open_wave
from tests.conftest import TEST_PASSWORD, csrf_token, login

NUL_MESSAGE = "contains a NUL character (U+0000)"
HUGE = "99999999999999999999"


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_sign_in_with_a_nul_in_the_email_is_a_400(client, session, factory):
    person = factory.person("rep")
    response = client.post(
        "/auth/login",
        data={
            "email": person.email + "\x00",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 400
    assert f"email {NUL_MESSAGE}" in response.get_data(as_text=True)
    assert count(session, LoginAttempt) == 0


def test_a_nul_in_a_reward_note_is_a_400_and_gives_nothing(client, session, factory):
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    manager = factory.person("manager")
    rep = factory.person("rep", manager=manager)
    reward = next(r for r in session.exec(select(Reward)) if "all" in r.roles)
    login(client, manager.email)
    url = f"/team/person/{rep.external_id}/give"
    response = client.post(
        url,
        data={
            "reward": reward.slug,
            "occasion": "other",
            "note": "Well done\x00",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 400
    assert f"note {NUL_MESSAGE}" in response.get_data(as_text=True)
    assert count(session, Grant) == 0


def test_a_nul_in_survey_free_text_is_a_400(client, session, factory):
    row = ensure_default_instrument(session=session).row
    rep = factory.person("rep")
    wave = open_wave(session=session, actor=SYSTEM, name="Winter")
    login(client, rep.email)
    key, items = next(
        (key, items)
        for key, items in definition(row).pages()
        if any(item.type == "text" for item in items)
    )
    text_item = next(item for item in items if item.type == "text")
    url = f"/survey/{wave.id}/page/{key}"
    response = client.post(
        url,
        data={
            text_item.code: "More time \x00 off",
            "csrf_token": csrf_token(client, url),
            "nav": "next",
            "shown_at": "0",
        },
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)
    assert count(session, SurveyResponse) == 0


def test_a_nul_in_settings_is_a_400(client, factory):
    login(client, factory.person("rep").email)
    response = client.post(
        "/me/settings",
        data={"locale": "nb\x00", "csrf_token": csrf_token(client, "/me/settings")},
    )
    assert response.status_code == 400
    assert f"locale {NUL_MESSAGE}" in response.get_data(as_text=True)


def test_a_nul_in_a_query_string_is_a_400(client, factory):
    login(client, factory.person("hr").email)
    response = client.get("/hr/budgets?quarter=2026-Q1%00")
    assert response.status_code == 400
    assert f"quarter {NUL_MESSAGE}" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/hr/experiments/{HUGE}"),
        ("get", f"/survey/{HUGE}/"),
        ("get", f"/survey/{HUGE}/review"),
        ("get", f"/team/person/{HUGE}"),
        ("post", f"/team/grant/{HUGE}/status"),
        ("post", f"/me/rate/{HUGE}"),
        ("post", f"/hr/waves/{HUGE}/close"),
        ("get", "/hr/experiments/2147483648"),
    ],
)
def test_numbers_too_large_for_the_database_in_urls_are_404(client, factory, method, path):
    login(client, factory.person("admin").email)
    response = getattr(client, method)(path, data={"csrf_token": csrf_token(client, "/me/")})
    assert response.status_code == 404


def test_a_budget_too_large_to_store_is_refused(client, session, factory):
    team = factory.team("North")
    login(client, factory.person("hr").email)
    response = client.post(
        "/hr/budgets",
        data={
            "csrf_token": csrf_token(client, "/hr/budgets"),
            "team": str(team.id),
            "quarter": "2026-Q1",
            "amount": "1" + "0" * 40,
        },
    )
    assert 400 <= response.status_code < 500
    assert count(session, Budget) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/hr/budgets?team=%C2%B2",  # "²": a digit to str.isdigit, no number to int
        f"/hr/budgets?team={HUGE}",
        "/admin/people?page=%C2%B2",
        f"/admin/people?page={HUGE}",
    ],
)
def test_odd_digits_and_huge_numbers_in_a_query_string_never_fail_a_page(
    client, session, factory, path
):
    admin = factory.person("admin")
    admin.access = "hr" if path.startswith("/hr/") else "admin"
    session.add(admin)
    session.commit()
    login(client, admin.email)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ["waves", "close", HUGE],
        ["waves", "close", "²"],
        ["summary", "--by", "team", "--wave", HUGE],
        ["tokens", "revoke", HUGE],
        ["experiments", "results", HUGE],
    ],
)
def test_an_id_no_row_can_have_is_a_one_line_error_on_the_command_line(runner, session, args):
    """Each printed a traceback (OverflowError on SQLite, NumericValueOutOfRange on
    PostgreSQL)."""
    ensure_default_instrument(session=session)
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output + (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit)
