"""TrustCaller payloads from the contract sheet, translated into the normalized schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from adapters.trustcaller import translate
from adapters.trustcaller.payloads import (
    CallEnvelope,
    CallRecord,
    CallsPage,
    NumbersPage,
    ReservedNumber,
    TestNumbersResponse,
)
from contract.errors import (
    FieldError,
    NotFound,
    RateLimited,
    ValidationFailed,
    VendorCredentialRejected,
    VendorServerError,
)
from contract.schema import CallDirection, CallStatus, NumberStatus
from tests.unit.adapters.trustcaller import contract_payloads as sheet

ADMIN_FIX = "PUT /v1/admin/tenants/{tenant}/credentials/trustcaller"


@pytest.fixture
def sheet_number() -> ReservedNumber:
    return msgspec.json.decode(sheet.NUMBERS_PAGE, type=NumbersPage).data[0]


@pytest.fixture
def sheet_call() -> CallRecord:
    return msgspec.json.decode(sheet.CALLS_PAGE, type=CallsPage).data[0]


def call_with(sheet_call: CallRecord, **changes: object) -> CallRecord:
    return msgspec.structs.replace(sheet_call, **changes)


# --- numbers -------------------------------------------------------------------------------------


def test_sheet_number_translates_to_an_active_e164_number(sheet_number: ReservedNumber) -> None:
    number = translate.number_from_vendor(sheet_number)

    assert number.id == "trustcaller:12345"
    assert number.vendor == "trustcaller"
    assert number.number == "+120000486562997"
    assert number.status is NumberStatus.ACTIVE
    assert number.created_at == datetime(2026, 1, 15, 10, 30, tzinfo=UTC)
    assert number.created_at is not None
    assert number.created_at.utcoffset() == timedelta(0)
    assert number.released_at is None


def test_number_with_release_time_is_released(sheet_number: ReservedNumber) -> None:
    released = msgspec.structs.replace(
        sheet_number, released_at=datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    )

    number = translate.number_from_vendor(released)

    assert number.status is NumberStatus.RELEASED
    assert number.released_at == datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_number_created_with_offset_is_converted_to_utc() -> None:
    payload = b'{"id": 1, "number": "4915112345678", "created_at": "2026-01-15T12:30:00+02:00"}'

    number = translate.number_from_vendor(msgspec.json.decode(payload, type=ReservedNumber))

    assert number.created_at is not None
    assert number.created_at.utcoffset() == timedelta(0)
    assert (number.created_at.hour, number.created_at.minute) == (10, 30)


# --- call detail records -------------------------------------------------------------------------


def test_sheet_cdr_translates_to_a_completed_inbound_call(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(sheet_call)

    assert call.id == "trustcaller:98765"
    assert call.vendor == "trustcaller"
    assert call.direction is CallDirection.INBOUND
    assert call.status is CallStatus.COMPLETED
    assert call.to_number == "+120000486562997"
    assert call.duration_seconds == 135
    assert call.post_dial_delay_ms == 850
    assert call.end_reason == "NORMAL_CLEARING"
    assert call.vendor_call_id == "abc123-xyz789"


def test_sheet_cdr_keeps_the_masked_caller_masked(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(sheet_call)

    assert call.from_number == "+8823412XXX"
    assert call.from_masked is True


def test_unmasked_caller_is_not_flagged_masked(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(call_with(sheet_call, caller_id="8823412345"))

    assert call.from_number == "+8823412345"
    assert call.from_masked is False


def test_sheet_cdr_times_are_utc_aware(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(sheet_call)

    assert call.started_at == datetime(2026, 5, 15, 14, 30, tzinfo=UTC)
    assert call.ended_at == datetime(2026, 5, 15, 14, 32, 15, tzinfo=UTC)
    assert call.started_at is not None and call.ended_at is not None
    assert call.started_at.utcoffset() == timedelta(0)
    assert call.ended_at.utcoffset() == timedelta(0)
    assert (call.ended_at - call.started_at).total_seconds() == call.duration_seconds


def test_cdr_times_with_an_offset_are_converted_to_utc() -> None:
    payload = b"""{
        "id": 1, "caller_id": "8823412XXX", "number": "120000486562997",
        "start_at": "2026-05-15T16:30:00+02:00", "end_at": "2026-05-15T16:32:15+02:00",
        "duration": 135, "hang_cause": "NORMAL_CLEARING"
    }"""

    call = translate.call_from_vendor(msgspec.json.decode(payload, type=CallRecord))

    assert call.started_at is not None and call.ended_at is not None
    assert call.started_at.utcoffset() == timedelta(0)
    assert call.started_at.isoformat() == "2026-05-15T14:30:00+00:00"
    assert call.ended_at.isoformat() == "2026-05-15T14:32:15+00:00"


def test_cdr_time_without_an_offset_is_read_as_utc(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(call_with(sheet_call, start_at=datetime(2026, 5, 15, 14, 30)))

    assert call.started_at == datetime(2026, 5, 15, 14, 30, tzinfo=UTC)
    assert call.started_at is not None
    assert call.started_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("hang_cause", "status"),
    [
        ("NORMAL_CLEARING", CallStatus.COMPLETED),
        ("USER_BUSY", CallStatus.BUSY),
        ("NO_ANSWER", CallStatus.NO_ANSWER),
        ("NO_USER_RESPONSE", CallStatus.NO_ANSWER),
        ("CALL_REJECTED", CallStatus.REJECTED),
        ("ORIGINATOR_CANCEL", CallStatus.CANCELED),
        ("NORMAL_TEMPORARY_FAILURE", CallStatus.FAILED),
        ("SOMETHING_NEW", CallStatus.FAILED),
    ],
)
def test_hang_cause_maps_to_call_status(
    sheet_call: CallRecord, hang_cause: str, status: CallStatus
) -> None:
    call = translate.call_from_vendor(call_with(sheet_call, hang_cause=hang_cause))

    assert call.status is status
    assert call.end_reason == hang_cause


def test_cdr_without_end_is_in_progress(sheet_call: CallRecord) -> None:
    call = translate.call_from_vendor(
        call_with(sheet_call, end_at=None, hang_cause=None, duration=None)
    )

    assert call.status is CallStatus.IN_PROGRESS
    assert call.ended_at is None


def test_ended_cdr_without_hang_cause_counts_as_completed_when_it_lasted(
    sheet_call: CallRecord,
) -> None:
    lasted = translate.call_from_vendor(call_with(sheet_call, hang_cause=None, duration=12))
    instant = translate.call_from_vendor(call_with(sheet_call, hang_cause=None, duration=0))

    assert lasted.status is CallStatus.COMPLETED
    assert instant.status is CallStatus.FAILED


def test_single_cdr_envelope_decodes_to_the_same_call(sheet_call: CallRecord) -> None:
    envelope = msgspec.json.decode(sheet.CALL_ENVELOPE, type=CallEnvelope)

    assert translate.call_from_vendor(envelope.data) == translate.call_from_vendor(sheet_call)


# --- test numbers --------------------------------------------------------------------------------


def test_sheet_test_numbers_translate_to_e164_with_their_prefix() -> None:
    response = msgspec.json.decode(sheet.TEST_NUMBERS, type=TestNumbersResponse)

    result = translate.translate_test_numbers(response, "8613")

    assert result.prefix == "8613"
    assert [(t.number, t.prefix, t.vendor) for t in result.data] == [
        ("+8613912345678", "8613", "trustcaller")
    ]


def test_test_numbers_without_a_filter_have_no_prefix() -> None:
    response = msgspec.json.decode(sheet.TEST_NUMBERS, type=TestNumbersResponse)

    assert translate.translate_test_numbers(response, None).prefix is None


# --- pagination ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current_page", "per_page", "total", "expected"),
    [
        (1, 50, 1, False),
        (1, 50, 50, False),
        (1, 50, 51, True),
        (2, 50, 100, False),
        (2, 50, 101, True),
        (3, 1000, 2500, False),
        (1, 100, 0, False),
        (5, 100, 3, False),
    ],
)
def test_has_more_is_true_only_when_items_remain_after_this_page(
    current_page: int, per_page: int, total: int, expected: bool
) -> None:
    assert translate.has_more(current_page, per_page, total) is expected


# --- error answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "vendor_message"),
    [
        (401, sheet.UNAUTHENTICATED, "Unauthenticated."),
        (403, sheet.UNAUTHORIZED, "This action is unauthorized."),
    ],
)
def test_refused_credential_is_a_502_that_says_how_to_fix_it(
    status: int, body: bytes, vendor_message: str
) -> None:
    error = translate.error_from_response(status, {}, body)

    assert isinstance(error, VendorCredentialRejected)
    assert error.status == 502
    assert error.slug == "vendor-credential-rejected"
    assert error.vendor == "trustcaller"
    assert error.vendor_status == status
    assert "credential stored for this tenant" in error.detail
    assert vendor_message in error.detail
    assert ADMIN_FIX in error.detail


def test_refused_credential_detail_tells_invalid_from_missing_permission() -> None:
    invalid = translate.error_from_response(401, {}, sheet.UNAUTHENTICATED)
    lacking = translate.error_from_response(403, {}, sheet.UNAUTHORIZED)

    assert "is not valid" in invalid.detail
    assert "lacks a permission" in lacking.detail


def test_vendor_404_is_a_404_with_the_callers_message() -> None:
    error = translate.error_from_response(404, {}, sheet.CALL_NOT_FOUND, "call not found")

    assert isinstance(error, NotFound)
    assert error.status == 404
    assert error.detail == "call not found"
    assert error.vendor_status == 404


def test_sheet_422_maps_laravel_field_errors_to_gateway_fields() -> None:
    error = translate.error_from_response(422, {}, sheet.NUMBER_REQUIRED)

    assert isinstance(error, ValidationFailed)
    assert error.status == 422
    assert error.errors == [
        FieldError(field="query.number", message="The number field is required.")
    ]
    assert "The number field is required." in error.detail


def test_422_keeps_every_message_and_unknown_fields_as_named() -> None:
    body = (
        b'{"message": "bad", "errors": {"per_page": ["too big", "not even"],'
        b' "from": ["bad date"], "colour": ["no"]}}'
    )

    error = translate.error_from_response(422, {}, body)

    assert error.errors == [
        FieldError(field="query.limit", message="too big"),
        FieldError(field="query.limit", message="not even"),
        FieldError(field="query.from_date", message="bad date"),
        FieldError(field="colour", message="no"),
    ]


def test_429_takes_retry_after_from_the_header() -> None:
    error = translate.error_from_response(429, {"Retry-After": "17"}, sheet.TOO_MANY_ATTEMPTS)

    assert isinstance(error, RateLimited)
    assert error.status == 429
    assert error.retry_after == 17
    assert error.headers() == {"Retry-After": "17"}


def test_429_reads_a_lower_case_header_and_rounds_fractions_up() -> None:
    error = translate.error_from_response(429, {"retry-after": "2.2"}, sheet.TOO_MANY_ATTEMPTS)

    assert error.retry_after == 3


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"},
        {"Retry-After": "soon"},
        {"Retry-After": "inf"},
    ],
    ids=["absent", "http-date", "garbage", "infinite"],
)
def test_429_without_a_usable_retry_after_uses_the_one_minute_window(
    headers: dict[str, str],
) -> None:
    error = translate.error_from_response(429, headers, sheet.TOO_MANY_ATTEMPTS)

    assert isinstance(error, RateLimited)
    assert error.retry_after == 60


@pytest.mark.parametrize("status", [500, 503])
def test_vendor_server_error_is_a_502_carrying_the_vendor_status(status: int) -> None:
    error = translate.error_from_response(status, {}, sheet.SERVER_ERROR)

    assert type(error) is VendorServerError
    assert error.status == 502
    assert error.slug == "vendor-error"
    assert error.vendor == "trustcaller"
    assert error.vendor_status == status
    assert "Server Error" in error.detail


@pytest.mark.parametrize(
    "body", [b"<html>Bad Gateway</html>", b"", b'["not", "an", "object"]', b'{"message": 5}']
)
def test_error_body_that_is_not_the_documented_json_still_maps(body: bytes) -> None:
    error = translate.error_from_response(503, {}, body)

    assert type(error) is VendorServerError
    assert error.vendor_status == 503
    assert "HTTP 503" in error.detail
