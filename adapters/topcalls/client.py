"""TopCalls' HTTP calls, one method per endpoint; no normalization, retries or policies here."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from adapters.http import VendorPayloadError, VendorResponseError
from adapters.topcalls.payloads import (
    AddCarrierBody,
    AddNumberBody,
    BalanceOut,
    CallCreated,
    CallItem,
    CallsPage,
    CampaignOut,
    CampaignsOut,
    CarrierOut,
    CarriersOut,
    CreateCallBody,
    ModelsOut,
    OkOut,
    PhoneNumberOut,
    PhoneNumbersOut,
    VoicesOut,
    WebhookBody,
    WebhookOut,
    WebhooksOut,
)

T = TypeVar("T")


class TopCallsClient:
    """Thin typed wrapper over TopCalls API v1, on an injected ``httpx.AsyncClient``.

    The client's ``base_url`` is the vendor root (``https://api.topcalls.ai``); every method takes
    the API key first and POSTs that the vendor deduplicates take an ``Idempotency-Key``.
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    # --- calls -----------------------------------------------------------------------------------

    async def create_call(
        self, api_key: str, body: CreateCallBody, idempotency_key: str
    ) -> CallCreated:
        """``POST /v1/calls``."""
        return await self._send(
            "POST", "/v1/calls", api_key, CallCreated, body=body, idempotency_key=idempotency_key
        )

    async def list_calls(self, api_key: str, limit: int, cursor: str | None) -> CallsPage:
        """``GET /v1/calls``, newest first; ``cursor`` is a previous page's ``next_cursor``."""
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        return await self._send("GET", "/v1/calls", api_key, CallsPage, params=params)

    async def get_call(self, api_key: str, call_id: str) -> CallItem:
        """``GET /v1/calls/{call_id}``."""
        return await self._send("GET", f"/v1/calls/{_segment(call_id)}", api_key, CallItem)

    async def stop_call(self, api_key: str, call_id: str, idempotency_key: str) -> OkOut:
        """``POST /v1/calls/{call_id}/stop``: end a queued or in-progress call."""
        path = f"/v1/calls/{_segment(call_id)}/stop"
        return await self._send("POST", path, api_key, OkOut, idempotency_key=idempotency_key)

    async def cancel_call(self, api_key: str, call_id: str, idempotency_key: str) -> OkOut:
        """``POST /v1/calls/{call_id}/cancel``: drop a call that has not started."""
        path = f"/v1/calls/{_segment(call_id)}/cancel"
        return await self._send("POST", path, api_key, OkOut, idempotency_key=idempotency_key)

    # --- campaigns -------------------------------------------------------------------------------

    async def list_campaigns(self, api_key: str) -> CampaignsOut:
        """``GET /v1/campaigns``."""
        return await self._send("GET", "/v1/campaigns", api_key, CampaignsOut)

    async def get_campaign(self, api_key: str, campaign_id: str) -> CampaignOut:
        """``GET /v1/campaigns/{campaign_id}``."""
        path = f"/v1/campaigns/{_segment(campaign_id)}"
        return await self._send("GET", path, api_key, CampaignOut)

    async def start_campaign(self, api_key: str, campaign_id: str, idempotency_key: str) -> OkOut:
        """``POST /v1/campaigns/{campaign_id}/start``: start or resume."""
        path = f"/v1/campaigns/{_segment(campaign_id)}/start"
        return await self._send("POST", path, api_key, OkOut, idempotency_key=idempotency_key)

    async def pause_campaign(self, api_key: str, campaign_id: str, idempotency_key: str) -> OkOut:
        """``POST /v1/campaigns/{campaign_id}/pause``."""
        path = f"/v1/campaigns/{_segment(campaign_id)}/pause"
        return await self._send("POST", path, api_key, OkOut, idempotency_key=idempotency_key)

    # --- phone numbers and carriers --------------------------------------------------------------

    async def list_numbers(self, api_key: str) -> PhoneNumbersOut:
        """``GET /v1/phone-numbers`` (deleted numbers are not listed)."""
        return await self._send("GET", "/v1/phone-numbers", api_key, PhoneNumbersOut)

    async def get_number(self, api_key: str, number_id: str) -> PhoneNumberOut:
        """``GET /v1/phone-numbers/{phone_number_id}`` (deleted numbers too)."""
        path = f"/v1/phone-numbers/{_segment(number_id)}"
        return await self._send("GET", path, api_key, PhoneNumberOut)

    async def add_number(
        self, api_key: str, body: AddNumberBody, idempotency_key: str
    ) -> PhoneNumberOut:
        """``POST /v1/phone-numbers``."""
        return await self._send(
            "POST",
            "/v1/phone-numbers",
            api_key,
            PhoneNumberOut,
            body=body,
            idempotency_key=idempotency_key,
        )

    async def delete_number(self, api_key: str, number_id: str) -> OkOut:
        """``DELETE /v1/phone-numbers/{phone_number_id}`` (a soft delete)."""
        path = f"/v1/phone-numbers/{_segment(number_id)}"
        return await self._send("DELETE", path, api_key, OkOut)

    async def list_carriers(self, api_key: str) -> CarriersOut:
        """``GET /v1/phone-numbers/carriers``, the system carrier included."""
        return await self._send("GET", "/v1/phone-numbers/carriers", api_key, CarriersOut)

    async def add_carrier(
        self, api_key: str, body: AddCarrierBody, idempotency_key: str
    ) -> CarrierOut:
        """``POST /v1/phone-numbers/carriers``."""
        return await self._send(
            "POST",
            "/v1/phone-numbers/carriers",
            api_key,
            CarrierOut,
            body=body,
            idempotency_key=idempotency_key,
        )

    async def delete_carrier(self, api_key: str, carrier_id: str) -> OkOut:
        """``DELETE /v1/phone-numbers/carriers/{carrier_id}`` (the record ``id``)."""
        path = f"/v1/phone-numbers/carriers/{_segment(carrier_id)}"
        return await self._send("DELETE", path, api_key, OkOut)

    # --- models, voices, balance -----------------------------------------------------------------

    async def list_models(self, api_key: str) -> ModelsOut:
        """``GET /v1/models``."""
        return await self._send("GET", "/v1/models", api_key, ModelsOut)

    async def list_builtin_voices(
        self,
        api_key: str,
        mode: str | None,
        provider: str | None,
        gender: str | None,
        language: str | None,
    ) -> VoicesOut:
        """``GET /v1/voices/builtin``; filters left as ``None`` are not sent."""
        filters = {"mode": mode, "provider": provider, "gender": gender, "language": language}
        params = {name: value for name, value in filters.items() if value is not None}
        return await self._send("GET", "/v1/voices/builtin", api_key, VoicesOut, params=params)

    async def list_voices(self, api_key: str) -> VoicesOut:
        """``GET /v1/voices``: built-in and the account's custom voices."""
        return await self._send("GET", "/v1/voices", api_key, VoicesOut)

    async def get_balance(self, api_key: str) -> BalanceOut:
        """``GET /v1/balance``."""
        return await self._send("GET", "/v1/balance", api_key, BalanceOut)

    # --- webhook subscriptions --------------------------------------------------------------------

    async def create_webhook(
        self, api_key: str, body: WebhookBody, idempotency_key: str
    ) -> WebhookOut:
        """``POST /v1/webhooks``."""
        return await self._send(
            "POST", "/v1/webhooks", api_key, WebhookOut, body=body, idempotency_key=idempotency_key
        )

    async def list_webhooks(self, api_key: str) -> WebhooksOut:
        """``GET /v1/webhooks``."""
        return await self._send("GET", "/v1/webhooks", api_key, WebhooksOut)

    async def delete_webhook(self, api_key: str, webhook_id: str) -> OkOut:
        """``DELETE /v1/webhooks/{id}`` (a soft delete at the vendor)."""
        return await self._send("DELETE", f"/v1/webhooks/{_segment(webhook_id)}", api_key, OkOut)

    async def _send(
        self,
        method: str,
        path: str,
        api_key: str,
        into: type[T],
        *,
        params: dict[str, Any] | None = None,
        body: msgspec.Struct | None = None,
        idempotency_key: str | None = None,
    ) -> T:
        headers = {"Authorization": f"Bearer {api_key}"}
        content: bytes | None = None
        if body is not None:
            content = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        response = await self._http.request(
            method, path, params=params, content=content, headers=headers
        )
        return _decode(response, into)


def _segment(vendor_id: str) -> str:
    """A vendor id as one path segment: ``/``, ``?``, ``#`` and dot segments cannot escape it."""
    if not vendor_id:
        raise ValueError("a TopCalls id must not be empty")
    escaped = quote(vendor_id, safe="")
    return escaped.replace(".", "%2E") if escaped.strip(".") == "" else escaped


def _decode(response: httpx.Response, into: type[T]) -> T:
    if not response.is_success:
        raise VendorResponseError(response.status_code, response.headers, response.content)
    try:
        return msgspec.json.decode(response.content, type=into)
    except msgspec.DecodeError as exc:
        raise VendorPayloadError(f"unexpected payload: {exc}") from None
