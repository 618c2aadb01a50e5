"""The gateway registers itself as the webhook target of the calls it places.

A call always carries the tenant's inbound URL for the vendor when there is one, asking for
every call event the vendor sends, so the call's events reach the event log in the unified
schema. When the consumer names a ``webhook_url``, the vendor still gets the gateway's URL (an
unsigned endpoint is made if the tenant has none) and the consumer's URL gets the call's
normalized ``call.*`` events from the gateway, signed with the tenant's call-webhook secret:
never the vendor's payload.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from contract.agents import CallCreate
from contract.errors import FieldError, ValidationFailed
from contract.events import CALL_EVENTS
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.ingest import EventIngestor
from gateway.events.outbound import UnsafeDestination, WebhookSender
from gateway.events.outbox import Outbox
from gateway.events.subscriptions import Subscriptions


@dataclass(frozen=True)
class CallWebhooks:
    """What places a call's webhooks: the inbound endpoints, and the call's own subscription."""

    endpoints: WebhookEndpoints
    ingestor: EventIngestor
    subscriptions: Subscriptions
    outbox: Outbox
    sender: WebhookSender


@dataclass(frozen=True)
class Routed:
    """The call as sent to the vendor, and the consumer's URL to subscribe once it exists."""

    call: CallCreate
    consumer_url: str | None
    consumer_types: tuple[str, ...] = ()
    """The call events ``consumer_url`` receives: the call's ``webhook_events``, else all."""


async def with_gateway_webhook(
    hooks: CallWebhooks, tenant_id: str, vendor: str, call: CallCreate, public_url: str
) -> Routed:
    """``call`` with the tenant's inbound URL as its webhook target, when that applies; 409
    when a ``webhook_url`` is given before the tenant has a call-webhook secret, 422 when the
    URL may not be delivered to, the vendor sends the gateway no call events, or
    ``webhook_events`` names an event that is not a call event (``call.*``, unified names)."""
    consumer_url = call.webhook_url
    types = _consumer_types(call.webhook_events)
    names = hooks.ingestor.receiver(vendor).call_events if vendor in hooks.ingestor.vendors else ()
    if consumer_url is not None:
        if not names:
            raise _invalid(f"{vendor} sends the gateway no call events to forward")
        try:
            hooks.sender.check(consumer_url)
        except UnsafeDestination as exc:
            raise _invalid(str(exc)) from None
        await hooks.subscriptions.require_call_secret(tenant_id)
    endpoint = await hooks.endpoints.find(tenant_id, vendor, public_url) if names else None
    if endpoint is None and consumer_url is not None:
        endpoint = await hooks.endpoints.configure(tenant_id, vendor, None, public_url)
    if not names or endpoint is None or endpoint.url is None:
        return Routed(call, None)
    sent = msgspec.structs.replace(call, webhook_url=endpoint.url, webhook_events=list(names))
    return Routed(sent, consumer_url, types)


async def subscribe_call(
    hooks: CallWebhooks,
    tenant_id: str,
    call_id: str,
    url: str,
    types: tuple[str, ...] = (),
) -> None:
    """Send the placed call's events of ``types`` (all ``call.*`` when empty) to ``url``,
    including any recorded before this."""
    subscription_id = await hooks.subscriptions.subscribe_call(tenant_id, call_id, url, types)
    await hooks.outbox.catch_up(tenant_id, subscription_id, call_id)


def _consumer_types(names: list[str] | None) -> tuple[str, ...]:
    """The unified call events a call's ``webhook_events`` asks for (all, when not given)."""
    if names is None:
        return tuple(sorted(CALL_EVENTS))
    known = {str(name) for name in CALL_EVENTS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise _invalid(
            f"unknown call event {', '.join(unknown)}: choose among {', '.join(sorted(known))}",
            "body.webhook_events",
        )
    return tuple(sorted(set(names)))


def _invalid(message: str, field: str = "body.webhook_url") -> ValidationFailed:
    return ValidationFailed(
        "the gateway cannot deliver this call's events",
        errors=[FieldError(field=field, message=message)],
    )
