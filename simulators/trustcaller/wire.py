"""Wire shapes of the TrustCaller simulator: vendor API bodies and ``/_sim/`` control bodies.

The vendor shapes follow ``vendor-contracts/trustcaller.md`` field for field; the simulator builds
them from its state, so a field added here is a field the vendor is claimed to send.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

import msgspec


class MessageOut(msgspec.Struct):
    """Laravel's plain message body (errors, and the revocation confirmation)."""

    message: str


class NotFound(msgspec.Struct):
    """The vendor's 404 body for a missing or foreign record."""

    error: str
    message: str


class ValidationFailed(msgspec.Struct):
    """Laravel's 422 body."""

    message: str
    errors: dict[str, list[str]]


class PageLinks(msgspec.Struct):
    """Absolute URLs of the first, last, previous and next pages."""

    first: str
    last: str
    prev: str | None
    next: str | None


class PageMeta(msgspec.Struct):
    """Exactly the three meta keys the vendor documents."""

    current_page: int
    per_page: int
    total: int


class NumberOut(msgspec.Struct):
    """A reserved number as the vendor lists it."""

    id: int
    number: str
    reserved: bool
    released_at: str | None
    ivr_id: int | None
    created_at: str


class CallOut(msgspec.Struct):
    """A CDR as the vendor returns it, caller masked."""

    id: int
    caller_id: str
    number: str
    start_at: str
    end_at: str
    duration: int
    pdd: int
    call_unique_id: str
    call_acceptable: bool
    short_call: bool
    hang_cause: str


class NumbersPage(msgspec.Struct):
    """``GET /numbers``."""

    data: list[NumberOut]
    links: PageLinks
    meta: PageMeta


class CallsPage(msgspec.Struct):
    """``GET /calls``."""

    data: list[CallOut]
    links: PageLinks
    meta: PageMeta


class CallEnvelope(msgspec.Struct):
    """``GET /calls/{id}``."""

    data: CallOut


class CallCheck(msgspec.Struct):
    """``GET /calls/check``."""

    call_received: bool


class TestNumberEntry(msgspec.Struct):
    """A public test number (also the body item of ``PUT /_sim/test-numbers``)."""

    prefix: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$")]
    test_number: Annotated[str, msgspec.Meta(pattern=r"^[0-9]+$")]


class TestNumbersOut(msgspec.Struct):
    """``GET /test-numbers``."""

    data: list[TestNumberEntry]
    count: int
    cached_for_seconds: int
    filtered_by_prefix: str | None


class KeyCreated(msgspec.Struct):
    """``POST /auth/keys``; the only time a token is shown."""

    id: int
    name: str
    token: str
    created_at: str
    message: str = "Save this token now. It cannot be retrieved later."


class KeyOut(msgspec.Struct):
    """Key metadata, never the token."""

    id: int
    name: str
    last_used_at: str | None
    created_at: str


class KeysOut(msgspec.Struct):
    """``GET /auth/keys``."""

    data: list[KeyOut]
    count: int


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts``."""

    name: str = "demo"
    permissions: list[str] | None = None
    numbers: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 5
    calls: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 240


class AccountOut(msgspec.Struct):
    """A created account and its first token."""

    account_id: int
    key_id: int
    token: str
    numbers: list[str]


class PermissionsIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/accounts/{id}/permissions``."""

    permissions: list[str]


class LiveCallIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/live-calls``."""

    number: str
    caller: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,15}$")]
    answered: bool = True


class LiveCallOut(msgspec.Struct):
    """A live call in progress."""

    id: int
    account_id: int
    number: str
    answered: bool


class TestNumbersIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/test-numbers``."""

    data: list[TestNumberEntry]


class CountOut(msgspec.Struct):
    """How many items a control call stored."""

    count: int


# --- vendor errors -----------------------------------------------------------------------------

_MESSAGES = {
    401: "Unauthenticated.",
    403: "This action is unauthorized.",
    404: "Not Found.",
    429: "Too Many Attempts.",
    500: "Server Error",
}


class VendorError(Exception):
    """Raised by a vendor API handler: the error response to send instead."""

    def __init__(self, status: int, body: msgspec.Struct) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def validation_error(errors: dict[str, list[str]]) -> VendorError:
    """Laravel's 422: the first message (plus how many more) and every field's messages."""
    messages = [m for field_errors in errors.values() for m in field_errors]
    more = len(messages) - 1
    message = messages[0] + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")
    return VendorError(422, ValidationFailed(message, errors))


def error_body(status: int) -> MessageOut:
    """The vendor's plain body for an error status."""
    return MessageOut(_MESSAGES.get(status) or HTTPStatus(status).phrase)
