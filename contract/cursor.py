"""Opaque pagination cursors over several vendors' own pagination.

A cursor records, per vendor still to be read, that vendor's own position (its page number or its
cursor, as the adapter wrote it) and how many items of that vendor page were already returned, so a
merged page can end in the middle of a vendor page. It also carries the page size and a fingerprint
of the filters it was issued for, so a cursor replayed with different filters is refused instead of
silently returning the wrong slice.
"""

from __future__ import annotations

import base64
import hashlib

import msgspec

from contract.errors import FieldError, ValidationFailed


class VendorPosition(msgspec.Struct, frozen=True, array_like=True):
    """Where one vendor's items resume: its page token (``None``: the first) and items to skip."""

    token: str | None = None
    skip: int = 0


class Cursor(msgspec.Struct, frozen=True):
    """Where the next page starts; vendors absent from ``positions`` are exhausted."""

    filters: str
    limit: int
    positions: dict[str, VendorPosition]


MAX_PAGE_SIZE = 1000
MAX_TOKEN_LENGTH = 256
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Cursor)


def filters_fingerprint(*parts: object) -> str:
    """A short stable digest of the filters a cursor belongs to."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def encode_cursor(cursor: Cursor) -> str:
    """Serialize a cursor to an opaque URL-safe string."""
    return base64.urlsafe_b64encode(_encoder.encode(cursor)).decode().rstrip("=")


def decode_cursor(raw: str, expected_filters: str) -> Cursor:
    """Parse a consumer-supplied cursor; 422 when it is malformed or from other filters."""
    try:
        cursor = _decoder.decode(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, msgspec.DecodeError):
        raise invalid_cursor("is not a cursor this gateway issued") from None
    if cursor.filters != expected_filters:
        raise invalid_cursor("was issued for different filters; repeat the original query")
    if (
        not 1 <= cursor.limit <= MAX_PAGE_SIZE
        or not cursor.positions
        or any(not _plausible(p, cursor.limit) for p in cursor.positions.values())
    ):
        raise invalid_cursor("is not a cursor this gateway issued")
    return cursor


def _plausible(position: VendorPosition, limit: int) -> bool:
    token_ok = position.token is None or 0 < len(position.token) <= MAX_TOKEN_LENGTH
    return token_ok and 0 <= position.skip < limit


def invalid_cursor(reason: str) -> ValidationFailed:
    """The 422 for a cursor the gateway cannot use (adapters raise it for foreign tokens too)."""
    return ValidationFailed(
        f"cursor {reason}", errors=[FieldError(field="query.cursor", message=reason)]
    )
