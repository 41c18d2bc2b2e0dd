"""Typed text with a control character comes back to the person at the field, in their
language, with nothing stored (the rule itself: tests/services/test_typed_text.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models.tables import Rating, utcnow
from tests.conftest import csrf_token, login
from tests.services.test_budgets import add_reward, give


@pytest.fixture
def rep_with_a_reward(session, factory, client):
    team = factory.team("North")
    boss = factory.person("manager", team=team)
    rep = factory.person(team=team, manager=boss, name="Ada")
    grant = give(session, add_reward(session, "lunch", 300, 1), rep, utcnow().date() - timedelta(1))
    login(client, rep.email)
    return grant


def rate(client, grant, comment: str, lang: str = "en"):
    token = csrf_token(client, "/me/")
    prefix = f"g{grant.id}"
    return client.post(
        f"/me/rate/{grant.id}?lang={lang}",
        data={f"{prefix}-rating": "4", f"{prefix}-comment": comment, f"{prefix}-csrf_token": token},
    )


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Contains the control character U+0007, which cannot be stored; remove it."),
        ("nb", "Inneholder kontrolltegnet U+0007, som ikke kan lagres; fjern det."),
    ],
)
def test_a_comment_with_a_control_character_is_refused_and_the_rating_kept_unsaved(
    client, session, rep_with_a_reward, lang, message
):
    response = rate(client, rep_with_a_reward, "Great\x07 lunch", lang)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.exec(select(Rating)).first() is None


def test_the_same_comment_without_it_is_saved(client, session, rep_with_a_reward):
    response = rate(client, rep_with_a_reward, "Great lunch\nwith the team")
    assert response.status_code == 302
    assert session.exec(select(Rating.comment)).one() == "Great lunch\nwith the team"


def test_a_comment_too_long_is_refused_at_the_field(client, session, rep_with_a_reward):
    response = rate(client, rep_with_a_reward, "x" * 2001)
    assert response.status_code == 400
    assert "Field cannot be longer than 2000 characters." in response.get_data(as_text=True)
    assert session.exec(select(Rating)).first() is None
