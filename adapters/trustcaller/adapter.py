"""The TrustCaller adapter: client calls, translated, with every vendor failure mapped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from functools import partial
from typing import TypeVar

import httpx

from adapters.capabilities import IssuedCredential, VendorPage
from adapters.credentials import load_secret
from adapters.http import VendorPayloadError, VendorResponseError, translate_transport_errors
from adapters.trustcaller import translate
from adapters.trustcaller.client import TrustCallerClient
from adapters.trustcaller.declaration import DECLARATION
from adapters.trustcaller.payloads import PageMeta, TrustCallerCredential
from contract.cursor import invalid_cursor
from contract.errors import NotFound, VendorError
from contract.schema import Call, LiveCallCheck, Number, TestNumberList

T = TypeVar("T")

MAX_PER_PAGE = 1000


def _is_vendor_int(text: str) -> bool:
    """TrustCaller ids are integers written in ASCII digits."""
    return text.isascii() and text.isdecimal()


def _page_number(token: str | None) -> int:
    """The vendor page a cursor token names (tokens are page numbers from 1)."""
    if token is None:
        return 1
    if not _is_vendor_int(token) or int(token) < 1:
        raise invalid_cursor("is not a cursor this gateway issued")
    return int(token)


def _next_page(meta: PageMeta) -> str | None:
    has_more = translate.has_more(meta.current_page, meta.per_page, meta.total)
    return str(meta.current_page + 1) if has_more else None


class TrustCallerAdapter:
    """Numbers, test numbers, calls, live-call checks and key rotation over TrustCaller."""

    declaration = DECLARATION

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._client = TrustCallerClient(http)

    def load_credential(self, secret: Mapping[str, str]) -> TrustCallerCredential:
        """Decode and check the stored secret (``{"token": "<id>|<secret>"}``)."""
        return load_secret(secret, TrustCallerCredential, "TrustCaller")

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """The vendor key id, which rotation needs to revoke the key later."""
        credential = self.load_credential(secret)
        return {"vendor_key_id": credential.key_id} if credential.key_id else {}

    async def list_numbers(
        self, credential: TrustCallerCredential, token: str | None, limit: int
    ) -> VendorPage[Number]:
        """One page of reserved numbers; ``token`` is the vendor's page number."""
        page = _page_number(token)
        result = await self._call(
            lambda: self._client.list_numbers(credential.token, page, min(limit, MAX_PER_PAGE))
        )
        return VendorPage(
            items=[translate.number_from_vendor(item) for item in result.data],
            next_token=_next_page(result.meta),
        )

    async def get_number(self, credential: TrustCallerCredential, vendor_id: str) -> Number:
        """TrustCaller has no single-number endpoint: scan the list in the largest pages."""
        if not _is_vendor_int(vendor_id):
            raise NotFound("number not found")
        page = 1
        while True:
            result = await self._call(
                partial(self._client.list_numbers, credential.token, page, MAX_PER_PAGE)
            )
            for item in result.data:
                if str(item.id) == vendor_id:
                    return translate.number_from_vendor(item)
            meta = result.meta
            if not result.data or not translate.has_more(
                meta.current_page, meta.per_page, meta.total
            ):
                raise NotFound("number not found")
            page += 1

    async def list_test_numbers(
        self, credential: TrustCallerCredential, prefix: str | None
    ) -> TestNumberList:
        """Public test numbers starting with ``prefix``."""
        result = await self._call(lambda: self._client.test_numbers(credential.token, prefix))
        return translate.translate_test_numbers(result, prefix)

    async def list_calls(
        self,
        credential: TrustCallerCredential,
        token: str | None,
        limit: int,
        from_date: date | None,
        to_date: date | None,
    ) -> VendorPage[Call]:
        """One page of CDRs, most recent first; ``token`` is the vendor's page number."""
        page = _page_number(token)
        result = await self._call(
            lambda: self._client.list_calls(
                credential.token, page, min(limit, MAX_PER_PAGE), from_date, to_date
            )
        )
        return VendorPage(
            items=[translate.call_from_vendor(record) for record in result.data],
            next_token=_next_page(result.meta),
        )

    async def get_call(self, credential: TrustCallerCredential, vendor_id: str) -> Call:
        """One CDR."""
        if not _is_vendor_int(vendor_id):
            raise NotFound("call not found")
        result = await self._call(
            lambda: self._client.get_call(credential.token, int(vendor_id)),
            not_found="call not found",
        )
        return translate.call_from_vendor(result.data)

    async def check_live_call(
        self, credential: TrustCallerCredential, number_e164: str
    ) -> LiveCallCheck:
        """Whether an answered call is live on the number (vendor wants digits only)."""
        result = await self._call(
            lambda: self._client.check_live_call(credential.token, number_e164.lstrip("+"))
        )
        return LiveCallCheck(
            number=number_e164, live_call=result.call_received, vendor=translate.VENDOR
        )

    async def issue_credential(
        self, current: TrustCallerCredential, label: str
    ) -> IssuedCredential:
        """Create a new API key with the current one."""
        created = await self._call(lambda: self._client.create_key(current.token, label[:64]))
        return IssuedCredential(
            credential=TrustCallerCredential(token=created.token),
            labels={"vendor_key_id": str(created.id)},
        )

    async def verify_credential(self, credential: TrustCallerCredential) -> None:
        """Read one number: every endpoint needs the ``api_access`` this proves (permissions are
        the account's, not the key's, so a key made by rotation has them all)."""
        await self._call(lambda: self._client.list_numbers(credential.token, 1, 1))

    async def revoke_credential(self, using: TrustCallerCredential, labels: dict[str, str]) -> None:
        """Revoke the key named by ``labels['vendor_key_id']``."""
        key_id = labels.get("vendor_key_id", "")
        if not _is_vendor_int(key_id):
            raise VendorError("the old TrustCaller key id is unknown, so it cannot be revoked")
        await self._call(
            lambda: self._client.revoke_key(using.token, int(key_id)),
            not_found="the old TrustCaller key no longer exists",
        )

    async def _call(self, call: Callable[[], Awaitable[T]], not_found: str | None = None) -> T:
        try:
            return await translate_transport_errors(translate.VENDOR, call)
        except VendorResponseError as exc:
            raise translate.error_from_response(
                exc.status, exc.headers, exc.body, not_found
            ) from None
        except VendorPayloadError as exc:
            raise VendorError(f"TrustCaller {exc}", vendor=translate.VENDOR) from None
