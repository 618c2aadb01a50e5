"""TopCalls' webhooks read into unified events (contract sheet §6).

TopCalls signs a delivery when the account has a webhook secret: ``X-TopCalls-Signature`` is
``sha256=`` and the hex HMAC-SHA256 of the raw body, and ``X-TopCalls-Timestamp`` says when it
was sent. The timestamp is not covered by the signature, so it bounds how old a delivery may look
rather than proving its age; replays are harmless anyway because events are deduplicated.

A call event's ``data`` is read back from the vendor (``GET /v1/calls/{id}``), so it is the same
Call the API returns; the identity ``<event>:<call id>`` makes the per-call webhook, an account
subscription's ``call.completed.<disposition>`` variant and every retry one event.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from adapters.topcalls.translate import VENDOR, opaque_id
from adapters.webhooks import InboundEvent, MalformedWebhook, WebhookRejected
from contract.events import CampaignChange, EventType, UnmappedVendorEvent

SIGNATURE_HEADER = "x-topcalls-signature"
TIMESTAMP_HEADER = "x-topcalls-timestamp"
EVENT_HEADER = "x-topcalls-event"
DELIVERY_HEADER = "x-topcalls-delivery"
TOLERANCE_SECONDS = 300
"""How far a delivery's timestamp may be from the gateway's clock."""

CALL_EVENTS = {
    "call.queued": EventType.CALL_QUEUED,
    "call.started": EventType.CALL_STARTED,
    "call.completed": EventType.CALL_COMPLETED,
    "call.failed": EventType.CALL_FAILED,
}
CAMPAIGN_EVENTS = {
    "campaign.started": EventType.CAMPAIGN_STARTED,
    "campaign.paused": EventType.CAMPAIGN_PAUSED,
    "campaign.completed": EventType.CAMPAIGN_COMPLETED,
}


class TopCallsWebhooks:
    """Authenticates and reads TopCalls' per-call, campaign and account webhooks."""

    vendor = VENDOR
    signs = True
    call_events = tuple(CALL_EVENTS)

    def authenticate(
        self, headers: Mapping[str, str], body: bytes, signing_secret: str | None, now: datetime
    ) -> None:
        """With a signing secret stored, a valid signature and a recent timestamp are required."""
        if signing_secret is None:
            return
        signature = headers.get(SIGNATURE_HEADER, "")
        expected = "sha256=" + hmac.new(signing_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise WebhookRejected("the signature does not match this tenant's webhook secret")
        try:
            sent_at = int(headers.get(TIMESTAMP_HEADER, ""))
        except ValueError:
            raise WebhookRejected("the delivery has no valid timestamp") from None
        if abs(now.timestamp() - sent_at) > TOLERANCE_SECONDS:
            raise WebhookRejected(f"the timestamp is more than {TOLERANCE_SECONDS} s off")

    def read(self, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        """One event per delivery."""
        payload = _object(body)
        name = payload.get("event") or headers.get(EVENT_HEADER)
        if not isinstance(name, str) or not name:
            raise MalformedWebhook("the delivery names no event")
        base = name if name in CALL_EVENTS else _call_completed_variant(name)
        if base is not None:
            return [_call_event(base, payload)]
        if name in CAMPAIGN_EVENTS:
            return [_campaign_event(name, payload, _delivery_identity(headers, body))]
        return [
            InboundEvent(
                type=EventType.VENDOR_UNMAPPED,
                identity="unmapped:" + _delivery_identity(headers, body),
                occurred_at=datetime.now(UTC),
                subject=_subject(payload),
                data=UnmappedVendorEvent(vendor_event_type=name, payload=payload),
            )
        ]


def _object(body: bytes) -> dict[str, Any]:
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise MalformedWebhook("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise MalformedWebhook("the body is not a JSON object")
    return payload


def _call_completed_variant(name: str) -> str | None:
    """``call.completed.<disposition>`` (account subscriptions) is a call.completed."""
    prefix, _, disposition = name.rpartition(".")
    return "call.completed" if prefix == "call.completed" and disposition else None


def _call_event(name: str, payload: Mapping[str, Any]) -> InboundEvent:
    call_id = payload.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise MalformedWebhook(f"a {name} delivery without a call_id")
    moment = {"call.queued": "created_at", "call.started": "started_at"}.get(name, "end_at")
    return InboundEvent(
        type=CALL_EVENTS[name],
        identity=f"{name}:{call_id}",
        occurred_at=_time(payload.get(moment)) or _time(payload.get("created_at")) or _now(),
        subject=opaque_id(call_id),
    )


def _campaign_event(name: str, payload: Mapping[str, Any], delivery: str) -> InboundEvent:
    campaign_id = payload.get("campaign_id")
    if not isinstance(campaign_id, str) or not campaign_id:
        raise MalformedWebhook(f"a {name} delivery without a campaign_id")
    stats = payload.get("stats")
    reason = payload.get("reason")
    return InboundEvent(
        type=CAMPAIGN_EVENTS[name],
        identity=f"{name}:{campaign_id}:{delivery}",
        occurred_at=_now(),
        subject=opaque_id(campaign_id),
        data=CampaignChange(
            campaign_id=opaque_id(campaign_id),
            status=str(payload.get("status") or name.removeprefix("campaign.")),
            reason=reason if isinstance(reason, str) else None,
            stats=stats if isinstance(stats, dict) else None,
        ),
    )


def _subject(payload: Mapping[str, Any]) -> str | None:
    for key in ("call_id", "campaign_id"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            return opaque_id(value)
    return None


def _delivery_identity(headers: Mapping[str, str], body: bytes) -> str:
    """The vendor's delivery id (the same on every retry), else the body's digest."""
    delivery = headers.get(DELIVERY_HEADER)
    return delivery or hashlib.sha256(body).hexdigest()[:32]


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)
