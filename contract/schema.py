"""The normalized schema of the unified API: what every vendor's data is translated into.

Numbers are E.164 with ``+``, times are timezone-aware UTC, durations are seconds, and ids are
opaque strings that carry the vendor (``trustcaller:98765``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

import msgspec

from contract.errors import Problem
from contract.vendor_data import VendorData

E164 = Annotated[str, msgspec.Meta(examples=["+120000486562997"], description="E.164 with '+'.")]
OpaqueId = Annotated[
    str, msgspec.Meta(examples=["trustcaller:98765"], description="Opaque id carrying the vendor.")
]


class NumberStatus(StrEnum):
    """Lifecycle of a number held with a vendor."""

    ACTIVE = "active"
    PENDING = "pending"
    INACTIVE = "inactive"
    FAILED = "failed"
    RELEASED = "released"


class CallStatus(StrEnum):
    """Unified call states across vendors."""

    QUEUED = "queued"
    RINGING = "ringing"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELED = "canceled"


class CallDirection(StrEnum):
    """Whether the call reached one of the tenant's numbers or left from one."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class VendorIssue(msgspec.Struct, frozen=True):
    """A vendor that could not contribute to a list; the others' data is still returned."""

    vendor: str
    problem: Problem


class Number(msgspec.Struct, frozen=True, kw_only=True):
    """A phone number the tenant holds with a vendor."""

    id: OpaqueId
    vendor: str
    number: E164
    status: NumberStatus
    created_at: datetime | None = None
    released_at: datetime | None = None
    label: str | None = None
    carrier_name: str | None = None
    status_detail: Annotated[
        str | None, msgspec.Meta(description="Why the vendor reports a failed status.")
    ] = None
    feature_set: Annotated[
        str | None, msgspec.Meta(description="The caller-ID feature set the number is in.")
    ] = None
    department: str | None = None
    vendor_data: VendorData = None


class NumberPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of numbers; pass ``next_cursor`` back as ``cursor`` for the next."""

    data: list[Number]
    next_cursor: str | None = None
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class TestNumber(msgspec.Struct, frozen=True, kw_only=True):
    """A public number for trialling a route before sending real traffic."""

    __test__: ClassVar[bool] = False

    number: E164
    prefix: str
    vendor: str
    vendor_data: VendorData = None


class TestNumberList(msgspec.Struct, frozen=True, kw_only=True):
    """Test numbers, optionally filtered by a digit prefix."""

    __test__: ClassVar[bool] = False

    data: list[TestNumber]
    prefix: str | None = None
    errors: list[VendorIssue] = msgspec.field(default_factory=list)
    """Vendors that could not answer; the others' numbers are in ``data``."""


class TranscriptTurn(msgspec.Struct, frozen=True, kw_only=True):
    """One utterance of an AI call's transcript."""

    speaker: Annotated[str, msgspec.Meta(description="`agent` (the AI) or `callee`.")]
    text: str
    at: datetime | None = None


class Call(msgspec.Struct, frozen=True, kw_only=True):
    """One call, in the same shape whichever vendor holds it."""

    id: OpaqueId
    vendor: str
    direction: CallDirection
    status: CallStatus
    from_number: Annotated[
        str | None,
        msgspec.Meta(description="Calling party in E.164; vendors may mask digits with X."),
    ] = None
    from_masked: bool = False
    to_number: E164 | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    post_dial_delay_ms: int | None = None
    end_reason: str | None = None
    vendor_call_id: str | None = None
    created_at: Annotated[
        datetime | None,
        msgspec.Meta(description="When the vendor recorded the call; lists are newest first."),
    ] = None
    answered_by: Annotated[
        str | None, msgspec.Meta(description="`human`, `voicemail`, `ivr` or `unknown`.")
    ] = None
    transcript: list[TranscriptTurn] | None = None
    summary: str | None = None
    recording_url: str | None = None
    campaign_id: OpaqueId | None = None
    post_processing_done: Annotated[
        bool | None,
        msgspec.Meta(description="The vendor has attached transcript, summary and recording."),
    ] = None
    metadata: dict[str, Any] | None = None
    vendor_data: VendorData = None


class CallPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of calls, most recent first; pass ``next_cursor`` back as ``cursor``."""

    data: list[Call]
    next_cursor: str | None = None
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class LiveCallCheck(msgspec.Struct, frozen=True, kw_only=True):
    """Whether an answered call is in progress on one of the tenant's numbers right now."""

    number: E164
    live_call: bool
    vendor: str
    """The vendor that saw the live call (or the first that answered, when none did)."""
    errors: list[VendorIssue] = msgspec.field(default_factory=list)
    """Vendors that could not answer."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def newest_first(call: Call) -> tuple[float, str]:
    """Sort key of merged call lists: most recent first, ties by id."""
    moment = call.created_at or call.started_at or _EPOCH
    return (-moment.timestamp(), call.id)


def oldest_first(number: Number) -> tuple[float, str]:
    """Sort key of merged number lists: oldest first (undated last), ties by id."""
    moment = number.created_at.timestamp() if number.created_at else float("inf")
    return (moment, number.id)
