"""Every page and form action, walked as every role, plus a rep and a manager of another team.

Allowed roles must never get 403, 404 or 500; everyone else gets 403 or 404 (404 where
admitting that the thing exists would say too much). Signed-out visitors are sent to sign in.
Every answer, whatever its status, carries the security headers and ``no-store``
(tests/security/headers.py). A new route fails this test until it is added to ``ALLOWED``.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.tables import Reward
from services import survey
from services.access import SYSTEM
from services.api_tokens import create_token
from services.catalogue import ensure_seed_catalogue
from services.experiments import ArmSpec, create_experiment
from services.grants import give_reward
from services.instruments import ensure_default_instrument
from services.waves import open_wave
from tests.conftest import csrf_token, login
from tests.security.headers import header_problems
from tests.services.test_survey import answers_for

SIGNED_IN = {"rep", "manager", "manager_b", "rep_b", "hr", "admin"}
REPS = {"rep", "rep_b"}

# rule -> roles that may use it (for GET and POST alike, unless the rule says otherwise).
ALLOWED: dict[str, set[str]] = {
    "/": SIGNED_IN,
    "/admin/people": {"hr", "admin"},
    "/admin/channels": {"hr", "admin"},
    "/admin/people/<external_id>/password-link": {"admin"},
    "/admin/tokens/": {"admin"},
    "/admin/tokens/<int:token_id>/revoke": {"admin"},
    "/api/v1/me": SIGNED_IN,
    "/hr/": {"hr"},
    "/hr/budgets": {"hr"},
    "/hr/budgets.<fmt>": {"hr"},
    "/hr/experiments/": {"hr"},
    "/hr/experiments/<int:experiment_id>": {"hr"},
    "/hr/experiments/<int:experiment_id>/finish": {"hr"},
    "/hr/experiments/kpis": {"hr"},
    "/hr/experiments/new": {"hr"},
    "/hr/fairness": {"hr"},
    "/hr/insights/": {"hr"},
    "/hr/insights/analytics": {"hr"},
    "/hr/insights/focus-groups": {"hr"},
    "/hr/insights/focus-groups.<fmt>": {"hr"},
    "/hr/insights/reminders": {"hr"},
    "/hr/insights/reminders/send": {"hr"},
    "/hr/insights/report": {"hr"},
    "/hr/insights/report.pdf": {"hr"},
    "/hr/insights/summary.<fmt>": {"hr"},
    "/hr/model": {"hr"},
    "/hr/model/train": {"hr"},
    "/hr/reliability": {"hr"},
    "/hr/validity": {"hr"},
    "/hr/responses/import": {"hr"},
    "/hr/rewards/": {"hr"},
    "/hr/rewards/<slug>": {"hr"},
    "/hr/rewards/<slug>/reactivate": {"hr"},
    "/hr/rewards/<slug>/retire": {"hr"},
    "/hr/rewards/export.csv": {"hr"},
    "/hr/rewards/new": {"hr"},
    "/hr/waves": {"hr"},
    "/hr/waves/<int:wave_id>/close": {"hr"},
    "/me/": SIGNED_IN,
    "/me/answers": SIGNED_IN,
    "/me/answers/<int:response_id>": {"rep"},  # only the person who gave the answers
    "/me/data.json": SIGNED_IN,  # always the viewer's own data
    "/me/history": SIGNED_IN,
    "/me/not-for-me/<slug>": SIGNED_IN,
    "/me/not-for-me/<slug>/undo": SIGNED_IN,
    "/me/notifications": SIGNED_IN,
    "/me/notifications/read": SIGNED_IN,
    "/me/rate/<int:grant_id>": {"rep"},  # only the rep who received the reward
    "/me/settings": SIGNED_IN,
    "/me/survey/<int:wave_id>/revise": SIGNED_IN,  # only ever the viewer's own response
    "/survey/": SIGNED_IN,  # the list: empty for someone who answers no wave
    # Only reps answer a wave: a manager or HR person would sit in the figures they read.
    "/survey/<int:wave_id>/": REPS,
    "/survey/<int:wave_id>/done": REPS,
    "/survey/<int:wave_id>/page/<page_key>": REPS,
    "/survey/<int:wave_id>/review": REPS,
    "/survey/<int:wave_id>/submit": REPS,
    "/team/": {"manager", "manager_b"},
    "/team/grant/<int:grant_id>/status": {"manager"},  # only the manager of the rep
    "/team/person/<external_id>": {"rep", "manager"},  # the rep themself, and their manager
    "/team/person/<external_id>/give": {"manager"},
    "/team/recognition": {"manager", "manager_b"},
}
# Not walked here: the public sign-in pages, the health check, static files and the token API
# (which has its own tests: tests/web/test_api.py).
SKIPPED_PREFIXES = ("/auth/", "/healthz", "/static/", "/api/v1/")


@pytest.fixture
def org(session, factory):
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    team_a, team_b = factory.team("Team A"), factory.team("Team B")
    manager = factory.person("manager", team=team_a, name="Manager A")
    manager_b = factory.person("manager", team=team_b, name="Manager B")
    people = {
        "rep": factory.person(
            "rep", team=team_a, manager=manager, name="Rep A", sales_role="closer"
        ),
        "rep_b": factory.person("rep", team=team_b, manager=manager_b, name="Rep B"),
        "manager": manager,
        "manager_b": manager_b,
        "hr": factory.person("hr", name="HR Person"),
        "admin": factory.person("admin", name="Admin Person"),
    }
    wave = open_wave(session=session, actor=SYSTEM, name="Wave")
    reward = session.exec(select(Reward).where(Reward.roles.is_not(None))).first()
    reward = next(r for r in session.exec(select(Reward)) if "all" in r.roles and r.active)
    grant = give_reward(
        session=session, manager=manager, person=people["rep"], reward_slug=reward.slug
    )
    view = survey.survey_for(session=session, person=people["rep"], wave_id=wave.id)
    page_key, items = view.pages[0]
    response = survey.save_page(
        session=session,
        person=people["rep"],
        wave_id=wave.id,
        page_key=page_key,
        answers=answers_for(items),
    )
    token, _secret = create_token(session=session, actor=SYSTEM, name="t", scopes=["people:read"])
    experiment = create_experiment(
        session=session,
        actor=SYSTEM,
        name="Test",
        metric="revenue",
        period_before="2026-09",
        period_after="2026-10",
        arms=[ArmSpec("a", "A", None), ArmSpec("control", "Control", None)],
        control="control",
        retrospective=True,
    )
    values = {
        "external_id": people["rep"].external_id,
        "wave_id": wave.id,
        "page_key": "motivation",
        "grant_id": grant.id,
        "slug": reward.slug,
        "token_id": token.id,
        "experiment_id": experiment.id,
        "fmt": "csv",
        "response_id": response.id,
    }
    return people, values


def _url(rule: str, values: dict) -> str:
    url = rule
    for key, value in values.items():
        for converter in ("", "int:"):
            url = url.replace(f"<{converter}{key}>", str(value))
    return url


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method


def test_every_route_is_in_the_matrix(app):
    missing = sorted({rule for rule, _method in _routes(app)} - set(ALLOWED))
    assert not missing, f"add these routes to ALLOWED: {missing}"


@pytest.mark.parametrize("role", ["anon", *sorted(SIGNED_IN)])
def test_route_role_matrix(app, client, org, role):
    people, values = org
    if role != "anon":
        assert login(client, people[role].email).status_code == 302
    problems = []
    for rule, method in _routes(app):
        url = _url(rule, values)
        if method == "GET":
            response = client.get(url)
        else:
            token = csrf_token(client, "/me/" if role != "anon" else "/auth/login")
            response = client.post(url, data={"csrf_token": token})
        status = response.status_code
        if role == "anon":
            ok = status == 302 and "/auth/login" in response.headers.get("Location", "")
            ok = ok or (url.startswith("/api/") and status == 401)
        elif role in ALLOWED[rule]:
            ok = status not in (403, 404, 500)
        else:
            ok = status in (403, 404)
        if not ok:
            problems.append(f"{method} {url} as {role}: {status}")
        problems += [f"{method} {p} as {role}" for p in header_problems(response, url)]
    assert not problems, "\n".join(problems)
