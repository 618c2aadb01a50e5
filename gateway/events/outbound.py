"""Webhooks out: the seam between delivering events and reaching a consumer's URL safely.

Delivery (subscriptions, the outbox, retries) sends through a :class:`WebhookSender`; the sender
decides whether a URL may be reached at all (:class:`OutboundPolicy`): https only unless the
operator allows http, the resolved address checked and then connected to (no DNS rebinding), no
redirects followed, link-local and metadata addresses always refused, private networks only from
the operator's allow-list. A URL is checked when a subscription is created and again at every
delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


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
