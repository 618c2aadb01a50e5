"""The normalized schema of AI phone agents: placing calls, campaigns, carriers, voices, balance.

Request bodies (``*Create``) are closed: an unknown field is a 422, never silently dropped.
Durations are seconds here even where a vendor bills in minutes; balances stay in minutes, the unit
the vendor sells.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

from contract.patterns import whole
from contract.phone import E164_INPUT_PATTERN
from contract.schema import E164, OpaqueId, VendorIssue
from contract.vendor_data import VendorData

VENDOR_NAME_PATTERN = whole(
    r"[a-z][a-z0-9_-]{0,31}", "a vendor name such as `topcalls`: lower-case letters, digits, - or _"
)
HTTP_URL_PATTERN = whole(r"https?://[^\s]+", "an http:// or https:// URL without spaces")
CALL_EVENT_PATTERN = whole(r"call\.[a-z_.]+", "a call event such as `call.completed`")
VendorName = Annotated[
    str,
    msgspec.Meta(
        pattern=VENDOR_NAME_PATTERN,
        description="Which vendor acts (e.g. `topcalls`); default: the only one able to.",
    ),
]
NumberInput = Annotated[
    str, msgspec.Meta(pattern=E164_INPUT_PATTERN, description="E.164, '+' optional.")
]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Credential = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class CallMode(StrEnum):
    """How the agent talks: speech-to-speech (`realtime`) or STT, LLM and TTS (`legacy`)."""

    REALTIME = "realtime"
    LEGACY = "legacy"


class CallCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An AI call to place: who to call and what the agent should do (`task` or `instructions`)."""

    to_number: NumberInput
    vendor: VendorName | None = None
    task: (
        Annotated[
            str, msgspec.Meta(min_length=10, max_length=20000, description="Simple mode: the goal.")
        ]
        | None
    ) = None
    instructions: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=10,
                max_length=20000,
                description="Advanced mode: the full system prompt.",
            ),
        ]
        | None
    ) = None
    from_number: NumberInput | None = None
    first_sentence: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    mode: CallMode | None = None
    voice: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=128)] | None = None
    temperature: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] | None = None
    max_duration_seconds: (
        Annotated[
            int, msgspec.Meta(ge=60, le=3600, description="Hang up after this long (60-3600 s).")
        ]
        | None
    ) = None
    variables: Annotated[
        dict[str, Any] | None, msgspec.Meta(description="Values the agent may use in the call.")
    ] = None
    metadata: Annotated[
        dict[str, Any] | None, msgspec.Meta(description="Echoed back on the call.")
    ] = None
    webhook_url: (
        Annotated[
            str,
            msgspec.Meta(
                pattern=HTTP_URL_PATTERN,
                max_length=2048,
                description="The gateway POSTs this call's normalized `call.*` events here, "
                "signed with the tenant's call-webhook secret.",
            ),
        ]
        | None
    ) = None
    webhook_events: Annotated[
        list[Annotated[str, msgspec.Meta(pattern=CALL_EVENT_PATTERN)]] | None,
        msgspec.Meta(
            description="Which of the call's events `webhook_url` receives (unified names: "
            "`call.queued`, `call.started`, `call.completed`, `call.failed`, `call.canceled`); "
            "default: all of them."
        ),
    ] = None


class ActionResult(msgspec.Struct, frozen=True, kw_only=True):
    """The vendor accepted a state change (stop, cancel, start, pause)."""

    id: OpaqueId
    action: str
    accepted: bool = True


class NumberCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Numbers to add to a vendor account: one (`number`) or, where the vendor allows, many.

    Vendors that register asynchronously (Truecaller) answer 202 with an operation to poll and
    need `feature_set_id`; the others answer 201 with the number.
    """

    vendor: VendorName
    number: NumberInput | None = None
    numbers: Annotated[list[NumberInput], msgspec.Meta(min_length=1, max_length=10_000)] | None = (
        None
    )
    label: Label | None = None
    carrier_id: Annotated[
        str | None, msgspec.Meta(description="A carrier's `id` from `GET /v1/carriers`.")
    ] = None
    feature_set_id: Annotated[
        str | None,
        msgspec.Meta(description="A feature set `id` from `/v1/caller-id/feature-sets`."),
    ] = None


class TrunkType(StrEnum):
    """How the vendor's SBC trusts a bring-your-own-carrier trunk."""

    STATIC_IP = "static_ip"
    AUTH = "auth"
    REG = "reg"


class SipGateway(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the carrier's SIP gateway is; an inbound gateway must be an IPv4 address."""

    address: Annotated[str, msgspec.Meta(min_length=1, max_length=253)]
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 5060
    inbound: bool = True
    outbound: bool = True


class SipRegistration(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Credentials the vendor registers with (trunk type `reg`); never stored or echoed."""

    username: Credential
    password: Credential
    realm: Annotated[str, msgspec.Meta(min_length=1, max_length=253)]


class SipInboundAuth(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Credentials the carrier authenticates with (trunk type `auth`); never stored or echoed."""

    username: Credential
    password: Credential


class CarrierCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A bring-your-own-carrier SIP trunk to add."""

    name: Label
    sip_gateway: SipGateway
    vendor: VendorName | None = None
    trunk_type: TrunkType = TrunkType.STATIC_IP
    registration: SipRegistration | None = None
    inbound_auth: SipInboundAuth | None = None


class Carrier(msgspec.Struct, frozen=True, kw_only=True):
    """A carrier numbers can be attached to; the vendor's own one has `is_system`."""

    id: OpaqueId | None
    vendor: str
    name: str
    is_system: bool
    trunk_type: TrunkType | None = None
    created_at: datetime | None = None
    vendor_data: VendorData = None


class CarrierList(msgspec.Struct, frozen=True, kw_only=True):
    """Carriers of every configured vendor."""

    data: list[Carrier]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class CampaignStatus(StrEnum):
    """Lifecycle of a campaign (created in the vendor's dashboard)."""

    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"


class CampaignStats(msgspec.Struct, frozen=True, kw_only=True):
    """Progress of a campaign."""

    total_leads: int = 0
    pending_leads: int = 0
    calls_queued: int = 0
    calls_in_progress: int = 0
    calls_completed: int = 0
    calls_failed: int = 0
    conversions: int = 0
    minutes_used: float = 0.0


class Campaign(msgspec.Struct, frozen=True, kw_only=True):
    """A campaign of AI calls to a list of leads."""

    id: OpaqueId
    vendor: str
    name: str
    status: CampaignStatus
    from_number: E164 | None = None
    conversion_outcomes: list[str] = msgspec.field(default_factory=list)
    stats: CampaignStats = msgspec.field(default_factory=CampaignStats)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    vendor_data: VendorData = None


class CampaignList(msgspec.Struct, frozen=True, kw_only=True):
    """Campaigns of every configured vendor, newest first per vendor."""

    data: list[Campaign]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class AgentModel(msgspec.Struct, frozen=True, kw_only=True):
    """A language model an AI call can use."""

    id: str
    vendor: str
    mode: CallMode
    provider: str
    supports_temperature: bool
    default: bool
    vendor_data: VendorData = None


class AgentModelList(msgspec.Struct, frozen=True, kw_only=True):
    """Models of every configured vendor."""

    data: list[AgentModel]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class Voice(msgspec.Struct, frozen=True, kw_only=True):
    """A voice an AI call can speak with; pass `id` as `voice` with the matching `mode`."""

    id: str
    vendor: str
    name: str
    mode: CallMode
    provider: str
    custom: bool
    gender: str | None = None
    language: str | None = None
    vendor_data: VendorData = None


class VoiceList(msgspec.Struct, frozen=True, kw_only=True):
    """Voices of every configured vendor."""

    data: list[Voice]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class Balance(msgspec.Struct, frozen=True, kw_only=True):
    """What is left to spend with a vendor, in minutes of calls."""

    vendor: str
    plan: Annotated[str, msgspec.Meta(description="The vendor's balance type.")]
    minutes_remaining: float
    minutes_used: float
    minutes_reserved: Annotated[float, msgspec.Meta(description="Held for calls in progress.")] = (
        0.0
    )
    plan_minutes: float | None = None
    bonus_minutes_remaining: float | None = None
    vendor_data: VendorData = None


class BalanceList(msgspec.Struct, frozen=True, kw_only=True):
    """Balances of every configured vendor that bills by usage."""

    data: list[Balance]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


class VoiceFilters(msgspec.Struct, frozen=True, kw_only=True):
    """Filters of `GET /v1/voices` (all optional; `custom=false` lists built-in voices only)."""

    mode: CallMode | None = None
    provider: str | None = None
    gender: str | None = None
    language: str | None = None
    custom: bool | None = None


SUBSCRIPTION_EVENT = whole(
    r"call\.completed(\.[a-z0-9_]+)?|lead\.status_changed|campaign\.(activated|paused)",
    "`call.completed`, `call.completed.<disposition>`, `lead.status_changed`, "
    "`campaign.activated` or `campaign.paused`",
)


class VendorWebhookCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A vendor-side subscription: the vendor POSTs its own event payloads to `url`."""

    event: Annotated[
        str,
        msgspec.Meta(
            pattern=SUBSCRIPTION_EVENT,
            description="`call.completed`, or `call.completed.<disposition>` (others reserved).",
        ),
    ]
    url: Annotated[str, msgspec.Meta(pattern=HTTP_URL_PATTERN, max_length=2048)]
    vendor: VendorName | None = None
    filters: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(description="Equality, a list as OR, `%` wildcards; `is_conversion`."),
    ] = None


class VendorWebhook(msgspec.Struct, frozen=True, kw_only=True):
    """A vendor-side webhook subscription."""

    id: OpaqueId
    vendor: str
    event: str
    url: str
    filters: dict[str, Any] | None = None
    created_at: datetime | None = None
    vendor_data: VendorData = None


class VendorWebhookList(msgspec.Struct, frozen=True, kw_only=True):
    """Vendor-side webhook subscriptions of every configured vendor."""

    data: list[VendorWebhook]
    errors: list[VendorIssue] = msgspec.field(default_factory=list)


REQUEST_BODIES: tuple[type[msgspec.Struct], ...] = (
    CallCreate,
    VendorWebhookCreate,
    NumberCreate,
    CarrierCreate,
    SipGateway,
    SipRegistration,
    SipInboundAuth,
)
