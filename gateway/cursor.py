"""Opaque pagination cursors over vendors' page-based pagination.

A cursor records, per vendor, the next vendor page, plus the page size and a fingerprint of the
filters it was issued for, so a cursor replayed with different filters is refused instead of
silently returning the wrong slice.
"""

from __future__ import annotations

import base64
import hashlib

import msgspec

from gateway.errors import FieldError, ValidationFailed


class Cursor(msgspec.Struct, frozen=True):
    """Where the next page starts."""

    filters: str
    limit: int
    pages: dict[str, int]


MAX_PAGE_SIZE = 1000
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
        raise _invalid("is not a cursor this gateway issued") from None
    if cursor.filters != expected_filters:
        raise _invalid("was issued for different filters; repeat the original query")
    if (
        not 1 <= cursor.limit <= MAX_PAGE_SIZE
        or len(cursor.pages) != 1
        or any(page < 1 for page in cursor.pages.values())
    ):
        raise _invalid("is not a cursor this gateway issued")
    return cursor


def _invalid(reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"cursor {reason}", errors=[FieldError(field="query.cursor", message=reason)]
    )
