"""Truecaller's wire format, as typed Structs (see vendor-contracts/truecaller-business.md and
truecaller-profile.md).

Answers are decoded leniently: unknown keys are ignored, and every key the contracts show as
null, empty or possibly absent is optional. The vendor's vocabularies (a number's ``status``, a
record's ``status_info.status``) stay strings for the translation to map. Request bodies omit
unset fields instead of sending ``null``. Profile shapes keep the vendor's camelCase names.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

# --- credentials ---------------------------------------------------------------------------------


class TruecallerCredential(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The secret a tenant stores for Truecaller for Business: the account and one API key.

    ``key_id`` and ``api_key`` are the Key ID and Secret API Key from the console's Manage API
    Keys page; only ``api_key`` is secret.
    """

    client_account_id: str
    key_id: str
    api_key: str

    def __repr__(self) -> str:
        return (
            f"TruecallerCredential(client_account_id={self.client_account_id!r}, "
            f"key_id={self.key_id!r}, api_key=***)"
        )

    __str__ = __repr__


class ProfileAppCredential(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What a tenant stores for the profile flow: its developer-portal app key and app name.

    Both travel in the deep link a browser opens, so neither is secret.
    """

    partner_key: str
    partner_name: str


# --- token ---------------------------------------------------------------------------------------


class TokenBody(msgspec.Struct, frozen=True):
    """``POST /clients/{clientAccountId}/token``."""

    key_id: str
    api_key: str

    def __repr__(self) -> str:
        return f"TokenBody(key_id={self.key_id!r}, api_key=***)"

    __str__ = __repr__


class TokenResponse(msgspec.Struct, frozen=True):
    """A bearer token, valid 60 minutes from ``created_at`` (no expiry is sent)."""

    token: str
    created_at: datetime | None = None

    def __repr__(self) -> str:
        return f"TokenResponse(token=***, created_at={self.created_at!r})"

    __str__ = __repr__


# --- number management ---------------------------------------------------------------------------


class NumbersBody(msgspec.Struct, frozen=True):
    """The body of ``.../numbers/publish`` and ``.../numbers/delist``: digits, no ``+``."""

    phone_numbers: list[str]


class Classification(msgspec.Struct, frozen=True, kw_only=True):
    """How the vendor sorted the numbers of a publish or delist request.

    ``status`` is ``pending`` when something was queued, else ``failed``. Delist answers have no
    ``migrated``/``delisted``/``updated`` arrays and a listing answer may lack
    ``processing_numbers``; absent arrays are empty.
    """

    status: str | None = None
    client_account_id: str | None = None
    created_by_email: str | None = None
    phone_type: str | None = None
    new_numbers: list[str] = []
    existing_numbers: list[str] = []
    other_feature_set_numbers: list[str] = []
    others_numbers: list[str] = []
    other_phonetype_numbers: list[str] = []
    invalid_numbers: list[str] = []
    processing_numbers: list[str] = []
    migrated_numbers: list[str] = []
    delisted_numbers: list[str] = []
    updated_numbers: list[str] = []


class NumberDetail(msgspec.Struct, frozen=True, kw_only=True):
    """One number of ``GET .../number_management/numbers``; ``status`` is ``listed``,
    ``pending`` or ``failed``."""

    phone_number: str
    status: str
    phone_type: str | None = None
    client_account_id: str | None = None
    created_by_email: str | None = None
    department: str | None = None
    operation: str | None = None
    process: str | None = None
    subprocess: str | None = None
    feature_set_name: str | None = None
    call_me_back: str | None = None
    label_name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PaginationInformation(msgspec.Struct, frozen=True):
    total_page_count: int | None = None


class NumbersResponse(msgspec.Struct, frozen=True):
    numbers: list[NumberDetail]
    pagination_information: PaginationInformation | None = None


class FeatureSetOut(msgspec.Struct, frozen=True, kw_only=True):
    """One feature set; ``status`` is ``draft`` until numbers are published."""

    id: str
    name: str
    status: str
    description: str | None = None
    client_account_id: str | None = None
    label_id: str | None = None
    call_reason_id: str | None = None
    video_caller_id: str | None = None
    business_profile_id: str | None = None
    call_me_back: bool = False
    survey: bool = False
    department_id: str | None = None
    department_name: str | None = None
    operation_id: str | None = None
    calling_operation_id: str | None = None
    calling_operation_name: str | None = None
    process_id: str | None = None
    process_name: str | None = None
    sub_process_name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PaginationInfo(msgspec.Struct, frozen=True):
    total_page_count: int | None = None
    current_page: int | None = None
    page_limit: int | None = None


class FeatureSetsResponse(msgspec.Struct, frozen=True):
    feature_sets: list[FeatureSetOut]
    pagination_info: PaginationInfo | None = None


# --- labels and call personalisation -------------------------------------------------------------


class LabelOut(msgspec.Struct, frozen=True, kw_only=True):
    """One dynamic label; ``GET /clients/{id}/labels`` answers a bare array of them."""

    id: str
    name: str
    logo_url: str | None = None
    category: int | None = None
    sub_category: int | None = None
    created_by_email: str | None = None
    created_at: datetime | None = None
    label_type: str | None = None


class RecordBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One v2 call record; times are epoch milliseconds, numbers digits without ``+``."""

    caller_number: str
    receiver_number: str
    starts_at: int
    ends_at: int
    label_id: str | None = None
    dynamic_label_name: str | None = None
    dynamic_call_reason: str | None = None


class BatchBody(msgspec.Struct, frozen=True):
    """``POST /v2/clients/{id}/dynamic_call_records``: 1 to 500 records."""

    call_records: list[RecordBody]


class StatusInfo(msgspec.Struct, frozen=True):
    """A personalisation result: ``success``, ``error`` (with ``field`` on validation failures)
    or, in batch status, ``pending``."""

    status: str
    message: str | None = None
    field: str | None = None


class RealtimeResponse(msgspec.Struct, frozen=True):
    """Real-time v2's answer, success and failure alike (a failure may come inside a 200)."""

    status_info: StatusInfo


class BatchCreated(msgspec.Struct, frozen=True):
    batch_id: str


class BatchStatusRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One record of the v2 batch status, in submission order; numbers are masked."""

    id: str | None = None
    caller_number: str | None = None
    receiver_number: str | None = None
    label_id: str | None = None
    dynamic_label_name: str | None = None
    dynamic_call_reason: str | None = None
    starts_at: int | None = None
    ends_at: int | None = None
    status_info: StatusInfo | None = None
    created_at: datetime | None = None


class BatchStatusResponse(msgspec.Struct, frozen=True):
    """An unknown batch answers 200 with an empty ``data``."""

    data: list[BatchStatusRecord]
    batch_id: str | None = None
    client_account_id: str | None = None


# --- deprecated downloads ------------------------------------------------------------------------


class ExportResponse(msgspec.Struct, frozen=True):
    """A short-lived file URL (10 minutes), or only a ``message`` when there is nothing."""

    url: str | None = None
    expires_at: str | int | None = None
    message: str | None = None


# --- errors --------------------------------------------------------------------------------------


class SlugError(msgspec.Struct, frozen=True):
    """The vendor's usual error envelope ``{"slug": "invalid-input", "message": "..."}``."""

    slug: str | None = None
    message: str | None = None


class ErrorBody(msgspec.Struct, frozen=True):
    """Any error answer: the slug envelope, a ``status_info`` object, or the profile endpoint's
    ``{"code", "message"}``; whatever is absent stays ``None``."""

    slug: str | None = None
    message: str | None = None
    status_info: StatusInfo | None = None


# --- profile flow --------------------------------------------------------------------------------


class ProfileName(msgspec.Struct, frozen=True):
    first: str | None = None
    last: str | None = None


class ProfileAddress(msgspec.Struct, frozen=True):
    """``countryCode`` is lower-case ISO 3166 alpha-2."""

    countryCode: str | None = None
    city: str | None = None
    street: str | None = None
    zipcode: str | int | None = None


class OnlineIdentities(msgspec.Struct, frozen=True):
    email: str | None = None
    url: str | None = None
    facebookId: str | None = None
    twitterId: str | None = None


class ProfileOut(msgspec.Struct, frozen=True, kw_only=True):
    """``GET {endpoint}``: the user's profile; attributes the user never filled in are absent.

    ``phoneNumbers`` are digit strings in the current docs and JSON numbers in the older ones;
    the older docs also call ``onlineIdentities`` ``onlineIdentity``.
    """

    phoneNumbers: list[str | int] = []
    name: ProfileName | None = None
    addresses: list[ProfileAddress] = []
    avatarUrl: str | None = None
    aboutMe: str | None = None
    jobTitle: str | None = None
    companyName: str | None = None
    gender: str | None = None
    onlineIdentities: OnlineIdentities | None = None
    onlineIdentity: OnlineIdentities | None = None
    id: str | int | None = None
    userId: str | int | None = None
    badges: list[str] = []
    type: str | None = None
    isActive: str | bool | None = None
    createdTime: str | int | None = None


class VerificationCallback(msgspec.Struct, frozen=True):
    """What Truecaller POSTs to the partner's callback URL: a token and the profile URL when the
    user approved, a ``status`` (``user_rejected``, ...) otherwise."""

    requestId: str
    accessToken: str | None = None
    endpoint: str | None = None
    status: str | None = None

    def __repr__(self) -> str:
        token = None if self.accessToken is None else "***"
        return (
            f"VerificationCallback(requestId={self.requestId!r}, accessToken={token}, "
            f"endpoint={self.endpoint!r}, status={self.status!r})"
        )

    __str__ = __repr__
