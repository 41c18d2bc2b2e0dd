"""'Not for me' works on every list a rep sees, the labelled popular list included."""

from __future__ import annotations

import re

from services.catalogue import ensure_seed_catalogue
from tests.conftest import csrf_token
from tests.web.test_me_flagged import flagged_rep  # noqa: F401 - a fixture

_NOT_FOR_ME = re.compile(r'action="/me/not-for-me/([^"]+)"')


def test_a_flagged_rep_can_say_not_for_me_to_a_popular_reward(client, session, flagged_rep):  # noqa: F811
    ensure_seed_catalogue(session=session)
    html = client.get("/me/").get_data(as_text=True)
    assert "Not personalised: your latest answers were flagged" in html
    offered = _NOT_FOR_ME.findall(html)
    assert offered, "every suggestion on the popular list has its own 'Not for me'"
    first = offered[0]
    token = csrf_token(client, "/me/")
    assert client.post(f"/me/not-for-me/{first}", data={"csrf_token": token}).status_code == 302
    after = client.get("/me/").get_data(as_text=True)
    assert first not in _NOT_FOR_ME.findall(after)
    assert "Rewards you said are not for you (1)" in after
