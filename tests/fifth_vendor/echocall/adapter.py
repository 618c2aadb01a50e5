"""The EchoCall adapter: numbers, calls and AI-less dialing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any, TypeVar

import httpx

from adapters.capabilities import VendorPage
from adapters.credentials import load_secret
from adapters.http import VendorResponseError, translate_transport_errors
from contract.agents import CallCreate
from contract.errors import FieldError
from contract.schema import Call, Number
from tests.fifth_vendor.echocall import translate
from tests.fifth_vendor.echocall.client import EchoCallClient
from tests.fifth_vendor.echocall.declaration import DECLARATION, EchoCallCredential

T = TypeVar("T")


class EchoCallAdapter:
    """Numbers, calls and dials over EchoCall."""

    declaration = DECLARATION

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._client = EchoCallClient(http)

    def load_credential(self, secret: Mapping[str, str]) -> EchoCallCredential:
        """``{"api_key": "ek_..."}``."""
        return load_secret(secret, EchoCallCredential, "EchoCall")

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """The key's last four characters tell keys apart."""
        return {"key_suffix": self.load_credential(secret).api_key[-4:]}

    async def list_numbers(
        self, credential: EchoCallCredential, token: str | None, limit: int
    ) -> VendorPage[Number]:
        """Every line (EchoCall does not page)."""
        lines = await self._call(lambda: self._client.get(credential.api_key, "/lines"))
        return VendorPage([translate.number_from(line) for line in lines["lines"]], None)

    async def get_number(self, credential: EchoCallCredential, vendor_id: str) -> Number:
        """One line."""
        path = f"/lines/{vendor_id}"
        return translate.number_from(await self._call(lambda: self._get(credential, path)))

    async def list_calls(
        self,
        credential: EchoCallCredential,
        token: str | None,
        limit: int,
        from_date: date | None,
        to_date: date | None,
    ) -> VendorPage[Call]:
        """Every dial, newest first."""
        dials = await self._call(lambda: self._get(credential, "/dials"))
        calls = [translate.call_from(dial) for dial in dials["dials"]]
        return VendorPage(sorted(calls, key=lambda c: c.created_at or 0, reverse=True), None)

    async def get_call(self, credential: EchoCallCredential, vendor_id: str) -> Call:
        """One dial."""
        path = f"/dials/{vendor_id}"
        return translate.call_from(await self._call(lambda: self._get(credential, path)))

    def validate_call(self, request: CallCreate) -> list[FieldError]:
        """EchoCall dials without an agent: it cannot take a task or instructions."""
        if request.task is not None or request.instructions is not None:
            return [FieldError(field="body.task", message="EchoCall dials without an AI agent")]
        return []

    async def place_call(
        self,
        credential: EchoCallCredential,
        request: CallCreate,
        to_e164: str,
        from_e164: str | None,
        idempotency_key: str,
    ) -> Call:
        """Dial ``to_e164``."""
        body: dict[str, object] = {"to": to_e164.lstrip("+"), "key": idempotency_key}
        dial = await self._call(lambda: self._client.post(credential.api_key, "/dials", body))
        return translate.call_from(dial)

    async def stop_call(
        self, credential: EchoCallCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Hang up."""
        path = f"/dials/{vendor_id}/hangup"
        await self._call(lambda: self._client.post(credential.api_key, path, {}))

    async def cancel_call(
        self, credential: EchoCallCredential, vendor_id: str, idempotency_key: str
    ) -> None:
        """Hang up (EchoCall has one way to end a dial)."""
        await self.stop_call(credential, vendor_id, idempotency_key)

    async def _get(self, credential: EchoCallCredential, path: str) -> Any:
        return await self._client.get(credential.api_key, path)

    async def _call(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await translate_transport_errors(translate.VENDOR, call)
        except VendorResponseError as exc:
            raise translate.error_from(exc.status, exc.body) from None
