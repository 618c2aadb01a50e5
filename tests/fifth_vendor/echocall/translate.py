"""EchoCall payloads to the contract schema, and its errors to the gateway's. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contract.errors import (
    GatewayError,
    NotFound,
    ValidationFailed,
    VendorContext,
    VendorCredentialRejected,
    VendorError,
)
from contract.schema import Call, CallDirection, CallStatus, Number, NumberStatus

VENDOR = "echocall"
_CALL_STATES = {"ringing": CallStatus.RINGING, "talking": CallStatus.IN_PROGRESS}


def number_from(line: dict[str, Any]) -> Number:
    """A line as a number."""
    return Number(
        id=f"{VENDOR}:{line['line_id']}",
        vendor=VENDOR,
        number="+" + line["digits"],
        status=NumberStatus.ACTIVE,
        created_at=datetime.fromtimestamp(line["created"], UTC),
    )


def call_from(dial: dict[str, Any]) -> Call:
    """A dial as a call."""
    return Call(
        id=f"{VENDOR}:{dial['dial_id']}",
        vendor=VENDOR,
        direction=CallDirection.OUTBOUND,
        status=_CALL_STATES.get(dial["state"], CallStatus.COMPLETED),
        to_number="+" + dial["to"],
        created_at=datetime.fromtimestamp(dial["created"], UTC),
        vendor_call_id=dial["dial_id"],
    )


def error_from(status: int, body: bytes) -> GatewayError:
    """The gateway error for an EchoCall error answer."""
    common: VendorContext = {"vendor": VENDOR, "vendor_status": status}
    if status in (401, 403):
        return VendorCredentialRejected("EchoCall refused the stored API key", **common)
    if status == 404:
        return NotFound("EchoCall has no such object", **common)
    if status == 422:
        return ValidationFailed(f"EchoCall refused the input: {body[:200]!r}", **common)
    return VendorError.for_status(f"EchoCall answered HTTP {status}", **common)
