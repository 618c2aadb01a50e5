"""The idempotency key forwarded to vendors: stable per consumer key, private, vendor-valid."""

from __future__ import annotations

import re

from gateway.idempotency import vendor_idempotency_key

VENDOR_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,255}$")


def test_the_same_consumer_key_always_gives_the_same_vendor_key() -> None:
    first = vendor_idempotency_key("ten_a", "place_call", "order-42")

    assert first == vendor_idempotency_key("ten_a", "place_call", "order-42")
    assert VENDOR_KEY_PATTERN.match(first)


def test_tenants_operations_and_keys_never_share_a_vendor_key() -> None:
    keys = {
        vendor_idempotency_key("ten_a", "place_call", "order-42"),
        vendor_idempotency_key("ten_b", "place_call", "order-42"),
        vendor_idempotency_key("ten_a", "add_number", "order-42"),
        vendor_idempotency_key("ten_a", "place_call", "order-43"),
    }

    assert len(keys) == 4


def test_the_consumer_key_cannot_be_read_back_from_the_vendor_key() -> None:
    assert "order-42" not in vendor_idempotency_key("ten_a", "place_call", "order-42")


def test_without_a_consumer_key_each_request_gets_a_fresh_valid_key() -> None:
    first = vendor_idempotency_key("ten_a", "place_call", None)

    assert first != vendor_idempotency_key("ten_a", "place_call", None)
    assert VENDOR_KEY_PATTERN.match(first)
