"""The Truecaller for Business client on a mock transport: what it sends, decodes and refuses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.truecaller import translate
from adapters.truecaller.client import TruecallerClient
from adapters.truecaller.payloads import RecordBody
from contract.errors import ValidationFailed
from tests.unit.adapters.recording import RecordingVendor, query
from tests.unit.adapters.truecaller import contract_payloads as sheet

BASE_URL = "https://enterprise-portal-noneu.truecaller.com"
ACCOUNT = "91c173bb-28d8-4030-9722-8663ff9589f3"
FEATURE_SET = "069d2e3a-41e6-41f9-a768-157d7e3bd6b9"
KEY_ID = "aaaee1b1-7a2f-4c0b-8271-4e2b41c1bf01"
API_KEY = "caf1694e-b8a4-4082-82fc-105a0a63eafe"
TOKEN = "a4p0pZ2x3aEk9TYGxPZldm0qvWQknTXTINPZxNpIZ32yWmiOFtGqv2mEU7nJlQO6"
BATCH = "0ca10281-11a0-4f86-bb27-7452da543cb6"
SURVEY = "5b1f0e2a-7c55-4a55-9d0e-1a2b3c4d5e6f"

REALTIME_RECORD = RecordBody(
    label_id="c6d86658-008d-4c08-98fb-2bf2649d59a5",
    dynamic_label_name="Flower rasm",
    dynamic_call_reason="Flower Delivery",
    caller_number="911234567898",
    receiver_number="919234567898",
    starts_at=1753088751000,
    ends_at=1753103151000,
)
BATCH_RECORD = RecordBody(
    label_id="c6d86658-008d-4c08-98fb-2bf2649d59a5",
    dynamic_label_name="Centro Bank KYC Department",
    dynamic_call_reason="Calling you for KYC Verification",
    caller_number="+91**********",
    receiver_number="91**********",
    starts_at=1753246858000,
    ends_at=1753362058000,
)


@pytest.fixture
def vendor() -> RecordingVendor:
    return RecordingVendor()


@pytest.fixture
async def truecaller_client(vendor: RecordingVendor) -> AsyncIterator[TruecallerClient]:
    async with vendor.http(BASE_URL) as http:
        yield TruecallerClient(http)


Operation = Callable[[TruecallerClient], Awaitable[object]]


@dataclass(frozen=True)
class Endpoint:
    call: Operation
    method: str
    path: str
    answer: bytes
    query: dict[str, str] = field(default_factory=dict)
    sent: bytes | None = None


ENDPOINTS: dict[str, Endpoint] = {
    "publish_numbers": Endpoint(
        lambda c: c.publish_numbers(TOKEN, ACCOUNT, FEATURE_SET, ["911234567891"]),
        "POST",
        f"/clients/{ACCOUNT}/number_management/feature_sets/{FEATURE_SET}/numbers/publish",
        sheet.PUBLISH_ANSWER,
        sent=sheet.PUBLISH_REQUEST,
    ),
    "delist_numbers": Endpoint(
        lambda c: c.delist_numbers(TOKEN, ACCOUNT, FEATURE_SET, ["911234567891"]),
        "POST",
        f"/clients/{ACCOUNT}/number_management/feature_sets/{FEATURE_SET}/numbers/delist",
        sheet.DELIST_ACCEPTED,
        sent=sheet.PUBLISH_REQUEST,
    ),
    "list_numbers": Endpoint(
        lambda c: c.list_numbers(TOKEN, ACCOUNT, 2, 50),
        "GET",
        f"/clients/{ACCOUNT}/number_management/numbers",
        sheet.NUMBER_DETAILS,
        {"page": "2", "limit": "50"},
    ),
    "list_feature_sets": Endpoint(
        lambda c: c.list_feature_sets(TOKEN, ACCOUNT, 1, 50),
        "GET",
        f"/clients/{ACCOUNT}/number_management/feature_sets",
        sheet.FEATURE_SETS,
        {"page": "1", "limit": "50"},
    ),
    "list_labels": Endpoint(
        lambda c: c.list_labels(TOKEN, ACCOUNT, 1, 1000),
        "GET",
        f"/clients/{ACCOUNT}/labels",
        sheet.LABELS,
        {"page": "1", "limit": "1000"},
    ),
    "personalize": Endpoint(
        lambda c: c.personalize(TOKEN, ACCOUNT, REALTIME_RECORD),
        "POST",
        f"/v2/clients/{ACCOUNT}/dynamic_call_record",
        sheet.REALTIME_SUCCESS,
        sent=sheet.REALTIME_REQUEST,
    ),
    "create_batch": Endpoint(
        lambda c: c.create_batch(TOKEN, ACCOUNT, [BATCH_RECORD]),
        "POST",
        f"/v2/clients/{ACCOUNT}/dynamic_call_records",
        sheet.BATCH_CREATED,
        sent=sheet.BATCH_REQUEST,
    ),
    "batch_status": Endpoint(
        lambda c: c.batch_status(TOKEN, ACCOUNT, BATCH),
        "GET",
        f"/v2/clients/{ACCOUNT}/dynamic_call_records",
        sheet.BATCH_STATUS,
        {"batchId": BATCH},
    ),
    "callback_log": Endpoint(
        lambda c: c.callback_log(TOKEN, ACCOUNT, 1641015429, 1641551777),
        "GET",
        f"/clients/{ACCOUNT}/openapi/callback-logs/summary",
        sheet.DOWNLOAD,
        {"from": "1641015429", "to": "1641551777"},
    ),
    "feedback_report": Endpoint(
        lambda c: c.feedback_report(TOKEN, ACCOUNT, SURVEY, 1641015429),
        "GET",
        f"/clients/{ACCOUNT}/openapi/feedback_stack/{SURVEY}/export_report",
        sheet.DOWNLOAD,
        {"from_date": "1641015429"},
    ),
}


@pytest.mark.parametrize("operation", list(ENDPOINTS))
async def test_each_operation_hits_its_endpoint_with_the_bearer_token(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, operation: str
) -> None:
    endpoint = ENDPOINTS[operation]
    vendor.answer(200, endpoint.answer)

    await endpoint.call(truecaller_client)

    request = vendor.last
    assert (request.method, request.url.path) == (endpoint.method, endpoint.path)
    assert str(request.url).startswith(BASE_URL + "/")
    assert query(request) == endpoint.query
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "X-Public-Access" not in request.headers
    if endpoint.sent is not None:
        assert request.headers["Content-Type"] == "application/json"
        assert json.loads(request.content) == json.loads(endpoint.sent)
        assert b"null" not in request.content
    else:
        assert request.content == b""


@pytest.mark.parametrize("operation", list(ENDPOINTS))
async def test_non_success_status_raises_vendor_response_error(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, operation: str
) -> None:
    vendor.answer(429, sheet.RATE_LIMITED, headers={"Retry-After": "1"})

    with pytest.raises(VendorResponseError) as raised:
        await ENDPOINTS[operation].call(truecaller_client)

    assert raised.value.status == 429
    assert raised.value.body == sheet.RATE_LIMITED
    assert raised.value.headers["retry-after"] == "1"


async def test_create_token_posts_the_key_pair_publicly(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(200, sheet.TOKEN_CREATED)

    answer = await truecaller_client.create_token(ACCOUNT, KEY_ID, API_KEY)

    request = vendor.last
    assert (request.method, request.url.path) == ("POST", f"/clients/{ACCOUNT}/token")
    assert request.headers["X-Public-Access"] == "allow"
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers
    assert json.loads(request.content) == json.loads(sheet.TOKEN_REQUEST)
    assert answer.token == TOKEN


async def test_token_refusal_raises_with_the_vendors_body(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(401, sheet.TOKEN_BAD_KEY)

    with pytest.raises(VendorResponseError) as raised:
        await truecaller_client.create_token(ACCOUNT, KEY_ID, API_KEY)

    assert (raised.value.status, raised.value.body) == (401, sheet.TOKEN_BAD_KEY)
    assert API_KEY not in str(raised.value)


async def test_list_numbers_sends_the_feature_set_filter_when_given(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(200, sheet.NO_NUMBERS)

    page = await truecaller_client.list_numbers(TOKEN, ACCOUNT, 1, 10, feature_set_id=FEATURE_SET)

    assert query(vendor.last) == {"page": "1", "limit": "10", "feature_set_id": FEATURE_SET}
    assert page.numbers == []


async def test_batch_status_declares_json_even_on_a_get(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(200, sheet.BATCH_STATUS)

    status = await truecaller_client.batch_status(TOKEN, ACCOUNT, BATCH)

    assert vendor.last.headers["Content-Type"] == "application/json"
    assert [record.id for record in status.data] == ["c458227a-a730-4ced-81b4-19c21ea8d97c"]


async def test_answers_decode_into_their_shapes(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(200, sheet.PUBLISH_ANSWER)
    vendor.answer(200, sheet.LABELS)
    vendor.answer(200, sheet.FEATURE_SETS)
    vendor.answer(200, sheet.BATCH_CREATED)
    vendor.answer(200, sheet.NO_CMB)

    published = await truecaller_client.publish_numbers(TOKEN, ACCOUNT, FEATURE_SET, ["9112"])
    labels = await truecaller_client.list_labels(TOKEN, ACCOUNT, 1, 1000)
    feature_sets = await truecaller_client.list_feature_sets(TOKEN, ACCOUNT, 1, 50)
    created = await truecaller_client.create_batch(TOKEN, ACCOUNT, [BATCH_RECORD])
    download = await truecaller_client.callback_log(TOKEN, ACCOUNT, 1, 2)

    assert published.new_numbers == ["911234567891"]
    assert [label.name for label in labels] == ["FlowerEra"]
    assert [f.name for f in feature_sets.feature_sets] == ["prio1"]
    assert created.batch_id == "b72f7a40-ec3a-462f-b528-da0e8dc87e79"
    assert (download.url, download.message) == (None, "No CMB found for client Id")


async def test_an_error_inside_a_200_is_returned_for_the_translation_to_judge(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(200, sheet.NOT_A_TRUECALLER_USER)

    answer = await truecaller_client.personalize(TOKEN, ACCOUNT, REALTIME_RECORD)

    assert (answer.status_info.status, answer.status_info.message) == (
        "error",
        "Not a Truecaller user",
    )


async def test_a_400_with_status_info_raises_and_translates_to_the_field(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(400, sheet.REALTIME_INVALID)

    with pytest.raises(VendorResponseError) as raised:
        await truecaller_client.personalize(TOKEN, ACCOUNT, REALTIME_RECORD)

    error = translate.error_from_response(
        raised.value.status, raised.value.headers, raised.value.body
    )
    assert isinstance(error, ValidationFailed)
    assert [e.field for e in error.errors or []] == ["body.ends_at"]


async def test_a_redirect_is_an_error_and_not_followed(
    vendor: RecordingVendor, truecaller_client: TruecallerClient
) -> None:
    vendor.answer(302, b"", headers={"Location": "https://elsewhere.example/steal"})

    with pytest.raises(VendorResponseError) as raised:
        await truecaller_client.list_labels(TOKEN, ACCOUNT, 1, 1000)

    assert raised.value.status == 302
    assert len(vendor.requests) == 1


ESCAPES: dict[str, Operation] = {
    "account_in_token": lambda c: c.create_token("a/b c?#", KEY_ID, API_KEY),
    "account": lambda c: c.list_labels(TOKEN, "a/b c?#", 1, 1),
    "account_v2": lambda c: c.batch_status(TOKEN, "a/b c?#", BATCH),
    "feature_set": lambda c: c.publish_numbers(TOKEN, ACCOUNT, "a/b c?#", ["91"]),
    "survey": lambda c: c.feedback_report(TOKEN, ACCOUNT, "a/b c?#", 1),
}


@pytest.mark.parametrize("operation", list(ESCAPES))
async def test_ids_are_escaped_into_one_path_segment(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, operation: str
) -> None:
    vendor.answer(500, b"{}")

    with pytest.raises(VendorResponseError):
        await ESCAPES[operation](truecaller_client)

    assert b"/a%2Fb%20c%3F%23" in vendor.last.url.raw_path
    assert b"#" not in vendor.last.url.raw_path


@pytest.mark.parametrize(("feature_set", "segment"), [("..", b"%2E%2E"), (".", b"%2E")])
async def test_dot_ids_cannot_climb_out_of_the_collection(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, feature_set: str, segment: bytes
) -> None:
    vendor.answer(200, sheet.DELIST_NOTHING)

    await truecaller_client.delist_numbers(TOKEN, ACCOUNT, feature_set, ["911234567891"])

    assert vendor.last.url.raw_path == (
        f"/clients/{ACCOUNT}/number_management/feature_sets/".encode()
        + segment
        + b"/numbers/delist"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_labels(TOKEN, "", 1, 1),
        lambda c: c.publish_numbers(TOKEN, ACCOUNT, "", ["91"]),
        lambda c: c.feedback_report(TOKEN, ACCOUNT, "", 1),
        lambda c: c.create_token("", KEY_ID, API_KEY),
    ],
    ids=["account", "feature-set", "survey", "token-account"],
)
async def test_an_empty_id_is_refused_before_anything_is_sent(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, call: Operation
) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        await call(truecaller_client)

    assert vendor.requests == []


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("list_labels", b"<html>maintenance</html>"),
        ("list_labels", b'{"labels": []}'),
        ("list_numbers", b'{"pagination_information": {"total_page_count": 1}}'),
        ("list_numbers", b'{"numbers": [{"status": "listed"}]}'),
        ("list_feature_sets", b'{"feature_sets": [{"id": "f", "name": "n"}]}'),
        ("personalize", b'{"status": "success"}'),
        ("create_batch", b"{}"),
        ("batch_status", b"[]"),
        ("publish_numbers", b'{"new_numbers": "911234567891"}'),
        ("callback_log", b""),
    ],
    ids=[
        "not-json",
        "labels-not-an-array",
        "no-numbers",
        "number-without-phone-number",
        "feature-set-without-status",
        "no-status-info",
        "no-batch-id",
        "status-not-an-object",
        "array-not-a-list",
        "empty-body",
    ],
)
async def test_undecodable_success_raises_vendor_payload_error(
    vendor: RecordingVendor, truecaller_client: TruecallerClient, operation: str, body: bytes
) -> None:
    vendor.answer(200, body)

    with pytest.raises(VendorPayloadError):
        await ENDPOINTS[operation].call(truecaller_client)
