"""What Motivo writes back out: names isolated on pages, CSV a spreadsheet cannot turn into
a formula, whatever separator it splits on."""

from __future__ import annotations

import csv
import io

import pytest

from services.catalogue import ensure_seed_catalogue
from services.exports import to_csv
from services.instruments import ensure_default_instrument
from services.tabular import FORMULA_STARTS
from tests.conftest import login

RLO_NAME = "Kari \u202egnp.exe"
FORMULAS = ["=cmd|' /C calc'!A0", "x;=cmd|' /C calc'!A0", 'x;=HYPERLINK("http://e.test","y")',
            "x\t=1+1", "@SUM(1)", "-2+3"]  # fmt: skip


def spreadsheet_cells(text: str, delimiter: str) -> list[str]:
    """Every cell a spreadsheet splitting on ``delimiter`` (and honouring quotes) sees."""
    return [cell for row in csv.reader(io.StringIO(text), delimiter=delimiter) for cell in row]


def assert_no_formula(text: str) -> None:
    for delimiter in (",", ";", "\t"):
        for cell in spreadsheet_cells(text, delimiter):
            assert not cell.startswith(FORMULA_STARTS), (delimiter, cell, text)


@pytest.mark.parametrize("value", FORMULAS)
def test_csv_exports_hold_no_formula_for_any_separator(value):
    text = to_csv(["team", "n"], [{"team": value, "n": 7}]).decode("utf-8-sig")
    assert_no_formula(text)
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "'" + value if value[0] in "=@-" else value,
        "7",
    ]


def test_recommend_csv_holds_no_formula_for_any_separator(runner, session, factory):
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    rep = factory.person("rep")
    rep.external_id = "x;=cmd|' /C calc'!A0"
    session.add(rep)
    session.commit()
    result = runner.invoke(args=["recommend", "--person", rep.external_id, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert_no_formula(result.stdout)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1][0] == rep.external_id


def test_a_name_with_a_right_to_left_override_is_isolated_on_pages(client, session, factory):
    ensure_default_instrument(session=session)
    ensure_seed_catalogue(session=session)
    manager = factory.person("manager", name="Mona Manager")
    rep = factory.person("rep", manager=manager, name=RLO_NAME)
    login(client, manager.email)
    for path in (
        "/team/",
        f"/team/person/{rep.external_id}",
        f"/team/person/{rep.external_id}/give",
    ):
        html = client.get(path).get_data(as_text=True)
        assert f"<bdi>{RLO_NAME}</bdi>" in html, path
        assert RLO_NAME not in html.replace(f"<bdi>{RLO_NAME}</bdi>", "").replace(
            f"<title>{RLO_NAME}", ""
        ), path
