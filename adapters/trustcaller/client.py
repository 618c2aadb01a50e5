"""TrustCaller's HTTP calls, one method per endpoint; no normalization happens here."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import httpx
import msgspec

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.trustcaller.payloads import (
    CallEnvelope,
    CallsPage,
    CreatedKey,
    KeyList,
    LiveCheck,
    NumbersPage,
    TestNumbersResponse,
)

T = TypeVar("T")


class TrustCallerClient:
    """Thin typed wrapper over TrustCaller API v1, on an injected ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def list_numbers(self, token: str, page: int, per_page: int) -> NumbersPage:
        """``GET /numbers``."""
        params = {"page": page, "per_page": per_page}
        return await self._get(token, "/numbers", NumbersPage, params)

    async def test_numbers(self, token: str, prefix: str | None) -> TestNumbersResponse:
        """``GET /test-numbers``."""
        params = {"prefix": prefix} if prefix else {}
        return await self._get(token, "/test-numbers", TestNumbersResponse, params)

    async def list_calls(
        self, token: str, page: int, per_page: int, from_date: date | None, to_date: date | None
    ) -> CallsPage:
        """``GET /calls``, most recent first."""
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if from_date:
            params["from"] = from_date.isoformat()
        if to_date:
            params["to"] = to_date.isoformat()
        return await self._get(token, "/calls", CallsPage, params)

    async def get_call(self, token: str, call_id: int) -> CallEnvelope:
        """``GET /calls/{id}``."""
        return await self._get(token, f"/calls/{call_id}", CallEnvelope)

    async def check_live_call(self, token: str, number_digits: str) -> LiveCheck:
        """``GET /calls/check?number=``."""
        return await self._get(token, "/calls/check", LiveCheck, {"number": number_digits})

    async def create_key(self, token: str, name: str) -> CreatedKey:
        """``POST /auth/keys``; the new token is in the answer and nowhere else, ever."""
        response = await self._http.post("/auth/keys", json={"name": name}, headers=_auth(token))
        return _decode(response, CreatedKey, expected=201)

    async def list_keys(self, token: str) -> KeyList:
        """``GET /auth/keys``."""
        return await self._get(token, "/auth/keys", KeyList)

    async def revoke_key(self, token: str, key_id: int) -> None:
        """``DELETE /auth/keys/{id}``."""
        response = await self._http.delete(f"/auth/keys/{key_id}", headers=_auth(token))
        if response.status_code != 200:
            raise VendorResponseError(response.status_code, response.headers, response.content)

    async def _get(
        self, token: str, path: str, into: type[T], params: dict[str, Any] | None = None
    ) -> T:
        response = await self._http.get(path, params=params, headers=_auth(token))
        return _decode(response, into)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _decode(response: httpx.Response, into: type[T], expected: int = 200) -> T:
    if response.status_code != expected:
        raise VendorResponseError(response.status_code, response.headers, response.content)
    try:
        return msgspec.json.decode(response.content, type=into)
    except msgspec.DecodeError as exc:
        raise VendorPayloadError(f"unexpected payload: {exc}") from None
