"""Pure translation between TrustCaller payloads and the normalized schema; no I/O here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from adapters.trustcaller.payloads import (
    CallRecord,
    ErrorBody,
    ReservedNumber,
    TestNumbersResponse,
)
from contract.errors import (
    FieldError,
    GatewayError,
    NotFound,
    RateLimited,
    ValidationFailed,
    VendorContext,
    VendorCredentialRejected,
    VendorError,
)
from contract.phone import is_masked, vendor_digits_to_e164
from contract.schema import (
    Call,
    CallDirection,
    CallStatus,
    Number,
    NumberStatus,
    TestNumber,
    TestNumberList,
)
from contract.vendor_data import vendor_object

VENDOR = "trustcaller"

HANG_CAUSE_STATUS: Mapping[str, CallStatus] = {
    "NORMAL_CLEARING": CallStatus.COMPLETED,
    "USER_BUSY": CallStatus.BUSY,
    "NO_ANSWER": CallStatus.NO_ANSWER,
    "NO_USER_RESPONSE": CallStatus.NO_ANSWER,
    "CALL_REJECTED": CallStatus.REJECTED,
    "ORIGINATOR_CANCEL": CallStatus.CANCELED,
}

VENDOR_FIELD_TO_QUERY: Mapping[str, str] = {
    "per_page": "query.limit",
    "page": "query.cursor",
    "number": "query.number",
    "prefix": "query.prefix",
    "from": "query.from_date",
    "to": "query.to_date",
    "name": "body.name",
}


def opaque_id(vendor_id: int | str) -> str:
    """The gateway id of a TrustCaller object."""
    return f"{VENDOR}:{vendor_id}"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def number_from_vendor(item: ReservedNumber) -> Number:
    """A reserved number in the unified shape."""
    active = item.reserved and item.released_at is None
    return Number(
        id=opaque_id(item.id),
        vendor=VENDOR,
        number=vendor_digits_to_e164(item.number),
        status=NumberStatus.ACTIVE if active else NumberStatus.RELEASED,
        created_at=_utc(item.created_at),
        released_at=_utc(item.released_at),
        vendor_data=vendor_object(item),
    )


def call_status(record: CallRecord) -> CallStatus:
    """Unified status of a CDR, from its end and hang cause."""
    if record.end_at is None:
        return CallStatus.IN_PROGRESS
    if record.hang_cause is not None and record.hang_cause in HANG_CAUSE_STATUS:
        return HANG_CAUSE_STATUS[record.hang_cause]
    if record.hang_cause is None and (record.duration or 0) > 0:
        return CallStatus.COMPLETED
    return CallStatus.FAILED


def call_from_vendor(record: CallRecord) -> Call:
    """A call detail record in the unified shape. CDRs are calls that reached the account."""
    return Call(
        id=opaque_id(record.id),
        vendor=VENDOR,
        direction=CallDirection.INBOUND,
        status=call_status(record),
        from_number=vendor_digits_to_e164(record.caller_id) if record.caller_id else None,
        from_masked=is_masked(record.caller_id),
        to_number=vendor_digits_to_e164(record.number),
        started_at=_utc(record.start_at),
        created_at=_utc(record.start_at),
        ended_at=_utc(record.end_at),
        duration_seconds=record.duration,
        post_dial_delay_ms=record.pdd,
        end_reason=record.hang_cause,
        vendor_call_id=record.call_unique_id,
        vendor_data=vendor_object(record),
    )


def translate_test_numbers(response: TestNumbersResponse, prefix: str | None) -> TestNumberList:
    """Test numbers in the unified shape."""
    return TestNumberList(
        data=[
            TestNumber(
                number=vendor_digits_to_e164(entry.test_number),
                prefix=entry.prefix,
                vendor=VENDOR,
                vendor_data=vendor_object(entry),
            )
            for entry in response.data
        ],
        prefix=prefix,
    )


def has_more(current_page: int, per_page: int, total: int) -> bool:
    """Whether a Laravel paginator has a page after ``current_page``."""
    return current_page * per_page < total


def _parse_error_body(body: bytes) -> ErrorBody:
    try:
        return msgspec.json.decode(body, type=ErrorBody)
    except msgspec.DecodeError:
        return ErrorBody()


def retry_after_seconds(headers: Mapping[str, str]) -> int | None:
    """The vendor's ``Retry-After`` in whole seconds, when it sent a usable one."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(raw) if raw is not None else math.nan
    except ValueError:
        return None
    return max(0, math.ceil(seconds)) if math.isfinite(seconds) else None


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, not_found: str | None = None
) -> GatewayError:
    """Map a TrustCaller error answer to the gateway error a consumer should see.

    ``not_found`` is the message for a 404 on an object lookup; a 404 anywhere else means the
    gateway reached the wrong place (a bad base URL, say), which is the vendor side's failure.
    """
    parsed = _parse_error_body(body)
    vendor_message = parsed.message or f"HTTP {status}"
    common: VendorContext = {"vendor": VENDOR, "vendor_status": status}
    if status in (401, 403):
        what = "is not valid" if status == 401 else "lacks a permission this call needs"
        return VendorCredentialRejected(
            f"TrustCaller refused the credential stored for this tenant: it {what} "
            f"({vendor_message!r}). An administrator must update it with "
            "PUT /v1/admin/tenants/{tenant}/credentials/trustcaller.",
            **common,
        )
    if status == 404 and not_found is not None:
        return NotFound(not_found, **common)
    if status == 422:
        errors = [
            FieldError(field=VENDOR_FIELD_TO_QUERY.get(name, name), message=message)
            for name, messages in (parsed.errors or {}).items()
            for message in messages
        ]
        return ValidationFailed(
            f"TrustCaller rejected the input: {vendor_message}", errors=errors, **common
        )
    if status == 429:
        retry_after = retry_after_seconds(headers)
        return RateLimited(
            "TrustCaller's rate limit for this credential is spent; retry later.",
            retry_after=retry_after if retry_after is not None else 60,
            **common,
        )
    return VendorError.for_status(f"TrustCaller answered HTTP {status}: {vendor_message}", **common)
