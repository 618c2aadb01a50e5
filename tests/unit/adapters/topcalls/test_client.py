"""The TopCalls HTTP client on a mock transport: what it sends, decodes and refuses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.topcalls.client import TopCallsClient
from adapters.topcalls.payloads import (
    AddCarrierBody,
    AddNumberBody,
    CreateCallBody,
    SipGatewayBody,
    WebhookBody,
)
from contract.agents import CallMode
from tests.unit.adapters.recording import RecordingVendor, query
from tests.unit.adapters.topcalls import test_translate as sheet

BASE_URL = "https://api.topcalls.test"
API_KEY = "tc_live_" + "a1B2c3D4e5" * 3
KEY = "retry-2f8a1c9e"
CALL_ID = "564d4fd4-03bc-400a-abe0-05540fbeff88"
ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
CAMPAIGN_ID = "8f0c2b1e-5d7a-4c55-9d0e-1a2b3c4d5e6f"


@pytest.fixture
def vendor() -> RecordingVendor:
    return RecordingVendor()


@pytest.fixture
async def topcalls_client(vendor: RecordingVendor) -> AsyncIterator[TopCallsClient]:
    async with vendor.http(BASE_URL) as http:
        yield TopCallsClient(http)


SIMPLE_CALL = CreateCallBody(
    phone_number="+14155551234", task="Call to confirm John's appointment tomorrow at 3 PM"
)
NUMBER = AddNumberBody(number="+18005551234")
CARRIER = AddCarrierBody(
    carrier_name="My VoIP Provider",
    trunk_type="static_ip",
    sip_gateway=SipGatewayBody(ipv4="203.0.113.10"),
)

Operation = Callable[[TopCallsClient], Awaitable[object]]


@dataclass(frozen=True)
class Endpoint:
    call: Operation
    method: str
    path: str
    answer: bytes
    status: int = 200
    idempotent_post: bool = False


ENDPOINTS: dict[str, Endpoint] = {
    "create_call": Endpoint(
        lambda c: c.create_call(API_KEY, SIMPLE_CALL, KEY),
        "POST",
        "/v1/calls",
        sheet.CALL_CREATED,
        201,
        True,
    ),
    "list_calls": Endpoint(
        lambda c: c.list_calls(API_KEY, 50, None), "GET", "/v1/calls", sheet.CALLS_PAGE
    ),
    "get_call": Endpoint(
        lambda c: c.get_call(API_KEY, ID), "GET", f"/v1/calls/{ID}", sheet.CALL_DETAILS
    ),
    "stop_call": Endpoint(
        lambda c: c.stop_call(API_KEY, ID, KEY),
        "POST",
        f"/v1/calls/{ID}/stop",
        sheet.STOPPED,
        idempotent_post=True,
    ),
    "cancel_call": Endpoint(
        lambda c: c.cancel_call(API_KEY, ID, KEY),
        "POST",
        f"/v1/calls/{ID}/cancel",
        sheet.OK,
        idempotent_post=True,
    ),
    "list_campaigns": Endpoint(
        lambda c: c.list_campaigns(API_KEY),
        "GET",
        "/v1/campaigns",
        b'{"data": [' + sheet.CAMPAIGN + b"]}",
    ),
    "get_campaign": Endpoint(
        lambda c: c.get_campaign(API_KEY, CAMPAIGN_ID),
        "GET",
        f"/v1/campaigns/{CAMPAIGN_ID}",
        sheet.CAMPAIGN,
    ),
    "start_campaign": Endpoint(
        lambda c: c.start_campaign(API_KEY, CAMPAIGN_ID, KEY),
        "POST",
        f"/v1/campaigns/{CAMPAIGN_ID}/start",
        sheet.OK,
        idempotent_post=True,
    ),
    "pause_campaign": Endpoint(
        lambda c: c.pause_campaign(API_KEY, CAMPAIGN_ID, KEY),
        "POST",
        f"/v1/campaigns/{CAMPAIGN_ID}/pause",
        sheet.OK,
        idempotent_post=True,
    ),
    "list_numbers": Endpoint(
        lambda c: c.list_numbers(API_KEY),
        "GET",
        "/v1/phone-numbers",
        b'{"data": [' + sheet.PHONE_NUMBER + b"]}",
    ),
    "get_number": Endpoint(
        lambda c: c.get_number(API_KEY, ID), "GET", f"/v1/phone-numbers/{ID}", sheet.PHONE_NUMBER
    ),
    "add_number": Endpoint(
        lambda c: c.add_number(API_KEY, NUMBER, KEY),
        "POST",
        "/v1/phone-numbers",
        sheet.NUMBER_ADDED,
        201,
        True,
    ),
    "delete_number": Endpoint(
        lambda c: c.delete_number(API_KEY, ID), "DELETE", f"/v1/phone-numbers/{ID}", sheet.OK
    ),
    "list_carriers": Endpoint(
        lambda c: c.list_carriers(API_KEY),
        "GET",
        "/v1/phone-numbers/carriers",
        b'{"data": [' + sheet.SYSTEM_CARRIER + b"," + sheet.CARRIER_CREATED + b"]}",
    ),
    "add_carrier": Endpoint(
        lambda c: c.add_carrier(API_KEY, CARRIER, KEY),
        "POST",
        "/v1/phone-numbers/carriers",
        sheet.CARRIER_CREATED,
        201,
        True,
    ),
    "delete_carrier": Endpoint(
        lambda c: c.delete_carrier(API_KEY, ID),
        "DELETE",
        f"/v1/phone-numbers/carriers/{ID}",
        sheet.OK,
    ),
    "list_models": Endpoint(lambda c: c.list_models(API_KEY), "GET", "/v1/models", sheet.MODELS),
    "list_builtin_voices": Endpoint(
        lambda c: c.list_builtin_voices(API_KEY, None, None, None, None),
        "GET",
        "/v1/voices/builtin",
        sheet.BUILTIN_VOICES,
    ),
    "list_voices": Endpoint(
        lambda c: c.list_voices(API_KEY),
        "GET",
        "/v1/voices",
        b'{"data": [' + sheet.ACCOUNT_VOICE + b"]}",
    ),
    "get_balance": Endpoint(lambda c: c.get_balance(API_KEY), "GET", "/v1/balance", sheet.BALANCE),
    "create_webhook": Endpoint(
        lambda c: c.create_webhook(
            API_KEY, WebhookBody(event="call.completed", url="https://example.com/h"), KEY
        ),
        "POST",
        "/v1/webhooks",
        sheet.WEBHOOK_SUBSCRIPTION,
        201,
        True,
    ),
    "list_webhooks": Endpoint(
        lambda c: c.list_webhooks(API_KEY),
        "GET",
        "/v1/webhooks",
        b'{"data": [' + sheet.WEBHOOK_SUBSCRIPTION + b"]}",
    ),
    "delete_webhook": Endpoint(
        lambda c: c.delete_webhook(API_KEY, ID), "DELETE", f"/v1/webhooks/{ID}", sheet.OK
    ),
}


@pytest.mark.parametrize("operation", list(ENDPOINTS))
async def test_each_operation_hits_its_endpoint_with_the_bearer_key(
    vendor: RecordingVendor, topcalls_client: TopCallsClient, operation: str
) -> None:
    endpoint = ENDPOINTS[operation]
    vendor.answer(endpoint.status, endpoint.answer)

    await endpoint.call(topcalls_client)

    request = vendor.last
    assert (request.method, request.url.path) == (endpoint.method, endpoint.path)
    assert str(request.url).startswith(BASE_URL + "/v1/")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Accept"] == "application/json"
    if endpoint.idempotent_post:
        assert request.headers["Idempotency-Key"] == KEY
    else:
        assert "Idempotency-Key" not in request.headers


@pytest.mark.parametrize("operation", list(ENDPOINTS))
async def test_non_success_status_raises_vendor_response_error(
    vendor: RecordingVendor, topcalls_client: TopCallsClient, operation: str
) -> None:
    vendor.answer(429, b'{"status": 429}', headers={"Retry-After": "30"})

    with pytest.raises(VendorResponseError) as raised:
        await ENDPOINTS[operation].call(topcalls_client)

    assert raised.value.status == 429
    assert raised.value.body == b'{"status": 429}'
    assert raised.value.headers["retry-after"] == "30"


async def test_create_call_posts_json_without_nulls_and_reads_the_201(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(201, sheet.CALL_CREATED)

    created = await topcalls_client.create_call(API_KEY, SIMPLE_CALL, KEY)

    assert vendor.last.headers["Content-Type"] == "application/json"
    assert json.loads(vendor.last.content) == json.loads(sheet.CREATE_CALL_SIMPLE)
    assert b"null" not in vendor.last.content
    assert created.call_id == CALL_ID
    assert created.provider_call_id == "64e9bf0e-7c2f-4443-a759-7eb1731cd583"
    assert created.status == "queued"


async def test_add_number_and_add_carrier_send_only_what_is_set(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(201, sheet.NUMBER_ADDED)
    vendor.answer(201, sheet.CARRIER_CREATED)

    number = await topcalls_client.add_number(API_KEY, NUMBER, KEY)
    carrier = await topcalls_client.add_carrier(API_KEY, CARRIER, KEY)

    number_request, carrier_request = vendor.requests
    assert json.loads(number_request.content) == {"number": "+18005551234"}
    assert json.loads(carrier_request.content) == json.loads(sheet.ADD_CARRIER_REQUEST)
    assert number.status == "pending"
    assert carrier.voip_carrier_sid == ID


async def test_list_calls_sends_limit_and_the_cursor_when_given(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(200, sheet.CALLS_PAGE)
    vendor.answer(200, b'{"data": [], "next_cursor": null}')

    first = await topcalls_client.list_calls(API_KEY, 200, None)
    last = await topcalls_client.list_calls(API_KEY, 10, "2025-12-22T10:29:00Z")

    assert query(vendor.requests[0]) == {"limit": "200"}
    assert query(vendor.requests[1]) == {"limit": "10", "cursor": "2025-12-22T10:29:00Z"}
    assert first.next_cursor == "2025-12-22T10:29:00Z"
    assert (last.data, last.next_cursor) == ([], None)


async def test_builtin_voice_filters_left_unset_are_not_sent(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(200, sheet.BUILTIN_VOICES)
    vendor.answer(200, sheet.BUILTIN_VOICES)

    await topcalls_client.list_builtin_voices(API_KEY, None, None, None, None)
    voices = await topcalls_client.list_builtin_voices(
        API_KEY, CallMode.LEGACY, "elevenlabs", "female", "en"
    )

    assert query(vendor.requests[0]) == {}
    assert query(vendor.requests[1]) == {
        "mode": "legacy",
        "provider": "elevenlabs",
        "gender": "female",
        "language": "en",
    }
    assert [v.id for v in voices.data] == ["alloy", "rachel"]


async def test_builtin_voices_send_only_the_filters_given(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(200, sheet.BUILTIN_VOICES)

    await topcalls_client.list_builtin_voices(API_KEY, None, None, "male", None)

    assert query(vendor.last) == {"gender": "male"}


ESCAPES: dict[str, Operation] = {
    "get_call": lambda c: c.get_call(API_KEY, "a/b c?#"),
    "stop_call": lambda c: c.stop_call(API_KEY, "a/b c?#", KEY),
    "get_campaign": lambda c: c.get_campaign(API_KEY, "a/b c?#"),
    "delete_number": lambda c: c.delete_number(API_KEY, "a/b c?#"),
    "delete_carrier": lambda c: c.delete_carrier(API_KEY, "a/b c?#"),
}


@pytest.mark.parametrize("operation", list(ESCAPES))
async def test_ids_are_escaped_into_one_path_segment(
    vendor: RecordingVendor, topcalls_client: TopCallsClient, operation: str
) -> None:
    vendor.answer(200, b"{}")

    with pytest.raises(VendorPayloadError):
        await ESCAPES[operation](topcalls_client)

    assert b"/a%2Fb%20c%3F%23" in vendor.last.url.raw_path
    assert vendor.last.url.query == b""


@pytest.mark.parametrize(("call_id", "segment"), [("..", b"%2E%2E"), (".", b"%2E")])
async def test_dot_ids_cannot_climb_out_of_the_collection(
    vendor: RecordingVendor, topcalls_client: TopCallsClient, call_id: str, segment: bytes
) -> None:
    vendor.answer(200, sheet.STOPPED)

    await topcalls_client.stop_call(API_KEY, call_id, KEY)

    assert vendor.last.url.raw_path == b"/v1/calls/" + segment + b"/stop"


async def test_an_empty_id_is_refused_before_anything_is_sent(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        await topcalls_client.get_call(API_KEY, "")

    assert vendor.requests == []


async def test_stop_answer_carries_the_new_status(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(200, sheet.STOPPED)

    answer = await topcalls_client.stop_call(API_KEY, ID, KEY)

    assert (answer.ok, answer.status) == (True, "cancelled")


async def test_balance_and_models_decode(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(200, sheet.BALANCE)
    vendor.answer(200, sheet.MODELS)

    balance = await topcalls_client.get_balance(API_KEY)
    models = await topcalls_client.list_models(API_KEY)

    assert (balance.remaining_minutes, balance.reserved_minutes) == (450.5, 10)
    assert [m.id for m in models.data][:2] == ["gpt-realtime-mini-2025-12-15", "gpt-4o"]


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("get_call", b"<html>maintenance</html>"),
        ("get_call", b'{"status": "completed", "created_at": "2025-12-22T10:30:00Z"}'),
        ("get_call", b'{"id": "c1", "status": "queued", "created_at": "yesterday"}'),
        ("list_calls", b'{"data": "nope"}'),
        ("list_calls", b'{"next_cursor": null}'),
        ("get_campaign", b'{"id": "c1", "name": "x", "status": "archived"}'),
        ("list_models", b'{"data": [{"id": "m", "mode": "turbo", "provider": "openai"}]}'),
        ("create_call", b'{"status": "queued"}'),
        ("stop_call", b""),
    ],
    ids=[
        "not-json",
        "call-without-id",
        "bad-datetime",
        "data-not-a-list",
        "no-data",
        "unknown-campaign-status",
        "unknown-mode",
        "created-without-call-id",
        "empty-body",
    ],
)
async def test_malformed_success_payload_raises_vendor_payload_error(
    vendor: RecordingVendor, topcalls_client: TopCallsClient, operation: str, body: bytes
) -> None:
    vendor.answer(200, body)

    with pytest.raises(VendorPayloadError, match="unexpected payload"):
        await ENDPOINTS[operation].call(topcalls_client)


async def test_unknown_keys_in_answers_are_ignored(
    vendor: RecordingVendor, topcalls_client: TopCallsClient
) -> None:
    vendor.answer(
        200,
        b'{"id": "c1", "status": "queued", "created_at": "2025-12-22T10:30:00Z", "new_key": [1]}',
    )

    call = await topcalls_client.get_call(API_KEY, "c1")

    assert (call.id, call.status) == ("c1", "queued")
