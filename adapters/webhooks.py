"""Vendor webhooks in: how a vendor's delivery is authenticated and read into unified events.

A vendor that sends webhooks gives the registry a :class:`WebhookReceiver` (its
``adapters/<vendor>/events.py``). The gateway stores each delivery's raw body before it reads
it, so a receiver only has to say whether a delivery is the vendor's and what it means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from contract.events import EventData, EventType


class WebhookRejected(Exception):
    """The delivery is not the vendor's (a bad signature, a stale timestamp): 401, not stored."""


class MalformedWebhook(Exception):
    """The body is not the vendor's shape: 400, and kept for inspection."""


@dataclass(frozen=True)
class InboundEvent:
    """One unified event read from a vendor's delivery."""

    type: EventType
    identity: str
    """The vendor's identity of the event, unique per tenant and vendor: a retried delivery
    and a replica racing on the same one carry the same identity, so one event results."""
    occurred_at: datetime
    subject: str | None = None
    """The gateway id of the object it is about (``topcalls:<call id>``...)."""
    data: EventData | None = None
    """The unified object, or ``None`` when the gateway must read it from the vendor (a call
    event carries the same Call as ``GET /v1/calls/{id}``, so the call is fetched)."""


class WebhookReceiver(Protocol):
    """Authenticates and reads one vendor's webhook deliveries."""

    vendor: str
    signs: bool
    """Whether the vendor signs deliveries (then a tenant may store the signing secret, and
    every delivery must carry a valid signature); otherwise the unguessable URL token and a
    strict body shape are the check."""
    call_events: tuple[str, ...]
    """The vendor's names of the call events the gateway asks for on the calls it places (empty:
    the vendor takes no webhook URL per call)."""

    def authenticate(
        self, headers: Mapping[str, str], body: bytes, signing_secret: str | None, now: datetime
    ) -> None:
        """Raise :class:`WebhookRejected` unless the delivery is the vendor's."""
        ...

    def read(self, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """The events in a delivery; :class:`MalformedWebhook` when it is not the vendor's
        shape. Unknown vendor event types become ``vendor.unmapped``, never nothing."""
        ...
