"""The organisation's minimum group size is a floor no caller can go under.

Pages, the API and the CLI pass the configured size; a script or a future caller that passes
a smaller one, or none, must still get nothing about fewer people than the organisation set.
"""

import pytest

from services import analytics, exports, focus_groups, summaries
from services.access import SYSTEM
from services.organisation import use_min_group_size
from tests.services import insights_org

org_db = insights_org.org_db
org_session = insights_org.org_session

CONFIGURED = 8


def shown_sizes(data: dict) -> list[int]:
    groups = [g for g in data["groups"] if not g["suppressed"]]
    return [g["n"] for g in groups] + (
        [data["total"]["n"]] if not data["total"]["suppressed"] else []
    )


@pytest.mark.parametrize("asked", [None, 3, 5])
def test_summaries_never_use_a_size_below_the_configured_one(org_db, org_session, asked):
    use_min_group_size(org_session, CONFIGURED)
    extra = {} if asked is None else {"min_group_size": asked}
    wave = org_db.org.first_wave.name
    data = summaries.summary(session=org_session, viewer=SYSTEM, by="team", wave=wave, **extra)
    assert data["min_group_size"] == CONFIGURED
    assert all(n >= CONFIGURED for n in shown_sizes(data))
    exported = exports.export_summary(
        session=org_session, viewer=SYSTEM, by="sales_role", wave=wave, **extra
    )
    assert f'"min_group_size": {CONFIGURED}' in exported.content.decode()


@pytest.mark.parametrize("asked", [None, 3])
def test_participation_programme_and_focus_groups_use_the_configured_size(
    org_db, org_session, asked
):
    use_min_group_size(org_session, CONFIGURED)
    extra = {} if asked is None else {"min_group_size": asked}
    wave = org_db.org.first_wave.name
    part = analytics.participation(session=org_session, viewer=SYSTEM, wave=wave, **extra)
    assert part["min_group_size"] == CONFIGURED
    for row in part["teams"]:
        assert row["suppressed"] or row["invited"] >= CONFIGURED
    page = analytics.programme_analytics(session=org_session, viewer=SYSTEM, wave=wave, **extra)
    assert page["min_group_size"] == CONFIGURED
    groups = focus_groups.focus_groups(
        session=org_session, viewer=SYSTEM, wave=wave, size=CONFIGURED, anonymous=True, **extra
    )
    assert groups["min_group_size"] == CONFIGURED


def test_a_larger_size_asked_for_is_kept(org_db, org_session):
    use_min_group_size(org_session, 5)
    data = summaries.summary(
        session=org_session,
        viewer=SYSTEM,
        by="team",
        wave=org_db.org.first_wave.name,
        min_group_size=7,
    )
    assert data["min_group_size"] == 7
