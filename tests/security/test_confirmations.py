"""Destructive actions take two steps: a POST without ``confirm=1`` changes nothing.

The first step answers with a page that says what will happen; only the form on that page,
which posts ``confirm=1``, acts. Plain forms: no script is needed (the CSP allows none
inline), so the tests drive it as a browser without JavaScript would.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlmodel import select

from models.tables import ApiToken, AuditLog, SurveyResponse, Wave
from models.tables import Reward as RewardRow
from services.access import SYSTEM
from services.api_tokens import create_token
from services.catalogue import create_reward
from services.grants import give_reward
from services.instruments import ensure_default_instrument
from services.waves import open_wave
from tests.conftest import csrf_token, login
from tests.services.test_catalogue_service import record

_CONFIRM_FORM = re.compile(
    r'<form method="post" action="([^"]+)" class="confirm-actions">(.*?)</form>', re.S
)


def confirmation_form(html: str) -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the confirmation page's form."""
    match = _CONFIRM_FORM.search(html)
    assert match, "no confirmation form on the page"
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', match.group(2)))
    return match.group(1), fields


def actions(session) -> list[str]:
    return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]


@pytest.fixture
def wave(session, factory):
    ensure_default_instrument(session=session)
    team = factory.team("Oslo")
    reps = [factory.person("rep", team=team) for _ in range(3)]
    wave = open_wave(session=session, actor=SYSTEM, name="Autumn pulse")
    session.add(
        SurveyResponse(
            wave_id=wave.id,
            person_id=reps[0].id,
            instrument_id=wave.instrument_id,
            status="submitted",
        )
    )
    session.commit()
    return wave


def test_closing_a_wave_asks_first_and_says_who_has_not_answered(client, session, factory, wave):
    login(client, factory.person("hr").email)
    token = csrf_token(client, "/hr/")
    first = client.post(f"/hr/waves/{wave.id}/close", data={"csrf_token": token})
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Close the wave Autumn pulse?" in html
    assert "Closing the wave stops new answers" in html
    assert "2 people have not answered." in html
    session.refresh(wave)
    assert wave.status == "open" and "wave.close" not in actions(session)

    action, fields = confirmation_form(html)
    assert action == f"/hr/waves/{wave.id}/close" and fields["confirm"] == "1"
    done = client.post(action, data=fields)
    assert done.status_code == 302
    session.refresh(wave)
    assert wave.status == "closed" and actions(session).count("wave.close") == 1


def test_the_confirmation_page_speaks_norwegian(client, session, factory, wave):
    hr = factory.person("hr")
    hr.locale = "nb"
    session.add(hr)
    session.commit()
    login(client, hr.email)
    token = csrf_token(client, "/hr/")
    html = client.post(f"/hr/waves/{wave.id}/close", data={"csrf_token": token}).get_data(
        as_text=True
    )
    assert "Avslutte runden Autumn pulse?" in html
    assert "2 personer har ikke svart." in html


def test_revoking_a_token_asks_first(client, session, factory):
    token_row, _secret = create_token(
        session=session, actor=SYSTEM, name="HRIS sync", scopes=["people:read"]
    )
    login(client, factory.person("admin").email)
    csrf = csrf_token(client, "/admin/tokens/")
    first = client.post(f"/admin/tokens/{token_row.id}/revoke", data={"csrf_token": csrf})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Revoke the token HRIS sync?" in html
    assert token_row.prefix in html
    session.refresh(token_row)
    assert token_row.revoked_at is None

    action, fields = confirmation_form(html)
    assert client.post(action, data=fields).status_code == 302
    session.refresh(token_row)
    assert token_row.revoked_at is not None


def test_retiring_a_reward_asks_first_and_names_the_grants_it_keeps(client, session, factory):
    create_reward(session=session, actor=SYSTEM, record=record())
    team = factory.team("Oslo")
    manager = factory.person("manager", team=team)
    rep = factory.person("rep", team=team, manager=manager)
    give_reward(session=session, manager=manager, person=rep, reward_slug="quiet-day")
    login(client, factory.person("hr").email)
    csrf = csrf_token(client, "/hr/rewards/quiet-day")
    first = client.post("/hr/rewards/quiet-day/retire", data={"csrf_token": csrf})
    html = first.get_data(as_text=True)
    assert "Retire the reward A quiet day?" in html
    assert "It is no longer suggested to anyone" in html
    assert "1 grant already given keeps it in its history, with its rating. (1 person)" in html
    assert session.exec(select(RewardRow)).one().active

    action, fields = confirmation_form(html)
    client.post(action, data=fields)
    row = session.exec(select(RewardRow)).one()
    session.refresh(row)
    assert not row.active


@pytest.mark.parametrize("confirm", ["", "0", "yes", "true"])
def test_anything_but_confirm_1_does_nothing(client, session, factory, wave, confirm):
    create_reward(session=session, actor=SYSTEM, record=record())
    token_row, _secret = create_token(session=session, actor=SYSTEM, name="t", scopes=["kpis:read"])
    hr, admin = factory.person("hr"), factory.person("admin")
    before = actions(session)
    login(client, hr.email)
    csrf = csrf_token(client, "/hr/")
    for url in (f"/hr/waves/{wave.id}/close", "/hr/rewards/quiet-day/retire"):
        client.post(url, data={"csrf_token": csrf, "confirm": confirm})
    client.post("/auth/logout", data={"csrf_token": csrf})
    login(client, admin.email)
    csrf = csrf_token(client, "/admin/tokens/")
    client.post(
        f"/admin/tokens/{token_row.id}/revoke", data={"csrf_token": csrf, "confirm": confirm}
    )
    assert session.exec(select(Wave)).one().status == "open"
    assert session.exec(select(RewardRow)).one().active
    assert session.exec(select(ApiToken)).one().revoked_at is None
    assert actions(session) == before


def test_a_confirmation_without_the_csrf_token_does_nothing(client, session, factory, wave):
    login(client, factory.person("hr").email)
    response = client.post(f"/hr/waves/{wave.id}/close", data={"confirm": "1"})
    assert response.status_code in (302, 400)
    session.refresh(wave)
    assert wave.status == "open"


ROSTER_HEADER = "external_id,name,email,team,manager_email,access,sales_role\n"
ROSTER = (
    ROSTER_HEADER
    + "M1,Kari Nordmann,kari@example.test,Oslo,,manager,\n"
    + "R1,Ola Hansen,ola@example.test,Oslo,kari@example.test,rep,closer\n"
    + "R2,Aisha Khan,aisha@example.test,Oslo,kari@example.test,rep,presales\n"
)
WITHOUT_AISHA = ROSTER.replace(
    "R2,Aisha Khan,aisha@example.test,Oslo,kari@example.test,rep,presales\n", ""
)


def upload(client, text: str, **fields):
    data = {
        "csrf_token": csrf_token(client, "/admin/people"),
        "file": (io.BytesIO(text.encode()), "roster.csv"),
        **fields,
    }
    return client.post("/admin/people", data=data, content_type="multipart/form-data")


def person_state(session) -> dict[str, bool]:
    from models.tables import Person

    session.expire_all()
    return {p.external_id: p.active for p in session.exec(select(Person))}


def test_a_roster_that_deactivates_people_asks_first_and_names_them(client, session, factory):
    login(client, factory.person("admin").email)
    assert upload(client, ROSTER).status_code == 200
    first = upload(client, WITHOUT_AISHA)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "1 person will be deactivated and signed out" in html and "Aisha Khan" in html
    assert person_state(session)["R2"] is True
    assert actions(session).count("people.import") == 1

    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)
    # Confirming another file than the one shown changes nothing: it is shown instead.
    other = upload(client, WITHOUT_AISHA.replace("Ola Hansen", "Ola H"), confirm="1", digest=digest)
    assert "1 person will be deactivated" in other.get_data(as_text=True)
    assert person_state(session)["R2"] is True

    done = upload(client, WITHOUT_AISHA, confirm="1", digest=digest)
    assert done.status_code == 200 and "1 deactivated" in done.get_data(as_text=True)
    state = person_state(session)
    assert state["R2"] is False and state["R1"] is True and state["M1"] is True


def test_a_roster_that_changes_access_asks_first(client, session, factory):
    login(client, factory.person("admin").email)
    upload(client, ROSTER)
    demoted = ROSTER.replace(
        "Kari Nordmann,kari@example.test,Oslo,,manager,",
        ("Kari Nordmann,kari@example.test,Oslo,,rep,"),
    ).replace("kari@example.test,rep,", ",rep,")
    html = upload(client, demoted).get_data(as_text=True)
    assert "Kari Nordmann (M1): manager → rep" in html
    from models.tables import Person

    kari = session.exec(select(Person).where(Person.external_id == "M1")).one()
    session.refresh(kari)
    assert kari.access == "manager"


def test_a_roster_that_only_adds_people_is_imported_at_once(client, session, factory):
    login(client, factory.person("hr").email)
    response = upload(client, ROSTER)
    assert "3 created" in response.get_data(as_text=True)


def confirm_without_file(client, html: str, **changed):
    """Post the confirmation page's own form, choosing no file."""
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    fields.update(changed)
    return client.post("/admin/people", data=fields, content_type="multipart/form-data")


def test_confirming_a_roster_applies_the_previewed_file_without_choosing_it_again(
    client, session, factory
):
    login(client, factory.person("admin").email)
    upload(client, ROSTER)
    html = upload(client, WITHOUT_AISHA).get_data(as_text=True)
    assert 'type="file"' not in html and "choose the same file again" not in html
    assert "Confirming applies the file you previewed" in html
    done = confirm_without_file(client, html)
    assert done.status_code == 200 and "1 deactivated" in done.get_data(as_text=True)
    state = person_state(session)
    assert state["R2"] is False and state["R1"] is True and state["M1"] is True


def test_a_carried_roster_confirmed_by_someone_else_or_with_other_options_changes_nothing(
    client, session, factory
):
    admin, other = factory.person("admin"), factory.person("admin")
    login(client, admin.email)
    upload(client, ROSTER)
    html = upload(client, WITHOUT_AISHA).get_data(as_text=True)
    # The carried file is bound to the options shown: "keep missing" now is refused.
    refused = confirm_without_file(client, html, keep_missing="y")
    assert refused.status_code == 400
    assert "Choose the file again" in refused.get_data(as_text=True)
    assert 'class="field has-error"' in refused.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/people")})
    login(client, other.email)
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    fields["csrf_token"] = csrf_token(client, "/admin/people")
    replayed = client.post("/admin/people", data=fields, content_type="multipart/form-data")
    assert replayed.status_code == 400 and "Choose the file again" in replayed.get_data(
        as_text=True
    )
    assert person_state(session)["R2"] is True
    assert actions(session).count("people.import") == 1


def test_a_confirmation_with_no_file_carried_asks_for_the_file_on_its_field(
    client, session, factory
):
    login(client, factory.person("admin").email)
    upload(client, ROSTER)
    html = upload(client, WITHOUT_AISHA).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    del fields["upload_stash"]  # as for a file too large to carry
    response = client.post("/admin/people", data=fields, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the file again" in page and 'class="field has-error"' in page
    assert 'aria-invalid="true"' in page
    assert person_state(session)["R2"] is True
