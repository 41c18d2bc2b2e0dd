"""Server time of the manager's team page for a 50-person team, on SQLite.

Run ``python bench/bench_pages.py`` (under a minute). It builds a SQLite database with the
demo organisation plus a team of 50 reps who all answered the survey and received rewards
(answers from ``seed/simulate.py``), trains the model, then times ``GET /team/`` for that
team's manager in-process through Flask's test client: the full request, from routing to the
rendered page, with every database read. The first request (which loads the model into the
process) is reported separately; then 40 requests give p50 and p95.

Floor: ``GET /healthz`` (routing, one tiny query, JSON) in the same process, so the ratio
says how much the team page costs above the framework's own overhead. Target: p95 < 50 ms.
The page is timed twice: with every rep consenting to personal suggestions, and with half
of them opted out (they get the non-personal list); the database statements one request
sends are counted too (they must not grow with the team).

Writes ``bench/results/pages.md`` and prints it.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEAM_SIZE = 50
RUNS = 40
TARGET_MS = 50.0
RESULTS = ROOT / "bench" / "results" / "pages.md"


def build(url: str) -> str:
    """The demo organisation plus a 50-rep team; returns the big team's manager's email."""
    from sqlmodel import Session

    from models.engine import make_engine
    from models.migrate import upgrade
    from seed.demo_org import demo_people
    from seed.loaders import load_catalogue
    from seed.simulate import simulate_organisation, simulate_ratings
    from services.access import SYSTEM
    from services.catalogue import ensure_seed_catalogue
    from services.demo import load_demo_people, load_demo_survey
    from services.feedback import import_feedback
    from services.instruments import definition, ensure_current_instrument
    from services.people import PEOPLE_COLUMNS, import_people
    from services.responses_import import import_responses
    from services.training import train_model

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        ensure_current_instrument(session=session)
        ensure_seed_catalogue(session=session)
        load_demo_people(session=session, people=demo_people(), password="demo")
        load_demo_survey(session=session)
        manager = {
            "external_id": "B0000",
            "name": "Bench Manager",
            "email": "bench.manager@example.test",
            "team": "Bench Team",
            "manager_email": "",
            "access": "manager",
            "sales_role": "",
        }
        roles = ("closer", "presales", "sdr", "account_manager", "customer_success")
        reps = [
            {
                "external_id": f"B{i:04d}",
                "name": f"Bench Rep {i}",
                "email": f"bench.rep{i}@example.test",
                "team": "Bench Team",
                "manager_email": manager["email"],
                "access": "rep",
                "sales_role": roles[i % 5],
            }
            for i in range(1, TEAM_SIZE + 1)
        ]
        import_people(
            session=session,
            actor=SYSTEM,
            header=list(PEOPLE_COLUMNS),
            records=[manager, *reps],
            deactivate_missing=False,
        )
        from sqlmodel import select

        from models.tables import Person
        from services.accounts import store_password

        person = session.exec(select(Person).where(Person.email == manager["email"])).one()
        store_password(session, person, "bench-password")
        session.commit()

        # The team answers the version the demo's open wave asks (the current one).
        instrument = definition(ensure_current_instrument(session=session).row)
        rewards = load_catalogue()
        org = simulate_organisation(
            instrument, rewards, TEAM_SIZE, random_state=5, roles=[r["sales_role"] for r in reps]
        )
        header = ["person", *[item.code for item in instrument.items]]
        records = []
        for rep, answers in zip(reps, org.answers, strict=True):
            row = {"person": rep["external_id"]}
            for item in instrument.items:
                value = answers.get(item.code)
                row[item.code] = (
                    ">".join(value)
                    if isinstance(value, list)
                    else ("" if value is None else str(value))
                )
            records.append(row)
        import_responses(
            session=session, actor=SYSTEM, header=header, records=records, wave="Winter check-in"
        )
        sim = simulate_ratings(org, rewards, mean_per_person=3.0, random_state=6)
        feedback = [
            {
                "person": reps[int(p)]["external_id"],
                "reward_id": org.reward_ids[int(r)],
                "rating": str(int(v)),
                "given_at": f"2026-{10 + int(p) % 2:02d}-{1 + int(r) % 27:02d}",
            }
            for p, r, v in zip(sim.person, sim.reward, sim.rating, strict=True)
            if np.isfinite(v)
        ]
        seen, unique = set(), []
        for row in feedback:
            key = (row["person"], row["reward_id"], row["given_at"])
            if key not in seen:
                seen.add(key)
                unique.append(row)
        import_feedback(
            session=session,
            actor=SYSTEM,
            header=["person", "reward_id", "rating", "given_at"],
            records=unique,
        )
        train_model(session=session, actor=SYSTEM)
    engine.dispose()
    return manager["email"]


def timed(client, path: str) -> float:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (path, response.status_code)
    return elapsed


def measure(client, engine) -> tuple[float, float, int]:
    """p50 and p95 of ``RUNS`` team pages, and the statements one of them sends."""
    from sqlalchemy import event

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    timed(client, "/team/")
    event.remove(engine, "before_cursor_execute", count)
    team = sorted(timed(client, "/team/") for _ in range(RUNS))
    return statistics.median(team), team[int(0.95 * (len(team) - 1))], len(statements)


def opt_out_half(engine) -> None:
    """Every other rep of the bench team turns personal suggestions off."""
    from sqlmodel import Session, select

    from models.tables import Person

    with Session(engine) as session:
        reps = session.exec(
            select(Person).where(Person.external_id.like("B%"), Person.access == "rep")
        ).all()
        for rep in sorted(reps, key=lambda p: p.external_id)[::2]:
            rep.personalise = False
            session.add(rep)
        session.commit()


def main() -> str:
    from web import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        email = build(url)
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": "bench" * 8,
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
            }
        )
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        assert "Sign in" in page
        client.post("/auth/login", data={"email": email, "password": "bench-password"})
        first = timed(client, "/team/")
        html = client.get("/team/").get_data(as_text=True)
        cards = len(re.findall(r'class="card person-card"', html))
        assert cards == TEAM_SIZE, cards
        engine = app.extensions["motivo.engine"]
        cases = [("team page, {n} reps", *measure(client, engine))]
        opt_out_half(engine)
        cases.append(("team page, {n} reps, half opted out", *measure(client, engine)))
        floor = sorted(timed(client, "/healthz") for _ in range(RUNS))
        engine.dispose()

    f50 = statistics.median(floor)
    lines = [
        "# Page speed",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.platform()}, "
        f"{os.cpu_count()} CPUs, python {platform.python_version()}, numpy {np.__version__}.",
        "",
        f"`GET /team/` for a manager with {TEAM_SIZE} reps (a card each with profile and three "
        "suggestions with reasons), SQLite, in-process through Flask's test client.",
        "",
        "| measurement | p50 | p95 | queries | floor (`/healthz`, p50) | ratio p50/floor "
        "| target (p95) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, p50, p95, queries in cases:
        verdict = "met" if p95 < TARGET_MS else "MISSED"
        lines.append(
            f"| {name.format(n=TEAM_SIZE)} | {p50:.1f} ms | {p95:.1f} ms | {queries} | "
            f"{f50:.2f} ms | {p50 / f50:.0f}× | < {TARGET_MS:.0f} ms: {verdict} |"
        )
    lines += [f"| first request (loads the model) | {first:.1f} ms | | | | | |", ""]
    report = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return report


if __name__ == "__main__":
    print(main())
