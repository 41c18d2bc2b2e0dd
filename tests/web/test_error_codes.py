"""Every error code a service raises has a message in web/messages.py and its Norwegian
translation, and Norwegian pages word service errors and import problems in Norwegian."""

import ast
import io
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from services.access import SYSTEM
from services.catalogue import create_reward
from services.errors import CATALOGUE_RULE
from services.instruments import ensure_default_instrument
from tests.conftest import csrf_token, login
from tests.web.test_catalogue_pages import edit_form, form_data
from web.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "web" / "translations" / "nb" / "LC_MESSAGES" / "messages.po"
# Where a code sits among a call's positional arguments: Problem(field, code, ...),
# row_problem(row, column, code, ...), and the importers' small wrappers around them.
CODE_ARGUMENT = {"Problem": 1, "RowProblem": 2, "row_problem": 2, "problem": 2, "_issue": 0}


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def service_codes() -> set[str]:
    """Every code passed as ``code=`` or as a problem's code anywhere in services/."""
    found: set[str] = set()
    for path in sorted((ROOT / "services").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code":
                    found |= _strings(keyword.value)
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            index = CODE_ARGUMENT.get(name)
            if index is not None and len(node.args) > index:
                found |= _strings(node.args[index])
    return found - {""}


def test_every_service_code_has_a_message_and_a_norwegian_translation():
    codes = service_codes()
    assert len(codes) > 100  # the scan still sees the services' codes
    assert "people.email_invalid" in codes and "answer.out_of_range" in codes
    missing = sorted(codes - set(MESSAGES) - {CATALOGUE_RULE})
    assert not missing, f"codes without a message in web/messages.py: {missing}"
    with PO_PATH.open("rb") as fh:
        catalog = read_po(fh, locale="nb")

    def translated(message) -> bool:
        found = catalog.get(message)  # a plural message is looked up by its singular
        if found is None:
            return False
        forms = found.string if isinstance(found.string, tuple) else (found.string,)
        # A plural needs every form: ("", "") is a tuple, and a tuple is true.
        return bool(forms) and all(forms)

    untranslated = sorted(code for code, message in MESSAGES.items() if not translated(message))
    assert not untranslated, f"messages without a Norwegian translation: {untranslated}"


@pytest.fixture
def nb_hr(client, session, factory):
    person = factory.person("hr")
    person.locale = "nb"
    session.add(person)
    session.commit()
    login(client, person.email)
    return person


def upload(client, path: str, text: str, name: str):
    data = {"csrf_token": csrf_token(client, path), "file": (io.BytesIO(text.encode()), name)}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_norwegian_hr_sees_a_bad_roster_row_in_norwegian_with_row_and_column(client, nb_hr):
    header = "external_id,name,email,team,manager_email,access,sales_role\n"
    response = upload(client, "/admin/people", header + "R1,,not-an-email,,,chief,\n", "roster.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ingenting ble importert: 3 problemer i roster.csv." in html
    assert "rad 2, kolonne name: tom" in html
    assert "rad 2, kolonne email: «not-an-email» er ikke en e-postadresse" in html
    assert "rad 2, kolonne access: ukjent tilgangsrolle «chief»" in html
    assert "row 2" not in html and "is not an email address" not in html


def test_norwegian_hr_sees_kpi_problems_in_norwegian(client, factory, nb_hr):
    rep = factory.person()
    text = f"person,period,metric,value\n{rep.external_id},2026-Q2,revenue,lots\n"
    html = upload(client, "/hr/experiments/kpis", text, "kpis.csv").get_data(as_text=True)
    assert "rad 2, kolonne value: «lots» er ikke et tall (skriv f.eks. 1234,5 eller 1234.5)" in html
    assert "is not a number" not in html


def test_an_unknown_experiment_is_named_in_norwegian(client, nb_hr):
    response = client.get("/hr/experiments/999")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Det finnes ikke noe eksperiment som heter «999»." in html
    assert "No experiment called" not in html


def test_reliability_without_responses_speaks_norwegian(client, session, nb_hr):
    ensure_default_instrument(session=session)
    html = client.get("/hr/reliability").get_data(as_text=True)
    assert "Ingen innsendte svar på" in html and "No submitted responses" not in html


def test_a_taken_reward_id_is_refused_in_norwegian_under_its_field(client, session, nb_hr):
    token = csrf_token(client, "/hr/rewards/new")
    assert client.post("/hr/rewards/new", data=form_data(token)).status_code == 302
    response = client.post("/hr/rewards/new", data=form_data(csrf_token(client, "/hr/rewards/new")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "En annen belønning har allerede id-en «quiet-day»." in html
    assert "already has the id" not in html


def test_a_catalogue_rule_still_reaches_the_form_in_norwegian(client, session, nb_hr):
    create_reward(
        session=session,
        actor=SYSTEM,
        record={
            "id": "quiet-day",
            "name": {"en": "A quiet day", "nb": "En rolig dag"},
            "description": {"en": "No meetings.", "nb": "Ingen møter."},
            "category": "time",
            "visibility": "private",
            "scope": "individual",
            "roles": ["all"],
            "cost_band": 1,
            "cost": 0,
            "horizon": "short",
            "cooldown_days": 30,
        },
    )
    response = client.post("/hr/rewards/quiet-day", data=edit_form(client, cost="-1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "kan ikke være negativ, fikk -1" in html and "must not be negative" not in html


def test_the_reward_history_names_sales_roles_not_their_keys(client, session, factory):
    hr = factory.person("hr")
    login(client, hr.email)
    token = csrf_token(client, "/hr/rewards/new")
    data = form_data(token, roles=["account_manager", "closer"])
    assert client.post("/hr/rewards/new", data=data).status_code == 302
    client.post("/hr/rewards/quiet-day", data=edit_form(client, roles=["all"]))
    html = client.get("/hr/rewards/quiet-day").get_data(as_text=True)
    history = html[html.index('id="history-heading"') :]
    assert "Account manager, Closer" in history and "Every role" in history
    assert "account_manager" not in history


def test_a_roster_that_would_empty_the_organisation_tells_the_page_what_to_tick(
    client, factory, nb_hr
):
    """The roster page listed switches of the command line and the API, which an HR person
    on the page cannot use, instead of the box on the page."""
    for _ in range(10):
        factory.person()
    header = "external_id,name,email,team,manager_email,access,sales_role\n"
    row = f"{nb_hr.external_id},{nb_hr.name},{nb_hr.email},,,hr,\n"
    response = upload(client, "/admin/people", header + row, "roster.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "denne filen ville deaktivert 10 av 11 aktive personer" in html
    assert "kryss av for «Dette er en delvis fil: behold personer som ikke står i den" in html
    assert "keep_missing=true" not in html and "--keep-missing" not in html
