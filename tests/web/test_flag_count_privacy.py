"""HR never learns whose answers were flagged by watching the flagged count.

While a wave is open, a rep's submission moves the count and the reminders show who newly
answered: no count and no figure on the unflagged responses alone, on the page, through the
API or on the command line. Once closed, a small count is only "fewer than N".
"""

import csv
import io
import json
import re

import pytest
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import func, select

from models.tables import AuditLog, Person, SurveyResponse, Wave
from seed.demo_org import demo_people
from services.access import SYSTEM
from services.api_tokens import create_token
from services.demo import load_demo_people, load_demo_survey
from services.waves import close_wave
from tests.conftest import login


@pytest.fixture
def demo(session):
    load_demo_people(session=session, people=demo_people(), password="demo")
    load_demo_survey(session=session)
    return session.exec(select(Person).where(Person.access == "hr")).first()


@pytest.fixture
def wave(session, demo):
    return session.exec(select(Wave).where(Wave.status == "open")).first()


def flag(session, wave, n: int) -> None:
    """Exactly ``n`` of the wave's submitted responses carry a quality flag."""
    responses = session.exec(
        select(SurveyResponse)
        .where(SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted")
        .order_by(SurveyResponse.id)
    ).all()
    assert len(responses) > n + 5
    for index, response in enumerate(responses):
        response.flags = ["attention_check"] if index < n else []
        flag_modified(response, "flags")
        session.add(response)
    session.commit()


def page(client, demo, wave, **args) -> str:
    if not getattr(client, "signed_in", False):
        login(client, demo.email, "demo")
        client.signed_in = True
    query = "&".join(f"{k}={v}" for k, v in {"wave": wave.id, **args}.items())
    return client.get(f"/hr/reliability?{query}").get_data(as_text=True)


def api_flagged(app, session, wave) -> dict:
    # A client of its own: a browser that signed in cannot use the token endpoints.
    client = app.test_client()
    secret = create_token(session=session, actor=SYSTEM, name="t", scopes=("responses:read",))[1]
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.get(f"/api/v1/waves/{wave.id}/responses", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def cli(runner, wave, fmt="json"):
    result = runner.invoke(args=["reliability", "--wave", wave.name, "--format", fmt])
    assert result.exit_code == 0, result.output
    return result


def test_open_wave_shows_no_flagged_count_anywhere(app, client, runner, session, demo, wave):
    flag(session, wave, 6)  # enough to pass the minimum group size: still withheld

    html = page(client, demo, wave)
    assert "appear when the wave closes" in html
    assert not re.search(r"\d+ (of them )?with quality flags", html)
    assert "Alpha without flagged responses" not in html
    left_out = page(client, demo, wave, exclude_flagged=1)
    assert "not shown while the wave is open" in left_out
    assert "<table>" not in left_out

    body = api_flagged(app, session, wave)
    assert body["flagged"] is None and "flagged" in body["withheld"]

    result = cli(runner, wave)
    report = json.loads(result.stdout)
    assert report["n_flagged"] is None and report["flagged_pending"] is True
    assert all(scale["unflagged"] is None for scale in report["scales"])
    assert "6 flagged" not in result.stderr and "when the wave closes" in result.stderr
    rows = list(csv.DictReader(io.StringIO(cli(runner, wave, "csv").stdout)))
    assert rows and all(row["alpha_unflagged"] == row["n_unflagged"] == "" for row in rows)


def test_closed_wave_with_few_flagged_says_fewer_than(app, client, runner, session, demo, wave):
    flag(session, wave, 2)
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)

    html = page(client, demo, wave)
    assert "Fewer than 5 responses have quality flags" in html
    assert not re.search(r"\d+ (of them )?with quality flags", html)
    assert "Alpha without flagged responses" not in html

    body = api_flagged(app, session, wave)
    assert body["flagged"] is None and "flagged" in body["withheld"]

    result = cli(runner, wave)
    report = json.loads(result.stdout)
    assert report["n_flagged"] is None and report["flagged_fewer_than"] == 5
    assert all(scale["unflagged"] is None for scale in report["scales"])
    assert "fewer than 5 flagged" in result.stderr


def test_closed_wave_with_enough_flagged_shows_the_number(app, client, runner, session, demo, wave):
    flag(session, wave, 6)
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)

    html = page(client, demo, wave)
    assert re.search(r"6 (of them )?with quality flags", html)
    assert "Alpha without flagged responses" in html

    assert api_flagged(app, session, wave)["flagged"] == 6

    result = cli(runner, wave)
    report = json.loads(result.stdout)
    assert report["n_flagged"] == 6 and report["flagged_pending"] is False
    assert any(scale["unflagged"] is not None for scale in report["scales"])
    assert "6 flagged" in result.stderr


def test_reliability_command_is_audited_as_an_export(runner, session, demo, wave):
    def entries():
        session.expire_all()
        return session.exec(
            select(func.count()).select_from(AuditLog).where(AuditLog.action.like("export.%"))
        ).one()

    before = entries()
    cli(runner, wave, "csv")
    assert entries() == before + 1
    event = session.exec(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert event.action == "export.reliability"
    assert event.target == wave.name
    assert event.details["format"] == "csv"


def test_validity_counts_every_response_while_the_wave_is_open(session, demo, wave):
    """Leaving flagged responses out of an open wave's validity would let n grow only when
    an unflagged rep submits: while the wave is open every response counts and no flagged
    number is given; once it closes, flagged responses are left out and counted, if there
    are none or at least the minimum group size of them."""
    from services.validity import validity

    flag(session, wave, 2)
    submitted = session.exec(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.wave_id == wave.id, SurveyResponse.status == "submitted")
    ).one()
    open_report = validity(session=session, viewer=SYSTEM, wave=wave.name)
    assert open_report["flagged_pending"] is True
    assert open_report["basis"] == "all responses"
    assert open_report["n_flagged_excluded"] == 0
    assert open_report["n"] <= submitted
    close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    closed = validity(session=session, viewer=SYSTEM, wave=wave.name)
    assert closed["flagged_pending"] is False
    # Two are fewer than the minimum group size: leaving them out would show their number
    # (n, or its difference from the report with them included), which HR may not see.
    assert closed["n_flagged_excluded"] == 0
    assert closed["basis"] == "all responses"
    assert closed["flagged_fewer_than"] == 5
    from services.organisation import use_min_group_size

    use_min_group_size(session, 3)
    flag(session, wave, 3)
    closed = validity(session=session, viewer=SYSTEM, wave=wave.name)
    assert closed["n_flagged_excluded"] == 3
    assert closed["basis"] == "unflagged responses"
    assert closed["flagged_fewer_than"] is None


def test_the_validity_page_says_why_flagged_responses_count_while_open(client, session, demo, wave):
    flag(session, wave, 6)
    login(client, demo.email, "demo")
    html = client.get(f"/hr/validity?wave={wave.id}").get_data(as_text=True)
    assert "The wave is still open, so every response counts" in html
    assert "responses with quality flags are left out" not in html


def test_waves_on_survey_versions_that_share_no_scale_show_no_empty_change_chart(
    client, session, demo
):
    """The demo's waves use survey versions 1 and 2, which ask every scale differently: the
    report and the analytics page drew an empty axis with a dash for every change."""
    from models.tables import Wave as WaveRow

    for wave in session.exec(select(WaveRow).where(WaveRow.status == "open")):
        close_wave(session=session, actor=SYSTEM, wave_id=wave.id)
    login(client, demo.email, "demo")
    for path in ("/hr/insights/analytics", "/hr/insights/report"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="chart-drift"' not in html, path
        assert "ask no scale the same way" in html, path
