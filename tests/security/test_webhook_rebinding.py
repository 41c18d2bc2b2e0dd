"""DNS rebinding: a webhook host that resolves to a public address when checked and to this
machine a moment later must not get a connection to this machine.

The address checked is the address connected to: the name is resolved once, at connect time,
and every answer is checked before a socket opens. This machine has no DNS for made-up names,
so the test sets what the resolver answers, first public, then loopback, as a rebinding
server would.
"""

import socket

import pytest

from models.tables import Webhook
from services import webhooks
from services.access import SYSTEM
from services.errors import NotAllowed
from services.webhooks import post_to_channels


def test_a_name_rebound_to_this_machine_after_the_check_gets_no_connection(session, monkeypatch):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    session.add(Webhook(kind="slack", url=f"https://hooks.example.org:{port}/x"))
    session.commit()
    answers = iter(["93.184.216.34"])

    def rebinding_resolver(host, port, *args, **kwargs):
        address = next(answers, "127.0.0.1")  # public once, then this machine
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", rebinding_resolver)
    outcomes = post_to_channels(
        session=session, actor=SYSTEM, title="Survey", text="3 of 10 answered"
    )
    assert [(o.channel, o.ok, o.reason) for o in outcomes] == [("slack", False, "not allowed")]
    try:
        conn, _ = listener.accept()
        conn.close()
        reached = True
    except TimeoutError:
        reached = False
    finally:
        listener.close()
    assert not reached, "the webhook connected to this machine after the name was rebound"


def test_only_hr_work_may_post_to_the_channels(session, factory):
    session.add(Webhook(kind="slack", url="https://hooks.example.org/x"))
    session.commit()
    rep = factory.person(access="rep")
    with pytest.raises(NotAllowed):
        post_to_channels(session=session, actor=rep, title="Survey", text="spam")
