"""HR's heatmap shows each score's change when both waves asked it the same way."""

from __future__ import annotations

import re

from tests.conftest import login
from tests.services.insights_org import answer_again, small_organisation


def test_the_heatmap_shows_every_change_between_two_waves_of_one_version(client, session, factory):
    first, people = small_organisation(session, {"North": ["closer"] * 6, "South": ["sdr"] * 6})
    second = answer_again(session, people)
    hr = factory.person("hr")
    login(client, hr.email)
    html = client.get(f"/hr/insights/?by=team&wave={second.name}").get_data(as_text=True)
    assert f"Change since {first.name}" in html
    heatmap = html[html.index('id="heatmap"') :]
    heatmap = heatmap[: heatmap.index("</table>")]
    for team in ("North", "South"):
        row = heatmap[heatmap.index(f">{team}</th>") :].split("</tr>")[0]
        cells = re.findall(r'<td class="num heat[^>]*>(.*?)</td>', row, flags=re.S)
        assert cells and all('class="change"' in cell for cell in cells), (team, cells)
