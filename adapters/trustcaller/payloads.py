"""TrustCaller's wire format, as typed Structs (see vendor-contracts/trustcaller.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from contract.patterns import HEADER_TOKEN


class TrustCallerCredential(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The secret a tenant stores for TrustCaller: a personal API token ``<key id>|<secret>``."""

    token: Annotated[str, msgspec.Meta(pattern=HEADER_TOKEN)]

    def __repr__(self) -> str:
        return "TrustCallerCredential(token=***)"

    __str__ = __repr__

    @property
    def key_id(self) -> str | None:
        """The vendor's numeric key id, carried in the token's prefix."""
        prefix, sep, _ = self.token.partition("|")
        return prefix if sep and prefix.isdecimal() else None


class PageMeta(msgspec.Struct, frozen=True):
    current_page: int
    per_page: int
    total: int


class ReservedNumber(msgspec.Struct, frozen=True):
    id: int
    number: str
    reserved: bool = True
    released_at: datetime | None = None
    ivr_id: int | None = None
    created_at: datetime | None = None


class NumbersPage(msgspec.Struct, frozen=True):
    data: list[ReservedNumber]
    meta: PageMeta


class TestNumberEntry(msgspec.Struct, frozen=True):
    __test__ = False
    prefix: str
    test_number: str


class TestNumbersResponse(msgspec.Struct, frozen=True):
    __test__ = False
    data: list[TestNumberEntry]
    count: int
    cached_for_seconds: int | None = None
    filtered_by_prefix: str | None = None


class CallRecord(msgspec.Struct, frozen=True):
    id: int
    caller_id: str
    number: str
    start_at: datetime
    end_at: datetime | None = None
    duration: float | None = None
    pdd: int | None = None
    call_unique_id: str | None = None
    call_acceptable: bool | None = None
    short_call: bool | None = None
    hang_cause: str | None = None


class CallsPage(msgspec.Struct, frozen=True):
    data: list[CallRecord]
    meta: PageMeta


class CallEnvelope(msgspec.Struct, frozen=True):
    data: CallRecord


class LiveCheck(msgspec.Struct, frozen=True):
    call_received: bool


class CreatedKey(msgspec.Struct, frozen=True):
    id: int
    name: str
    token: str
    created_at: datetime | None = None

    def __repr__(self) -> str:
        return f"CreatedKey(id={self.id}, name={self.name!r}, token=***)"


class KeyInfo(msgspec.Struct, frozen=True):
    id: int
    name: str
    last_used_at: datetime | None = None
    created_at: datetime | None = None


class KeyList(msgspec.Struct, frozen=True):
    data: list[KeyInfo]
    count: int


class ErrorBody(msgspec.Struct, frozen=True):
    """Laravel-style ``{"message", "errors"?}`` or the 404 ``{"error", "message"}``."""

    message: str = ""
    error: str | None = None
    errors: dict[str, list[str]] | None = None
