"""Records the simulated TopCalls holds, and its fixed catalogue of models and voices.

Records are plain mutable dataclasses owned by :class:`~.state.SimulatorState`, which
changes them only under its lock. Times are aware UTC datetimes; every duration and balance is in
minutes, as on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

CallState = Literal["pending", "queued", "in_progress", "completed", "failed", "cancelled"]
Outcome = Literal["completed", "no-answer", "busy", "rejected", "failed"]
AnsweredBy = Literal["human", "voicemail", "ivr", "unknown"]
CampaignState = Literal["draft", "running", "paused", "completed", "stopped"]
TrunkType = Literal["static_ip", "auth", "reg"]
TRUNK_TYPES: tuple[TrunkType, ...] = ("static_ip", "auth", "reg")
Mode = Literal["realtime", "legacy"]
MODES: tuple[Mode, ...] = ("realtime", "legacy")
Speaker = Literal["assistant", "user"]

OUTCOMES: tuple[Outcome, ...] = ("completed", "no-answer", "busy", "rejected", "failed")
FAILURE_MESSAGES: dict[str, str] = {
    "no-answer": "No answer",
    "busy": "Line busy",
    "rejected": "Call rejected",
    "failed": "Call failed: carrier error",
}
CALL_EVENTS = ("call.queued", "call.started", "call.completed", "call.failed", "call.transferred")
DEFAULT_CALL_EVENTS = ("call.completed", "call.failed")
CAMPAIGN_EVENTS = (
    "campaign.started",
    "campaign.paused",
    "campaign.resumed",
    "campaign.completed",
    "campaign.stopped",
)

SYSTEM_CARRIER_SID = "00000000-0000-4000-8000-000000000001"
"""``voip_carrier_sid`` of the TopCalls default carrier (the same in every account)."""
SYSTEM_CARRIER_NAME = "TopCalls"


@dataclass
class ApiKey:
    """An API key ``tc_live_...``; read-only keys may only ``GET``."""

    id: str
    account_id: str
    token: str
    read_only: bool


@dataclass
class Account:
    """A customer account and its minute balance (see :mod:`.rules` for the rules)."""

    id: str
    name: str
    plan_minutes: float
    used_minutes: float
    welcome_bonus_remaining: float
    welcome_bonus_used: float
    webhook_secret: str | None
    created_at: datetime
    reserved_minutes: float = 0.0
    calls_created: int = 0
    """Calls created through ``POST /v1/calls`` (the seeded history is not counted)."""


@dataclass
class TranscriptLine:
    """One utterance of a call."""

    id: int
    user: Speaker
    text: str
    created_at: datetime


@dataclass
class OutcomePlan:
    """How calls to one destination go (set through ``/_sim/outcomes``)."""

    outcome: Outcome = "completed"
    answered_by: AnsweredBy | None = None
    talk_seconds: float | None = None
    disposition: str | None = None


@dataclass
class CallSpec:
    """A validated ``POST /v1/calls`` body."""

    phone_number: str
    task: str | None
    instructions: str | None
    from_number: str | None
    first_sentence: str | None
    mode: Mode
    voice: str
    model: str
    temperature: float | None
    max_duration: float
    background_audio: str | None
    background_audio_gain: str | None
    knowledge_base_ids: list[str] | None
    request_data: dict[str, Any] | None
    webhook_url: str | None
    webhook_events: tuple[str, ...]
    metadata: dict[str, Any]


@dataclass
class Call:
    """A call and everything the API reports about it."""

    id: str
    account_id: str
    external_call_id: str
    phone_number: str
    from_phone_number: str
    spec: CallSpec | None
    plan: OutcomePlan
    created_at: datetime
    status: CallState = "queued"
    call_status: str | None = None
    started_at: datetime | None = None
    end_at: datetime | None = None
    due_at: datetime | None = None
    """When the next lifecycle step is due (start, end or post-processing)."""
    duration: float = 0.0
    billed: float = 0.0
    reserved: float = 0.0
    transcript: list[TranscriptLine] = field(default_factory=list)
    recording_url: str | None = None
    call_summary: str | None = None
    error_message: str | None = None
    answered_by: AnsweredBy | None = None
    disposition: str | None = None
    campaign_id: str | None = None
    lead_id: str | None = None
    completed: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def webhook_url(self) -> str | None:
        return self.spec.webhook_url if self.spec else None

    @property
    def webhook_events(self) -> tuple[str, ...]:
        return self.spec.webhook_events if self.spec else ()


@dataclass
class CampaignStats:
    """Counters of a campaign (set by ``/_sim/``; the simulator does not dial leads)."""

    total_leads: int = 0
    pending_leads: int = 0
    calls_queued: int = 0
    calls_in_progress: int = 0
    calls_completed: int = 0
    calls_failed: int = 0
    conversions: int = 0
    minutes_used: float = 0.0


@dataclass
class Campaign:
    """A campaign built in the dashboard; the API only watches, starts and pauses it."""

    id: str
    account_id: str
    name: str
    status: CampaignState
    from_number: str | None
    conversion_outcomes: list[str]
    webhook_url: str | None
    webhook_events: tuple[str, ...]
    stats: CampaignStats
    created_at: datetime
    updated_at: datetime


@dataclass
class PhoneNumber:
    """A number on an account; ``deleted`` numbers stay readable by id."""

    id: str
    account_id: str
    number: str
    source: Literal["topcalls", "byoc", "manual", "import", "twilio"]
    status: Literal["active", "inactive", "pending", "failed", "deleted"]
    phone_number_sid: str | None
    voip_carrier_sid: str
    carrier_name: str
    label: str | None
    created_at: datetime
    updated_at: datetime
    activate_at: datetime | None = None
    error_message: str | None = None
    created_by_user_id: str | None = None


@dataclass
class SipGateway:
    """Where a carrier's SIP gateway is."""

    ipv4: str
    port: int
    inbound: bool
    outbound: bool


@dataclass
class CarrierSpec:
    """A validated ``POST /v1/phone-numbers/carriers`` body."""

    carrier_name: str
    trunk_type: TrunkType
    sip_gateway: SipGateway
    registration: dict[str, str] | None
    inbound_auth: dict[str, str] | None


@dataclass
class Carrier:
    """A bring-your-own SIP carrier."""

    id: str
    account_id: str
    voip_carrier_sid: str
    sip_gateway_sid: str
    spec: CarrierSpec
    created_at: datetime
    deleted: bool = False


@dataclass
class Subscription:
    """An account webhook subscription (``POST /v1/webhooks``)."""

    id: str
    account_id: str
    event: str
    url: str
    filters: dict[str, Any] | None
    created_by_api_key_id: str
    created_at: datetime
    deleted_at: datetime | None = None


@dataclass(frozen=True)
class Model:
    """An AI model on offer."""

    id: str
    mode: Mode
    provider: str
    supports_temperature: bool
    default: bool


@dataclass(frozen=True)
class Voice:
    """A voice; custom (cloned) voices belong to one account and are legacy-mode only."""

    id: str
    name: str
    mode: Mode
    provider: str
    gender: str
    language: str
    provider_voice_id: str | None = None
    is_custom: bool = False


MODELS: tuple[Model, ...] = (
    Model("gpt-realtime-mini-2025-12-15", "realtime", "openai", False, True),
    Model("gpt-4o", "legacy", "openai", True, False),
    Model("gpt-5", "legacy", "openai", False, False),
    Model("gemini-2.5-flash", "legacy", "google", True, False),
)
DEFAULT_MODEL = {"realtime": "gpt-realtime-mini-2025-12-15", "legacy": "gpt-4o"}
DEFAULT_VOICE = {"realtime": "alloy", "legacy": "rachel"}

_REALTIME = (
    ("alloy", "neutral"),
    ("echo", "male"),
    ("shimmer", "female"),
    ("ash", "male"),
    ("ballad", "male"),
    ("coral", "female"),
    ("sage", "female"),
    ("verse", "male"),
)
_ELEVENLABS = (
    ("rachel", "female", "21m00Tcm4TlvDq8ikWAM"),
    ("domi", "female", "AZnzlk1XvdvUeBnXmlld"),
    ("bella", "female", "EXAVITQu4vr4xnSDxMaL"),
    ("antoni", "male", "ErXwobaYiN019PkySvjV"),
    ("elli", "female", "MF3mGyEYCl7XYWbV9V6O"),
    ("josh", "male", "TxGEqnHWrfWFTfGW9XjX"),
    ("arnold", "male", "VR6AewLTigWG4xSOukaG"),
    ("sam", "male", "yoZ06aMxZJJ28mfd3POQ"),
    ("adam", "male", "pNInz6obpgDQGcFmaJgB"),
    ("nicole", "female", "piTKgcLEGmPE4e6mEKli"),
    ("matilda", "female", "XrExE9yKIg1WjnnlVkGX"),
)
BUILTIN_VOICES: tuple[Voice, ...] = (
    *(Voice(v, v.title(), "realtime", "openai", g, "multi") for v, g in _REALTIME),
    *(Voice(v, v.title(), "legacy", "elevenlabs", g, "en", pid) for v, g, pid in _ELEVENLABS),
)
