"""TopCalls payloads from the contract sheet, translated into the normalized schema.

The byte strings below are copied verbatim from vendor-contracts/topcalls.md (recorded fixtures);
the client tests reuse them.
"""

# ruff: noqa: E501  (the sheet's JSON is kept byte for byte, long lines included)

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from adapters.topcalls import translate
from adapters.topcalls.payloads import (
    BalanceOut,
    CallCreated,
    CallItem,
    CallsPage,
    CampaignOut,
    CarrierOut,
    CarriersOut,
    ModelsOut,
    OkOut,
    PhoneNumberOut,
    TopCallsCredential,
    VoiceOut,
    VoicesOut,
    WebhookOut,
)
from contract.agents import (
    CallCreate,
    CallMode,
    CampaignStats,
    CampaignStatus,
    CarrierCreate,
    NumberCreate,
    SipGateway,
    SipInboundAuth,
    TrunkType,
    VendorWebhookCreate,
    Voice,
    VoiceFilters,
)
from contract.errors import (
    Conflict,
    FieldError,
    GatewayError,
    NotFound,
    PaymentRequired,
    RateLimited,
    ValidationFailed,
    VendorCredentialRejected,
    VendorError,
    VendorServerError,
)
from contract.schema import CallDirection, CallStatus, NumberStatus, TranscriptTurn

# --- payloads copied from the contract sheet -----------------------------------------------------

PROBLEM_402 = b"""
{
  "title": "Insufficient Quota",
  "status": 402,
  "type": "https://api.topcalls.ai/errors/insufficient_quota",
  "detail": "You need 5 minutes but have 3.5 remaining",
  "instance": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "errors": [ { "path": "<string>", "message": "<string>", "code": "<string>" } ],
  "details": "<string>"
}
"""

PROBLEM_400 = b"""
{
  "status": 400,
  "title": "Invalid request body",
  "detail": "Phone number must be in E.164 format",
  "errors": [
    { "path": "phone_number", "message": "Phone number must be in E.164 format (e.g., +14155551234)" }
  ]
}
"""

CREATE_CALL_SIMPLE = b"""
{ "phone_number": "+14155551234", "task": "Call to confirm John's appointment tomorrow at 3 PM" }
"""

CREATE_CALL_ADVANCED = b"""
{
  "phone_number": "+14155551234",
  "instructions": "You are Sarah, a senior scheduler...",
  "first_sentence": "Hi, this is Sarah from TopView Dental...",
  "voice": "alloy",
  "temperature": 0.7,
  "max_duration": 10,
  "webhook_url": "https://your-app.com/webhooks/call-complete",
  "webhook_events": ["call.completed", "call.failed"]
}
"""

CALL_CREATED = b"""
{ "call_id": "564d4fd4-03bc-400a-abe0-05540fbeff88", "provider_call_id": "64e9bf0e-7c2f-4443-a759-7eb1731cd583", "status": "queued" }
"""

CALLS_PAGE = b"""
{
  "data": [
    {
      "id": "564d4fd4-03bc-400a-abe0-05540fbeff88",
      "created_at": "2025-12-22T10:30:00Z",
      "phone_number": "+14155551234",
      "from_phone_number": "+18005551234",
      "status": "completed",
      "call_status": "completed",
      "duration": 2.5,
      "started_at": "2025-12-22T10:30:05Z",
      "end_at": "2025-12-22T10:32:35Z",
      "campaign_id": null,
      "lead_id": null,
      "answered_by": "human",
      "error_message": null,
      "recording_url": "https://api.example.com/recordings/2025/12/22/mp3",
      "transcript": [
        { "id": 1, "user": "assistant", "text": "Hi, this is Sarah from TopView Dental...", "created_at": "2025-12-22T10:30:05Z" }
      ],
      "call_summary": "Successfully confirmed appointment...",
      "disposition": "confirmed",
      "actual_duration_billed": 2.5
    }
  ],
  "next_cursor": "2025-12-22T10:29:00Z"
}
"""

CALL_DETAILS = b"""
{
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "account_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "phone_number": "+14155551234",
  "from_phone_number": "+18005551234",
  "status": "completed",
  "call_status": "completed",
  "external_call_id": "64e9bf0e-7c2f-4443-a759-7eb1731cd583",
  "duration": 2.5,
  "transcript": [
    { "id": 1, "user": "assistant", "text": "Hi, this is Sarah from TopView Dental...", "created_at": "2025-12-22T10:30:05Z" },
    { "id": 2, "user": "user", "text": "Yes, hi...", "created_at": "2025-12-22T10:30:08Z" }
  ],
  "recording_url": "https://api.example.com/recordings/2025/12/22/mp3",
  "call_summary": "Successfully confirmed appointment...",
  "error_message": null,
  "answered_by": "human",
  "campaign_id": null,
  "lead_id": null,
  "completed": true,
  "created_at": "2025-12-22T10:30:00Z",
  "started_at": "2025-12-22T10:30:05Z",
  "end_at": "2025-12-22T10:32:35Z",
  "metadata": {}
}
"""

STOPPED = b'{ "ok": true, "status": "cancelled" }'

OK = b'{ "ok": true }'

WEBHOOK_SUBSCRIPTION = b"""
{
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "account_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "event": "call.completed.booked_callback",
  "url": "https://hooks.your-app.com/topcalls",
  "filters": { "is_conversion": true, "phone_number": "+1555%" },
  "deleted_at": null,
  "created_by_api_key_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "created_at": "2023-11-07T05:31:56Z"
}
"""

CAMPAIGN = b"""
{
  "id": "8f0c2b1e-5d7a-4c55-9d0e-1a2b3c4d5e6f",
  "name": "Sales Outreach",
  "status": "running",
  "from_number": "+18005551234",
  "conversion_outcomes": ["booked_callback"],
  "webhook_url": "https://your-app.com/webhooks/campaign",
  "stats": {
    "total_leads": 500,
    "pending_leads": 320,
    "calls_queued": 5,
    "calls_in_progress": 3,
    "calls_completed": 150,
    "calls_failed": 22,
    "conversions": 31,
    "minutes_used": 410.5
  },
  "created_at": "2025-12-20T09:00:00Z",
  "updated_at": "2025-12-22T10:30:00Z"
}
"""

PHONE_NUMBER = b"""
{
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "account_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "number": "+18005551234",
  "source": "topcalls",
  "status": "active",
  "phone_number_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "voip_carrier_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "carrier_name": "<string>",
  "label": "<string>",
  "error_message": "<string>",
  "created_by_user_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "created_at": "2023-11-07T05:31:56Z",
  "updated_at": "2023-11-07T05:31:56Z"
}
"""

ADD_NUMBER_REQUEST = b"""
{ "number": "+18005551234", "voip_carrier_sid": "660e8400-e29b-41d4-a716-446655440001", "label": "Main Line" }
"""

NUMBER_ADDED = b"""
{
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "number": "+18005551234",
  "voip_carrier_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "carrier_name": "My VoIP Provider",
  "source": "byoc",
  "phone_number_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "status": "pending",
  "label": "Main Line",
  "account_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "created_at": "2023-11-07T05:31:56Z"
}
"""

ADD_CARRIER_REQUEST = b"""
{
  "carrier_name": "My VoIP Provider",
  "trunk_type": "static_ip",
  "sip_gateway": { "ipv4": "203.0.113.10", "port": 5060, "inbound": true, "outbound": true }
}
"""

CARRIER_CREATED = b"""
{
  "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "account_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "voip_carrier_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "sip_gateway_sid": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
  "carrier_name": "My VoIP Provider",
  "trunk_type": "static_ip",
  "created_at": "2023-11-07T05:31:56Z"
}
"""

BALANCE = b"""
{
  "balance_type": "call_minutes",
  "remaining_minutes": 450.5,
  "plan_minutes": 1000,
  "total_minutes": 1200,
  "used_minutes": 49.5,
  "reserved_minutes": 10,
  "welcome_bonus_used": 200,
  "welcome_bonus_remaining": 300
}
"""

MODELS = b"""
{
  "data": [
    { "id": "gpt-realtime-mini-2025-12-15", "mode": "realtime", "provider": "openai", "supports_temperature": false, "default": true },
    { "id": "gpt-4o", "mode": "legacy", "provider": "openai", "supports_temperature": true, "default": false },
    { "id": "gpt-5", "mode": "legacy", "provider": "openai", "supports_temperature": false, "default": false },
    { "id": "gemini-2.5-flash", "mode": "legacy", "provider": "google", "supports_temperature": true, "default": false }
  ]
}
"""

BUILTIN_VOICES = b"""
{
  "data": [
    { "id": "alloy", "name": "Alloy", "mode": "realtime", "provider": "openai", "gender": "neutral", "language": "multi" },
    { "id": "rachel", "name": "Rachel", "mode": "legacy", "provider": "elevenlabs", "provider_voice_id": "21m00Tcm4TlvDq8ikWAM", "gender": "female", "language": "en" }
  ]
}
"""

# --- what the sheet leaves to the simulator ([assumed] shapes, built from the sheet's objects) ----

SYSTEM_CARRIER = b"""
{ "id": null, "carrier_name": "TopCalls", "trunk_type": null, "is_system": true }
"""

ACCOUNT_VOICE = b"""
{ "id": "vc_42", "mode": "legacy", "provider": "elevenlabs", "is_custom": true }
"""

CALL_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


def decode(payload: bytes, into: type) -> object:
    return msgspec.json.decode(payload, type=into)


@pytest.fixture
def details() -> CallItem:
    return msgspec.json.decode(CALL_DETAILS, type=CallItem)


@pytest.fixture
def listed() -> CallItem:
    return msgspec.json.decode(CALLS_PAGE, type=CallsPage).data[0]


def call_request(**fields: object) -> CallCreate:
    return msgspec.convert({"to_number": "+14155551234", **fields}, CallCreate)


def carrier_request(
    sip_gateway: dict[str, object] | None = None, **fields: object
) -> CarrierCreate:
    gateway = {"address": "203.0.113.10", **(sip_gateway or {})}
    return msgspec.convert(
        {"name": "My VoIP Provider", "sip_gateway": gateway, **fields}, CarrierCreate
    )


# --- credential ----------------------------------------------------------------------------------


def test_credential_is_the_api_key_and_never_shows_it() -> None:
    credential = msgspec.convert({"api_key": "tc_live_secret123"}, TopCallsCredential)

    assert credential.api_key == "tc_live_secret123"
    assert "secret" not in repr(credential)
    assert "secret" not in str(credential)


def test_credential_refuses_unknown_fields() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"api_key": "tc_live_x", "token": "y"}, TopCallsCredential)


# --- calls ---------------------------------------------------------------------------------------


def test_call_details_translate_to_an_outbound_completed_call(details: CallItem) -> None:
    call = translate.call_from_vendor(details)

    assert call.id == f"topcalls:{CALL_ID}"
    assert call.vendor == "topcalls"
    assert call.direction is CallDirection.OUTBOUND
    assert call.status is CallStatus.COMPLETED
    assert call.to_number == "+14155551234"
    assert call.from_number == "+18005551234"
    assert call.from_masked is False
    assert call.created_at == datetime(2025, 12, 22, 10, 30, tzinfo=UTC)
    assert call.started_at == datetime(2025, 12, 22, 10, 30, 5, tzinfo=UTC)
    assert call.ended_at == datetime(2025, 12, 22, 10, 32, 35, tzinfo=UTC)
    assert call.duration_seconds == 150.0
    assert call.end_reason is None
    assert call.vendor_call_id == "64e9bf0e-7c2f-4443-a759-7eb1731cd583"
    assert call.answered_by == "human"
    assert call.summary == "Successfully confirmed appointment..."
    assert call.recording_url == "https://api.example.com/recordings/2025/12/22/mp3"
    assert call.campaign_id is None
    assert call.post_processing_done is True
    assert call.metadata == {}
    assert call.transcript == [
        TranscriptTurn(
            speaker="agent",
            text="Hi, this is Sarah from TopView Dental...",
            at=datetime(2025, 12, 22, 10, 30, 5, tzinfo=UTC),
        ),
        TranscriptTurn(
            speaker="callee", text="Yes, hi...", at=datetime(2025, 12, 22, 10, 30, 8, tzinfo=UTC)
        ),
    ]


def test_listed_call_lacks_what_only_details_carry(listed: CallItem) -> None:
    call = translate.call_from_vendor(listed)

    assert call.id == "topcalls:564d4fd4-03bc-400a-abe0-05540fbeff88"
    assert call.status is CallStatus.COMPLETED
    assert call.duration_seconds == 150.0
    assert call.vendor_call_id is None
    assert call.post_processing_done is None
    assert call.metadata is None
    assert call.transcript is not None
    assert [turn.speaker for turn in call.transcript] == ["agent"]


def test_calls_page_keeps_the_cursor_as_sent() -> None:
    page = msgspec.json.decode(CALLS_PAGE, type=CallsPage)

    assert page.next_cursor == "2025-12-22T10:29:00Z"
    assert page.data[0].disposition == "confirmed"
    assert page.data[0].actual_duration_billed == 2.5


@pytest.mark.parametrize(
    ("status", "telephony", "expected"),
    [
        ("pending", None, CallStatus.QUEUED),
        ("queued", None, CallStatus.QUEUED),
        ("in_progress", "in-progress", CallStatus.IN_PROGRESS),
        ("completed", "completed", CallStatus.COMPLETED),
        ("completed", None, CallStatus.COMPLETED),
        ("completed", "no-answer", CallStatus.NO_ANSWER),
        ("completed", "busy", CallStatus.BUSY),
        ("failed", "no-answer", CallStatus.NO_ANSWER),
        ("failed", "busy", CallStatus.BUSY),
        ("failed", "rejected", CallStatus.REJECTED),
        ("failed", "failed", CallStatus.FAILED),
        ("failed", None, CallStatus.FAILED),
        ("cancelled", "cancelled", CallStatus.CANCELED),
        ("cancelled", None, CallStatus.CANCELED),
    ],
)
def test_status_and_call_status_map_to_one_unified_status(
    details: CallItem, status: str, telephony: str | None, expected: CallStatus
) -> None:
    item = msgspec.structs.replace(details, status=status, call_status=telephony)

    assert translate.call_from_vendor(item).status is expected


@pytest.mark.parametrize(
    ("telephony", "end_at", "expected"),
    [
        ("in-progress", None, CallStatus.IN_PROGRESS),
        ("busy", datetime(2025, 12, 22, 10, 31, tzinfo=UTC), CallStatus.BUSY),
        (None, None, CallStatus.QUEUED),
        (None, datetime(2025, 12, 22, 10, 31, tzinfo=UTC), CallStatus.FAILED),
    ],
)
def test_undocumented_status_falls_back_on_the_telephony_outcome_then_the_end(
    details: CallItem, telephony: str | None, end_at: datetime | None, expected: CallStatus
) -> None:
    item = msgspec.structs.replace(details, status="ringing", call_status=telephony, end_at=end_at)

    assert translate.call_from_vendor(item).status is expected


@pytest.mark.parametrize(
    ("status", "telephony", "error_message", "expected"),
    [
        ("failed", "failed", "SIP 503 from carrier", "SIP 503 from carrier"),
        ("failed", "busy", None, "busy"),
        ("failed", "no-answer", None, "no-answer"),
        ("cancelled", "cancelled", None, "cancelled"),
        ("completed", "completed", None, None),
        ("in_progress", "in-progress", None, None),
        ("queued", None, None, None),
    ],
)
def test_end_reason_is_the_error_message_or_an_unusual_telephony_outcome(
    details: CallItem,
    status: str,
    telephony: str | None,
    error_message: str | None,
    expected: str | None,
) -> None:
    item = msgspec.structs.replace(
        details, status=status, call_status=telephony, error_message=error_message
    )

    assert translate.call_from_vendor(item).end_reason == expected


@pytest.mark.parametrize(
    ("minutes", "seconds"),
    [(2.5, 150.0), (0.1234, 7.4), (1 / 3, 20.0), (0, 0.0), (None, None)],
)
def test_duration_minutes_become_seconds_to_a_tenth(
    details: CallItem, minutes: float | None, seconds: float | None
) -> None:
    item = msgspec.structs.replace(details, duration=minutes)

    assert translate.call_from_vendor(item).duration_seconds == seconds


def test_campaign_call_carries_the_opaque_campaign_id(details: CallItem) -> None:
    item = msgspec.structs.replace(details, campaign_id="8f0c2b1e-5d7a-4c55-9d0e-1a2b3c4d5e6f")

    call = translate.call_from_vendor(item)

    assert call.campaign_id == "topcalls:8f0c2b1e-5d7a-4c55-9d0e-1a2b3c4d5e6f"


def test_minimal_call_decodes_with_everything_else_absent() -> None:
    payload = b'{"id": "c1", "status": "queued", "created_at": "2025-12-22T12:30:00+02:00", "x": 1}'

    call = translate.call_from_vendor(msgspec.json.decode(payload, type=CallItem))

    assert call.status is CallStatus.QUEUED
    assert call.created_at == datetime(2025, 12, 22, 10, 30, tzinfo=UTC)
    assert call.created_at is not None
    assert call.created_at.utcoffset() == timedelta(0)
    assert (call.to_number, call.from_number, call.transcript) == (None, None, None)
    assert call.duration_seconds is None


def test_placed_call_is_the_call_as_queued() -> None:
    created = msgspec.json.decode(CALL_CREATED, type=CallCreated)
    request = call_request(
        task="Call to confirm John's appointment tomorrow at 3 PM",
        from_number="18005551234",
        metadata={"ticket": 7},
    )

    call = translate.placed_call(created, request, "+14155551234")

    assert call.id == "topcalls:564d4fd4-03bc-400a-abe0-05540fbeff88"
    assert call.vendor_call_id == "64e9bf0e-7c2f-4443-a759-7eb1731cd583"
    assert call.direction is CallDirection.OUTBOUND
    assert call.status is CallStatus.QUEUED
    assert call.to_number == "+14155551234"
    assert call.from_number == "+18005551234"
    assert call.metadata == {"ticket": 7}
    assert call.post_processing_done is False


def test_simple_call_body_is_the_sheet_request() -> None:
    request = call_request(task="Call to confirm John's appointment tomorrow at 3 PM")

    body = translate.create_call_body(request, "+14155551234", None)

    assert json.loads(msgspec.json.encode(body)) == json.loads(CREATE_CALL_SIMPLE)


def test_advanced_call_body_is_the_sheet_request() -> None:
    request = call_request(
        instructions="You are Sarah, a senior scheduler...",
        first_sentence="Hi, this is Sarah from TopView Dental...",
        voice="alloy",
        temperature=0.7,
        max_duration_seconds=600,
        webhook_url="https://your-app.com/webhooks/call-complete",
        webhook_events=["call.completed", "call.failed"],
    )

    body = translate.create_call_body(request, "+14155551234", None)

    assert json.loads(msgspec.json.encode(body)) == json.loads(CREATE_CALL_ADVANCED)


def test_call_body_renames_and_converts_the_gateway_fields() -> None:
    request = call_request(
        task="Confirm the appointment",
        mode="legacy",
        voice="rachel",
        model="gpt-4o",
        max_duration_seconds=90,
        variables={"patient_name": "John Smith"},
        metadata={"ticket": 7},
    )

    body = translate.create_call_body(request, "+14155551234", "+18005551234")

    assert json.loads(msgspec.json.encode(body)) == {
        "phone_number": "+14155551234",
        "task": "Confirm the appointment",
        "from_number": "+18005551234",
        "mode": "legacy",
        "voice": "rachel",
        "model": "gpt-4o",
        "max_duration": 1.5,
        "request_data": {"patient_name": "John Smith"},
        "metadata": {"ticket": 7},
    }


# --- numbers -------------------------------------------------------------------------------------


def test_sheet_number_translates_with_label_carrier_and_detail() -> None:
    number = translate.number_from_vendor(msgspec.json.decode(PHONE_NUMBER, type=PhoneNumberOut))

    assert number.id == f"topcalls:{CALL_ID}"
    assert number.vendor == "topcalls"
    assert number.number == "+18005551234"
    assert number.status is NumberStatus.ACTIVE
    assert number.created_at == datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)
    assert number.released_at is None
    assert (number.label, number.carrier_name, number.status_detail) == (
        "<string>",
        "<string>",
        "<string>",
    )


def test_added_number_is_pending_without_update_time() -> None:
    number = translate.number_from_vendor(msgspec.json.decode(NUMBER_ADDED, type=PhoneNumberOut))

    assert number.status is NumberStatus.PENDING
    assert number.label == "Main Line"
    assert number.carrier_name == "My VoIP Provider"
    assert number.status_detail is None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", NumberStatus.ACTIVE),
        ("pending", NumberStatus.PENDING),
        ("inactive", NumberStatus.INACTIVE),
        ("failed", NumberStatus.FAILED),
        ("deleted", NumberStatus.RELEASED),
        ("suspended", NumberStatus.INACTIVE),
    ],
)
def test_number_statuses(status: str, expected: NumberStatus) -> None:
    item = msgspec.structs.replace(
        msgspec.json.decode(PHONE_NUMBER, type=PhoneNumberOut), status=status
    )

    assert translate.number_from_vendor(item).status is expected


def test_deleted_number_is_released_when_last_updated() -> None:
    item = msgspec.structs.replace(
        msgspec.json.decode(PHONE_NUMBER, type=PhoneNumberOut),
        status="deleted",
        updated_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )

    assert translate.number_from_vendor(item).released_at == datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC
    )


def test_add_number_body_is_the_sheet_request() -> None:
    request = NumberCreate(vendor="topcalls", number="18005551234", label="Main Line")

    body = translate.add_number_body(
        request, "+18005551234", "660e8400-e29b-41d4-a716-446655440001"
    )

    assert json.loads(msgspec.json.encode(body)) == json.loads(ADD_NUMBER_REQUEST)


def test_add_number_body_on_the_default_carrier_sends_only_the_number() -> None:
    request = NumberCreate(vendor="topcalls", number="+18005551234")

    body = translate.add_number_body(request, "+18005551234", None)

    assert msgspec.json.encode(body) == b'{"number":"+18005551234"}'


# --- carriers ------------------------------------------------------------------------------------


def test_created_carrier_is_a_custom_carrier_named_by_its_record_id() -> None:
    carrier = translate.carrier_from_vendor(msgspec.json.decode(CARRIER_CREATED, type=CarrierOut))

    assert carrier.id == f"topcalls:{CALL_ID}"
    assert carrier.vendor == "topcalls"
    assert carrier.name == "My VoIP Provider"
    assert carrier.is_system is False
    assert carrier.trunk_type is TrunkType.STATIC_IP
    assert carrier.created_at == datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)


def test_system_carrier_has_no_id() -> None:
    listed = msgspec.json.decode(
        b'{"data": [' + SYSTEM_CARRIER + b"," + CARRIER_CREATED + b"]}", type=CarriersOut
    )

    system, custom = (translate.carrier_from_vendor(item) for item in listed.data)

    assert (system.id, system.is_system, system.trunk_type) == (None, True, None)
    assert system.name == "TopCalls"
    assert custom.is_system is False


def test_sheet_carrier_request_is_valid_and_becomes_the_sheet_body() -> None:
    request = carrier_request(trunk_type="static_ip")

    assert translate.validate_carrier(request) == []
    body = translate.carrier_body(request)
    assert json.loads(msgspec.json.encode(body)) == json.loads(ADD_CARRIER_REQUEST)


@pytest.mark.parametrize(
    "address", ["sip.myprovider.com", "2001:db8::1", "203.0.113", "203.0.113.300"]
)
def test_inbound_gateway_must_be_an_ipv4_address(address: str) -> None:
    request = carrier_request(sip_gateway={"address": address})

    assert translate.validate_carrier(request) == [
        FieldError(
            field="body.sip_gateway.address",
            message="an inbound gateway must be an IPv4 address (TopCalls matches by IP; "
            "hostnames and IPv6 are refused)",
        )
    ]


def test_outbound_only_gateway_may_be_a_hostname() -> None:
    request = carrier_request(sip_gateway={"address": "sip.myprovider.com", "inbound": False})

    assert translate.validate_carrier(request) == []
    assert translate.carrier_body(request).sip_gateway.ipv4 == "sip.myprovider.com"


def test_gateway_must_carry_some_direction() -> None:
    request = carrier_request(sip_gateway={"inbound": False, "outbound": False})

    assert [e.field for e in translate.validate_carrier(request)] == ["body.sip_gateway"]


REGISTRATION = {"username": "acme", "password": "s3cret-pass", "realm": "sip.acme.test"}
INBOUND_AUTH = {"username": "acme", "password": "s3cret-pass"}


@pytest.mark.parametrize(
    ("fields", "invalid"),
    [
        ({"trunk_type": "reg"}, ["body.registration"]),
        ({"trunk_type": "auth"}, ["body.inbound_auth"]),
        ({"trunk_type": "static_ip", "registration": REGISTRATION}, ["body.registration"]),
        ({"trunk_type": "static_ip", "inbound_auth": INBOUND_AUTH}, ["body.inbound_auth"]),
        (
            {"trunk_type": "reg", "inbound_auth": INBOUND_AUTH},
            ["body.registration", "body.inbound_auth"],
        ),
        (
            {"trunk_type": "auth", "registration": REGISTRATION},
            ["body.registration", "body.inbound_auth"],
        ),
        ({"trunk_type": "reg", "registration": REGISTRATION}, []),
        ({"trunk_type": "auth", "inbound_auth": INBOUND_AUTH}, []),
    ],
)
def test_trunk_type_decides_which_credentials_are_required(
    fields: dict[str, object], invalid: list[str]
) -> None:
    request = carrier_request(**fields)

    assert [e.field for e in translate.validate_carrier(request)] == invalid


def test_carrier_errors_never_echo_the_password() -> None:
    request = carrier_request(trunk_type="static_ip", registration=REGISTRATION)

    assert all("s3cret" not in e.message for e in translate.validate_carrier(request))


def test_registration_trunk_body_names_the_realm_sip_realm() -> None:
    request = carrier_request(trunk_type="reg", registration=REGISTRATION)

    body = translate.carrier_body(request)

    assert json.loads(msgspec.json.encode(body)) == {
        "carrier_name": "My VoIP Provider",
        "trunk_type": "reg",
        "sip_gateway": {"ipv4": "203.0.113.10", "port": 5060, "inbound": True, "outbound": True},
        "registration": {
            "username": "acme",
            "password": "s3cret-pass",
            "sip_realm": "sip.acme.test",
        },
    }
    assert "s3cret" not in repr(body)


def test_auth_trunk_body_carries_inbound_auth() -> None:
    request = CarrierCreate(
        name="Acme",
        sip_gateway=SipGateway(address="198.51.100.7", port=5080, outbound=False),
        trunk_type=TrunkType.AUTH,
        inbound_auth=SipInboundAuth(username="acme", password="s3cret-pass"),
    )

    body = translate.carrier_body(request)

    assert json.loads(msgspec.json.encode(body)) == {
        "carrier_name": "Acme",
        "trunk_type": "auth",
        "sip_gateway": {"ipv4": "198.51.100.7", "port": 5080, "inbound": True, "outbound": False},
        "inbound_auth": {"username": "acme", "password": "s3cret-pass"},
    }
    assert "s3cret" not in repr(body)


# --- campaigns, models, voices, balance ----------------------------------------------------------


def test_sheet_campaign_translates_with_its_stats() -> None:
    campaign = translate.campaign_from_vendor(msgspec.json.decode(CAMPAIGN, type=CampaignOut))

    assert campaign.id == "topcalls:8f0c2b1e-5d7a-4c55-9d0e-1a2b3c4d5e6f"
    assert campaign.vendor == "topcalls"
    assert campaign.name == "Sales Outreach"
    assert campaign.status is CampaignStatus.RUNNING
    assert campaign.from_number == "+18005551234"
    assert campaign.conversion_outcomes == ["booked_callback"]
    assert campaign.stats == CampaignStats(
        total_leads=500,
        pending_leads=320,
        calls_queued=5,
        calls_in_progress=3,
        calls_completed=150,
        calls_failed=22,
        conversions=31,
        minutes_used=410.5,
    )
    assert campaign.created_at == datetime(2025, 12, 20, 9, 0, tzinfo=UTC)
    assert campaign.updated_at == datetime(2025, 12, 22, 10, 30, tzinfo=UTC)


def test_campaign_without_stats_or_outcomes_has_zero_progress() -> None:
    payload = b'{"id": "c1", "name": "Draft", "status": "draft"}'

    campaign = translate.campaign_from_vendor(msgspec.json.decode(payload, type=CampaignOut))

    assert campaign.status is CampaignStatus.DRAFT
    assert campaign.stats == CampaignStats()
    assert campaign.conversion_outcomes == []
    assert campaign.from_number is None


def test_undocumented_campaign_status_is_a_decode_error() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"id": "c1", "name": "x", "status": "archived"}', type=CampaignOut)


def test_sheet_models_translate() -> None:
    models = [
        translate.model_from_vendor(item)
        for item in msgspec.json.decode(MODELS, type=ModelsOut).data
    ]

    assert [(m.id, m.mode, m.provider, m.supports_temperature, m.default) for m in models] == [
        ("gpt-realtime-mini-2025-12-15", CallMode.REALTIME, "openai", False, True),
        ("gpt-4o", CallMode.LEGACY, "openai", True, False),
        ("gpt-5", CallMode.LEGACY, "openai", False, False),
        ("gemini-2.5-flash", CallMode.LEGACY, "google", True, False),
    ]
    assert {m.vendor for m in models} == {"topcalls"}


def test_sheet_builtin_voices_translate() -> None:
    alloy, rachel = (
        translate.voice_from_vendor(item)
        for item in msgspec.json.decode(BUILTIN_VOICES, type=VoicesOut).data
    )

    assert alloy.vendor_data is not None and "provider_voice_id" in alloy.vendor_data
    assert msgspec.structs.replace(alloy, vendor_data=None) == Voice(
        id="alloy",
        vendor="topcalls",
        name="Alloy",
        mode=CallMode.REALTIME,
        provider="openai",
        custom=False,
        gender="neutral",
        language="multi",
    )
    assert (rachel.id, rachel.mode, rachel.provider, rachel.custom) == (
        "rachel",
        CallMode.LEGACY,
        "elevenlabs",
        False,
    )


def test_custom_voice_without_a_name_is_named_by_its_id() -> None:
    voice = translate.voice_from_vendor(msgspec.json.decode(ACCOUNT_VOICE, type=VoiceOut))

    assert (voice.id, voice.name, voice.custom) == ("vc_42", "vc_42", True)
    assert (voice.gender, voice.language) == (None, None)


RACHEL = Voice(
    id="rachel",
    vendor="topcalls",
    name="Rachel",
    mode=CallMode.LEGACY,
    provider="elevenlabs",
    custom=False,
    gender="female",
    language="en",
)


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        (VoiceFilters(), True),
        (VoiceFilters(mode=CallMode.LEGACY), True),
        (VoiceFilters(mode=CallMode.REALTIME), False),
        (VoiceFilters(provider="ElevenLabs"), True),
        (VoiceFilters(provider="openai"), False),
        (VoiceFilters(gender="FEMALE"), True),
        (VoiceFilters(gender="male"), False),
        (VoiceFilters(language="EN"), True),
        (VoiceFilters(language="en-US"), False),
        (VoiceFilters(custom=False), True),
        (VoiceFilters(custom=True), False),
        (VoiceFilters(mode=CallMode.LEGACY, gender="female", language="en", custom=False), True),
        (VoiceFilters(mode=CallMode.LEGACY, gender="male"), False),
    ],
)
def test_voice_matches_every_set_filter_case_insensitively(
    filters: VoiceFilters, matches: bool
) -> None:
    assert translate.voice_matches(RACHEL, filters) is matches


def test_voice_without_a_gender_fails_a_gender_filter() -> None:
    voice = msgspec.structs.replace(RACHEL, gender=None)

    assert translate.voice_matches(voice, VoiceFilters(gender="female")) is False


def test_sheet_balance_translates() -> None:
    balance = translate.balance_from_vendor(msgspec.json.decode(BALANCE, type=BalanceOut))

    assert balance.vendor == "topcalls"
    assert balance.plan == "call_minutes"
    assert balance.minutes_remaining == 450.5
    assert balance.minutes_used == 249.5
    assert balance.minutes_reserved == 10
    assert balance.plan_minutes == 1000
    assert balance.bonus_minutes_remaining == 300


# --- errors --------------------------------------------------------------------------------------


def error(status: int, body: bytes, headers: dict[str, str] | None = None) -> GatewayError:
    return translate.error_from_response(status, headers or {}, body)


def test_402_is_payment_required_with_the_vendors_detail() -> None:
    raised = error(402, PROBLEM_402)

    assert isinstance(raised, PaymentRequired)
    assert raised.status == 402
    assert "You need 5 minutes but have 3.5 remaining" in raised.detail
    assert (raised.vendor, raised.vendor_status) == ("topcalls", 402)


def test_400_is_validation_failed_on_the_gateway_field() -> None:
    raised = error(400, PROBLEM_400)

    assert isinstance(raised, ValidationFailed)
    assert raised.status == 422
    assert "Phone number must be in E.164 format" in raised.detail
    assert raised.errors == [
        FieldError(
            field="body.to_number",
            message="Phone number must be in E.164 format (e.g., +14155551234)",
        )
    ]
    assert (raised.vendor, raised.vendor_status) == ("topcalls", 400)


@pytest.mark.parametrize(
    ("vendor_path", "field"),
    [
        ("phone_number", "body.to_number"),
        ("from_number", "body.from_number"),
        ("number", "body.number"),
        ("voip_carrier_sid", "body.carrier_id"),
        ("sip_gateway.ipv4", "body.sip_gateway.address"),
        ("sip_gateway.port", "body.sip_gateway.port"),
        ("carrier_name", "body.name"),
        ("registration.sip_realm", "body.registration.realm"),
        ("max_duration", "body.max_duration_seconds"),
        ("request_data", "body.variables"),
        ("task", "body.task"),
        ("voice", "body.voice"),
        ("Idempotency-Key", "header.Idempotency-Key"),
        ("idempotency_key", "header.Idempotency-Key"),
        ("", "body"),
    ],
)
def test_400_field_paths_are_renamed_to_the_gateways(vendor_path: str, field: str) -> None:
    body = json.dumps(
        {"status": 400, "detail": "bad", "errors": [{"path": vendor_path, "message": "no"}]}
    ).encode()

    raised = error(400, body)

    assert raised.errors == [FieldError(field=field, message="no")]


def test_400_without_field_errors_has_none() -> None:
    raised = error(400, b'{"status": 400, "title": "Invalid Idempotency-Key"}')

    assert isinstance(raised, ValidationFailed)
    assert raised.errors is None
    assert "Invalid Idempotency-Key" in raised.detail


@pytest.mark.parametrize("body", [b"<html>Bad Gateway</html>", b"", b"[1, 2]", b'{"detail": 5}'])
def test_unreadable_error_body_does_not_crash(body: bytes) -> None:
    raised = error(502, body)

    assert type(raised) is VendorServerError
    assert raised.detail == "TopCalls answered HTTP 502: HTTP 502"
    assert (raised.vendor, raised.vendor_status) == ("topcalls", 502)


def test_non_json_400_is_still_a_validation_failure() -> None:
    raised = error(400, b"Bad Request")

    assert isinstance(raised, ValidationFailed)
    assert raised.errors is None


def test_401_says_the_stored_key_was_rejected() -> None:
    raised = error(401, b'{"status": 401, "title": "Unauthorized", "detail": "Invalid API key"}')

    assert isinstance(raised, VendorCredentialRejected)
    assert raised.detail.startswith("TopCalls rejected the stored API key")
    assert (raised.vendor, raised.vendor_status) == ("topcalls", 401)


def test_403_says_the_key_lacks_permission_with_the_vendors_detail() -> None:
    raised = error(403, b'{"status": 403, "title": "Forbidden", "detail": "API key is read-only"}')

    assert isinstance(raised, VendorCredentialRejected)
    assert "lacks permission" in raised.detail
    assert "read-only" in raised.detail
    assert "API key is read-only" in raised.detail
    assert raised.vendor_status == 403


def test_vendor_text_never_carries_an_api_key() -> None:
    body = b'{"status": 403, "detail": "key tc_live_abc123XYZ is read-only"}'

    raised = error(403, body)

    assert "tc_live_abc123XYZ" not in raised.detail
    assert "abc123" not in raised.detail


def test_404_names_what_was_not_found() -> None:
    body = b'{"status": 404, "title": "Not Found", "detail": "Call not found"}'

    named = translate.error_from_response(404, {}, body, not_found="call not found")
    unnamed = translate.error_from_response(404, {}, body)

    assert isinstance(named, NotFound)
    assert named.detail == "call not found"
    assert isinstance(unnamed, NotFound)
    assert unnamed.detail == "Call not found"
    assert (unnamed.vendor, unnamed.vendor_status) == ("topcalls", 404)


def test_409_is_a_conflict_with_the_vendors_detail() -> None:
    body = (
        b'{"status": 409, "title": "Conflict",'
        b' "detail": "Call already ended; use /stop for active calls"}'
    )

    raised = error(409, body)

    assert isinstance(raised, Conflict)
    assert "Call already ended" in raised.detail
    assert raised.vendor_status == 409


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [
        ({"retry-after": "30"}, 30),
        ({"Retry-After": " 7 "}, 7),
        ({"Retry-After": "0"}, 0),
        ({}, 1),
        ({"retry-after": "soon"}, 1),
        ({"retry-after": "2.5"}, 1),
        ({"retry-after": "-3"}, 1),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 1),
    ],
)
def test_429_is_rate_limited_with_the_vendors_retry_after(
    headers: dict[str, str], retry_after: int
) -> None:
    raised = error(429, b'{"status": 429, "title": "Too Many Requests"}', headers)

    assert isinstance(raised, RateLimited)
    assert raised.retry_after == retry_after
    assert (raised.vendor, raised.vendor_status) == ("topcalls", 429)


@pytest.mark.parametrize("status", [500, 503, 418, 422])
def test_other_statuses_are_vendor_errors(status: int) -> None:
    raised = error(status, b'{"status": 500, "title": "Internal Server Error"}')

    assert type(raised) is (VendorServerError if status >= 500 else VendorError)
    assert raised.status == 502
    assert "Internal Server Error" in raised.detail
    assert (raised.vendor, raised.vendor_status) == ("topcalls", status)


def test_ok_answers_decode() -> None:
    assert decode(STOPPED, OkOut) == OkOut(ok=True, status="cancelled")
    assert decode(OK, OkOut) == OkOut(ok=True)


def test_a_webhook_subscription_is_normalized_from_the_sheets_example() -> None:
    item = msgspec.json.decode(WEBHOOK_SUBSCRIPTION, type=WebhookOut)

    webhook = translate.webhook_from_vendor(item)

    assert webhook.id == "topcalls:3c90c3cc-0d44-4b50-8888-8dd25736052a"
    assert (webhook.event, webhook.url) == (
        "call.completed.booked_callback",
        "https://hooks.your-app.com/topcalls",
    )
    assert webhook.filters == {"is_conversion": True, "phone_number": "+1555%"}
    assert webhook.created_at == datetime(2023, 11, 7, 5, 31, 56, tzinfo=UTC)


def test_a_webhook_body_sends_only_what_was_given() -> None:
    body = translate.webhook_body(
        VendorWebhookCreate(event="call.completed", url="https://example.com/hook")
    )

    assert msgspec.json.decode(msgspec.json.encode(body)) == {
        "event": "call.completed",
        "url": "https://example.com/hook",
    }
