"""A minimal :class:`~gateway.events.outbound.WebhookSender` on httpx.

It refuses plain http unless the operator allows it, and literal loopback or private addresses
(and names that resolve to them) outside the operator's allow-list; it never follows redirects.
It checks a name's addresses before connecting but does not pin them (the SSRF-safe sender
does); ``gateway.services.build_webhook_sender`` is the one place a sender is chosen.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from gateway.events.outbound import OutboundPolicy, SendResult, UnsafeDestination

HEAD_BYTES = 512
"""How much of an answer the delivery log keeps."""


class PlainWebhookSender:
    """POSTs deliveries with httpx, within an :class:`OutboundPolicy`."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self._policy = policy
        self._allowed = [ipaddress.ip_network(n) for n in policy.allowed_networks]

    def check(self, url: str) -> None:
        """Refuse a URL whose scheme or literal address may never be delivered to."""
        parts = urlsplit(url)
        schemes = ("https", "http") if self._policy.allow_http else ("https",)
        if parts.scheme not in schemes:
            raise UnsafeDestination(f"the URL must use {' or '.join(schemes)}")
        if not parts.hostname:
            raise UnsafeDestination("the URL has no host")
        try:
            address = ipaddress.ip_address(parts.hostname)
        except ValueError:
            return
        self._check_address(address)

    def _check_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        if address.is_link_local or address.is_multicast or address.is_unspecified:
            raise UnsafeDestination("the URL's address is link-local or reserved")
        if address.is_global:
            return
        if not any(address in network for network in self._allowed):
            raise UnsafeDestination(
                "the URL's address is private; the operator has not allowed its network"
            )

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str], time_limit: float
    ) -> SendResult:
        """POST ``body``; a refused destination or a failure is a result, not an exception."""
        started = time.perf_counter()
        try:
            self.check(url)
            host = urlsplit(url).hostname or ""
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            for info in infos:
                self._check_address(ipaddress.ip_address(info[4][0]))
            async with httpx.AsyncClient(follow_redirects=False, timeout=time_limit) as client:
                answer = await asyncio.wait_for(
                    client.post(url, content=body, headers=dict(headers)), time_limit
                )
        except UnsafeDestination as exc:
            return SendResult(None, _since(started), error=f"refused: {exc}")
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            return SendResult(None, _since(started), error=_reason(exc))
        return SendResult(
            answer.status_code,
            _since(started),
            body_head=answer.content[:HEAD_BYTES].decode(errors="replace"),
        )


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.ConnectError | ConnectionError):
        return "could not connect"
    return type(exc).__name__
