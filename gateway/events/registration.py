"""The gateway registers itself as the webhook target of the calls it places.

When the tenant has an inbound endpoint for the vendor and the consumer names no ``webhook_url``
of its own, the call carries the endpoint's URL and asks for every call event the vendor sends,
so the call's events reach the event log in the unified schema.
"""

from __future__ import annotations

import msgspec

from contract.agents import CallCreate
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.ingest import EventIngestor


async def with_gateway_webhook(
    endpoints: WebhookEndpoints,
    ingestor: EventIngestor,
    tenant_id: str,
    vendor: str,
    call: CallCreate,
    public_url: str,
) -> CallCreate:
    """``call`` with the tenant's inbound URL as its webhook target, when that applies."""
    if call.webhook_url is not None or vendor not in ingestor.vendors:
        return call
    names = ingestor.receiver(vendor).call_events
    endpoint = await endpoints.find(tenant_id, vendor, public_url)
    if not names or endpoint is None or endpoint.url is None:
        return call
    return msgspec.structs.replace(call, webhook_url=endpoint.url, webhook_events=list(names))
