"""Focus-group exports and summaries of the generated organisation against the attack of
issue 10: a linear system from eight exports and the summaries recovered whole profiles."""

import json

import numpy as np
from sqlmodel import select

from models.tables import Release, Team
from recommender.anonymity import within_bound
from services.access import SYSTEM
from services.exports import export_focus_groups, export_summary
from services.summaries import load_population
from tests.services import insights_org
from tests.services.attacker import best_recovery, leverages
from tests.services.test_disclosure import MIN, truth

org_db = insights_org.org_db
org_session = insights_org.org_session


def test_focus_group_exports_and_summaries_together_recover_nobody(org_db, org_session):
    """Eight focus-group exports of every mode and size, in every format, plus the team,
    role and profile summaries: the linear system must recover no one's profile."""
    wave = org_db.org.first_wave
    for by in ("team", "sales_role", "profile"):
        export_summary(session=org_session, viewer=SYSTEM, by=by, wave=wave.name, fmt="json")
    formats = iter(["json", "csv", "xlsx"] * 6)
    for by in ("profile", "mixed"):
        for size in (5, 6, 7, 8):
            for anonymous in (False, True):
                export_focus_groups(
                    session=org_session,
                    viewer=SYSTEM,
                    wave=wave.name,
                    by=by,
                    size=size,
                    anonymous=anonymous,
                    fmt=next(formats),
                )
    _ids, h = leverages(org_session, wave)
    assert h.size and within_bound(h, MIN)
    assert best_recovery(org_session, wave, truth(org_session, wave)) > 0.15
    # Named lists were exported, and none of them released a figure.
    named = [
        r
        for r in org_session.exec(select(Release).where(Release.kind == "focus_groups"))
        if not r.details["filters"].get("anonymous")
    ]
    assert not named


def test_the_export_attacker_of_issue_ten_recovers_nobody(org_db, org_session):
    """The attack as it was run: read the JSON exports, take memberships from the named
    lists (the anonymous list of the same size and mode has the same groups) and the
    roster, and solve for everyone's scale scores."""
    wave = org_db.org.first_wave
    population = load_population(org_session, wave)
    ids = [p.external_id for p in population.people]
    column = {e: j for j, e in enumerate(ids)}
    true = population.scores
    constructs = list(population.constructs)
    rows, totals = [], []

    def add(members, n, scores):
        if not scores or any(scores.get(c) is None for c in constructs):
            return
        row = np.zeros(len(ids))
        row[[column[m] for m in members if m in column]] = 1.0
        if row.sum() != n:
            return  # the attacker's membership guess does not match: unusable
        rows.append(row)
        totals.append([scores[c] * n for c in constructs])

    roster = {p.external_id: p for p in population.people}
    for by in ("team", "sales_role"):
        data = json.loads(
            export_summary(
                session=org_session, viewer=SYSTEM, by=by, wave=wave.name, fmt="json"
            ).content
        )
        for g in data["groups"]:
            members = [
                e
                for e, p in roster.items()
                if (team_name(org_session, p) if by == "team" else p.sales_role or "none")
                == g["key"]
            ]
            add(members, g["n"], g["scores"])
        total = data["total"]
        add(ids, total["n"], total["scores"])
    for by in ("profile", "mixed"):
        for size in (5, 6, 7, 8):
            named = json.loads(
                export_focus_groups(
                    session=org_session, viewer=SYSTEM, wave=wave.name, by=by, size=size, fmt="json"
                ).content
            )
            anonymous = json.loads(
                export_focus_groups(
                    session=org_session,
                    viewer=SYSTEM,
                    wave=wave.name,
                    by=by,
                    size=size,
                    fmt="json",
                    anonymous=True,
                ).content
            )
            members = {g["id"]: g["members"] for g in named["groups"]}
            for g in named["groups"] + anonymous["groups"]:
                add(members[g["id"]], g["size"], g["summary"].get("scores"))
    a = np.array(rows)
    estimate = np.linalg.lstsq(a, np.array(totals), rcond=None)[0]
    worst = np.abs(estimate - true).max(axis=1)
    recovered = int((worst < 0.15).sum())
    assert recovered == 0, f"{recovered} of {len(ids)} profiles recovered within 0.15"


def team_name(session, person):
    team = session.get(Team, person.team_id) if person.team_id else None
    return team.name if team else "none"
