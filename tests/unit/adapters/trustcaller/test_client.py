"""The TrustCaller HTTP client on a mock transport: what it sends, decodes and refuses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime

import pytest

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.trustcaller.client import TrustCallerClient
from tests.unit.adapters.recording import RecordingVendor, query
from tests.unit.adapters.trustcaller import contract_payloads as sheet

BASE_URL = "https://trustcaller.test/api/v1"
TOKEN = "7|" + "a1B2c3D4e5" * 4


@pytest.fixture
def vendor() -> RecordingVendor:
    return RecordingVendor()


@pytest.fixture
async def trustcaller_client(vendor: RecordingVendor) -> AsyncIterator[TrustCallerClient]:
    async with vendor.http(BASE_URL) as http:
        yield TrustCallerClient(http)


async def test_every_request_carries_bearer_token_and_json_accept(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.NUMBERS_PAGE)
    vendor.answer(200, sheet.KEY_LIST)
    vendor.answer(201, sheet.CREATED_KEY)
    vendor.answer(200, sheet.KEY_REVOKED)

    await trustcaller_client.list_numbers(TOKEN, 1, 50)
    await trustcaller_client.list_keys(TOKEN)
    await trustcaller_client.create_key(TOKEN, "rotation")
    await trustcaller_client.revoke_key(TOKEN, 7)

    assert len(vendor.requests) == 4
    for request in vendor.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == "application/json"


async def test_list_numbers_gets_numbers_with_page_and_per_page(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.NUMBERS_PAGE)

    page = await trustcaller_client.list_numbers(TOKEN, 3, 250)

    assert vendor.last.method == "GET"
    assert str(vendor.last.url.copy_with(query=None)) == f"{BASE_URL}/numbers"
    assert query(vendor.last) == {"page": "3", "per_page": "250"}
    assert [n.id for n in page.data] == [12345]
    assert (page.meta.current_page, page.meta.per_page, page.meta.total) == (1, 50, 1)


async def test_list_calls_sends_iso_dates_as_from_and_to(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.CALLS_PAGE)

    page = await trustcaller_client.list_calls(TOKEN, 2, 100, date(2026, 5, 1), date(2026, 5, 15))

    assert vendor.last.url.path == "/api/v1/calls"
    assert query(vendor.last) == {
        "page": "2",
        "per_page": "100",
        "from": "2026-05-01",
        "to": "2026-05-15",
    }
    assert page.data[0].start_at == datetime(2026, 5, 15, 14, 30, tzinfo=UTC)


async def test_list_calls_without_dates_sends_no_date_params(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.CALLS_PAGE)

    await trustcaller_client.list_calls(TOKEN, 1, 100, None, None)

    assert query(vendor.last) == {"page": "1", "per_page": "100"}


async def test_get_call_puts_the_id_in_the_path(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.CALL_ENVELOPE)

    envelope = await trustcaller_client.get_call(TOKEN, 98765)

    assert vendor.last.url.path == "/api/v1/calls/98765"
    assert envelope.data.call_unique_id == "abc123-xyz789"


async def test_test_numbers_sends_prefix_only_when_given(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.TEST_NUMBERS)
    vendor.answer(200, sheet.TEST_NUMBERS)

    filtered = await trustcaller_client.test_numbers(TOKEN, "8613")
    await trustcaller_client.test_numbers(TOKEN, None)

    first, second = vendor.requests
    assert first.url.path == second.url.path == "/api/v1/test-numbers"
    assert query(first) == {"prefix": "8613"}
    assert query(second) == {}
    assert filtered.cached_for_seconds == 300
    assert filtered.data[0].test_number == "8613912345678"


async def test_check_live_call_sends_the_number_as_given(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.LIVE_CHECK_TRUE)

    result = await trustcaller_client.check_live_call(TOKEN, "120000486562997")

    assert vendor.last.url.path == "/api/v1/calls/check"
    assert query(vendor.last) == {"number": "120000486562997"}
    assert result.call_received is True


async def test_create_key_posts_the_name_as_json_and_reads_the_201(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(201, sheet.CREATED_KEY)

    created = await trustcaller_client.create_key(TOKEN, "Production server")

    assert vendor.last.method == "POST"
    assert vendor.last.url.path == "/api/v1/auth/keys"
    assert vendor.last.headers["Content-Type"] == "application/json"
    assert json.loads(vendor.last.content) == {"name": "Production server"}
    assert (created.id, created.name) == (7, "Production server")
    assert created.token == "7|aBcD...long-token-shown-once"
    assert "aBcD" not in repr(created)


async def test_list_keys_gets_key_metadata(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.KEY_LIST)

    keys = await trustcaller_client.list_keys(TOKEN)

    assert (vendor.last.method, vendor.last.url.path) == ("GET", "/api/v1/auth/keys")
    assert [(k.id, k.name) for k in keys.data] == [(7, "Production server")]
    assert keys.count == 1


async def test_revoke_key_deletes_by_id(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.KEY_REVOKED)

    assert await trustcaller_client.revoke_key(TOKEN, 7) is None

    assert (vendor.last.method, vendor.last.url.path) == ("DELETE", "/api/v1/auth/keys/7")


async def test_revoke_of_a_missing_key_raises_with_status_and_body(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(404, sheet.KEY_NOT_FOUND)

    with pytest.raises(VendorResponseError) as raised:
        await trustcaller_client.revoke_key(TOKEN, 8)

    assert raised.value.status == 404
    assert raised.value.body == sheet.KEY_NOT_FOUND


CALLS: dict[str, Callable[[TrustCallerClient], Awaitable[object]]] = {
    "list_numbers": lambda c: c.list_numbers(TOKEN, 1, 100),
    "list_calls": lambda c: c.list_calls(TOKEN, 1, 100, None, None),
    "get_call": lambda c: c.get_call(TOKEN, 1),
    "check_live_call": lambda c: c.check_live_call(TOKEN, "120000486562997"),
    "test_numbers": lambda c: c.test_numbers(TOKEN, None),
    "list_keys": lambda c: c.list_keys(TOKEN),
    "create_key": lambda c: c.create_key(TOKEN, "x"),
}


@pytest.mark.parametrize("operation", list(CALLS))
async def test_non_success_status_raises_vendor_response_error(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient, operation: str
) -> None:
    vendor.answer(429, sheet.TOO_MANY_ATTEMPTS, headers={"Retry-After": "30"})

    with pytest.raises(VendorResponseError) as raised:
        await CALLS[operation](trustcaller_client)

    assert raised.value.status == 429
    assert raised.value.body == sheet.TOO_MANY_ATTEMPTS
    assert raised.value.headers["retry-after"] == "30"


async def test_create_key_answered_with_200_is_not_taken_for_the_documented_201(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, sheet.CREATED_KEY)

    with pytest.raises(VendorResponseError) as raised:
        await trustcaller_client.create_key(TOKEN, "x")

    assert raised.value.status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"<html>maintenance</html>",
        b'{"data": "nope", "meta": {"current_page": 1, "per_page": 1, "total": 1}}',
        b'{"data": []}',
        b'{"data": [{"id": "12345", "number": "120000486562997"}],'
        b' "meta": {"current_page": 1, "per_page": 1, "total": 1}}',
    ],
    ids=["not-json", "data-not-a-list", "no-meta", "id-not-an-integer"],
)
async def test_malformed_success_payload_raises_vendor_payload_error(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient, body: bytes
) -> None:
    vendor.answer(200, body)

    with pytest.raises(VendorPayloadError, match="unexpected payload"):
        await trustcaller_client.list_numbers(TOKEN, 1, 100)


async def test_live_check_without_a_strict_boolean_is_a_payload_error(
    vendor: RecordingVendor, trustcaller_client: TrustCallerClient
) -> None:
    vendor.answer(200, b'{"call_received": "yes"}')

    with pytest.raises(VendorPayloadError):
        await trustcaller_client.check_live_call(TOKEN, "120000486562997")
