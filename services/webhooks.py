"""Chat channels: Slack and Microsoft Teams incoming webhooks that HR or an admin configures.

A webhook URL is a secret (whoever holds it can post to the channel), so it is stored but
never shown again in full, nor written to the audit log: pages show its host only.
URLs must be ``https`` and reach a public address: a host that is (or, when a message is
sent, resolves to) a private, loopback, link-local or otherwise non-global address is
refused before anything connects, so a channel setting cannot be used to probe the
internal network. The address checked at send time is the address connected to (the name is
resolved once, in the connection itself), so a DNS server that answers differently the second
time cannot slip an internal address in between. Only where ``allow_local_webhooks`` says so (a relay on the same machine,
the tests' local receiver; ``MOTIVO_WEBHOOK_ALLOW_LOCAL``) may a URL name this machine, and
then plain ``http`` too. Redirects are not followed, so a stored URL cannot bounce a
message somewhere else.

Messages to a channel carry counts only, never a person's name: a channel is read by
people who have no business knowing who has not answered.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session, select

from models.tables import Webhook, utcnow
from services.access import Actor, require
from services.audit import record_event
from services.errors import InvalidInput, Problem
from services.organisation import local_webhooks_allowed

CHANNELS = ("slack", "teams")
CHANNEL_NAMES = {"slack": "Slack", "teams": "Microsoft Teams"}
MAX_URL_LENGTH = 500
WEBHOOK_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class ChannelOutcome:
    """What one channel answered: ``ok``, or ``error`` saying why not."""

    channel: str
    ok: bool
    error: str = ""
    status: int | None = None  # the HTTP status of a refusal
    reason: str = ""  # why it could not be reached


def _local_allowed(session: Session | None) -> bool:
    return session is not None and local_webhooks_allowed(session)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refused_address(address: str, allow_local: bool) -> bool:
    """True for an address a webhook may not reach: anything not global (private,
    loopback, link-local, reserved, shared) or multicast, loopback aside where allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_local and ip.is_loopback:
        return False
    return not ip.is_global or ip.is_multicast


def _resolves_outside(host: str, port: int | None, allow_local: bool) -> bool:
    """Whether ``host`` resolves to any address a webhook may not reach (checked again at
    every send, so a name that later points inside is refused then)."""
    if host.lower() == "localhost":
        return not allow_local
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False  # unresolvable: the connection fails on its own, reaching nothing
    return any(_refused_address(info[4][0], allow_local) for info in found)


def validate_webhook_url(url: str, *, allow_local: bool = False) -> str:
    """The URL, trimmed, if it may be used; raises :class:`InvalidInput` saying why not.

    A host written as an address must be public (loopback too where ``allow_local``);
    a host name is resolved and checked when a message is sent.
    """
    url = (url or "").strip()
    problems = []
    if len(url) > MAX_URL_LENGTH:
        problems.append(f"url: keep it under {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise InvalidInput(
            "The webhook address was not accepted.",
            [Problem("url", "webhook.not_a_url", "not a URL")],
            code="webhook.refused",
        ) from None
    if any(ch.isspace() for ch in url):
        problems.append("url: an address has no spaces")
    if not host:
        problems.append("url: give the full address, starting with https://")
    elif parts.username or parts.password:
        problems.append("url: leave out a user name and password")
    elif parts.scheme not in ("https", "http"):
        problems.append("url: use an https:// address")
    elif _is_loopback(host) and not allow_local:
        problems.append("url: give the channel's public address, not this machine")
    elif parts.scheme == "http" and not _is_loopback(host):
        problems.append("url: use https (http only for a relay on this machine)")
    else:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and _refused_address(str(literal), allow_local):
            problems.append("url: give the channel's public address, not an internal one")
    if problems:
        raise InvalidInput(
            "The webhook address was not accepted.", problems, code="webhook.refused"
        )
    return url


def _check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        known = ", ".join(CHANNELS)
        raise InvalidInput(
            "No such channel.",
            [Problem("channel", "channel.one_of", f"one of {known}", {"known": known})],
            code="channel.not_found",
        )
    return channel


def set_webhook(*, session: Session, actor: Actor, channel: str, url: str) -> Webhook | None:
    """Store (or, with an empty ``url``, remove) the webhook of a channel; audited by host."""
    require(actor, "manage_channels")
    channel = _check_channel(channel)
    row = session.exec(select(Webhook).where(Webhook.kind == channel)).first()
    if not (url or "").strip():
        if row is not None:
            session.delete(row)
            record_event(session, actor=actor, action="webhook.remove", target=channel)
            session.commit()
        return None
    url = validate_webhook_url(url, allow_local=_local_allowed(session))
    if row is None:
        row = Webhook(kind=channel, url=url)
    row.url = url
    row.updated_at = utcnow()
    row.updated_by_id = getattr(actor, "id", None)
    session.add(row)
    record_event(
        session,
        actor=actor,
        action="webhook.set",
        target=channel,
        details={"host": urlsplit(url).hostname or ""},
    )
    session.commit()
    return row


def list_webhooks(*, session: Session, viewer: Actor) -> list[dict]:
    """Every channel with whether it is set and, if so, its host (never the full URL)."""
    require(viewer, "manage_channels")
    rows = {w.kind: w for w in session.exec(select(Webhook))}
    out = []
    for channel in CHANNELS:
        row = rows.get(channel)
        out.append(
            {
                "channel": channel,
                "name": CHANNEL_NAMES[channel],
                "set": row is not None,
                "host": (urlsplit(row.url).hostname or "") if row else "",
                "updated_at": row.updated_at if row else None,
            }
        )
    return out


def _payload(channel: str, text: str, title: str) -> dict:
    if channel == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "title": title,
            "text": text,
        }
    return {"text": f"*{title}*\n{text}"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


class RefusedAddress(OSError):
    """The name resolved, at connect time, to an address a webhook may not reach."""


def _connect_checked(allow_local: bool):
    """A ``create_connection`` that resolves once and checks every answer before any socket
    opens, then connects to an address it checked. Checking a name and letting the HTTP client
    resolve it again would leave a window in which a rebinding DNS server answers with an
    internal address the second time."""

    def connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        host, port = address
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if not found or any(_refused_address(info[4][0], allow_local) for info in found):
            raise RefusedAddress(f"{host} resolves to an address that is not allowed")
        error: OSError | None = None
        for family, kind, proto, _name, sockaddr in found:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"could not connect to {host}")

    return connect


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, allow_local: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked(allow_local)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    # TLS still verifies the certificate against the name in the URL: only the address the
    # socket connects to is pinned.
    def __init__(self, *args, allow_local: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked(allow_local)


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_local: bool):
        super().__init__()
        self.allow_local = allow_local

    def http_open(self, req):  # noqa: D102
        return self.do_open(_CheckedHTTPConnection, req, allow_local=self.allow_local)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_local: bool):
        super().__init__()
        self.allow_local = allow_local

    def https_open(self, req):  # noqa: D102
        return self.do_open(
            _CheckedHTTPSConnection, req, context=self._context, allow_local=self.allow_local
        )


def _opener(allow_local: bool) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        _NoRedirect, _CheckedHTTPHandler(allow_local), _CheckedHTTPSHandler(allow_local)
    )


_OPENER = _opener(allow_local=False)
_LOCAL_OPENER = _opener(allow_local=True)


def _not_allowed(channel: str) -> ChannelOutcome:
    return ChannelOutcome(channel, False, "the stored address is not allowed", reason="not allowed")


def post_to_channels(
    *, session: Session, actor: Actor, title: str, text: str
) -> list[ChannelOutcome]:
    """Post one counts-only message to every configured channel; one outcome per channel.

    Only someone who runs HR work may post (the caller records what was posted in the audit
    log). The caller builds ``text`` and is responsible for it naming nobody.
    """
    require(actor, "run_hr")
    outcomes = []
    for row in session.exec(select(Webhook).order_by(Webhook.kind)):
        allow_local = _local_allowed(session)
        try:
            url = validate_webhook_url(row.url, allow_local=allow_local)
            parts = urlsplit(url)
            if _resolves_outside(parts.hostname or "", parts.port, allow_local):
                raise InvalidInput("The webhook address points inside the network.")
        except InvalidInput:
            outcomes.append(_not_allowed(row.kind))
            continue
        body = json.dumps(_payload(row.kind, text, title)).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        opener = _LOCAL_OPENER if allow_local else _OPENER
        try:
            with opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                response.read(2048)
            outcomes.append(ChannelOutcome(row.kind, True))
        except urllib.error.HTTPError as exc:
            outcomes.append(
                ChannelOutcome(
                    row.kind, False, f"the channel answered HTTP {exc.code}", status=exc.code
                )
            )
        except (OSError, ValueError) as exc:
            if isinstance(exc, RefusedAddress) or isinstance(
                getattr(exc, "reason", None), RefusedAddress
            ):
                outcomes.append(_not_allowed(row.kind))
                continue
            reason = str(getattr(exc, "reason", None) or exc) or exc.__class__.__name__
            outcomes.append(
                ChannelOutcome(row.kind, False, f"could not reach it ({reason})", reason=reason)
            )
    return outcomes
