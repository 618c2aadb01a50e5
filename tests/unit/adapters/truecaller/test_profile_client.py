"""The Truecaller profile fetch on a mock transport: exactly one GET of the given endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from adapters.http import (
    VendorHttpSettings,
    VendorPayloadError,
    VendorResponseError,
    build_vendor_client,
)
from adapters.truecaller import translate
from adapters.truecaller.profile_client import fetch_profile
from contract.errors import VendorCredentialRejected
from tests.unit.adapters.truecaller import contract_payloads as sheet

ENDPOINT = "https://profile4-noneu.truecaller.com/v1/default"
ACCESS_TOKEN = "a1asX--8_yw-OF--E6Gj_DPyKelJIGUUeYB9U9MJhyeu4hOCbrl"


@dataclass
class RecordingProfileHost:
    """Answers every request with the next queued response and keeps what it received."""

    responses: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.responses.append(httpx.Response(status, content=body, headers=headers))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.responses:
            return httpx.Response(200, content=sheet.PROFILE)
        return self.responses.pop(0)


@pytest.fixture
def profile_host() -> RecordingProfileHost:
    return RecordingProfileHost()


@pytest.fixture
async def profile_http(profile_host: RecordingProfileHost) -> AsyncIterator[httpx.AsyncClient]:
    http = build_vendor_client(
        VendorHttpSettings(base_url="https://enterprise-portal-noneu.truecaller.com"),
        transport=httpx.MockTransport(profile_host.handle),
    )
    async with http:
        yield http


@pytest.fixture
async def following_http(profile_host: RecordingProfileHost) -> AsyncIterator[httpx.AsyncClient]:
    """A client that would follow redirects if the call let it."""
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(profile_host.handle), follow_redirects=True
    ) as http:
        yield http


async def test_gets_exactly_the_endpoint_with_the_token_and_no_cache(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient
) -> None:
    profile_host.answer(200, sheet.PROFILE)

    profile = await fetch_profile(profile_http, ENDPOINT, ACCESS_TOKEN)

    [request] = profile_host.requests
    assert (request.method, str(request.url)) == ("GET", ENDPOINT)
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Cache-Control"] == "no-cache"
    assert request.content == b""
    assert profile.userId == "1319413476"
    assert profile.phoneNumbers == ["919999999999"]


async def test_the_endpoint_is_used_as_given_query_included(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient
) -> None:
    endpoint = "https://profile4.truecaller.com/v1/default?region=eu"

    await fetch_profile(profile_http, endpoint, ACCESS_TOKEN)

    assert str(profile_host.requests[0].url) == endpoint


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_an_error_and_never_followed(
    profile_host: RecordingProfileHost,
    following_http: httpx.AsyncClient,
    status: int,
) -> None:
    profile_host.answer(status, b"", headers={"Location": "http://169.254.169.254/latest"})

    with pytest.raises(VendorResponseError) as raised:
        await fetch_profile(following_http, ENDPOINT, ACCESS_TOKEN)

    assert raised.value.status == status
    assert [str(r.url) for r in profile_host.requests] == [ENDPOINT]


async def test_a_refused_token_raises_with_the_vendors_body(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient
) -> None:
    profile_host.answer(401, sheet.PROFILE_UNAUTHORIZED)

    with pytest.raises(VendorResponseError) as raised:
        await fetch_profile(profile_http, ENDPOINT, ACCESS_TOKEN)

    assert (raised.value.status, raised.value.body) == (401, sheet.PROFILE_UNAUTHORIZED)
    assert ACCESS_TOKEN not in str(raised.value)
    error = translate.profile_error(raised.value.status, raised.value.body)
    assert isinstance(error, VendorCredentialRejected)


async def test_a_server_error_raises(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient
) -> None:
    profile_host.answer(500, sheet.PROFILE_ERROR)

    with pytest.raises(VendorResponseError) as raised:
        await fetch_profile(profile_http, ENDPOINT, ACCESS_TOKEN)

    assert raised.value.status == 500


async def test_an_older_profile_with_number_ints_decodes(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient
) -> None:
    profile_host.answer(
        200, b'{"phoneNumbers": [46795087665], "onlineIdentity": {"email": "a@example.se"}}'
    )

    profile = await fetch_profile(profile_http, ENDPOINT, ACCESS_TOKEN)

    assert profile.phoneNumbers == [46795087665]
    assert profile.onlineIdentity is not None
    assert profile.onlineIdentity.email == "a@example.se"


@pytest.mark.parametrize(
    "body",
    [b"<html>login</html>", b"", b"[]", b'{"phoneNumbers": "919999999999"}', b'{"name": "Rajat"}'],
    ids=["html", "empty", "array", "numbers-not-a-list", "name-not-an-object"],
)
async def test_an_unreadable_profile_raises_vendor_payload_error(
    profile_host: RecordingProfileHost, profile_http: httpx.AsyncClient, body: bytes
) -> None:
    profile_host.answer(200, body)

    with pytest.raises(VendorPayloadError):
        await fetch_profile(profile_http, ENDPOINT, ACCESS_TOKEN)
