"""The TopCalls adapter: client calls, translated, with every vendor failure mapped.

Gateway ids of TopCalls objects are ``topcalls:<uuid>``. A carrier's id also carries the
``voip_carrier_sid`` numbers attach to (``topcalls:<id>~<sid>``), so adding a number on a carrier
costs one vendor call, not a lookup first.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import TypeVar

import httpx
import msgspec

from adapters.capabilities import VendorPage
from adapters.credentials import load_secret
from adapters.http import VendorPayloadError, VendorResponseError, translate_transport_errors
from adapters.topcalls import translate
from adapters.topcalls.client import TopCallsClient
from adapters.topcalls.declaration import DECLARATION
from adapters.topcalls.payloads import CarrierOut, TopCallsCredential
from contract.agents import (
    AgentModel,
    Balance,
    CallCreate,
    Campaign,
    Carrier,
    CarrierCreate,
    NumberCreate,
    VendorWebhook,
    VendorWebhookCreate,
    Voice,
    VoiceFilters,
)
from contract.cursor import invalid_cursor
from contract.errors import FieldError, NotFound, ValidationFailed, VendorError
from contract.schema import Call, Number

T = TypeVar("T")

MAX_CALLS_PER_PAGE = 200
CARRIER_SID_SEPARATOR = "~"


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return text.isascii()


def _require_uuid(native: str, what: str) -> str:
    """TopCalls ids are UUIDs; anything else cannot name one of them."""
    if not _is_uuid(native):
        raise NotFound(f"{what} not found")
    return native


def _carrier(item: CarrierOut) -> Carrier:
    carrier = translate.carrier_from_vendor(item)
    if carrier.id is None or not item.voip_carrier_sid:
        return carrier
    return msgspec.structs.replace(
        carrier, id=f"{carrier.id}{CARRIER_SID_SEPARATOR}{item.voip_carrier_sid}"
    )


def _within(call: Call, from_date: date | None, to_date: date | None) -> bool:
    moment = call.created_at
    if moment is None:
        return True
    if from_date is not None and moment < datetime.combine(from_date, time.min, UTC):
        return False
    return to_date is None or moment <= datetime.combine(to_date, time.max, UTC)


class TopCallsAdapter:
    """AI calls, numbers, carriers, campaigns, models, voices and balance over TopCalls."""

    declaration = DECLARATION

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._client = TopCallsClient(http)

    def load_credential(self, secret: Mapping[str, str]) -> TopCallsCredential:
        """Decode and check the stored secret (``{"api_key": "tc_live_..."}``)."""
        return load_secret(secret, TopCallsCredential, "TopCalls")

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """TopCalls keys carry no id worth showing (the secret is still checked)."""
        self.load_credential(secret)
        return {}

    # --- calls ---------------------------------------------------------------------------------

    async def list_calls(
        self,
        credential: TopCallsCredential,
        token: str | None,
        limit: int,
        from_date: date | None,
        to_date: date | None,
    ) -> VendorPage[Call]:
        """One page of calls, newest first; ``token`` is the vendor's timestamp cursor.

        TopCalls has no date filters, so they are applied here; once a page reaches calls older
        than ``from_date`` there is nothing further to read.
        """
        if token is not None:
            try:
                datetime.fromisoformat(token)
            except ValueError:
                raise invalid_cursor("is not a cursor this gateway issued") from None
        page = await self._call(
            lambda: self._client.list_calls(
                credential.api_key, min(limit, MAX_CALLS_PER_PAGE), token
            )
        )
        calls = [translate.call_from_vendor(item) for item in page.data]
        next_token = page.next_cursor
        if from_date is not None and calls and not _within(calls[-1], from_date, None):
            next_token = None
        return VendorPage(
            items=[c for c in calls if _within(c, from_date, to_date)], next_token=next_token
        )

    def validate_call(self, request: CallCreate) -> list[FieldError]:
        """Exactly one of ``task`` and ``instructions``: the vendor's two ways (simple and
        advanced mode) to brief the agent."""
        if (request.task is None) == (request.instructions is None):
            message = "exactly one of task and instructions"
            return [
                FieldError(field="body.task", message=message),
                FieldError(field="body.instructions", message=message),
            ]
        return []

    async def get_call(self, credential: TopCallsCredential, vendor_id: str) -> Call:
        """One call with its transcript, summary and recording once the vendor has them."""
        native = _require_uuid(vendor_id, "call")
        item = await self._call(
            lambda: self._client.get_call(credential.api_key, native), not_found="call not found"
        )
        return translate.call_from_vendor(item)

    async def place_call(
        self,
        credential: TopCallsCredential,
        request: CallCreate,
        to_e164: str,
        from_e164: str | None,
        idempotency_key: str,
    ) -> Call:
        """Queue an AI call; the vendor deduplicates on ``idempotency_key``."""
        body = translate.create_call_body(request, to_e164, from_e164)
        created = await self._call(
            lambda: self._client.create_call(credential.api_key, body, idempotency_key)
        )
        return translate.placed_call(created, request, to_e164)

    async def stop_call(
        self, credential: TopCallsCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Stop a queued or in-progress call."""
        native = _require_uuid(vendor_id, "call")
        await self._call(
            lambda: self._client.stop_call(credential.api_key, native, idempotency_key),
            not_found="call not found",
        )

    async def cancel_call(
        self, credential: TopCallsCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Cancel a call that has not started."""
        native = _require_uuid(vendor_id, "call")
        await self._call(
            lambda: self._client.cancel_call(credential.api_key, native, idempotency_key),
            not_found="call not found",
        )

    # --- numbers -------------------------------------------------------------------------------

    async def list_numbers(
        self, credential: TopCallsCredential, token: str | None, limit: int
    ) -> VendorPage[Number]:
        """A slice of the account's numbers; TopCalls lists them all at once, oldest first."""
        offset = 0
        if token is not None:
            if not (token.isascii() and token.isdecimal()):
                raise invalid_cursor("is not a cursor this gateway issued")
            offset = int(token)
        listed = await self._call(lambda: self._client.list_numbers(credential.api_key))
        window = listed.data[offset : offset + limit]
        more = offset + limit < len(listed.data)
        return VendorPage(
            items=[translate.number_from_vendor(item) for item in window],
            next_token=str(offset + limit) if more else None,
        )

    async def get_number(self, credential: TopCallsCredential, vendor_id: str) -> Number:
        """One number, released ones included."""
        native = _require_uuid(vendor_id, "number")
        item = await self._call(
            lambda: self._client.get_number(credential.api_key, native),
            not_found="number not found",
        )
        return translate.number_from_vendor(item)

    async def add_number(
        self,
        credential: TopCallsCredential,
        request: NumberCreate,
        number_e164: str,
        carrier_vendor_id: str | None,
        idempotency_key: str,
    ) -> Number:
        """Add a number, on the vendor's own carrier or one of the account's."""
        carrier_sid = None
        if carrier_vendor_id is not None:
            _, _, carrier_sid = carrier_vendor_id.partition(CARRIER_SID_SEPARATOR)
            if not _is_uuid(carrier_sid):
                raise ValidationFailed(
                    "carrier_id is not a TopCalls carrier",
                    errors=[
                        FieldError(field="body.carrier_id", message="use an id from /v1/carriers")
                    ],
                )
        body = translate.add_number_body(request, number_e164, carrier_sid)
        item = await self._call(
            lambda: self._client.add_number(credential.api_key, body, idempotency_key)
        )
        return translate.number_from_vendor(item)

    async def release_number(self, credential: TopCallsCredential, vendor_id: str) -> None:
        """Release (soft-delete) a number."""
        native = _require_uuid(vendor_id, "number")
        await self._call(
            lambda: self._client.delete_number(credential.api_key, native),
            not_found="number not found",
        )

    # --- carriers ------------------------------------------------------------------------------

    async def list_carriers(self, credential: TopCallsCredential) -> list[Carrier]:
        """The vendor's own carrier and the account's trunks."""
        listed = await self._call(lambda: self._client.list_carriers(credential.api_key))
        return [_carrier(item) for item in listed.data]

    def validate_carrier(self, request: CarrierCreate) -> list[FieldError]:
        """TopCalls' rules for a trunk (an inbound gateway is an IPv4 address, ...)."""
        return translate.validate_carrier(request)

    async def add_carrier(
        self, credential: TopCallsCredential, request: CarrierCreate, idempotency_key: str
    ) -> Carrier:
        """Add a trunk; its credentials go to the vendor only."""
        body = translate.carrier_body(request)
        item = await self._call(
            lambda: self._client.add_carrier(credential.api_key, body, idempotency_key)
        )
        return _carrier(item)

    async def delete_carrier(self, credential: TopCallsCredential, vendor_id: str) -> None:
        """Delete a trunk by the record id in its gateway id."""
        record_id, _, _ = vendor_id.partition(CARRIER_SID_SEPARATOR)
        native = _require_uuid(record_id, "carrier")
        await self._call(
            lambda: self._client.delete_carrier(credential.api_key, native),
            not_found="carrier not found",
        )

    # --- campaigns -----------------------------------------------------------------------------

    async def list_campaigns(self, credential: TopCallsCredential) -> list[Campaign]:
        """Every campaign, newest first."""
        listed = await self._call(lambda: self._client.list_campaigns(credential.api_key))
        return [translate.campaign_from_vendor(item) for item in listed.data]

    async def get_campaign(self, credential: TopCallsCredential, vendor_id: str) -> Campaign:
        """One campaign with its stats."""
        native = _require_uuid(vendor_id, "campaign")
        item = await self._call(
            lambda: self._client.get_campaign(credential.api_key, native),
            not_found="campaign not found",
        )
        return translate.campaign_from_vendor(item)

    async def start_campaign(
        self, credential: TopCallsCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Start a draft or resume a paused campaign."""
        native = _require_uuid(vendor_id, "campaign")
        await self._call(
            lambda: self._client.start_campaign(credential.api_key, native, idempotency_key),
            not_found="campaign not found",
        )

    async def pause_campaign(
        self, credential: TopCallsCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Pause a running campaign."""
        native = _require_uuid(vendor_id, "campaign")
        await self._call(
            lambda: self._client.pause_campaign(credential.api_key, native, idempotency_key),
            not_found="campaign not found",
        )

    # --- agent configuration and balance -------------------------------------------------------

    async def list_models(self, credential: TopCallsCredential) -> list[AgentModel]:
        """Models on offer."""
        listed = await self._call(lambda: self._client.list_models(credential.api_key))
        return [translate.model_from_vendor(item) for item in listed.data]

    async def list_voices(
        self, credential: TopCallsCredential, filters: VoiceFilters
    ) -> list[Voice]:
        """Built-in voices filtered by the vendor, or the account's voices filtered here."""
        if filters.custom is False:
            listed = await self._call(
                lambda: self._client.list_builtin_voices(
                    credential.api_key,
                    filters.mode.value if filters.mode else None,
                    filters.provider,
                    filters.gender,
                    filters.language,
                )
            )
        else:
            listed = await self._call(lambda: self._client.list_voices(credential.api_key))
        voices = [translate.voice_from_vendor(item) for item in listed.data]
        return [v for v in voices if translate.voice_matches(v, filters)]

    async def get_balance(self, credential: TopCallsCredential) -> Balance:
        """Minutes left, used and held for calls in progress."""
        item = await self._call(lambda: self._client.get_balance(credential.api_key))
        return translate.balance_from_vendor(item)

    async def verify_credential(self, credential: TopCallsCredential) -> None:
        """Reading the balance is the cheapest call every key (read-only ones too) may make."""
        await self._call(lambda: self._client.get_balance(credential.api_key))

    # --- webhook subscriptions ----------------------------------------------------------------

    async def list_webhooks(self, credential: TopCallsCredential) -> list[VendorWebhook]:
        """The account's subscriptions that are not deleted."""
        listed = await self._call(lambda: self._client.list_webhooks(credential.api_key))
        return [translate.webhook_from_vendor(i) for i in listed.data if i.deleted_at is None]

    async def create_webhook(
        self, credential: TopCallsCredential, request: VendorWebhookCreate, idempotency_key: str
    ) -> VendorWebhook:
        """Subscribe a URL to the vendor's events."""
        body = translate.webhook_body(request)
        item = await self._call(
            lambda: self._client.create_webhook(credential.api_key, body, idempotency_key)
        )
        return translate.webhook_from_vendor(item)

    async def delete_webhook(self, credential: TopCallsCredential, vendor_id: str) -> None:
        """Delete a subscription."""
        native = _require_uuid(vendor_id, "webhook subscription")
        await self._call(
            lambda: self._client.delete_webhook(credential.api_key, native),
            not_found="webhook subscription not found",
        )

    async def _call(self, call: Callable[[], Awaitable[T]], not_found: str | None = None) -> T:
        try:
            return await translate_transport_errors(translate.VENDOR, call)
        except VendorResponseError as exc:
            raise translate.error_from_response(
                exc.status, exc.headers, exc.body, not_found
            ) from None
        except VendorPayloadError as exc:
            raise VendorError(f"TopCalls {exc}", vendor=translate.VENDOR) from None
