"""The summary page and its downloads show the same intervals, inside the 1-5 scale."""

import io
import re

from openpyxl import load_workbook

from tests.conftest import login
from tests.services.test_summary_intervals import _small_extreme_wave


def test_page_and_workbook_agree_and_stay_inside_the_scale(client, session, factory):
    wave, instrument = _small_extreme_wave(session, factory)
    hr = factory.person("hr")
    login(client, hr.email)
    html = client.get(f"/hr/insights/?by=team&wave={wave.name}").get_data(as_text=True)
    table = html.split("with 95% confidence intervals")[1].split("</table>")[0]
    page = {
        label: (float(m), float(lo), float(hi))
        for label, m, lo, hi in re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">([\d.]+)</td>'
            r'<td class="num">([\d.]+)</td><td class="num">([\d.]+)</td>',
            table,
        )
    }
    assert len(page) == len(instrument.constructs)
    assert page["Autonomy"] == (4.2, page["Autonomy"][1], 5.0)
    book = load_workbook(
        io.BytesIO(client.get(f"/hr/insights/summary.xlsx?wave={wave.name}&by=team").data)
    )
    sheet = book["Intervals"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert rows
    for row in rows:
        assert 1.0 <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= 5.0
    label_column = header[2]
    total = {
        r[label_column]: (r["mean"], r["ci_low"], r["ci_high"]) for r in rows if r["key"] == "total"
    }
    assert total == page
