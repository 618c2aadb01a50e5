"""Subscriptions: where the gateway delivers a tenant's events, signed per Standard Webhooks.

A signing secret (``whsec_...``) is shown once, when it is made; deliveries carry
``webhook-id`` (the event's id), ``webhook-timestamp`` and ``webhook-signature``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from contract.agents import HTTP_URL_PATTERN

DeliveryUrl = Annotated[
    str,
    msgspec.Meta(
        pattern=HTTP_URL_PATTERN,
        max_length=2048,
        description="Where deliveries are POSTed (https unless the operator allows http).",
    ),
]
TypeFilters = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]],
    msgspec.Meta(
        min_length=1,
        max_length=50,
        description="Event types, or prefixes such as `call.*` (`*`: every event).",
    ),
]
Description = Annotated[str, msgspec.Meta(max_length=500)]


class SubscriptionCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A receiver of the tenant's events."""

    url: DeliveryUrl
    types: TypeFilters = msgspec.field(default_factory=lambda: ["*"])
    description: Description | None = None
    enabled: bool = True


class SubscriptionUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """What to change on a subscription; absent fields stay as they are."""

    url: DeliveryUrl | None = None
    types: TypeFilters | None = None
    description: Description | None = None
    enabled: Annotated[
        bool | None,
        msgspec.Meta(description="`true` enables a subscription the gateway had disabled."),
    ] = None


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A receiver of the tenant's events."""

    id: str
    url: str
    types: list[str]
    description: str | None = None
    enabled: bool
    disabled_reason: Annotated[
        str | None,
        msgspec.Meta(description="Why the gateway disabled it (410 Gone, failing too long)."),
    ] = None
    created_at: datetime
    updated_at: datetime


class SubscriptionWithSecret(Subscription, frozen=True, kw_only=True):
    """A subscription and its signing secret, shown this once."""

    secret: Annotated[
        str, msgspec.Meta(description="`whsec_...`: verify deliveries with it; shown only now.")
    ]


class SubscriptionPage(msgspec.Struct, frozen=True, kw_only=True):
    """Subscriptions, newest first."""

    data: list[Subscription]


class SigningSecret(msgspec.Struct, frozen=True, kw_only=True):
    """A new signing secret, shown this once."""

    secret: str
    previous_valid_until: Annotated[
        datetime | None,
        msgspec.Meta(description="Until then deliveries carry the old secret's signature too."),
    ] = None


class DeliveryAttempt(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt to deliver one event to one subscription."""

    id: str
    event_id: str
    event_type: str
    attempt: Annotated[int, msgspec.Meta(description="1 for the first try of this delivery.")]
    attempted_at: datetime
    succeeded: bool
    status_code: Annotated[
        int | None, msgspec.Meta(description="The receiver's answer; null: no answer.")
    ] = None
    latency_ms: float
    response_head: Annotated[
        str | None, msgspec.Meta(description="The first bytes of the receiver's answer.")
    ] = None
    error: Annotated[
        str | None, msgspec.Meta(description="Why there was no answer (refused, timed out...).")
    ] = None


class DeliveryAttemptPage(msgspec.Struct, frozen=True, kw_only=True):
    """Attempts, newest first; pass ``next_cursor`` back as ``cursor``."""

    data: list[DeliveryAttempt]
    next_cursor: str | None = None


class Replay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Send again every event recorded since a time."""

    since: Annotated[datetime, msgspec.Meta(description="Events recorded at or after this.")]


class Queued(msgspec.Struct, frozen=True, kw_only=True):
    """How many deliveries were queued."""

    queued: int


REQUEST_BODIES: tuple[type[msgspec.Struct], ...] = (SubscriptionCreate, SubscriptionUpdate, Replay)
"""Bodies that refuse unknown fields (the OpenAPI document says so)."""
