"""The SSRF-safe webhook sender against real local receivers, and canaries that must see nothing.

A receiver is a stdlib HTTP server in a thread that records what reaches it. Names resolve through
the sender's injected resolver; ``.invalid`` names never resolve on the system, so a request that
arrives under one was sent to the address the sender checked, not resolved again.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

from gateway.events.outbound import BODY_HEAD_BYTES, OutboundPolicy, Resolver, SafeWebhookSender

BODY = b'{"type":"call.completed"}'
HEADERS = {"content-type": "application/json", "webhook-id": "msg_1"}
LOOPBACK = ("127.0.0.0/8",)
EVERYWHERE = ("0.0.0.0/0", "::/0")
LARGE = b"x" * (1024 * 1024)


@dataclass(frozen=True)
class Seen:
    """One request a receiver got."""

    path: str
    host: str
    body: bytes


@dataclass
class Receiver:
    """A local HTTP(S) server that records every request: ``/ok`` answers 200, ``/redirect``
    302 to ``redirect_to``, ``/slow`` waits until the test ends, ``/large`` sends 1 MiB."""

    server: ThreadingHTTPServer
    host: str
    scheme: str
    seen: list[Seen] = field(default_factory=list)
    redirect_to: str = ""
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url_as(self, name: str) -> str:
        return f"{self.scheme}://{name}:{self.port}"


def _handler(receiver: Callable[[], Receiver]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            me = receiver()
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            me.seen.append(Seen(self.path, self.headers.get("host", ""), body))
            if self.path == "/redirect":
                self._answer(302, b"", location=me.redirect_to)
            elif self.path == "/slow":
                me.release.wait(30)
                self._answer(200, b"late")
            elif self.path == "/large":
                self._answer(200, LARGE)
            else:
                self._answer(200, b"thanks")

        def _answer(self, status: int, body: bytes, location: str = "") -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the sender stops reading after the head it keeps
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def start_receiver() -> Iterator[Callable[..., Receiver]]:
    """Starts receivers on a local address (over TLS with a server context); stops them all."""
    started: list[Receiver] = []

    def start(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Receiver:
        box: list[Receiver] = []
        server = ThreadingHTTPServer((host, 0), _handler(lambda: box[0]))
        server.daemon_threads = True
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        box.append(Receiver(server, host, "https" if tls else "http"))
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        started.append(box[0])
        return box[0]

    yield start
    for receiver in started:
        receiver.release.set()
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture
def receiver(start_receiver: Callable[..., Receiver]) -> Receiver:
    return start_receiver("127.0.0.1")


@pytest.fixture
def canary(start_receiver: Callable[..., Receiver]) -> Receiver:
    """A listener on another loopback address, which nothing may reach."""
    return start_receiver("127.0.0.2")


def resolving(*answers: Sequence[str]) -> Resolver:
    """A resolver giving each answer in turn, then the last one for ever."""
    remaining = list(answers)

    async def resolve(host: str, port: int) -> Sequence[str]:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return resolve


def sender(
    networks: tuple[str, ...] = LOOPBACK,
    *,
    allow_http: bool = True,
    resolver: Resolver | None = None,
    tls: ssl.SSLContext | None = None,
) -> SafeWebhookSender:
    policy = OutboundPolicy(allow_http=allow_http, allowed_networks=networks)
    if resolver is None:
        return SafeWebhookSender(policy, tls=tls)
    return SafeWebhookSender(policy, resolver=resolver, tls=tls)


async def test_loopback_is_refused_without_the_allow_list(receiver: Receiver) -> None:
    result = await sender(()).send(f"{receiver.url}/ok", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "loopback" in result.error
    assert receiver.seen == []


async def test_loopback_is_delivered_to_inside_an_allowed_network(receiver: Receiver) -> None:
    result = await sender(LOOPBACK).send(f"{receiver.url}/ok", BODY, HEADERS, 5)
    assert result.delivered
    assert (result.status_code, result.body_head, result.error) == (200, "thanks", None)
    assert receiver.seen == [Seen("/ok", f"127.0.0.1:{receiver.port}", BODY)]


async def test_a_name_is_reached_at_the_address_checked_under_its_own_host(
    receiver: Receiver,
) -> None:
    url = receiver.url_as("hooks.receiver.invalid")
    result = await sender(resolver=resolving(["127.0.0.1"])).send(f"{url}/ok", BODY, HEADERS, 5)
    assert result.status_code == 200
    assert receiver.seen == [Seen("/ok", f"hooks.receiver.invalid:{receiver.port}", BODY)]


async def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_there(
    receiver: Receiver, canary: Receiver
) -> None:
    rebinding = sender(("127.0.0.1/32",), resolver=resolving(["127.0.0.1"], ["127.0.0.2"]))
    url = f"{receiver.url_as('hooks.receiver.invalid')}/ok"
    rebinding.check(url)

    first = await rebinding.send(url, BODY, HEADERS, 5)
    second = await rebinding.send(url, BODY, HEADERS, 5)

    assert first.status_code == 200
    assert second.status_code is None
    assert second.error is not None
    assert "resolves to 127.0.0.2" in second.error and "loopback" in second.error
    assert len(receiver.seen) == 1
    assert canary.seen == []


async def test_every_resolved_address_is_checked(receiver: Receiver, canary: Receiver) -> None:
    mixed = sender(("127.0.0.1/32",), resolver=resolving(["127.0.0.1", "127.0.0.2"]))
    result = await mixed.send(f"{receiver.url_as('hooks.receiver.invalid')}/ok", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "127.0.0.2" in result.error
    assert receiver.seen == [] and canary.seen == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("::ffff:169.254.169.254", "cloud metadata"),
    ],
)
async def test_link_local_and_metadata_are_refused_even_when_listed(
    address: str, kind: str
) -> None:
    listed = sender(EVERYWHERE, resolver=resolving([address]))
    result = await listed.send("https://metadata.receiver.invalid/latest", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None
    assert kind in result.error and "never delivered to" in result.error


@pytest.mark.parametrize("address", ["10.0.0.7", "172.20.1.1", "192.168.1.20", "fd12::7"])
async def test_private_addresses_are_refused_without_the_allow_list(address: str) -> None:
    unlisted = sender((), resolver=resolving([address]))
    result = await unlisted.send("https://hooks.receiver.invalid/events", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "private" in result.error


async def test_a_redirect_is_a_failed_attempt_never_followed(
    receiver: Receiver, canary: Receiver
) -> None:
    receiver.redirect_to = f"{canary.url}/ok"
    result = await sender(LOOPBACK).send(f"{receiver.url}/redirect", BODY, HEADERS, 5)
    assert result.status_code == 302
    assert not result.delivered
    assert result.error is not None and "redirect" in result.error
    assert canary.seen == []


async def test_http_is_refused_unless_the_operator_allows_it(receiver: Receiver) -> None:
    result = await sender(LOOPBACK, allow_http=False).send(f"{receiver.url}/ok", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "https://" in result.error
    assert receiver.seen == []


async def test_the_time_limit_bounds_a_slow_receiver(receiver: Receiver) -> None:
    result = await sender(LOOPBACK).send(f"{receiver.url}/slow", BODY, HEADERS, 0.2)
    assert result.status_code is None
    assert result.error is not None and "timed out" in result.error


async def test_the_time_limit_bounds_resolution_too() -> None:
    async def hanging(host: str, port: int) -> Sequence[str]:
        await asyncio.Event().wait()
        return []

    slow_dns = SafeWebhookSender(OutboundPolicy(), resolver=hanging)
    result = await slow_dns.send("https://hooks.receiver.invalid/events", BODY, HEADERS, 0.1)
    assert result.status_code is None
    assert result.error is not None and "timed out" in result.error


async def test_a_large_answer_is_cut_to_its_head(receiver: Receiver) -> None:
    result = await sender(LOOPBACK).send(f"{receiver.url}/large", BODY, HEADERS, 5)
    assert result.status_code == 200
    assert result.body_head == "x" * BODY_HEAD_BYTES


async def test_an_unreachable_receiver_is_a_result_in_words() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = await sender(LOOPBACK).send(f"http://127.0.0.1:{closed_port}/", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "could not connect" in result.error


@pytest.mark.parametrize("host", ["nothing.receiver.invalid", "a" * 64 + ".receiver.invalid"])
async def test_an_unresolvable_name_is_a_result_in_words(host: str) -> None:
    result = await sender().send(f"https://{host}/", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "could not be resolved" in result.error


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def server_tls(ca: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return context


def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_reaches_the_pinned_address_with_the_names_certificate(
    start_receiver: Callable[..., Receiver], ca: trustme.CA
) -> None:
    tls_receiver = start_receiver("127.0.0.1", server_tls(ca, "hooks.receiver.test"))
    pinned = sender(
        LOOPBACK, allow_http=False, resolver=resolving(["127.0.0.1"]), tls=client_tls(ca)
    )
    url = f"{tls_receiver.url_as('hooks.receiver.test')}/ok"
    result = await pinned.send(url, BODY, HEADERS, 5)
    assert (result.status_code, result.error) == (200, None)
    assert tls_receiver.seen == [Seen("/ok", f"hooks.receiver.test:{tls_receiver.port}", BODY)]


async def test_https_refuses_a_certificate_for_another_name(
    start_receiver: Callable[..., Receiver], ca: trustme.CA
) -> None:
    impostor = start_receiver("127.0.0.1", server_tls(ca, "other.receiver.test"))
    pinned = sender(
        LOOPBACK, allow_http=False, resolver=resolving(["127.0.0.1"]), tls=client_tls(ca)
    )
    result = await pinned.send(f"{impostor.url_as('hooks.receiver.test')}/ok", BODY, HEADERS, 5)
    assert result.status_code is None
    assert result.error is not None and "certificate" in result.error.lower()
    assert impostor.seen == []
