"""Events: what happened after a request, in one schema whatever vendor it happened at.

Every event has the same envelope (:class:`Event`); its ``data`` is the unified object the event
is about (a ``call.completed`` carries the same :class:`~contract.schema.Call` as
``GET /v1/calls/{id}``). A vendor event the gateway cannot map is kept as ``vendor.unmapped``
with the vendor's own payload, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any

import msgspec

from contract.caller_id import Operation, PersonalizationBatch, Verification
from contract.schema import Call
from contract.subscriptions import Subscription


class EventType(StrEnum):
    """The kinds of event the gateway emits."""

    CALL_QUEUED = "call.queued"
    CALL_STARTED = "call.started"
    CALL_COMPLETED = "call.completed"
    CALL_FAILED = "call.failed"
    CALL_CANCELED = "call.canceled"
    CALLBACK_REQUESTED = "caller_id.callback_requested"
    FEEDBACK_RECEIVED = "caller_id.feedback_received"
    NUMBER_OPERATION_COMPLETED = "number.operation.completed"
    PERSONALIZATION_BATCH_COMPLETED = "caller_id.personalization_batch.completed"
    VERIFICATION_COMPLETED = "verification.completed"
    CAMPAIGN_STARTED = "campaign.started"
    CAMPAIGN_PAUSED = "campaign.paused"
    CAMPAIGN_COMPLETED = "campaign.completed"
    SUBSCRIPTION_DISABLED = "subscription.disabled"
    VENDOR_UNMAPPED = "vendor.unmapped"


CALL_EVENTS = frozenset(
    {
        EventType.CALL_QUEUED,
        EventType.CALL_STARTED,
        EventType.CALL_COMPLETED,
        EventType.CALL_FAILED,
        EventType.CALL_CANCELED,
    }
)
"""Events whose ``data`` is a :class:`~contract.schema.Call`."""


class CallbackRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A person asked, in the vendor's app, to be called back by the business."""

    caller_number: Annotated[
        str | None,
        msgspec.Meta(description="E.164; null when the person's device did not share it."),
    ]
    alternate_number: Annotated[
        str | None, msgspec.Meta(description="A number the person typed instead, E.164.")
    ] = None
    business_number: Annotated[str, msgspec.Meta(description="The business number, E.164.")]
    feature_set: str | None = None
    requested_at: datetime
    interested: bool
    preferred_date: Annotated[
        str | None, msgspec.Meta(description="YYYY-MM-DD, when the person picked a day.")
    ] = None
    preferred_weekday: str | None = None
    preferred_from: datetime | None = None
    preferred_to: datetime | None = None
    config_name: str | None = None


class FeedbackAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """One answered question of a feedback survey."""

    question: str
    response: str


class FeedbackReceived(msgspec.Struct, frozen=True, kw_only=True):
    """A person answered a feedback survey after a call with the business."""

    survey_name: str
    caller_number: Annotated[
        str | None, msgspec.Meta(description="E.164; null when the vendor did not have it.")
    ]
    business_number: Annotated[str, msgspec.Meta(description="The business number, E.164.")]
    feature_set: str | None = None
    answered_at: datetime
    answers: list[FeedbackAnswer]


class CampaignChange(msgspec.Struct, frozen=True, kw_only=True):
    """A campaign started, paused or finished."""

    campaign_id: str
    status: str
    reason: str | None = None
    stats: dict[str, Any] | None = None


class UnmappedVendorEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A vendor event the gateway has no unified shape for (yet): kept, not dropped."""

    vendor_event_type: str
    payload: dict[str, Any]


EVENT_DATA: Mapping[EventType, type[msgspec.Struct]] = MappingProxyType(
    {
        **dict.fromkeys(sorted(CALL_EVENTS), Call),
        EventType.CALLBACK_REQUESTED: CallbackRequest,
        EventType.FEEDBACK_RECEIVED: FeedbackReceived,
        EventType.NUMBER_OPERATION_COMPLETED: Operation,
        EventType.PERSONALIZATION_BATCH_COMPLETED: PersonalizationBatch,
        EventType.VERIFICATION_COMPLETED: Verification,
        EventType.CAMPAIGN_STARTED: CampaignChange,
        EventType.CAMPAIGN_PAUSED: CampaignChange,
        EventType.CAMPAIGN_COMPLETED: CampaignChange,
        EventType.SUBSCRIPTION_DISABLED: Subscription,
        EventType.VENDOR_UNMAPPED: UnmappedVendorEvent,
    }
)
"""The shape of each event type's ``data`` (the OpenAPI document has one event schema per type)."""


def event_schema_name(type_: EventType) -> str:
    """The document's name for the schema of one event type: ``call.completed`` is
    ``CallCompletedEvent``."""
    words = type_.value.replace("_", ".").split(".")
    return "".join(word.capitalize() for word in words) + "Event"


EventData = Call | CallbackRequest | FeedbackReceived | CampaignChange | UnmappedVendorEvent


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """One event: what happened, where, to which object, when."""

    id: Annotated[str, msgspec.Meta(description="Unique; the `webhook-id` of its deliveries.")]
    type: EventType
    created_at: Annotated[datetime, msgspec.Meta(description="When the gateway recorded it.")]
    occurred_at: Annotated[datetime, msgspec.Meta(description="When it happened at the vendor.")]
    vendor: str | None
    tenant_id: str
    subject: Annotated[
        str | None,
        msgspec.Meta(description="The id of the object it is about (a call, a campaign...)."),
    ] = None
    data: dict[str, Any]


class EventPage(msgspec.Struct, frozen=True, kw_only=True):
    """Events, newest first; pass ``next_cursor`` back as ``cursor``."""

    data: list[Event]
    next_cursor: str | None = None
