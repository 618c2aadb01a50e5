"""Webhooks out: the seam between delivering events and reaching a consumer's URL safely.

Delivery (subscriptions, the outbox, retries) sends through a :class:`WebhookSender`; the sender
decides whether a URL may be reached at all (:class:`OutboundPolicy`): https only unless the
operator allows http, the resolved address checked and then connected to (no DNS rebinding), no
redirects followed, link-local and metadata addresses always refused, private networks only from
the operator's allow-list. A URL is checked when a subscription is created and again at every
delivery.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Protocol

import httpx

from gateway.events.addresses import IPAddress, host_addresses, parse_networks, refusal
from gateway.settings import PolicySettings
from policies.clock import SYSTEM_CLOCK, Clock


class UnsafeDestination(ValueError):
    """The URL may not be delivered to; the message says why, in words for the consumer."""


@dataclass(frozen=True)
class OutboundPolicy:
    """Where webhooks may go."""

    allow_http: bool = False
    """Plain http (``GATEWAY_WEBHOOK_ALLOW_HTTP``); https only otherwise."""
    allowed_networks: tuple[str, ...] = field(default_factory=tuple)
    """Private or loopback networks receivers may live in, as CIDR text
    (``GATEWAY_WEBHOOK_ALLOWED_NETWORKS``); link-local and cloud metadata addresses are refused
    even when listed. Kept as text: Litestar's signature models cannot hold address types."""


@dataclass(frozen=True)
class SendResult:
    """What one delivery attempt got back."""

    status_code: int | None
    """The receiver's status; ``None`` when there was no answer (refused, timed out...)."""
    latency_ms: float
    body_head: str = ""
    """The first bytes of the answer, for the delivery log."""
    error: str | None = None
    """Why there was no answer, in words."""

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    """Posts one signed delivery to a consumer's URL."""

    def check(self, url: str) -> None:
        """Raise :class:`UnsafeDestination` if ``url`` may never be delivered to (its form, its
        scheme, a literal address in a refused range). Name resolution happens at send time."""
        ...

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str], time_limit: float
    ) -> SendResult:
        """POST ``body`` within ``time_limit`` seconds; an unsafe destination (after resolution)
        is a result with an error, never a request."""
        ...


Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""Resolves a host name and port to the addresses to try, as text; injectable so tests can make
a name resolve differently at delivery time."""

MAX_URL_LENGTH = 2048
BODY_HEAD_BYTES = 1024
"""How much of a receiver's answer is read and kept; the rest is never read."""


async def system_resolver(host: str, port: int) -> Sequence[str]:
    """The system's resolver (``getaddrinfo``), without blocking the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _Unresolved(Exception):
    """The host resolved to nothing reachable; the message says so in words."""


class SafeWebhookSender:
    """A :class:`WebhookSender` that reaches only the destinations an :class:`OutboundPolicy`
    allows.

    Each attempt resolves the host once, checks every address it resolves to, and connects to a
    checked address itself: the request goes to the address with the original ``Host`` header
    and, over https, the original name for SNI and the certificate check, so a second resolution
    cannot send it elsewhere. Redirects are answers, never followed; proxies from the
    environment are ignored; a fresh connection serves each attempt.
    """

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        resolver: Resolver = system_resolver,
        tls: ssl.SSLContext | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        """``tls`` verifies receivers' certificates (the public CAs by default); a ValueError
        names a network of the policy that is not CIDR text."""
        self._policy = policy
        self._networks = parse_networks(policy.allowed_networks)
        self._resolver = resolver
        self._tls = tls if tls is not None else httpx.create_ssl_context()
        self._clock = clock

    @classmethod
    def from_settings(cls, policies: PolicySettings) -> SafeWebhookSender:
        """The sender the operator configured (``GATEWAY_WEBHOOK_ALLOW_HTTP``,
        ``GATEWAY_WEBHOOK_ALLOWED_NETWORKS``). ``GATEWAY_WEBHOOK_TIMEOUT_SECONDS`` is the
        ``time_limit`` delivery passes to :meth:`send`."""
        return cls(
            OutboundPolicy(
                allow_http=policies.webhook_allow_http,
                allowed_networks=policies.webhook_allowed_networks,
            )
        )

    def check(self, url: str) -> None:
        """Raise :class:`UnsafeDestination` if ``url`` may never be delivered to."""
        self._target(url)

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str], time_limit: float
    ) -> SendResult:
        """POST ``body`` to ``url`` within ``time_limit`` seconds (resolution included); never
        raises for an unsafe or unreachable destination: the result says why."""
        started = self._clock.monotonic()

        def failed(error: str) -> SendResult:
            return SendResult(None, self._elapsed_ms(started), error=error)

        try:
            target = self._target(url)
            async with asyncio.timeout(time_limit):
                addresses = await self._addresses(target)
                return await self._post(target, addresses, body, headers, time_limit, started)
        except (UnsafeDestination, _Unresolved) as refused:
            return failed(str(refused))
        except (TimeoutError, httpx.TimeoutException):
            return failed(f"timed out: no complete answer within {time_limit:g} s")
        except httpx.HTTPError as exc:
            return failed(f"the exchange with the receiver failed: {_words(exc)}")

    def _target(self, url: str) -> httpx.URL:
        if len(url) > MAX_URL_LENGTH:
            raise UnsafeDestination(f"the URL is longer than {MAX_URL_LENGTH} characters")
        if any(ch.isspace() or not ch.isprintable() for ch in url):
            raise UnsafeDestination("the URL contains a space or a control character")
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise UnsafeDestination(f"the URL is not valid: {exc}") from None
        schemes = ("https", "http") if self._policy.allow_http else ("https",)
        if target.scheme not in schemes:
            allowed = " or ".join(schemes)
            raise UnsafeDestination(f"the URL must start with {allowed}://")
        if not target.raw_host:
            raise UnsafeDestination("the URL has no host")
        if not 0 < _port(target) < 65536:
            raise UnsafeDestination("the URL's port is not between 1 and 65535")
        if target.userinfo:
            raise UnsafeDestination("the URL must not carry a user name or password")
        host = target.raw_host.decode("ascii")
        for address in host_addresses(host) or ():
            reason = refusal(address, self._networks)
            if reason is not None:
                raise UnsafeDestination(f"the host {host} is {reason}")
        return target

    async def _addresses(self, target: httpx.URL) -> list[IPAddress]:
        host = target.raw_host.decode("ascii")
        known = host_addresses(host)
        if known is not None:
            return list(known)
        try:
            answers = await self._resolver(host, _port(target))
            addresses = [ip_address(answer) for answer in answers]
        except (OSError, ValueError) as exc:  # UnicodeError: a label longer than DNS allows
            raise _Unresolved(f"the host {host} could not be resolved: {_words(exc)}") from None
        if not addresses:
            raise _Unresolved(f"the host {host} resolves to no address")
        for address in addresses:
            reason = refusal(address, self._networks)
            if reason is not None:
                raise UnsafeDestination(f"the host {host} resolves to {address}, {reason}")
        return addresses

    async def _post(
        self,
        target: httpx.URL,
        addresses: Sequence[IPAddress],
        body: bytes,
        headers: Mapping[str, str],
        time_limit: float,
        started: float,
    ) -> SendResult:
        sent = {k: v for k, v in headers.items() if k.lower() not in ("host", "accept-encoding")}
        sent["Host"] = target.netloc.decode("ascii")
        sent["Accept-Encoding"] = "identity"
        host = target.raw_host.decode("ascii")
        extensions = {"sni_hostname": host} if target.scheme == "https" else {}
        unreachable: list[str] = []
        async with httpx.AsyncClient(
            verify=self._tls,
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(time_limit),
        ) as client:
            for address in addresses:
                request = client.build_request(
                    "POST",
                    target.copy_with(host=str(address)),
                    content=body,
                    headers=sent,
                    extensions=extensions,
                )
                try:
                    response = await client.send(request, stream=True)
                except httpx.ConnectError as exc:
                    unreachable.append(f"{address}: {_words(exc)}")
                    continue
                try:
                    head = await _read_head(response)
                finally:
                    await response.aclose()
                return SendResult(
                    response.status_code,
                    self._elapsed_ms(started),
                    body_head=head,
                    error=_status_error(response.status_code),
                )
        return SendResult(
            None,
            self._elapsed_ms(started),
            error=f"could not connect to {host} ({'; '.join(unreachable)})",
        )

    def _elapsed_ms(self, started: float) -> float:
        return (self._clock.monotonic() - started) * 1000


async def _read_head(response: httpx.Response) -> str:
    """The first :data:`BODY_HEAD_BYTES` of the answer as text; the rest stays unread."""
    head = bytearray()
    async for chunk in response.aiter_raw():
        head += chunk
        if len(head) >= BODY_HEAD_BYTES:
            break
    return bytes(head[:BODY_HEAD_BYTES]).decode("utf-8", errors="replace")


def _status_error(status: int) -> str | None:
    if 300 <= status < 400:
        return (
            f"the receiver answered {status}, a redirect, which is not followed: "
            "subscribe the URL it redirects to"
        )
    return None


def _port(target: httpx.URL) -> int:
    if target.port is not None:
        return target.port
    return 443 if target.scheme == "https" else 80


def _words(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
