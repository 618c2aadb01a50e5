"""Opaque pagination cursors: round trip, and refusal of anything the gateway did not issue."""

from __future__ import annotations

import base64

import pytest

from contract.cursor import (
    Cursor,
    VendorPosition,
    decode_cursor,
    encode_cursor,
    filters_fingerprint,
)
from contract.errors import FieldError, ValidationFailed

POSITIONS = {
    "trustcaller": VendorPosition("3", 4),
    "topcalls": VendorPosition("2026-05-01T10:00:00.123456Z", 0),
}


@pytest.fixture
def filters() -> str:
    return filters_fingerprint("calls", "trustcaller", "2026-05-01", None)


@pytest.fixture
def issued_cursor(filters: str) -> str:
    return encode_cursor(Cursor(filters=filters, limit=25, positions=POSITIONS))


def raw_cursor(json_text: str) -> str:
    return base64.urlsafe_b64encode(json_text.encode()).decode().rstrip("=")


def assert_refused_cursor(error: ValidationFailed) -> None:
    assert error.status == 422
    assert error.errors is not None
    assert [e.field for e in error.errors] == ["query.cursor"]
    assert error.detail.startswith("cursor ")


def test_cursor_round_trips(filters: str, issued_cursor: str) -> None:
    cursor = decode_cursor(issued_cursor, filters)

    assert cursor == Cursor(filters=filters, limit=25, positions=POSITIONS)


def test_cursor_is_url_safe_and_unpadded(issued_cursor: str) -> None:
    assert set(issued_cursor) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_fingerprint_is_stable_and_tells_filters_apart() -> None:
    assert filters_fingerprint("calls", None) == filters_fingerprint("calls", None)
    assert filters_fingerprint("calls", None) != filters_fingerprint("calls", "trustcaller")
    assert filters_fingerprint("a", "bc") != filters_fingerprint("ab", "c")


def test_cursor_from_other_filters_is_refused(issued_cursor: str) -> None:
    other = filters_fingerprint("calls", "trustcaller", "2026-04-01", None)

    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(issued_cursor, other)

    assert_refused_cursor(raised.value)
    assert "different filters" in raised.value.detail


@pytest.mark.parametrize(
    "raw",
    ["", "!!!", "not-a-cursor", "%%%%", "\u00e9\u00e9\u00e9\u00e9", raw_cursor("[1, 2, 3]")],
    ids=["empty", "punctuation", "words", "percent", "non-ascii", "json-list"],
)
def test_garbage_cursor_is_refused(filters: str, raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(raw, filters)

    assert_refused_cursor(raised.value)
    assert "not a cursor this gateway issued" in raised.value.detail


def test_truncated_cursor_is_refused(filters: str, issued_cursor: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(issued_cursor[: len(issued_cursor) // 2], filters)

    assert_refused_cursor(raised.value)


def test_cursor_whose_json_is_broken_is_refused(filters: str, issued_cursor: str) -> None:
    flipped = "A" + issued_cursor[1:] if issued_cursor[0] != "A" else "B" + issued_cursor[1:]

    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(flipped, filters)

    assert_refused_cursor(raised.value)


@pytest.mark.parametrize(
    "pages_and_limit",
    [
        '"limit": 0, "positions": {"trustcaller": [null, 0]}',
        '"limit": 1001, "positions": {"trustcaller": [null, 0]}',
        '"limit": 10, "positions": {"trustcaller": ["2", -1]}',
        '"limit": 10, "positions": {"trustcaller": ["2", 10]}',
        '"limit": 10, "positions": {"trustcaller": ["", 0]}',
        '"limit": 10, "positions": {"trustcaller": ["%s", 0]}' % ("9" * 257),
        '"limit": 10, "positions": {}',
        '"limit": "10", "positions": {"trustcaller": [null, 0]}',
        '"limit": 10, "positions": {"trustcaller": [2, 0]}',
        '"limit": 10, "pages": {"trustcaller": 2}',
    ],
    ids=[
        "zero-limit",
        "limit-over-1000",
        "negative-skip",
        "skip-of-a-whole-page",
        "empty-token",
        "huge-token",
        "no-vendor",
        "string-limit",
        "numeric-token",
        "old-format",
    ],
)
def test_edited_cursor_with_impossible_values_is_refused(
    filters: str, pages_and_limit: str
) -> None:
    raw = raw_cursor(f'{{"filters": "{filters}", {pages_and_limit}}}')

    with pytest.raises(ValidationFailed) as raised:
        decode_cursor(raw, filters)

    assert_refused_cursor(raised.value)


def test_refusal_names_the_cursor_field_with_the_reason(filters: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        decode_cursor("garbage", filters)

    assert raised.value.errors == [
        FieldError(field="query.cursor", message="is not a cursor this gateway issued")
    ]
