"""API tokens: stored hashed, scoped, expiring, revocable, rate-limited; what a token reads."""

import hashlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from models.tables import KPI, ApiRateWindow, ApiToken, AuditLog, Person, SurveyResponse
from services import api_tokens
from services.access import SYSTEM
from services.api_reads import (
    kpi_summary,
    person_suggestions,
    response_counts,
    suggestions_for_everyone,
    wave_details,
    wave_participation,
    withhold_breakdown,
    withhold_small,
)
from services.api_tokens import (
    SCOPES,
    ScopeMissing,
    TokenRefused,
    check_scope,
    check_token,
    create_token,
    find_token,
    list_tokens,
    revoke_token,
    token_actor,
)
from services.errors import InvalidInput, NotAllowed, NotFound
from services.instruments import ensure_default_instrument
from services.rate_limits import RateLimited, count_request
from services.recommendations import suggest_rewards
from services.waves import close_wave, open_wave

NOON = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)


def _count(session, token, limit, now):
    """One API request with ``token``, counted as the token's own actor."""
    return count_request(
        session=session,
        actor=token_actor(token),
        token=token,
        limit=limit,
        action="api.request",
        now=now,
    )


def audit_actions(session) -> list[str]:
    return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


def test_token_is_returned_once_and_only_its_digest_is_stored(session, factory):
    admin = factory.person("admin")
    token, secret = create_token(
        session=session, actor=admin, name="HRIS sync", scopes=["people:write", "people:read"]
    )
    assert secret.startswith("mtv_") and len(secret) > 40
    stored = session.get(ApiToken, token.id)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:12]
    assert stored.scopes == ["people:read", "people:write"]  # the order of SCOPES
    assert stored.created_by_id == admin.id
    # The token is nowhere in the database: not in the row, not in the audit log.
    row_text = repr(stored.model_dump())
    audit_text = repr([a.details for a in session.exec(select(AuditLog))])
    assert secret not in row_text and secret not in audit_text
    assert secret[12:20] not in row_text + audit_text
    assert audit_actions(session) == ["api_token.create"]


def test_two_tokens_never_share_a_secret(session):
    secrets_seen = {
        create_token(session=session, actor=SYSTEM, name=f"t{i}", scopes=["kpis:read"])[1]
        for i in range(20)
    }
    assert len(secrets_seen) == 20


@pytest.mark.parametrize(
    ("name", "scopes", "days", "problem"),
    [
        ("", ["people:read"], None, "name: give the token a name"),
        ("x" * 121, ["people:read"], None, "name: at most 120 characters"),
        ("CRM", [], None, "scopes: choose at least one"),
        ("CRM", ["people:delete"], None, "scopes: unknown scope 'people:delete'"),
        ("CRM", ["people:read"], 0, "expires: give a number of days"),
        ("CRM", ["people:read"], 4000, "expires: give a number of days"),
    ],
)
def test_a_bad_token_request_stores_nothing(session, name, scopes, days, problem):
    with pytest.raises(InvalidInput) as caught:
        create_token(session=session, actor=SYSTEM, name=name, scopes=scopes, expires_in_days=days)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert session.exec(select(func.count()).select_from(ApiToken)).one() == 0
    assert audit_actions(session) == []


@pytest.mark.parametrize("access", ["rep", "manager", "hr"])
def test_only_admins_create_list_and_revoke_tokens(session, factory, access):
    person = factory.person(access)
    with pytest.raises(NotAllowed):
        create_token(session=session, actor=person, name="CRM", scopes=["kpis:read"])
    token, _ = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["kpis:read"])
    with pytest.raises(NotAllowed):
        list_tokens(session=session, viewer=person)
    with pytest.raises(NotAllowed):
        revoke_token(session=session, actor=person, token_id=token.id)
    assert session.get(ApiToken, token.id).revoked_at is None


def test_expired_revoked_and_unknown_tokens_are_refused(session):
    token, secret = create_token(
        session=session,
        actor=SYSTEM,
        name="CRM",
        scopes=["kpis:read"],
        expires_in_days=30,
        now=NOON,
    )
    found = find_token(session=session, secret=secret)
    assert found.id == token.id
    assert check_token(found, now=NOON + timedelta(days=29)) is found
    with pytest.raises(TokenRefused, match="expired"):
        check_token(found, now=NOON + timedelta(days=30))
    with pytest.raises(TokenRefused, match="not valid"):
        check_token(find_token(session=session, secret=secret + "x"))
    assert find_token(session=session, secret="") is None

    revoke_token(session=session, actor=SYSTEM, token_id=token.id, now=NOON + timedelta(days=1))
    with pytest.raises(TokenRefused, match="revoked"):
        check_token(find_token(session=session, secret=secret), now=NOON + timedelta(days=2))


def test_revoking_twice_changes_nothing_and_audits_once(session, factory):
    admin = factory.person("admin")
    token, _ = create_token(session=session, actor=admin, name="CRM", scopes=["kpis:read"])
    first = revoke_token(session=session, actor=admin, token_id=token.id).revoked_at
    second = revoke_token(session=session, actor=admin, token_id=token.id).revoked_at
    assert first == second is not None
    assert audit_actions(session) == ["api_token.create", "api_token.revoke"]
    with pytest.raises(NotFound):
        revoke_token(session=session, actor=admin, token_id=token.id + 100)


def test_scope_check(session):
    token, _ = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["kpis:read"])
    check_scope(token, "kpis:read")
    with pytest.raises(ScopeMissing) as caught:
        check_scope(token, "kpis:write")
    assert caught.value.scope == "kpis:write"
    with pytest.raises(ValueError):
        check_scope(token, "kpis:delete")


def test_rate_limit_counts_per_minute_and_says_when_to_retry(session):
    token, _ = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["kpis:read"])
    at = NOON + timedelta(seconds=45)
    for used in (1, 2, 3):
        count = _count(session, token, 3, at)
        assert (count.used, count.remaining) == (used, 3 - used)
    with pytest.raises(RateLimited) as caught:
        _count(session, token, 3, at)
    assert caught.value.retry_after == 15  # 12:00:45 -> the next minute starts at 12:01:00
    # A new minute starts from zero, and the old minute's row is gone.
    count = _count(
        session,
        token,
        3,
        NOON + timedelta(minutes=1),
    )
    assert count.used == 1
    windows = session.exec(select(ApiRateWindow)).all()
    assert [(w.window_start, w.count) for w in windows] == [(NOON + timedelta(minutes=1), 1)]
    assert session.get(ApiToken, token.id).last_used_at == NOON + timedelta(minutes=1)
    # Every request is audited, the refused one marked.
    rows = session.exec(select(AuditLog).where(AuditLog.action == "api.request")).all()
    assert len(rows) == 5
    assert [r.details.get("refused") for r in rows] == [None, None, None, 429, None]


def test_each_token_has_its_own_count(session):
    one, _ = create_token(session=session, actor=SYSTEM, name="one", scopes=["kpis:read"])
    two, _ = create_token(session=session, actor=SYSTEM, name="two", scopes=["kpis:read"])
    for _ in range(2):
        _count(session, one, 2, NOON)
    assert _count(session, two, 2, NOON).used == 1


def test_concurrent_workers_share_one_exact_count(engine):
    """Separate sessions, as separate worker processes have: no request goes uncounted."""
    with Session(engine, expire_on_commit=False) as session:
        token, _ = create_token(session=session, actor=SYSTEM, name="CRM", scopes=["kpis:read"])
    n_threads, per_thread, limit = 6, 5, 20
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker():
        with Session(engine, expire_on_commit=False) as own:
            mine = own.get(ApiToken, token.id)
            for _ in range(per_thread):
                try:
                    _count(own, mine, limit, NOON)
                    outcome = "ok"
                except RateLimited:
                    outcome = "limited"
                with lock:
                    outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        window = session.exec(select(ApiRateWindow)).one()
    assert window.count == n_threads * per_thread
    assert outcomes.count("ok") == limit
    assert outcomes.count("limited") == n_threads * per_thread - limit


def test_tokens_are_listed_newest_first_with_status(session):
    old, _ = create_token(
        session=session,
        actor=SYSTEM,
        name="old",
        scopes=["kpis:read"],
        expires_in_days=1,
        now=NOON - timedelta(days=5),
    )
    new, _ = create_token(session=session, actor=SYSTEM, name="new", scopes=["kpis:read"])
    listed = list_tokens(session=session, viewer=SYSTEM)
    assert [t.name for t in listed] == ["new", "old"]
    described = [api_tokens.describe_token(t) for t in listed]
    assert [d["status"] for d in described] == ["active", "expired"]
    assert all("token_hash" not in d for d in described)


# What a token may read ---------------------------------------------------------------


def test_withhold_small_hides_counts_of_one_to_min_minus_one():
    shown, withheld = withhold_small({"a": 0, "b": 1, "c": 4, "d": 5, "e": 60}, 5)
    assert shown == {"a": 0, "b": None, "c": None, "d": 5, "e": 60}
    assert withheld == ["b", "c"]


def test_withhold_breakdown_hides_what_subtraction_would_reveal():
    # web 8, import 3: import is small, and submitted (11) minus web would give it away.
    shown, withheld = withhold_breakdown({"import": 3, "web": 8}, 5)
    assert shown == {"import": None, "web": None}
    assert withheld == ["import", "web"]
    shown, withheld = withhold_breakdown({"demo": 2, "import": 6, "web": 9}, 5)
    assert shown == {"demo": None, "import": None, "web": 9}  # 2 + 6 hidden together
    shown, _ = withhold_breakdown({"import": 5, "web": 6}, 5)
    assert shown == {"import": 5, "web": 6}


@given(
    counts=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
    min_size=st.integers(min_value=3, max_value=10),
)
def test_breakdowns_never_reveal_a_small_group(counts, min_size):
    keyed = {f"k{i}": n for i, n in enumerate(counts)}
    shown, withheld = withhold_breakdown(keyed, min_size)
    assert all(v is None or v == 0 or v >= min_size for v in shown.values())
    hidden_total = sum(keyed[k] for k in withheld)
    if sum(counts) >= min_size:  # a smaller total is itself withheld, so nothing subtracts
        assert hidden_total == 0 or hidden_total >= min_size
    assert set(withheld) == {k for k, v in shown.items() if v is None}


@pytest.fixture
def wave_with_responses(session, factory):
    """12 reps invited; 11 submitted (6 on the web, 5 imported, 2 flagged), 1 started."""
    instrument = ensure_default_instrument(session=session).row
    team = factory.team("Oslo")
    reps = [factory.person("rep", team=team) for _ in range(12)]
    wave = open_wave(session=session, actor=SYSTEM, name="Autumn")
    for i, rep in enumerate(reps):
        session.add(
            SurveyResponse(
                wave_id=wave.id,
                person_id=rep.id,
                instrument_id=instrument.id,
                status="in_progress" if i == 11 else "submitted",
                source="web" if i < 6 or i == 11 else "import",
                flags=["straightlining"] if i in (0, 7) else [],
            )
        )
    session.commit()
    return wave


def test_wave_participation_shows_counts_of_at_least_the_minimum(session, wave_with_responses):
    (facts,) = wave_participation(session=session, viewer=SYSTEM, min_group_size=5)
    assert facts["name"] == "Autumn"
    assert (facts["invited"], facts["submitted"], facts["in_progress"]) == (12, 11, None)
    assert facts["withheld"] == ["in_progress"]
    assert facts["response_rate"] == round(11 / 12, 3)
    details = wave_details(
        session=session, viewer=SYSTEM, wave_id=wave_with_responses.id, min_group_size=5
    )
    assert details["teams"] == [] and details["submitted"] == 11
    with pytest.raises(NotFound):
        wave_details(
            session=session, viewer=SYSTEM, wave_id=wave_with_responses.id + 1, min_group_size=5
        )


def test_a_wave_for_a_handful_of_people_shows_no_counts(session, factory):
    ensure_default_instrument(session=session)
    team = factory.team("Tiny")
    for _ in range(3):
        factory.person("rep", team=team)
    open_wave(session=session, actor=SYSTEM, name="Tiny wave", team_names=["Tiny"])
    (facts,) = wave_participation(session=session, viewer=SYSTEM, min_group_size=5)
    assert (facts["invited"], facts["submitted"], facts["in_progress"]) == (None, None, None)
    assert facts["response_rate"] is None


def test_response_counts_are_counts_only(session, wave_with_responses):
    counts = response_counts(
        session=session, viewer=SYSTEM, wave_id=wave_with_responses.id, min_group_size=5
    )
    assert counts["by_status"] == {"submitted": 11, "in_progress": None}
    assert counts["submitted_by_source"] == {"import": 5, "web": 6}
    assert counts["flagged"] is None  # 2 flagged responses: too few to show
    assert counts["withheld"] == ["by_status.in_progress", "flagged"]
    text = repr(counts)
    assert "straightlining" not in text and "Person" not in text
    # With a smaller minimum, the two flagged responses may be counted, once the wave is
    # closed: while it is open, a new submission would show whether it was flagged.
    assert response_counts(
        session=session, viewer=SYSTEM, wave_id=wave_with_responses.id, min_group_size=3
    )["by_status"] == {"submitted": 11, "in_progress": None}
    small = {"session": session, "viewer": SYSTEM, "wave_id": wave_with_responses.id}
    assert response_counts(**small, min_group_size=2)["flagged"] is None
    close_wave(session=session, actor=SYSTEM, wave_id=wave_with_responses.id)
    assert response_counts(**small, min_group_size=2)["flagged"] == 2


@pytest.fixture
def kpis(session, factory):
    """Oslo: 6 closers; Bergen: 5 hunters; Tromsø: 2 closers; one person with no team."""
    teams = {name: factory.team(name) for name in ("Oslo", "Bergen", "Tromsø")}
    plan = [("Oslo", "closer")] * 6 + [("Bergen", "hunter")] * 5 + [("Tromsø", "closer")] * 2
    people = [factory.person("rep", team=teams[t], sales_role=r) for t, r in plan]
    people.append(factory.person("rep", sales_role="closer"))
    for i, person in enumerate(people):
        session.add(KPI(person_id=person.id, period="2026-Q3", metric="revenue", value=100.0 * i))
        session.add(KPI(person_id=person.id, period="2026-06", metric="revenue", value=1.0))
    session.commit()
    return people


def test_kpi_summary_by_team_withholds_small_teams_and_their_complement(session, kpis):
    summary = kpi_summary(
        session=session, viewer=SYSTEM, metric="revenue", period="2026-q3", min_group_size=5
    )
    assert summary["period"] == "2026-Q3"
    assert summary["periods"] == ["2026-06", "2026-Q3"]
    groups = {g["group"]: g for g in summary["groups"]}
    # Oslo holds people 0..5: revenue 0..500, mean 250.
    assert groups["Oslo"]["n"] == 6 and groups["Oslo"]["mean"] == pytest.approx(250.0)
    assert groups["Oslo"]["std"] == pytest.approx(187.082869, rel=1e-6)
    # Tromsø (2) and no team (1) are small; together 3 < 5, so Bergen (5) is hidden too,
    # or the total minus Oslo and Bergen would give Tromsø's and the loner's sum.
    assert groups["Tromsø"]["n"] is None and groups["(none)"]["n"] is None
    assert groups["Bergen"] == {"group": "Bergen", "n": None, "mean": None, "std": None}
    assert sorted(summary["withheld"]) == ["(none)", "Bergen", "Tromsø"]
    assert summary["overall"]["n"] == 14
    assert summary["overall"]["mean"] == pytest.approx(650.0)


def test_kpi_summary_by_role_and_overall(session, kpis):
    by_role = kpi_summary(
        session=session,
        viewer=SYSTEM,
        metric="revenue",
        period="2026-Q3",
        by="sales_role",
        min_group_size=5,
    )
    roles = {g["group"]: g for g in by_role["groups"]}
    assert roles["closer"]["n"] == 9 and roles["hunter"]["n"] == 5
    overall = kpi_summary(
        session=session, viewer=SYSTEM, metric="revenue", by="none", min_group_size=5
    )
    assert overall["period"] == "2026-Q3"  # the latest period by default
    assert overall["groups"] == [] and overall["overall"]["n"] == 14


def test_kpi_summary_over_too_few_people_shows_nothing(session, factory):
    person = factory.person("rep")
    session.add(KPI(person_id=person.id, period="2026-Q3", metric="revenue", value=5.0))
    session.commit()
    summary = kpi_summary(
        session=session, viewer=SYSTEM, metric="revenue", by="none", min_group_size=5
    )
    assert summary["overall"] == {"n": None, "mean": None, "std": None}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"metric": ""}, "metric: name a metric"),
        ({"metric": "revnue"}, "metric: no values stored for 'revnue'"),
        ({"metric": "revenue", "by": "manager"}, "by: use one of team, sales_role, none"),
        ({"metric": "revenue", "period": "Q3"}, "period: 'Q3' is not a period"),
    ],
)
def test_kpi_summary_explains_what_it_cannot_use(session, kpis, kwargs, problem):
    with pytest.raises(InvalidInput) as caught:
        kpi_summary(session=session, viewer=SYSTEM, min_group_size=5, **kwargs)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_every_scope_is_described():
    assert all(text.endswith(".") for text in SCOPES.values())
    assert len(SCOPES) == 9


@pytest.fixture
def trained(session):
    from seed.demo_org import demo_people
    from services.catalogue import ensure_seed_catalogue
    from services.demo import load_demo_people, load_demo_survey
    from services.training import train_model

    ensure_seed_catalogue(session=session)
    load_demo_people(session=session, people=demo_people(), password="not used here")
    load_demo_survey(session=session)
    train_model(session=session, actor=SYSTEM)
    reps = session.exec(select(Person).where(Person.access == "rep", Person.active.is_(True))).all()
    return sorted(reps, key=lambda p: p.external_id)


def test_token_suggestions_follow_the_model_but_never_say_why(session, trained):
    rep = trained[0]
    full = suggest_rewards(session=session, viewer=SYSTEM, person=rep, k=5)
    assert full.personal and full.items[0].reasons["en"]
    shown = person_suggestions(session=session, viewer=SYSTEM, external_id=rep.external_id, k=5)
    assert shown["person"] == rep.external_id
    assert [s["reward_id"] for s in shown["suggestions"]] == [i.reward.slug for i in full.items]
    assert [s["rank"] for s in shown["suggestions"]] == [1, 2, 3, 4, 5]
    text = repr(shown)
    for item in full.items:
        for sentence in item.reasons["en"] + item.reasons["nb"]:
            assert sentence not in text
        assert repr(round(item.score, 4)) not in text
    assert set(shown["suggestions"][0]) == {
        "rank",
        "reward_id",
        "name",
        "category",
        "cost_band",
        "cost",
        "currency",
    }


def test_suggestions_for_everyone_match_each_persons_own(session, trained):
    everyone = suggestions_for_everyone(session=session, viewer=SYSTEM, k=3)
    assert [e["person"] for e in everyone] == [p.external_id for p in trained]
    first = person_suggestions(
        session=session, viewer=SYSTEM, external_id=trained[0].external_id, k=3
    )
    assert everyone[0] == first
    assert all("reasons" not in s for e in everyone for s in e["suggestions"])


def test_suggestions_for_an_unknown_or_inactive_person_are_not_found(session, factory):
    gone = factory.person("rep", active=False)
    for external_id in ("nobody", gone.external_id):
        with pytest.raises(NotFound):
            person_suggestions(session=session, viewer=SYSTEM, external_id=external_id, k=5)
