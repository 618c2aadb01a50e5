"""The normalized schema of caller ID: verified numbers, labels, personalization, verifications.

Times are RFC 3339 UTC whatever the vendor sends (epoch milliseconds, epoch-second strings);
numbers go out as E.164 with ``+``. Request bodies (``*Create``) are closed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from contract.agents import NumberInput, VendorName
from contract.patterns import whole
from contract.schema import E164, OpaqueId, VendorIssue
from contract.vendor_data import VendorData

MAX_NUMBERS_PER_REQUEST = 10_000
MAX_BATCH_RECORDS = 10_000
CallReason = Annotated[
    str,
    msgspec.Meta(
        min_length=10,
        max_length=100,
        description="Letters, digits, spaces and . , - ' & ( ) : only.",
    ),
]


class FeatureSet(msgspec.Struct, frozen=True, kw_only=True):
    """A group of verified numbers sharing caller-ID features (built in the vendor's console)."""

    id: OpaqueId
    vendor: str
    name: str
    status: Annotated[str, msgspec.Meta(description="`draft` until numbers are published.")]
    department: str | None = None
    operation: str | None = None
    process: str | None = None
    sub_process: str | None = None
    label_id: OpaqueId | None = None
    call_me_back: bool = False
    feedback_survey: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    vendor_data: VendorData = None


class FeatureSetList(msgspec.Struct, frozen=True, kw_only=True):
    """Feature sets of every configured caller-ID vendor."""

    data: list[FeatureSet]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class CallerLabel(msgspec.Struct, frozen=True, kw_only=True):
    """A dynamic caller-ID label a personalization may show."""

    id: OpaqueId
    vendor: str
    name: str
    logo_url: str | None = None
    category: int | None = None
    sub_category: int | None = None
    created_at: datetime | None = None
    vendor_data: VendorData = None


class CallerLabelList(msgspec.Struct, frozen=True, kw_only=True):
    """Dynamic labels of every configured caller-ID vendor."""

    data: list[CallerLabel]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class PersonalizationRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who calls whom, when, and what the receiver's screen should say."""

    caller_number: NumberInput
    receiver_number: NumberInput
    starts_at: datetime
    ends_at: Annotated[
        datetime, msgspec.Meta(description="Not in the past; at most 24 h after `starts_at`.")
    ]
    label_id: (
        Annotated[
            str,
            msgspec.Meta(max_length=100, description="A label `id` from `/v1/caller-id/labels`."),
        ]
        | None
    ) = None
    label_name: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=3, max_length=40, description="Shown name; default: the label's."
            ),
        ]
        | None
    ) = None
    call_reason: CallReason | None = None


class PersonalizationCreate(PersonalizationRecord, frozen=True, kw_only=True):
    """One real-time personalization, pushed to the receiver's phone during the request."""

    vendor: VendorName | None = None


class Personalization(msgspec.Struct, frozen=True, kw_only=True):
    """A personalization the vendor delivered."""

    vendor: str
    caller_number: E164
    receiver_number: E164
    starts_at: datetime
    ends_at: datetime
    label_id: OpaqueId | None = None
    label_name: str | None = None
    call_reason: str | None = None
    message: str | None = None


class PersonalizationBatchCreate(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True
):
    """Many personalizations, processed asynchronously; split into vendor-sized batches."""

    records: Annotated[
        list[PersonalizationRecord], msgspec.Meta(min_length=1, max_length=MAX_BATCH_RECORDS)
    ]
    vendor: VendorName | None = None


class RecordState(StrEnum):
    """Progress of one record of a batch."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class BatchState(StrEnum):
    """Progress of a whole batch."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"


class PersonalizationRecordStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One record's outcome, by its position in the request."""

    index: int
    status: RecordState
    field: str | None = None
    message: str | None = None
    vendor_data: VendorData = None


class BatchCounts(msgspec.Struct, frozen=True, kw_only=True):
    """How many records are in each state."""

    pending: int = 0
    succeeded: int = 0
    failed: int = 0


class PersonalizationBatch(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway batch: one id over every vendor batch it was split into."""

    id: Annotated[str, msgspec.Meta(examples=["pb_3kTq9XbA2mRw"])]
    vendor: str
    status: BatchState
    total: int
    counts: BatchCounts
    vendor_batches: int
    created_at: datetime
    records: list[PersonalizationRecordStatus] = msgspec.field(default_factory=list)


class ExportLink(msgspec.Struct, frozen=True, kw_only=True):
    """A short-lived link to a vendor's log file (deprecated vendor endpoints; prefer webhooks)."""

    vendor: str
    url: str | None
    expires_at: datetime | None = None
    message: str | None = None


class NumberOutcome(StrEnum):
    """How the vendor classified one number of a register or release request."""

    QUEUED = "queued"
    ALREADY_DONE = "already_done"
    IN_OTHER_FEATURE_SET = "in_other_feature_set"
    OWNED_BY_ANOTHER_ACCOUNT = "owned_by_another_account"
    OTHER_PHONE_TYPE = "other_phone_type"
    INVALID = "invalid"
    OPERATION_IN_PROGRESS = "operation_in_progress"
    NOT_FOUND = "not_found"


class NumberProgress(StrEnum):
    """Where one number of an operation stands."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class NumberOperationItem(msgspec.Struct, frozen=True, kw_only=True):
    """One number of an asynchronous operation."""

    number: E164
    outcome: NumberOutcome
    progress: NumberProgress
    detail: str | None = None
    vendor_data: VendorData = None


class OperationState(StrEnum):
    """Progress of an asynchronous operation."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    PARTIALLY_FAILED = "partially_failed"
    FAILED = "failed"


class Operation(msgspec.Struct, frozen=True, kw_only=True):
    """Work a vendor does after answering; poll `GET /v1/operations/{id}` until it settles."""

    id: Annotated[str, msgspec.Meta(examples=["op_3kTq9XbA2mRw"])]
    kind: Annotated[str, msgspec.Meta(description="`register_numbers` or `release_numbers`.")]
    vendor: str
    status: OperationState
    feature_set_id: OpaqueId
    created_at: datetime
    updated_at: datetime
    items: list[NumberOperationItem]


LANGUAGE_PATTERN = whole(r"[a-z]{2}", "a two-letter ISO 639-1 language code such as `en`")


class VerificationCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Start a one-tap phone verification."""

    vendor: VendorName | None = None
    language: Annotated[str, msgspec.Meta(pattern=LANGUAGE_PATTERN)] | None = None
    ttl_seconds: Annotated[int, msgspec.Meta(ge=30, le=600)] = 600


class VerificationState(StrEnum):
    """Where a verification stands."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"


class CallerProfile(msgspec.Struct, frozen=True, kw_only=True):
    """The verified user, normalized."""

    first_name: str | None = None
    last_name: str | None = None
    numbers: list[E164] = msgspec.field(default_factory=list)
    email: str | None = None
    city: str | None = None
    country: Annotated[str | None, msgspec.Meta(description="ISO 3166 alpha-2, upper case.")] = None
    badges: list[str] = msgspec.field(default_factory=list)
    company: str | None = None
    job_title: str | None = None
    avatar_url: str | None = None
    gender: str | None = None
    vendor_user_id: str | None = None
    vendor_data: VendorData = None


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    """A verification and, once verified, the caller's profile."""

    request_id: str
    vendor: str
    status: VerificationState
    created_at: datetime
    expires_at: datetime
    deep_link: Annotated[
        str | None, msgspec.Meta(description="Open on the user's Android phone to start.")
    ] = None
    deep_link_parameters: dict[str, Any] | None = None
    profile: CallerProfile | None = None
    detail: str | None = None


REQUEST_BODIES: tuple[type[msgspec.Struct], ...] = (
    PersonalizationRecord,
    PersonalizationCreate,
    PersonalizationBatchCreate,
    VerificationCreate,
)
