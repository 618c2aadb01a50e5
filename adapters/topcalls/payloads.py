"""TopCalls' wire format, as typed Structs (see vendor-contracts/topcalls.md).

Answers are decoded leniently: unknown keys are ignored and every key the contract allows to be
null or absent is optional. Open vocabularies (a call's ``status``, a number's ``status``) stay
strings for the translation to map; closed ones the gateway mirrors one to one (campaign status,
mode, trunk type) are ``Literal``, so an undocumented value is a payload error, not a guess.
Request bodies omit unset fields instead of sending ``null``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from contract.patterns import HEADER_TOKEN

Mode = Literal["realtime", "legacy"]
TrunkTypeWire = Literal["static_ip", "auth", "reg"]
CampaignStatusWire = Literal["draft", "running", "paused", "completed", "stopped"]


class TopCallsCredential(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The secret a tenant stores for TopCalls: an API key ``tc_live_...``."""

    api_key: Annotated[str, msgspec.Meta(pattern=HEADER_TOKEN)]

    def __repr__(self) -> str:
        return "TopCallsCredential(api_key=***)"

    __str__ = __repr__


# --- requests ------------------------------------------------------------------------------------


class CreateCallBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``POST /v1/calls``; exactly one of ``task`` and ``instructions``."""

    phone_number: str
    task: str | None = None
    instructions: str | None = None
    from_number: str | None = None
    first_sentence: str | None = None
    mode: Mode | None = None
    voice: str | None = None
    model: str | None = None
    temperature: float | None = None
    max_duration: float | None = None
    request_data: dict[str, Any] | None = None
    webhook_url: str | None = None
    webhook_events: list[str] | None = None
    metadata: dict[str, Any] | None = None


class AddNumberBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``POST /v1/phone-numbers``; no ``voip_carrier_sid`` means the default carrier."""

    number: str
    voip_carrier_sid: str | None = None
    label: str | None = None


class SipGatewayBody(msgspec.Struct, frozen=True, kw_only=True):
    """Where the carrier's SIP gateway is; the vendor calls the address ``ipv4``."""

    ipv4: str
    port: int = 5060
    inbound: bool = True
    outbound: bool = True


class RegistrationBody(msgspec.Struct, frozen=True, kw_only=True):
    """SIP registration credentials (trunk type ``reg``)."""

    username: str
    password: str
    sip_realm: str

    def __repr__(self) -> str:
        return f"RegistrationBody(username={self.username!r}, password=***, ...)"


class InboundAuthBody(msgspec.Struct, frozen=True, kw_only=True):
    """Credentials the carrier authenticates with (trunk type ``auth``)."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"InboundAuthBody(username={self.username!r}, password=***)"


class AddCarrierBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``POST /v1/phone-numbers/carriers``."""

    carrier_name: str
    sip_gateway: SipGatewayBody
    trunk_type: TrunkTypeWire | None = None
    registration: RegistrationBody | None = None
    inbound_auth: InboundAuthBody | None = None


# --- calls ---------------------------------------------------------------------------------------


class CallCreated(msgspec.Struct, frozen=True):
    """The answer to ``POST /v1/calls``."""

    call_id: str
    status: str = "queued"
    provider_call_id: str | None = None


class TranscriptItem(msgspec.Struct, frozen=True):
    """One utterance; ``user`` is the speaker, ``assistant`` (the AI) or ``user`` (the callee)."""

    user: str
    text: str
    id: int | str | None = None
    created_at: datetime | None = None


class CallItem(msgspec.Struct, frozen=True, kw_only=True):
    """A call as listed by ``GET /v1/calls`` or detailed by ``GET /v1/calls/{id}``.

    ``status`` is the vendor's execution status, ``call_status`` the telephony outcome;
    ``duration`` and ``actual_duration_billed`` are minutes.
    """

    id: str
    status: str
    created_at: datetime
    account_id: str | None = None
    phone_number: str | None = None
    from_phone_number: str | None = None
    call_status: str | None = None
    external_call_id: str | None = None
    duration: float | None = None
    transcript: list[TranscriptItem] | None = None
    recording_url: str | None = None
    call_summary: str | None = None
    error_message: str | None = None
    answered_by: str | None = None
    campaign_id: str | None = None
    lead_id: str | None = None
    completed: bool | None = None
    started_at: datetime | None = None
    end_at: datetime | None = None
    metadata: dict[str, Any] | None = None
    disposition: str | None = None
    actual_duration_billed: float | None = None


class CallsPage(msgspec.Struct, frozen=True):
    """Calls newest first; ``next_cursor`` (a timestamp) is passed back as ``cursor``."""

    data: list[CallItem]
    next_cursor: str | None = None


# --- campaigns -----------------------------------------------------------------------------------


class CampaignStatsOut(msgspec.Struct, frozen=True, kw_only=True):
    total_leads: int = 0
    pending_leads: int = 0
    calls_queued: int = 0
    calls_in_progress: int = 0
    calls_completed: int = 0
    calls_failed: int = 0
    conversions: int = 0
    minutes_used: float = 0.0


class CampaignOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    status: CampaignStatusWire
    from_number: str | None = None
    conversion_outcomes: list[str] | None = None
    webhook_url: str | None = None
    webhook_events: list[str] | None = None
    stats: CampaignStatsOut | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CampaignsOut(msgspec.Struct, frozen=True):
    data: list[CampaignOut]


# --- phone numbers and carriers ------------------------------------------------------------------


class PhoneNumberOut(msgspec.Struct, frozen=True, kw_only=True):
    """A number; ``status`` is ``active``, ``inactive``, ``pending``, ``failed`` or ``deleted``."""

    id: str
    number: str
    status: str
    account_id: str | None = None
    source: str | None = None
    phone_number_sid: str | None = None
    voip_carrier_sid: str | None = None
    carrier_name: str | None = None
    label: str | None = None
    error_message: str | None = None
    created_by_user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PhoneNumbersOut(msgspec.Struct, frozen=True):
    data: list[PhoneNumberOut]


class CarrierOut(msgspec.Struct, frozen=True, kw_only=True):
    """A carrier: ``id`` deletes it, ``voip_carrier_sid`` attaches numbers to it.

    The system carrier is listed with ``is_system: true`` and no ``id`` or ``trunk_type``.
    """

    carrier_name: str
    id: str | None = None
    account_id: str | None = None
    voip_carrier_sid: str | None = None
    sip_gateway_sid: str | None = None
    trunk_type: TrunkTypeWire | None = None
    is_system: bool = False
    created_at: datetime | None = None


class CarriersOut(msgspec.Struct, frozen=True):
    data: list[CarrierOut]


# --- models, voices, balance ---------------------------------------------------------------------


class ModelOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    mode: Mode
    provider: str
    supports_temperature: bool = False
    default: bool = False


class ModelsOut(msgspec.Struct, frozen=True):
    data: list[ModelOut]


class VoiceOut(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    mode: Mode
    provider: str
    name: str | None = None
    provider_voice_id: str | None = None
    gender: str | None = None
    language: str | None = None
    is_custom: bool = False


class VoicesOut(msgspec.Struct, frozen=True):
    data: list[VoiceOut]


class BalanceOut(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v1/balance``, in minutes."""

    balance_type: str
    remaining_minutes: float
    plan_minutes: float | None = None
    total_minutes: float | None = None
    used_minutes: float = 0.0
    reserved_minutes: float = 0.0
    welcome_bonus_used: float = 0.0
    welcome_bonus_remaining: float | None = None


class WebhookBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """``POST /v1/webhooks``: an account-level subscription."""

    event: str
    url: str
    filters: dict[str, Any] | None = None


class WebhookOut(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription; ``deleted_at`` is set once deleted."""

    id: str
    event: str
    url: str
    filters: dict[str, Any] | None = None
    deleted_at: datetime | None = None
    created_at: datetime | None = None


class WebhooksOut(msgspec.Struct, frozen=True):
    data: list[WebhookOut]


class OkOut(msgspec.Struct, frozen=True):
    """``{"ok": true}`` of stop, cancel, start, pause and the deletes (stop adds ``status``)."""

    ok: bool
    status: str | None = None


# --- errors --------------------------------------------------------------------------------------


class ProblemFieldError(msgspec.Struct, frozen=True):
    path: str = ""
    message: str = ""
    code: str | None = None


class ProblemBody(msgspec.Struct, frozen=True):
    """RFC 7807 problem details, as TopCalls sends them with every error status."""

    title: str | None = None
    status: int | None = None
    type: str | None = None
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemFieldError] | None = None
    details: str | None = None
