"""The TrustCaller adapter over a mock transport: paging, lookups, failures, credentials."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date

import httpx
import msgspec
import pytest

from adapters.http import VendorHttpSettings, build_vendor_client
from adapters.trustcaller.adapter import TrustCallerAdapter
from adapters.trustcaller.payloads import TrustCallerCredential
from contract.errors import (
    NotFound,
    RateLimited,
    ValidationFailed,
    VendorCredentialRejected,
    VendorError,
    VendorTimeout,
    VendorUnreachable,
)
from contract.schema import CallStatus, NumberStatus
from tests.unit.adapters.trustcaller import contract_payloads as sheet

BASE_URL = "https://trustcaller.test/api/v1"
SECRET = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa9876"
TOKEN = f"7|{SECRET}"


def reserved_number(number_id: int) -> dict[str, object]:
    return {
        "id": number_id,
        "number": f"4915100{number_id:06d}",
        "reserved": True,
        "released_at": None,
        "ivr_id": None,
        "created_at": "2026-01-15T10:30:00+00:00",
    }


@dataclass
class FakeTrustCaller:
    """A TrustCaller account served from memory, recording each request it receives."""

    numbers: list[dict[str, object]] = field(default_factory=list)
    answers: dict[str, httpx.Response] = field(default_factory=dict)
    """Fixed answers by path (after the API root), e.g. ``"/calls/check"``."""
    failure: Exception | httpx.Response | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    max_requests: int = 20
    """A runaway scan fails the test instead of hanging it."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) > self.max_requests:
            raise AssertionError(f"more than {self.max_requests} vendor requests")
        if isinstance(self.failure, Exception):
            raise self.failure
        if isinstance(self.failure, httpx.Response):
            return self.failure
        path = request.url.path.removeprefix("/api/v1")
        if path in self.answers:
            return self.answers[path]
        if path == "/numbers":
            return self._numbers_page(request)
        return httpx.Response(404, content=b'{"error": "not_found", "message": "Not found."}')

    def _numbers_page(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        per_page = int(request.url.params.get("per_page", "100"))
        start = (page - 1) * per_page
        body = {
            "data": self.numbers[start : start + per_page],
            "links": {"first": "...", "last": "...", "prev": None, "next": None},
            "meta": {"current_page": page, "per_page": per_page, "total": len(self.numbers)},
        }
        return httpx.Response(200, json=body)

    def params(self, key: str) -> list[str | None]:
        return [r.url.params.get(key) for r in self.requests]


@pytest.fixture
def trustcaller() -> FakeTrustCaller:
    return FakeTrustCaller()


@pytest.fixture
async def adapter(trustcaller: FakeTrustCaller) -> AsyncIterator[TrustCallerAdapter]:
    http = build_vendor_client(
        VendorHttpSettings(base_url=BASE_URL), transport=httpx.MockTransport(trustcaller.handle)
    )
    async with http:
        yield TrustCallerAdapter(http)


@pytest.fixture
def credential() -> TrustCallerCredential:
    return TrustCallerCredential(token=TOKEN)


# --- numbers -------------------------------------------------------------------------------------


async def test_list_numbers_translates_the_sheet_page(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/numbers"] = httpx.Response(200, content=sheet.NUMBERS_PAGE)

    page = await adapter.list_numbers(credential, None, 50)

    assert [(n.id, n.number, n.status) for n in page.items] == [
        ("trustcaller:12345", "+120000486562997", NumberStatus.ACTIVE)
    ]
    assert page.has_more is False
    assert trustcaller.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("token", ["0", "-1", "abc", "\u0661", "2.5"])
async def test_a_page_token_that_is_not_a_page_number_is_a_cursor_error(
    trustcaller: FakeTrustCaller,
    adapter: TrustCallerAdapter,
    credential: TrustCallerCredential,
    token: str,
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await adapter.list_numbers(credential, token, 10)

    assert [e.field for e in raised.value.errors or []] == ["query.cursor"]
    assert trustcaller.requests == []


async def test_list_numbers_reports_more_pages_while_items_remain(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.numbers = [reserved_number(i) for i in range(1, 6)]

    first = await adapter.list_numbers(credential, None, 2)
    second = await adapter.list_numbers(credential, "2", 2)
    last = await adapter.list_numbers(credential, "3", 2)

    assert [n.id for n in first.items] == ["trustcaller:1", "trustcaller:2"]
    assert [n.id for n in second.items] == ["trustcaller:3", "trustcaller:4"]
    assert [n.id for n in last.items] == ["trustcaller:5"]
    assert (first.next_token, second.next_token, last.next_token) == ("2", "3", None)
    assert trustcaller.params("page") == ["1", "2", "3"]
    assert trustcaller.params("per_page") == ["2", "2", "2"]


async def test_list_numbers_caps_the_page_size_at_the_vendor_maximum(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    await adapter.list_numbers(credential, None, 5000)

    assert trustcaller.params("per_page") == ["1000"]


async def test_get_number_scans_pages_of_1000_until_it_finds_the_id(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.numbers = [reserved_number(i) for i in range(1, 2501)]

    number = await adapter.get_number(credential, "2100")

    assert number.id == "trustcaller:2100"
    assert number.number == "+4915100002100"
    assert trustcaller.params("page") == ["1", "2", "3"]
    assert trustcaller.params("per_page") == ["1000", "1000", "1000"]


async def test_get_number_stops_at_the_page_holding_the_id(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.numbers = [reserved_number(i) for i in range(1, 2501)]

    await adapter.get_number(credential, "5")

    assert trustcaller.params("page") == ["1"]


async def test_get_number_absent_is_404_after_the_last_page(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.numbers = [reserved_number(i) for i in range(1, 1501)]

    with pytest.raises(NotFound) as raised:
        await adapter.get_number(credential, "99999")

    assert raised.value.status == 404
    assert trustcaller.params("page") == ["1", "2"]


async def test_get_number_on_an_empty_account_is_404(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    with pytest.raises(NotFound):
        await adapter.get_number(credential, "1")

    assert len(trustcaller.requests) == 1


async def test_get_number_stops_when_the_vendor_returns_an_empty_page(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    lying_meta = b'{"data": [], "meta": {"current_page": 1, "per_page": 1000, "total": 5000}}'
    trustcaller.answers["/numbers"] = httpx.Response(200, content=lying_meta)

    with pytest.raises(NotFound):
        await adapter.get_number(credential, "1")

    assert len(trustcaller.requests) == 1


@pytest.mark.parametrize("vendor_id", ["abc", "", "12a", "-1", "1.0", " 1", "\u0661\u0662"])
async def test_get_number_with_a_non_numeric_id_is_404_without_asking_the_vendor(
    trustcaller: FakeTrustCaller,
    adapter: TrustCallerAdapter,
    credential: TrustCallerCredential,
    vendor_id: str,
) -> None:
    with pytest.raises(NotFound):
        await adapter.get_number(credential, vendor_id)

    assert trustcaller.requests == []


# --- test numbers, calls, live check -------------------------------------------------------------


async def test_list_test_numbers_passes_the_prefix_and_translates(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/test-numbers"] = httpx.Response(200, content=sheet.TEST_NUMBERS)

    result = await adapter.list_test_numbers(credential, "8613")

    assert trustcaller.params("prefix") == ["8613"]
    assert [t.number for t in result.data] == ["+8613912345678"]
    assert result.prefix == "8613"


async def test_list_calls_sends_dates_and_translates_the_sheet_page(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls"] = httpx.Response(200, content=sheet.CALLS_PAGE)

    page = await adapter.list_calls(credential, None, 100, date(2026, 5, 1), date(2026, 5, 31))

    assert dict(trustcaller.requests[0].url.params) == {
        "page": "1",
        "per_page": "100",
        "from": "2026-05-01",
        "to": "2026-05-31",
    }
    assert [(c.id, c.status, c.from_number) for c in page.items] == [
        ("trustcaller:98765", CallStatus.COMPLETED, "+8823412XXX")
    ]
    assert page.has_more is False


async def test_get_call_translates_the_sheet_record(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls/98765"] = httpx.Response(200, content=sheet.CALL_ENVELOPE)

    call = await adapter.get_call(credential, "98765")

    assert call.id == "trustcaller:98765"
    assert call.duration_seconds == 135


async def test_get_call_missing_is_404_call_not_found(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls/5"] = httpx.Response(404, content=sheet.CALL_NOT_FOUND)

    with pytest.raises(NotFound) as raised:
        await adapter.get_call(credential, "5")

    assert raised.value.detail == "call not found"
    assert raised.value.vendor_status == 404


async def test_get_call_with_a_non_numeric_id_is_404_without_asking_the_vendor(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    with pytest.raises(NotFound):
        await adapter.get_call(credential, "check")

    assert trustcaller.requests == []


async def test_check_live_call_sends_digits_without_plus(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls/check"] = httpx.Response(200, content=sheet.LIVE_CHECK_TRUE)

    result = await adapter.check_live_call(credential, "+120000486562997")

    assert trustcaller.params("number") == ["120000486562997"]
    assert result.number == "+120000486562997"
    assert result.live_call is True
    assert result.vendor == "trustcaller"


async def test_check_live_call_reports_no_live_call(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls/check"] = httpx.Response(200, content=sheet.LIVE_CHECK_FALSE)

    result = await adapter.check_live_call(credential, "+120000486562997")

    assert result.live_call is False


# --- failures ------------------------------------------------------------------------------------


async def test_read_timeout_is_a_504_vendor_timeout(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.failure = httpx.ReadTimeout("read timed out")

    with pytest.raises(VendorTimeout) as raised:
        await adapter.list_numbers(credential, None, 10)

    assert raised.value.status == 504
    assert raised.value.vendor == "trustcaller"


async def test_connect_error_is_a_502_vendor_unreachable(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.failure = httpx.ConnectError("connection refused")

    with pytest.raises(VendorUnreachable) as raised:
        await adapter.check_live_call(credential, "+120000486562997")

    assert raised.value.status == 502
    assert raised.value.slug == "vendor-unreachable"
    assert raised.value.vendor == "trustcaller"


async def test_vendor_401_is_a_rejected_credential(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.failure = httpx.Response(401, content=sheet.UNAUTHENTICATED)

    with pytest.raises(VendorCredentialRejected) as raised:
        await adapter.list_calls(credential, None, 10, None, None)

    assert raised.value.status == 502
    assert raised.value.vendor_status == 401


async def test_vendor_429_is_rate_limited_with_the_vendor_retry_after(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.failure = httpx.Response(
        429, content=sheet.TOO_MANY_ATTEMPTS, headers={"Retry-After": "42"}
    )

    with pytest.raises(RateLimited) as raised:
        await adapter.list_test_numbers(credential, None)

    assert raised.value.retry_after == 42


async def test_malformed_success_payload_is_a_502_vendor_error(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/calls/check"] = httpx.Response(200, content=b"<html>oops</html>")

    with pytest.raises(VendorError) as raised:
        await adapter.check_live_call(credential, "+120000486562997")

    assert type(raised.value) is VendorError
    assert raised.value.status == 502
    assert raised.value.vendor == "trustcaller"


# --- credentials ---------------------------------------------------------------------------------


def test_load_credential_accepts_a_token(adapter: TrustCallerAdapter) -> None:
    credential = adapter.load_credential({"token": TOKEN})

    assert credential.token == TOKEN


@pytest.mark.parametrize(
    "secret",
    [{}, {"token": ""}, {"token": "   "}, {"api_key": TOKEN}, {"token": TOKEN, "extra": "x"}],
    ids=["missing", "empty", "blank", "wrong-name", "unknown-field"],
)
def test_load_credential_refuses_a_secret_without_a_usable_token(
    adapter: TrustCallerAdapter, secret: dict[str, str]
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        adapter.load_credential(secret)

    assert raised.value.status == 422
    assert SECRET not in raised.value.detail


def test_credential_repr_and_str_never_show_the_token(credential: TrustCallerCredential) -> None:
    for rendered in (repr(credential), str(credential), f"{credential}", repr([credential])):
        assert SECRET not in rendered
        assert "***" in rendered


@pytest.mark.parametrize(
    ("token", "labels"),
    [
        (TOKEN, {"vendor_key_id": "7"}),
        ("123|abc", {"vendor_key_id": "123"}),
        ("no-key-id-in-here", {}),
        ("x7|abc", {}),
        ("|abc", {}),
    ],
)
def test_credential_labels_carry_the_vendor_key_id_from_the_token(
    adapter: TrustCallerAdapter, token: str, labels: dict[str, str]
) -> None:
    assert adapter.credential_labels({"token": token}) == labels


def test_declaration_lists_the_labels_the_adapter_produces(adapter: TrustCallerAdapter) -> None:
    labels = adapter.credential_labels({"token": TOKEN})

    assert set(labels) <= set(adapter.declaration.credential_labels)
    assert adapter.declaration.budgets["default"].limit == 60
    assert adapter.declaration.operations["issue_credential"].idempotent is False


async def test_issue_credential_creates_a_key_and_labels_it_with_its_id(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/auth/keys"] = httpx.Response(201, content=sheet.CREATED_KEY)

    issued = await adapter.issue_credential(credential, "rotated " + "x" * 100)

    request = trustcaller.requests[0]
    assert (request.method, request.url.path) == ("POST", "/api/v1/auth/keys")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {"name": ("rotated " + "x" * 100)[:64]}
    assert msgspec.to_builtins(issued.credential) == {"token": "7|aBcD...long-token-shown-once"}
    assert issued.labels == {"vendor_key_id": "7"}
    assert "aBcD" not in repr(issued)


async def test_verify_credential_reads_one_number_and_passes(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/numbers"] = httpx.Response(200, content=sheet.NUMBERS_PAGE)

    assert await adapter.verify_credential(credential) is None

    [request] = trustcaller.requests
    assert (request.method, request.url.path) == ("GET", "/api/v1/numbers")
    assert dict(request.url.params) == {"page": "1", "per_page": "1"}


@pytest.mark.parametrize("status", [401, 403])
async def test_verify_credential_that_the_vendor_refuses_is_rejected(
    trustcaller: FakeTrustCaller,
    adapter: TrustCallerAdapter,
    credential: TrustCallerCredential,
    status: int,
) -> None:
    trustcaller.answers["/numbers"] = httpx.Response(status, content=sheet.UNAUTHORIZED)

    with pytest.raises(VendorCredentialRejected) as raised:
        await adapter.verify_credential(credential)

    assert raised.value.vendor_status == status


async def test_revoke_credential_deletes_the_labelled_key(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/auth/keys/3"] = httpx.Response(200, content=sheet.KEY_REVOKED)

    await adapter.revoke_credential(credential, {"vendor_key_id": "3"})

    request = trustcaller.requests[0]
    assert (request.method, request.url.path) == ("DELETE", "/api/v1/auth/keys/3")
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_revoke_credential_of_a_vanished_key_is_404(
    trustcaller: FakeTrustCaller, adapter: TrustCallerAdapter, credential: TrustCallerCredential
) -> None:
    trustcaller.answers["/auth/keys/3"] = httpx.Response(404, content=sheet.KEY_NOT_FOUND)

    with pytest.raises(NotFound) as raised:
        await adapter.revoke_credential(credential, {"vendor_key_id": "3"})

    assert raised.value.detail == "the old TrustCaller key no longer exists"


@pytest.mark.parametrize("labels", [{}, {"vendor_key_id": ""}, {"vendor_key_id": "abc"}])
async def test_revoke_credential_without_a_key_id_fails_without_asking_the_vendor(
    trustcaller: FakeTrustCaller,
    adapter: TrustCallerAdapter,
    credential: TrustCallerCredential,
    labels: dict[str, str],
) -> None:
    with pytest.raises(VendorError, match="key id is unknown"):
        await adapter.revoke_credential(credential, labels)

    assert trustcaller.requests == []
