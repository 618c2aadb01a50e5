"""Wire shapes of the simulated Truecaller for Business API and its webhooks.

Field for field as in ``vendor-contracts/truecaller-business.md``; the simulator builds them from
its state, so a field added here is a field the vendor is claimed to send. Profile-flow shapes
live in :mod:`adapters.truecaller.profile_payloads`, control bodies in
:mod:`simulators.truecaller.control_wire`.
"""

from __future__ import annotations

from http import HTTPStatus

import msgspec

# --- errors ------------------------------------------------------------------------------------


class SlugError(msgspec.Struct):
    """The vendor's error envelope."""

    slug: str
    message: str


class StatusInfo(msgspec.Struct, omit_defaults=True):
    """Call personalisation's result object; ``field`` only on validation failures."""

    status: str
    field: str | None = None
    message: str | None = None


class StatusInfoBody(msgspec.Struct):
    """Real-time v2 answers, success and failure alike."""

    status_info: StatusInfo


class MessageOnly(msgspec.Struct):
    """The deprecated downloads' "no data" body."""

    message: str


class VendorError(Exception):
    """Raised by a vendor API handler: the response to send instead."""

    def __init__(
        self, status: int, body: msgspec.Struct, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


SLUGS = {
    400: "invalid-input",
    401: "authorization-error",
    403: "forbidden-error",
    404: "not-found-error",
    405: "method-not-allowed",
    429: "too-many-requests",
    500: "internal-server-error",
}
_DEFAULT_MESSAGES = {
    400: "invalid request body",
    401: "please login again",
    403: "not authorized. please contact your admin.",
    404: "not found",
    429: "rate limit exceeded",
    500: "internal server error",
}


def slug_error(status: int, message: str | None = None) -> SlugError:
    """The ``{"slug","message"}`` body for an HTTP status (5xx map to internal-server-error)."""
    slug = SLUGS.get(status) or ("internal-server-error" if status >= 500 else "invalid-input")
    default = _DEFAULT_MESSAGES.get(status) or HTTPStatus(status).phrase.lower()
    return SlugError(slug, message or default)


def refuse(status: int, message: str | None = None, retry_after: int | None = None) -> VendorError:
    """A slug-style vendor error (with ``Retry-After`` when given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return VendorError(status, slug_error(status, message), headers)


# --- token -------------------------------------------------------------------------------------


class TokenOut(msgspec.Struct):
    """``POST /clients/{id}/token``: no expiry is returned."""

    token: str
    created_at: str


# --- number management -------------------------------------------------------------------------


class ListOut(msgspec.Struct, omit_defaults=True):
    """A listing answer; ``processing_numbers`` is left out when the config says so."""

    client_account_id: str
    created_by_email: str
    phone_type: str
    new_numbers: list[str]
    other_phonetype_numbers: list[str]
    existing_numbers: list[str]
    others_numbers: list[str]
    invalid_numbers: list[str]
    other_feature_set_numbers: list[str]
    status: str
    migrated_numbers: list[str]
    delisted_numbers: list[str]
    updated_numbers: list[str]
    processing_numbers: list[str] | None = None


class DelistOut(msgspec.Struct):
    """A delisting answer (``phone_type`` is always empty)."""

    client_account_id: str
    phone_type: str
    processing_numbers: list[str]
    new_numbers: list[str]
    other_phonetype_numbers: list[str]
    existing_numbers: list[str]
    others_numbers: list[str]
    invalid_numbers: list[str]
    other_feature_set_numbers: list[str]
    status: str


class NumberOut(msgspec.Struct):
    """One number of ``GET .../number_management/numbers``."""

    phone_number: str
    phone_type: str
    status: str
    client_account_id: str
    created_by_email: str
    department: str
    operation: str
    process: str
    subprocess: str
    feature_set_name: str
    call_me_back: str
    created_at: str
    updated_at: str
    label_name: str


class PaginationInformation(msgspec.Struct):
    total_page_count: int


class NumbersOut(msgspec.Struct):
    numbers: list[NumberOut]
    pagination_information: PaginationInformation


class FeatureSetOut(msgspec.Struct):
    """One feature set of ``GET .../number_management/feature_sets``."""

    id: str
    name: str
    description: str
    status: str
    process_id: str
    client_account_id: str
    label_id: str | None
    call_reason_id: str | None
    video_caller_id: str | None
    business_profile_id: str | None
    call_me_back: bool
    survey: bool
    department_id: str
    department_name: str
    operation_id: str
    calling_operation_id: str
    calling_operation_name: str
    process_name: str
    sub_process_name: str
    created_at: str
    updated_at: str


class PaginationInfo(msgspec.Struct):
    total_page_count: int
    current_page: int
    page_limit: int


class FeatureSetsOut(msgspec.Struct):
    feature_sets: list[FeatureSetOut]
    pagination_info: PaginationInfo


class LabelOut(msgspec.Struct):
    """One item of the bare array ``GET /clients/{id}/labels`` returns."""

    id: str
    name: str
    logo_url: str
    category: int
    sub_category: int
    created_by_email: str
    created_at: str
    label_type: str


# --- call personalisation ----------------------------------------------------------------------


class BatchCreated(msgspec.Struct):
    batch_id: str


class BatchRecordOut(msgspec.Struct):
    """One record of the v2/v3 batch status, numbers masked."""

    id: str
    caller_number: str | None
    receiver_number: str | None
    label_id: str | None
    dynamic_label_name: str | None
    dynamic_call_reason: str | None
    starts_at: int | None
    ends_at: int | None
    status_info: StatusInfo
    created_at: str


class BatchStatusOut(msgspec.Struct):
    client_account_id: str
    batch_id: str
    data: list[BatchRecordOut]


class V1Result(msgspec.Struct):
    """The deprecated v1 answers: ``success`` or ``failure`` with the batch id in the message."""

    status: str
    message: str


class V1RecordOut(msgspec.Struct):
    """One item of the deprecated v1 batch status (a bare array)."""

    id: str
    client_account_id: str
    batch_id: str
    caller: str | None
    receiver: str | None
    label_id: str | None
    label_name: str | None
    call_reason: str | None
    starts_at: int | None
    ends_at: int | None
    status: str
    created_at: str


class DownloadOut(msgspec.Struct):
    """The deprecated downloads: a short-lived URL of a CSV file."""

    url: str
    expires_at: str


# --- webhooks ----------------------------------------------------------------------------------


class CmbPayload(msgspec.Struct):
    business_number: str
    feature_set: str
    client_number: str
    requested_at: str
    requested_date: str
    requested_slot: str
    preferred_from_time: str | None
    preferred_to_time: str | None
    is_interested: bool
    alternate_number: str
    cmb_config_name: str


class CmbEvent(msgspec.Struct):
    event_id: str
    client_account_id: str
    event_type: str
    created_at: str
    cmb_payload: CmbPayload


class UserResponse(msgspec.Struct):
    question: str
    response: str


class SurveyPayload(msgspec.Struct):
    name: str
    business_number: str
    feature_set: str
    client_number: str
    requested_at: str
    user_responses: list[UserResponse]


class FeedbackEvent(msgspec.Struct):
    event_id: str
    client_account_id: str
    event_type: str
    created_at: str
    survey_payload: SurveyPayload
