"""A fresh demo shows HR the open wave's figures an organisation reads first.

HR opening programme analytics on a new demo saw every team's scores withheld and the open
wave missing from the change between waves: the page released sales roles first (larger
groups), and with them the teams and the wave's own total would have isolated people. The
wave's total and its teams come first now; roles are released on top of them.
"""

from seed.demo_org import demo_people
from services.access import SYSTEM
from services.analytics import programme_analytics
from services.catalogue import ensure_seed_catalogue
from services.demo import load_demo_people, load_demo_survey
from services.organisation import min_group_size


def test_a_fresh_demo_shows_the_open_waves_total_and_teams(session):
    ensure_seed_catalogue(session=session)
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    data = programme_analytics(session=session, viewer=SYSTEM)
    minimum = min_group_size(session)

    waves = data["drift"]["waves"]
    assert len(waves) == 2
    assert not any(w["suppressed"] for w in waves), [(w["wave"], w["reason"]) for w in waves]

    teams = data["distributions"]["team"]["groups"]
    big_enough = [t for t in teams if t["n"] is not None or t["reason"] != "small"]
    assert big_enough
    withheld = [(t["label"], t["reason"]) for t in big_enough if t["n"] is None]
    assert not withheld, withheld
    assert all(t["n"] >= minimum for t in big_enough)
    # Roles are still tried; those left out say why.
    for role in data["distributions"]["sales_role"]["groups"]:
        assert role["n"] is not None or role["reason"] in ("small", "combined")


def test_a_summary_by_sales_role_first_leaves_the_teams_readable(session):
    """The report opened by sales role on a fresh wave released roles first, and every
    team was then withheld for good. A wave's first summary by another grouping is
    preceded by its total and teams."""
    from services.summaries import summary

    ensure_seed_catalogue(session=session)
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    summary(session=session, viewer=SYSTEM, by="sales_role")
    data = programme_analytics(session=session, viewer=SYSTEM)
    teams = data["distributions"]["team"]["groups"]
    withheld = [(t["label"], t["reason"]) for t in teams if t["reason"] == "combined"]
    assert not withheld, withheld
