"""Truecaller for Business's HTTP calls, one method per endpoint; no normalization, token
caching, retries or policies here."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.truecaller.payloads import (
    BatchBody,
    BatchCreated,
    BatchStatusResponse,
    Classification,
    ExportResponse,
    FeatureSetsResponse,
    LabelOut,
    NumbersBody,
    NumbersResponse,
    RealtimeResponse,
    RecordBody,
    TokenBody,
    TokenResponse,
)

T = TypeVar("T")


class TruecallerClient:
    """Thin typed wrapper over the Verified Business API, on an injected ``httpx.AsyncClient``.

    The client's ``base_url`` is the vendor root (``https://enterprise-portal-noneu.truecaller.com``).
    Every method but :meth:`create_token` takes the bearer token and the client account id first.
    A non-2xx answer raises :class:`VendorResponseError` (the real-time personalisation's 400 with
    a ``status_info`` body included); a 2xx answer of the wrong shape raises
    :class:`VendorPayloadError`.
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    # --- token -----------------------------------------------------------------------------------

    async def create_token(
        self, client_account_id: str, key_id: str, api_key: str
    ) -> TokenResponse:
        """``POST /clients/{clientAccountId}/token``: exchange the key pair for a bearer token."""
        response = await self._http.post(
            f"/clients/{_segment(client_account_id)}/token",
            content=msgspec.json.encode(TokenBody(key_id=key_id, api_key=api_key)),
            headers={"Content-Type": "application/json", "X-Public-Access": "allow"},
        )
        return _decode(response, TokenResponse)

    # --- number management -----------------------------------------------------------------------

    async def publish_numbers(
        self, token: str, client_account_id: str, feature_set_id: str, numbers: list[str]
    ) -> Classification:
        """``POST .../feature_sets/{featureSetId}/numbers/publish``: list numbers (asynchronous)."""
        path = _feature_set_path(client_account_id, feature_set_id) + "/numbers/publish"
        return await self._send(
            "POST", path, token, Classification, body=NumbersBody(phone_numbers=numbers)
        )

    async def delist_numbers(
        self, token: str, client_account_id: str, feature_set_id: str, numbers: list[str]
    ) -> Classification:
        """``POST .../feature_sets/{featureSetId}/numbers/delist``: delist (asynchronous)."""
        path = _feature_set_path(client_account_id, feature_set_id) + "/numbers/delist"
        return await self._send(
            "POST", path, token, Classification, body=NumbersBody(phone_numbers=numbers)
        )

    async def list_numbers(
        self,
        token: str,
        client_account_id: str,
        page: int,
        limit: int,
        feature_set_id: str | None = None,
    ) -> NumbersResponse:
        """``GET /clients/{clientAccountId}/number_management/numbers`` (one page)."""
        params: dict[str, Any] = {"page": page, "limit": limit}
        if feature_set_id is not None:
            params["feature_set_id"] = feature_set_id
        path = f"{_account(client_account_id)}/number_management/numbers"
        return await self._send("GET", path, token, NumbersResponse, params=params)

    async def list_feature_sets(
        self, token: str, client_account_id: str, page: int, limit: int
    ) -> FeatureSetsResponse:
        """``GET /clients/{clientAccountId}/number_management/feature_sets`` (one page)."""
        path = f"{_account(client_account_id)}/number_management/feature_sets"
        params = {"page": page, "limit": limit}
        return await self._send("GET", path, token, FeatureSetsResponse, params=params)

    # --- labels and call personalisation ---------------------------------------------------------

    async def list_labels(
        self, token: str, client_account_id: str, page: int, limit: int
    ) -> list[LabelOut]:
        """``GET /clients/{clientAccountId}/labels``: a bare array, without page metadata."""
        path = f"{_account(client_account_id)}/labels"
        params = {"page": page, "limit": limit}
        return await self._send("GET", path, token, list[LabelOut], params=params)

    async def personalize(
        self, token: str, client_account_id: str, record: RecordBody
    ) -> RealtimeResponse:
        """``POST /v2/clients/{clientAccountId}/dynamic_call_record``: real-time, synchronous.

        A 200 may still carry ``status_info.status: error``; that is the translation's to judge.
        """
        path = f"/v2{_account(client_account_id)}/dynamic_call_record"
        return await self._send("POST", path, token, RealtimeResponse, body=record)

    async def create_batch(
        self, token: str, client_account_id: str, records: list[RecordBody]
    ) -> BatchCreated:
        """``POST /v2/clients/{clientAccountId}/dynamic_call_records``: 1 to 500 records."""
        path = f"/v2{_account(client_account_id)}/dynamic_call_records"
        body = BatchBody(call_records=records)
        return await self._send("POST", path, token, BatchCreated, body=body)

    async def batch_status(
        self, token: str, client_account_id: str, batch_id: str
    ) -> BatchStatusResponse:
        """``GET /v2/clients/{clientAccountId}/dynamic_call_records?batchId=...``.

        The sheet lists ``Content-Type: application/json`` as required even on this GET.
        """
        path = f"/v2{_account(client_account_id)}/dynamic_call_records"
        return await self._send(
            "GET",
            path,
            token,
            BatchStatusResponse,
            params={"batchId": batch_id},
            headers={"Content-Type": "application/json"},
        )

    # --- deprecated downloads --------------------------------------------------------------------

    async def callback_log(
        self, token: str, client_account_id: str, from_seconds: int, to_seconds: int
    ) -> ExportResponse:
        """``GET .../openapi/callback-logs/summary?from=&to=`` (deprecated): a Call Me Back log
        URL. The times are sent in epoch seconds, as the vendor's example values are."""
        path = f"{_account(client_account_id)}/openapi/callback-logs/summary"
        params = {"from": from_seconds, "to": to_seconds}
        return await self._send("GET", path, token, ExportResponse, params=params)

    async def feedback_report(
        self, token: str, client_account_id: str, survey_id: str, from_seconds: int
    ) -> ExportResponse:
        """``GET .../openapi/feedback_stack/{surveyId}/export_report?from_date=`` (deprecated):
        a User Feedback report URL."""
        path = (
            f"{_account(client_account_id)}/openapi/feedback_stack/{_segment(survey_id)}"
            "/export_report"
        )
        params = {"from_date": from_seconds}
        return await self._send("GET", path, token, ExportResponse, params=params)

    async def _send(
        self,
        method: str,
        path: str,
        token: str,
        into: type[T],
        *,
        params: dict[str, Any] | None = None,
        body: msgspec.Struct | None = None,
        headers: dict[str, str] | None = None,
    ) -> T:
        sent = {"Authorization": f"Bearer {token}", **(headers or {})}
        content: bytes | None = None
        if body is not None:
            content = msgspec.json.encode(body)
            sent["Content-Type"] = "application/json"
        response = await self._http.request(
            method, path, params=params, content=content, headers=sent
        )
        return _decode(response, into)


def _segment(value: str) -> str:
    """An id as one path segment: ``/``, ``?``, ``#`` and dot segments cannot escape it."""
    if not value:
        raise ValueError("a Truecaller id must not be empty")
    escaped = quote(value, safe="")
    return escaped.replace(".", "%2E") if escaped.strip(".") == "" else escaped


def _account(client_account_id: str) -> str:
    return f"/clients/{_segment(client_account_id)}"


def _feature_set_path(client_account_id: str, feature_set_id: str) -> str:
    feature_set = _segment(feature_set_id)
    return f"{_account(client_account_id)}/number_management/feature_sets/{feature_set}"


def _decode(response: httpx.Response, into: type[T]) -> T:
    if not response.is_success:
        raise VendorResponseError(response.status_code, response.headers, response.content)
    try:
        return msgspec.json.decode(response.content, type=into)
    except msgspec.DecodeError as exc:
        raise VendorPayloadError(f"unexpected payload: {exc}") from None
