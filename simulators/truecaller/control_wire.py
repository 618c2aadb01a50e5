"""Bodies of the Truecaller simulator's ``/_sim/`` control surface (not vendor shapes)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from simulators.truecaller import wire

Digits = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]{9,14}$")]
Delay = Annotated[float, msgspec.Meta(ge=0)]


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts``."""

    name: str = "demo"
    email: str = "enterprise.portal@truecaller.com"
    scopes: list[str] | None = None
    feature_sets: Annotated[int, msgspec.Meta(ge=0, le=100)] = 2
    labels: Annotated[int, msgspec.Meta(ge=0, le=100)] = 2


class FeatureSetBrief(msgspec.Struct):
    id: str
    name: str
    status: str
    label_id: str | None


class LabelBrief(msgspec.Struct):
    id: str
    name: str
    label_type: str


class SurveyOut(msgspec.Struct):
    id: str
    name: str
    questions: list[str]


class AccountOut(msgspec.Struct):
    """A created client account and its first key pair (the secret is shown only here)."""

    client_account_id: str
    key_id: str
    api_key: str
    scopes: list[str]
    feature_sets: list[FeatureSetBrief]
    labels: list[LabelBrief]
    survey_id: str


class KeyBrief(msgspec.Struct):
    key_id: str
    name: str
    scopes: list[str]


class AccountView(msgspec.Struct):
    """``GET /_sim/accounts/{id}``."""

    client_account_id: str
    name: str
    email: str
    keys: list[KeyBrief]
    feature_sets: list[FeatureSetBrief]
    labels: list[LabelBrief]
    surveys: list[SurveyOut]
    live_tokens: int
    token_creations: int


class KeyIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/keys``."""

    name: str = "Another key"
    scopes: list[str] | None = None


class KeyOut(msgspec.Struct):
    key_id: str
    api_key: str
    scopes: list[str]


class CountOut(msgspec.Struct):
    expired: int


class FeatureSetIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/feature-sets``; unset fields are generated."""

    name: str | None = None
    description: str | None = None
    department_name: str | None = None
    calling_operation_name: str | None = None
    process_name: str | None = None
    sub_process_name: str | None = None
    label_id: str | None = None
    call_me_back: bool | None = None
    survey: bool | None = None
    status: Literal["draft", "published"] | None = None


class LabelIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/labels``."""

    name: str
    label_type: Literal["dynamic", "static"] = "dynamic"
    category: int = 10
    sub_category: int = 142


class SurveyIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/surveys``."""

    name: str
    questions: Annotated[list[str], msgspec.Meta(min_length=1)]


class NumbersIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/numbers``: numbers put straight into a feature set."""

    feature_set_id: str
    phone_numbers: Annotated[list[Digits], msgspec.Meta(min_length=1)]
    status: Literal["listed", "failed"] = "listed"
    phone_type: str = "verified"


class NumberView(msgspec.Struct):
    """A number as the simulator holds it, with its pending operation if any."""

    phone_number: str
    feature_set_id: str
    phone_type: str
    status: str
    pending_operation: str | None
    seconds_left: float | None


class NumbersOut(msgspec.Struct):
    data: list[NumberView]


class FailingIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/failing-numbers``: operations queued from now on for these numbers fail."""

    phone_numbers: list[Digits]
    failing: bool = True


class FailingOut(msgspec.Struct):
    phone_numbers: list[str]


class ReceiverIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/receivers/{number}``: ``failure`` is one of the vendor's delivery errors."""

    failure: str | None = None


class ReceiversOut(msgspec.Struct):
    receivers: dict[str, str]


class CallRecordView(msgspec.Struct):
    """A personalisation record as the simulator holds it (numbers not masked)."""

    id: str
    batch_id: str | None
    caller_number: str | None
    receiver_number: str | None
    status_info: wire.StatusInfo
    created_at: str


class CallRecordsOut(msgspec.Struct):
    data: list[CallRecordView]


class DelaysIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/delays``: unset fields keep their value."""

    number_processing_seconds: Delay | None = None
    batch_processing_seconds: Delay | None = None
    webhook_retry_delays_seconds: list[Delay] | None = None
    callback_retry_delays_seconds: list[Delay] | None = None


class DelaysOut(msgspec.Struct):
    number_processing_seconds: float
    batch_processing_seconds: float
    webhook_retry_delays_seconds: list[float]
    callback_retry_delays_seconds: list[float]


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/webhooks``."""

    name: str
    url: str
    event_type: Literal["cmb", "user_feedback"] = "cmb"


class WebhookUrlIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/accounts/{id}/webhooks/{webhook_id}``."""

    url: str


class WebhookOut(msgspec.Struct):
    id: str
    name: str
    url: str
    event_type: str


class WebhooksOut(msgspec.Struct):
    data: list[WebhookOut]


class CmbIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/cmb``: a user asks for a call back. Unset: taken from the
    account's first listed number and its feature set; ``slot: false`` is a customer without a
    slot picker (``NA`` date and slot, null preferred times)."""

    business_number: str | None = None
    client_number: str = "911234567890"
    feature_set: str | None = None
    slot: bool = True
    is_interested: bool = True
    alternate_number: str = ""
    cmb_config_name: str = "CMBName"


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/feedback``: a user answers a feedback campaign."""

    survey_id: str | None = None
    business_number: str | None = None
    client_number: str = "911234567890"
    feature_set: str | None = None
    responses: list[str] | None = None


class EventOut(msgspec.Struct):
    """A recorded event and the deliveries started for it (one per matching webhook)."""

    event: wire.CmbEvent | wire.FeedbackEvent
    deliveries: list[str]


class AttemptOut(msgspec.Struct):
    number: int
    at: str
    url: str
    status_code: int | None
    error: str | None
    ok: bool


class DeliveryOut(msgspec.Struct):
    """One webhook event or verification callback on its way to a receiver."""

    id: str
    kind: str
    reference: str
    account_id: str | None
    webhook_id: str | None
    url: str
    status: str
    attempts: list[AttemptOut]
    payload: msgspec.Raw


class DeliveriesOut(msgspec.Struct):
    data: list[DeliveryOut]


class RequestsOut(msgspec.Struct):
    """``GET /_sim/requests``: the shared request log plus token creations per account."""

    total: int
    by_endpoint: dict[str, int]
    by_token_key_id: dict[str, int]
    peak_per_minute: int
    peak_per_rate_window: int
    last_traceparent: str | None
    token_creations: dict[str, int]
    rate_window_seconds: float
