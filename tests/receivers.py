"""Real local receivers for what Motivo sends out: an SMTP server and a chat webhook endpoint.

Both listen on loopback, on a port from 8300-8399 (the range these tests may use).
"""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

PORTS = range(8300, 8400)


def port_in_range() -> int:
    """A port from the range that nothing listens on right now."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8300-8399")


class Mailbox:
    """Keeps every message the local SMTP server accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server():
    """(mailbox, port) of a running SMTP server."""
    mailbox = Mailbox()
    for _ in range(5):
        controller = Controller(mailbox, hostname="127.0.0.1", port=port_in_range())
        try:
            controller.start()
        except OSError:  # taken between the probe and the start
            continue
        break
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


class Hooks:
    """What the webhook receiver got, and how it should answer (``status``)."""

    def __init__(self):
        self.posts: list[tuple[str, dict]] = []
        self.status = 200


@contextmanager
def webhook_receiver():
    """(hooks, base URL) of a running HTTP server that records JSON posts."""
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            hooks.posts.append((self.path, json.loads(body or b"{}")))
            self.send_response(hooks.status)
            if 300 <= hooks.status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if hooks.status == 200 else b"no")

        def do_GET(self):  # noqa: N802  (a followed redirect arrives as a GET)
            hooks.posts.append((self.path, None))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port_in_range()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
