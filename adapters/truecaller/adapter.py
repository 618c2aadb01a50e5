"""The Truecaller for Business adapter: token-authenticated calls, translated and mapped.

Its credential is a :class:`TokenSession`: the gateway puts a live token in it before each call
and, when the vendor answers "please login again", refreshes it once and retries once. Gateway ids
of numbers are ``truecaller:<digits>`` (the vendor keys numbers by themselves); feature sets and
labels keep the vendor's UUIDs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TypeVar

import httpx

from adapters.capabilities import IssuedToken, PersonalizationInput, TokenSession, VendorPage
from adapters.credentials import load_secret
from adapters.http import VendorPayloadError, VendorResponseError, translate_transport_errors
from adapters.truecaller import rules, translate
from adapters.truecaller.client import TruecallerClient
from adapters.truecaller.declaration import DECLARATION, TOKEN_LIFETIME_SECONDS
from adapters.truecaller.payloads import ExportResponse, NumberDetail, TruecallerCredential
from contract.caller_id import (
    CallerLabel,
    ExportLink,
    FeatureSet,
    NumberOperationItem,
    Personalization,
    PersonalizationRecord,
    PersonalizationRecordStatus,
)
from contract.cursor import invalid_cursor
from contract.errors import FieldError, NotFound, VendorError, VendorTokenRejected
from contract.schema import Number, NumberStatus
from contract.vendor_data import vendor_object

T = TypeVar("T")

PAGE_LIMIT = 100
MAX_PAGES = 1000
BATCH_SIZE = 500


def _digits(number_e164: str) -> str:
    return number_e164.lstrip("+")


def _page(token: str | None) -> int:
    if token is None:
        return 1
    if not (token.isascii() and token.isdecimal()) or int(token) < 1:
        raise invalid_cursor("is not a cursor this gateway issued")
    return int(token)


class TruecallerAdapter:
    """Verified numbers, feature sets, labels and personalization over Truecaller for Business."""

    declaration = DECLARATION

    def __init__(self, http: httpx.AsyncClient) -> None:
        self._client = TruecallerClient(http)

    def load_credential(self, secret: Mapping[str, str]) -> TruecallerCredential:
        """Decode the stored key pair (``client_account_id``, ``key_id``, ``api_key``)."""
        return load_secret(secret, TruecallerCredential, "Truecaller")

    def credential_labels(self, secret: Mapping[str, str]) -> dict[str, str]:
        """The key id (not secret) tells keys apart."""
        credential = self.load_credential(secret)
        return {"key_id": credential.key_id}

    # --- tokens ----------------------------------------------------------------------------------

    async def exchange_token(self, credential: TruecallerCredential) -> IssuedToken:
        """Exchange the key pair for a 60-minute token."""
        try:
            issued = await translate_transport_errors(
                translate.VENDOR,
                lambda: self._client.create_token(
                    credential.client_account_id, credential.key_id, credential.api_key
                ),
            )
        except VendorResponseError as exc:
            raise translate.token_error(exc.status, exc.headers, exc.body) from None
        except VendorPayloadError as exc:
            raise VendorError(f"Truecaller {exc}", vendor=translate.VENDOR) from None
        return IssuedToken(token=issued.token, lifetime_seconds=TOKEN_LIFETIME_SECONDS)

    def token_account(self, credential: TruecallerCredential) -> str:
        """Token creations are counted per client account."""
        return credential.client_account_id

    async def verify_credential(self, credential: TokenSession[TruecallerCredential]) -> None:
        """The token exchange before this call proves the key pair; one page of a single label
        proves the token reaches the account."""
        await self._call(credential, partial(self._client.list_labels, page=1, limit=1))

    # --- numbers ---------------------------------------------------------------------------------

    async def list_numbers(
        self, credential: TokenSession[TruecallerCredential], token: str | None, limit: int
    ) -> VendorPage[Number]:
        """One page of verified numbers; ``token`` is the vendor's page number."""
        page = _page(token)
        result = await self._call(
            credential,
            lambda t, a: self._client.list_numbers(t, a, page, min(limit, PAGE_LIMIT)),
        )
        total = (
            result.pagination_information.total_page_count
            if result.pagination_information
            else None
        )
        more = translate.has_more_pages(page, total) and bool(result.numbers)
        return VendorPage(
            items=[translate.number_from_vendor(item) for item in result.numbers],
            next_token=str(page + 1) if more else None,
        )

    async def get_number(
        self, credential: TokenSession[TruecallerCredential], vendor_id: str
    ) -> Number:
        """One verified number (the vendor has no single-number endpoint: the list is scanned)."""
        return translate.number_from_vendor(await self._find_number(credential, vendor_id))

    async def locate_number(
        self, credential: TokenSession[TruecallerCredential], vendor_id: str
    ) -> tuple[Number, str]:
        """A number and its feature set's id (the vendor gives the name; the id is looked up)."""
        detail = await self._find_number(credential, vendor_id)
        feature_sets = await self.list_feature_sets(credential)
        for feature_set in feature_sets:
            if feature_set.name == detail.feature_set_name:
                return translate.number_from_vendor(detail), feature_set.id.partition(":")[2]
        raise NotFound("the number is not in a feature set of this account")

    async def number_states(
        self, credential: TokenSession[TruecallerCredential], feature_set_id: str
    ) -> dict[str, NumberStatus]:
        """Every number the vendor has in the feature set, with its status."""
        states: dict[str, NumberStatus] = {}
        for page in range(1, MAX_PAGES + 1):
            result = await self._call(
                credential,
                partial(
                    self._client.list_numbers,
                    page=page,
                    limit=PAGE_LIMIT,
                    feature_set_id=feature_set_id,
                ),
            )
            for item in result.numbers:
                number = translate.number_from_vendor(item)
                states[number.number] = number.status
            info = result.pagination_information
            if not result.numbers or not translate.has_more_pages(
                page, info.total_page_count if info else None
            ):
                break
        return states

    async def register_numbers(
        self,
        credential: TokenSession[TruecallerCredential],
        feature_set_id: str,
        numbers_e164: Sequence[str],
    ) -> list[NumberOperationItem]:
        """List numbers in a feature set (the vendor works afterwards)."""
        digits = [_digits(n) for n in numbers_e164]
        result = await self._call(
            credential,
            lambda t, a: self._client.publish_numbers(t, a, feature_set_id, digits),
            not_found="feature set not found",
        )
        return translate.classify(result, "register", digits)

    async def release_numbers(
        self,
        credential: TokenSession[TruecallerCredential],
        feature_set_id: str,
        numbers_e164: Sequence[str],
    ) -> list[NumberOperationItem]:
        """Delist numbers from a feature set (the vendor works afterwards)."""
        digits = [_digits(n) for n in numbers_e164]
        result = await self._call(
            credential,
            lambda t, a: self._client.delist_numbers(t, a, feature_set_id, digits),
            not_found="feature set not found",
        )
        return translate.classify(result, "release", digits)

    async def _find_number(
        self, credential: TokenSession[TruecallerCredential], vendor_id: str
    ) -> NumberDetail:
        if not (vendor_id.isascii() and vendor_id.isdecimal()):
            raise NotFound("number not found")
        for page in range(1, MAX_PAGES + 1):
            result = await self._call(
                credential, partial(self._client.list_numbers, page=page, limit=PAGE_LIMIT)
            )
            for item in result.numbers:
                if translate.digits_of(item.phone_number) == vendor_id:
                    return item
            info = result.pagination_information
            if not result.numbers or not translate.has_more_pages(
                page, info.total_page_count if info else None
            ):
                break
        raise NotFound("number not found")

    # --- caller ID -------------------------------------------------------------------------------

    async def list_labels(
        self, credential: TokenSession[TruecallerCredential]
    ) -> list[CallerLabel]:
        """Every dynamic label (the vendor answers bare pages without a count)."""
        labels = []
        for page in range(1, MAX_PAGES + 1):
            batch = await self._call(
                credential, partial(self._client.list_labels, page=page, limit=PAGE_LIMIT)
            )
            labels += [translate.label_from_vendor(item) for item in batch]
            if len(batch) < PAGE_LIMIT:
                break
        return labels

    async def list_feature_sets(
        self, credential: TokenSession[TruecallerCredential]
    ) -> list[FeatureSet]:
        """Every feature set."""
        feature_sets = []
        for page in range(1, MAX_PAGES + 1):
            result = await self._call(
                credential, partial(self._client.list_feature_sets, page=page, limit=PAGE_LIMIT)
            )
            feature_sets += [translate.feature_set_from_vendor(i) for i in result.feature_sets]
            info = result.pagination_info
            if not result.feature_sets or not translate.has_more_pages(
                page, info.total_page_count if info else None
            ):
                break
        return feature_sets

    def batch_size(self) -> int:
        """The vendor takes 500 records per batch call."""
        return BATCH_SIZE

    def validate_personalization(
        self, record: PersonalizationRecord, now: datetime
    ) -> list[FieldError]:
        """The window (not over, at most 24 h), a label, the call reason's characters."""
        return rules.personalization_problems(record, now)

    async def personalize(
        self, credential: TokenSession[TruecallerCredential], item: PersonalizationInput
    ) -> Personalization:
        """Push one record now; a failure inside the vendor's 200 raises."""
        body = translate.record_body(
            item.record,
            _digits(item.caller_e164),
            _digits(item.receiver_e164),
            item.label_vendor_id,
        )
        result = await self._call(credential, lambda t, a: self._client.personalize(t, a, body))
        return translate.personalization_from(
            result, item.record, item.caller_e164, item.receiver_e164, item.record.label_id
        )

    async def submit_batch(
        self, credential: TokenSession[TruecallerCredential], items: Sequence[PersonalizationInput]
    ) -> str:
        """Queue up to 500 records; the vendor's batch id."""
        bodies = [
            translate.record_body(
                i.record, _digits(i.caller_e164), _digits(i.receiver_e164), i.label_vendor_id
            )
            for i in items
        ]
        created = await self._call(credential, lambda t, a: self._client.create_batch(t, a, bodies))
        return created.batch_id

    async def batch_status(
        self, credential: TokenSession[TruecallerCredential], vendor_batch_id: str
    ) -> list[PersonalizationRecordStatus]:
        """Per-record statuses in submission order."""
        result = await self._call(
            credential, lambda t, a: self._client.batch_status(t, a, vendor_batch_id)
        )
        statuses = []
        for index, record in enumerate(result.data):
            state, field, message = translate.record_status(record)
            statuses.append(
                PersonalizationRecordStatus(
                    index=index,
                    status=state,
                    field=field,
                    message=message,
                    vendor_data=vendor_object(record),
                )
            )
        return statuses

    async def callback_requests(
        self, credential: TokenSession[TruecallerCredential], start: datetime, end: datetime
    ) -> ExportLink:
        """A link to the call-me-back log (deprecated vendor endpoint)."""
        return await self._export(
            credential,
            lambda t, a: self._client.callback_log(
                t, a, int(start.timestamp()), int(end.timestamp())
            ),
        )

    async def feedback_report(
        self, credential: TokenSession[TruecallerCredential], survey_id: str, start: datetime
    ) -> ExportLink:
        """A link to a feedback survey's report (deprecated vendor endpoint)."""
        return await self._export(
            credential,
            lambda t, a: self._client.feedback_report(t, a, survey_id, int(start.timestamp())),
        )

    async def _export(
        self,
        credential: TokenSession[TruecallerCredential],
        call: Callable[[str, str], Awaitable[ExportResponse]],
    ) -> ExportLink:
        """The vendor's "no data" 404 is an empty answer, not an error."""
        try:
            result = await self._call(credential, call)
        except NotFound as exc:
            return ExportLink(vendor=translate.VENDOR, url=None, message=exc.detail)
        return translate.export_link(result)

    async def _call(
        self,
        credential: TokenSession[TruecallerCredential],
        call: Callable[[str, str], Awaitable[T]],
        not_found: str | None = None,
    ) -> T:
        pair: TruecallerCredential = credential.credential
        try:
            return await translate_transport_errors(
                translate.VENDOR, lambda: call(credential.token, pair.client_account_id)
            )
        except VendorResponseError as exc:
            if translate.is_token_rejected(exc.status, exc.body):
                raise VendorTokenRejected(
                    "Truecaller asked for a new token", vendor=translate.VENDOR, vendor_status=401
                ) from None
            raise translate.error_from_response(
                exc.status, exc.headers, exc.body, not_found
            ) from None
        except VendorPayloadError as exc:
            raise VendorError(f"Truecaller {exc}", vendor=translate.VENDOR) from None
