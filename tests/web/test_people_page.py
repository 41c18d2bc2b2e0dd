"""The people page of a 20,000-person organisation: filters, pages, bounded queries."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import event

from tests.conftest import login
from tests.services.test_people_search import add_people

ROW_ID = re.compile(r'<tr(?: class="inactive")?>\s*<td>(E\d{5})</td>')


def ids(html: str) -> list[str]:
    return ROW_ID.findall(html)


def get_counting(app, client, url: str) -> tuple[int, str]:
    engine = app.extensions["motivo.engine"]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.fixture
def big_org(session, factory, client):
    add_people(session, 20_000)
    admin = factory.person("admin", name="Zz Admin")
    login(client, admin.email)
    return admin


def test_a_page_of_20000_people_is_the_right_slice_in_a_few_queries(app, client, big_org):
    small, _html = get_counting(app, client, "/admin/people?page=2")
    queries, html = get_counting(app, client, "/admin/people?page=137")
    assert ids(html) == [f"E{i:05d}" for i in range(136 * 50, 137 * 50)]
    assert "6,801–6,850 of 20,001" in html or "6801–6850 of 20001" in html
    # The same handful of statements whatever the page: the signed-in person, the unread
    # notifications, the teams for the filter, the count and the page itself.
    assert queries == small <= 5, queries


def test_page_links_keep_the_filters(client, big_org):
    html = client.get("/admin/people?team=Bergen&access=rep&status=active&q=person+1").get_data(
        as_text=True
    )
    links = [unescape(h) for h in re.findall(r'<a [^>]*href="([^"]*page=\d+[^"]*)"', html)]
    assert links, "no page links"
    for link in links:
        for part in ("team=Bergen", "access=rep", "status=active", "q=person+1"):
            assert part in link, link
    following = client.get(links[-1]).get_data(as_text=True)
    assert ids(following) and all(int(i[1:]) % 3 == 1 for i in ids(following))
    assert 'value="person 1"' in following  # the search box keeps what was typed
    assert '<option value="Bergen" selected>' in following


def test_filters_show_only_matching_people_and_say_how_many(client, big_org):
    html = client.get("/admin/people?q=p12345%40example&status=all").get_data(as_text=True)
    assert ids(html) == ["E12345"]
    assert "1 person found" in html or "1 of 1" in html
    empty = client.get("/admin/people?q=nobody-like-this").get_data(as_text=True)
    assert ids(empty) == [] and "Nobody matches these filters." in empty


def test_the_people_page_speaks_norwegian(client, session, factory):
    admin = factory.person("admin")
    admin.locale = "nb"
    session.add(admin)
    session.commit()
    login(client, admin.email)
    html = client.get("/admin/people").get_data(as_text=True)
    assert "Finn personer" in html and "Alle team" in html
