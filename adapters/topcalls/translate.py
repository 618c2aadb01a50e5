"""Pure translation between TopCalls payloads and the normalized schema; no I/O here."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from adapters.topcalls.payloads import (
    AddCarrierBody,
    AddNumberBody,
    BalanceOut,
    CallCreated,
    CallItem,
    CampaignOut,
    CarrierOut,
    CreateCallBody,
    InboundAuthBody,
    ModelOut,
    PhoneNumberOut,
    ProblemBody,
    RegistrationBody,
    SipGatewayBody,
    TranscriptItem,
    VoiceOut,
    WebhookBody,
    WebhookOut,
)
from contract.agents import (
    AgentModel,
    Balance,
    CallCreate,
    CallMode,
    Campaign,
    CampaignStats,
    CampaignStatus,
    Carrier,
    CarrierCreate,
    NumberCreate,
    TrunkType,
    VendorWebhook,
    VendorWebhookCreate,
    Voice,
    VoiceFilters,
)
from contract.errors import (
    Conflict,
    FieldError,
    GatewayError,
    NotFound,
    PaymentRequired,
    RateLimited,
    ValidationFailed,
    VendorContext,
    VendorCredentialRejected,
    VendorError,
)
from contract.phone import vendor_digits_to_e164
from contract.schema import (
    Call,
    CallDirection,
    CallStatus,
    Number,
    NumberStatus,
    TranscriptTurn,
)
from contract.vendor_data import vendor_object

VENDOR = "topcalls"

EXECUTION_STATUS: Mapping[str, CallStatus] = {
    "pending": CallStatus.QUEUED,
    "queued": CallStatus.QUEUED,
    "in_progress": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "failed": CallStatus.FAILED,
    "cancelled": CallStatus.CANCELED,
}
"""The vendor's ``status`` (what its worker did with the call)."""

TELEPHONY_OUTCOME: Mapping[str, CallStatus] = {
    "in-progress": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "failed": CallStatus.FAILED,
    "no-answer": CallStatus.NO_ANSWER,
    "busy": CallStatus.BUSY,
    "rejected": CallStatus.REJECTED,
    "cancelled": CallStatus.CANCELED,
}
"""The vendor's ``call_status`` (what the phone network said)."""

UNANSWERED: frozenset[CallStatus] = frozenset(
    {CallStatus.NO_ANSWER, CallStatus.BUSY, CallStatus.REJECTED}
)

SPEAKER: Mapping[str, str] = {"assistant": "agent", "user": "callee"}

NUMBER_STATUS: Mapping[str, NumberStatus] = {
    "active": NumberStatus.ACTIVE,
    "pending": NumberStatus.PENDING,
    "inactive": NumberStatus.INACTIVE,
    "failed": NumberStatus.FAILED,
    "deleted": NumberStatus.RELEASED,
}

VENDOR_FIELD_TO_GATEWAY: Mapping[str, str] = {
    "phone_number": "body.to_number",
    "from_number": "body.from_number",
    "number": "body.number",
    "voip_carrier_sid": "body.carrier_id",
    "sip_gateway.ipv4": "body.sip_gateway.address",
    "carrier_name": "body.name",
    "registration.sip_realm": "body.registration.realm",
    "max_duration": "body.max_duration_seconds",
    "request_data": "body.variables",
}
"""Vendor input paths whose gateway field has another name; the rest are ``body.<path>``."""

IDEMPOTENCY_FIELD = "header.Idempotency-Key"
_IDEMPOTENCY_PATHS = frozenset(
    {"idempotency_key", "header.idempotency_key", "headers.idempotency_key"}
)
_API_KEY_TEXT = re.compile(r"\btc_\w+")
ADMIN_FIX = "PUT /v1/admin/tenants/{tenant}/credentials/topcalls"


def opaque_id(native: str) -> str:
    """The gateway id of a TopCalls object."""
    return f"{VENDOR}:{native}"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _e164(number: str | None) -> str | None:
    return vendor_digits_to_e164(number) if number else None


# --- calls ---------------------------------------------------------------------------------------


def call_status(status: str, telephony: str | None, ended: bool = False) -> CallStatus:
    """Unified status from the vendor's execution ``status`` and telephony ``call_status``.

    A finished or failed call reports how the network ended it when that is more precise (a
    ``completed`` run whose callee never answered is ``no_answer``). A status the contract does
    not list falls back on the telephony outcome, then on whether the call has ended.
    """
    outcome = TELEPHONY_OUTCOME.get(telephony or "")
    if status == "failed":
        return outcome if outcome in UNANSWERED else CallStatus.FAILED
    if status == "completed":
        if outcome is not None and outcome not in (CallStatus.COMPLETED, CallStatus.IN_PROGRESS):
            return outcome
        return CallStatus.COMPLETED
    if status in EXECUTION_STATUS:
        return EXECUTION_STATUS[status]
    if outcome is not None:
        return outcome
    return CallStatus.FAILED if ended else CallStatus.QUEUED


def _end_reason(item: CallItem) -> str | None:
    if item.error_message:
        return item.error_message
    if item.call_status and item.call_status not in ("completed", "in-progress"):
        return item.call_status
    return None


def _turn(item: TranscriptItem) -> TranscriptTurn:
    return TranscriptTurn(
        speaker=SPEAKER.get(item.user, item.user), text=item.text, at=_utc(item.created_at)
    )


def duration_seconds(minutes: float | None) -> float | None:
    """The vendor's decimal minutes as seconds, to a tenth of a second."""
    return None if minutes is None else round(minutes * 60, 1)


def call_from_vendor(item: CallItem) -> Call:
    """A TopCalls call (list item or details) in the unified shape. TopCalls only dials out."""
    return Call(
        id=opaque_id(item.id),
        vendor=VENDOR,
        direction=CallDirection.OUTBOUND,
        status=call_status(item.status, item.call_status, ended=item.end_at is not None),
        from_number=_e164(item.from_phone_number),
        to_number=_e164(item.phone_number),
        started_at=_utc(item.started_at),
        ended_at=_utc(item.end_at),
        duration_seconds=duration_seconds(item.duration),
        end_reason=_end_reason(item),
        vendor_call_id=item.external_call_id,
        created_at=_utc(item.created_at),
        answered_by=item.answered_by,
        transcript=None if item.transcript is None else [_turn(t) for t in item.transcript],
        summary=item.call_summary,
        recording_url=item.recording_url,
        campaign_id=opaque_id(item.campaign_id) if item.campaign_id else None,
        post_processing_done=item.completed,
        metadata=item.metadata,
        vendor_data=vendor_object(item),
    )


def placed_call(created: CallCreated, request: CallCreate, to_e164: str) -> Call:
    """The call just placed, as the vendor queued it."""
    return Call(
        id=opaque_id(created.call_id),
        vendor=VENDOR,
        direction=CallDirection.OUTBOUND,
        status=call_status(created.status, None),
        from_number=_e164(request.from_number),
        to_number=to_e164,
        vendor_call_id=created.provider_call_id,
        post_processing_done=False,
        metadata=request.metadata,
    )


def max_duration_minutes(seconds: int) -> float:
    """The gateway's seconds as the vendor's minutes (whole minutes stay integers on the wire)."""
    minutes = seconds / 60
    return int(minutes) if minutes.is_integer() else minutes


def create_call_body(request: CallCreate, to_e164: str, from_e164: str | None) -> CreateCallBody:
    """The vendor's ``POST /v1/calls`` body; unset options are left to the vendor's defaults."""
    return CreateCallBody(
        phone_number=to_e164,
        task=request.task,
        instructions=request.instructions,
        from_number=from_e164,
        first_sentence=request.first_sentence,
        mode=request.mode.value if request.mode is not None else None,
        voice=request.voice,
        model=request.model,
        temperature=request.temperature,
        max_duration=(
            max_duration_minutes(request.max_duration_seconds)
            if request.max_duration_seconds is not None
            else None
        ),
        request_data=request.variables,
        webhook_url=request.webhook_url,
        webhook_events=request.webhook_events,
        metadata=request.metadata,
    )


# --- numbers -------------------------------------------------------------------------------------


def number_from_vendor(item: PhoneNumberOut) -> Number:
    """A TopCalls number in the unified shape; a status the contract does not list is inactive."""
    status = NUMBER_STATUS.get(item.status, NumberStatus.INACTIVE)
    return Number(
        id=opaque_id(item.id),
        vendor=VENDOR,
        number=vendor_digits_to_e164(item.number),
        status=status,
        created_at=_utc(item.created_at),
        released_at=_utc(item.updated_at) if status is NumberStatus.RELEASED else None,
        label=item.label,
        carrier_name=item.carrier_name,
        status_detail=item.error_message,
        vendor_data=vendor_object(item),
    )


def add_number_body(
    request: NumberCreate, number_e164: str, carrier_sid: str | None
) -> AddNumberBody:
    """The vendor's ``POST /v1/phone-numbers`` body; ``carrier_sid`` is a ``voip_carrier_sid``."""
    return AddNumberBody(number=number_e164, voip_carrier_sid=carrier_sid, label=request.label)


# --- carriers ------------------------------------------------------------------------------------


def carrier_from_vendor(item: CarrierOut) -> Carrier:
    """A carrier; the gateway id is the record ``id`` (the system carrier has none)."""
    return Carrier(
        id=opaque_id(item.id) if item.id and not item.is_system else None,
        vendor=VENDOR,
        name=item.carrier_name,
        is_system=item.is_system,
        trunk_type=TrunkType(item.trunk_type) if item.trunk_type is not None else None,
        created_at=_utc(item.created_at),
        vendor_data=vendor_object(item),
    )


def _is_ipv4(address: str) -> bool:
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        return False
    return True


def validate_carrier(request: CarrierCreate) -> list[FieldError]:
    """TopCalls' rules for a carrier, checked before anything is sent."""
    errors: list[FieldError] = []
    gateway = request.sip_gateway
    if not (gateway.inbound or gateway.outbound):
        errors.append(
            FieldError(
                field="body.sip_gateway",
                message="the gateway must carry inbound calls, outbound calls or both",
            )
        )
    if gateway.inbound and not _is_ipv4(gateway.address):
        errors.append(
            FieldError(
                field="body.sip_gateway.address",
                message="an inbound gateway must be an IPv4 address (TopCalls matches by IP; "
                "hostnames and IPv6 are refused)",
            )
        )
    trunk = request.trunk_type
    if trunk is TrunkType.REG and request.registration is None:
        errors.append(FieldError(field="body.registration", message="trunk type `reg` requires it"))
    if trunk is not TrunkType.REG and request.registration is not None:
        errors.append(
            FieldError(
                field="body.registration", message=f"trunk type `{trunk.value}` does not use it"
            )
        )
    if trunk is TrunkType.AUTH and request.inbound_auth is None:
        errors.append(
            FieldError(field="body.inbound_auth", message="trunk type `auth` requires it")
        )
    if trunk is not TrunkType.AUTH and request.inbound_auth is not None:
        errors.append(
            FieldError(
                field="body.inbound_auth", message=f"trunk type `{trunk.value}` does not use it"
            )
        )
    return errors


def carrier_body(request: CarrierCreate) -> AddCarrierBody:
    """The vendor's ``POST /v1/phone-numbers/carriers`` body."""
    gateway = request.sip_gateway
    registration = request.registration
    inbound_auth = request.inbound_auth
    return AddCarrierBody(
        carrier_name=request.name,
        trunk_type=request.trunk_type.value,
        sip_gateway=SipGatewayBody(
            ipv4=gateway.address,
            port=gateway.port,
            inbound=gateway.inbound,
            outbound=gateway.outbound,
        ),
        registration=(
            RegistrationBody(
                username=registration.username,
                password=registration.password,
                sip_realm=registration.realm,
            )
            if registration is not None
            else None
        ),
        inbound_auth=(
            InboundAuthBody(username=inbound_auth.username, password=inbound_auth.password)
            if inbound_auth is not None
            else None
        ),
    )


# --- campaigns, models, voices, balance ----------------------------------------------------------


def campaign_from_vendor(item: CampaignOut) -> Campaign:
    """A campaign with its progress."""
    stats = item.stats
    return Campaign(
        id=opaque_id(item.id),
        vendor=VENDOR,
        name=item.name,
        status=CampaignStatus(item.status),
        from_number=_e164(item.from_number),
        conversion_outcomes=list(item.conversion_outcomes or []),
        stats=CampaignStats() if stats is None else CampaignStats(**msgspec.structs.asdict(stats)),
        created_at=_utc(item.created_at),
        updated_at=_utc(item.updated_at),
        vendor_data=vendor_object(item),
    )


def model_from_vendor(item: ModelOut) -> AgentModel:
    """A model an AI call can use."""
    return AgentModel(
        id=item.id,
        vendor=VENDOR,
        mode=CallMode(item.mode),
        provider=item.provider,
        supports_temperature=item.supports_temperature,
        default=item.default,
        vendor_data=vendor_object(item),
    )


def voice_from_vendor(item: VoiceOut) -> Voice:
    """A voice; one without a display name is named by its id."""
    return Voice(
        id=item.id,
        vendor=VENDOR,
        name=item.name or item.id,
        mode=CallMode(item.mode),
        provider=item.provider,
        custom=item.is_custom,
        gender=item.gender,
        language=item.language,
        vendor_data=vendor_object(item),
    )


def _same_text(actual: str | None, wanted: str) -> bool:
    return actual is not None and actual.casefold() == wanted.casefold()


def voice_matches(voice: Voice, filters: VoiceFilters) -> bool:
    """Whether a voice passes every filter that is set (text compared case-insensitively)."""
    checks = (
        (voice.mode.value, filters.mode.value if filters.mode is not None else None),
        (voice.provider, filters.provider),
        (voice.gender, filters.gender),
        (voice.language, filters.language),
    )
    if any(wanted is not None and not _same_text(actual, wanted) for actual, wanted in checks):
        return False
    return filters.custom is None or voice.custom == filters.custom


def balance_from_vendor(item: BalanceOut) -> Balance:
    """Minutes left, used (plan and welcome bonus) and held for calls in progress."""
    return Balance(
        vendor=VENDOR,
        plan=item.balance_type,
        minutes_remaining=item.remaining_minutes,
        minutes_used=item.used_minutes + item.welcome_bonus_used,
        minutes_reserved=item.reserved_minutes,
        plan_minutes=item.plan_minutes,
        bonus_minutes_remaining=item.welcome_bonus_remaining,
        vendor_data=vendor_object(item),
    )


# --- errors --------------------------------------------------------------------------------------


def _parse_problem(body: bytes) -> ProblemBody:
    try:
        return msgspec.json.decode(body, type=ProblemBody)
    except msgspec.DecodeError:
        return ProblemBody()


def _scrub(text: str) -> str:
    """Vendor text with anything shaped like a TopCalls API key blanked out."""
    return _API_KEY_TEXT.sub("tc_***", text)


def gateway_field(vendor_path: str) -> str:
    """The gateway's name for an input the vendor refused (``phone_number`` is ``to_number``)."""
    path = vendor_path.strip()
    if path.lower().replace("-", "_") in _IDEMPOTENCY_PATHS:
        return IDEMPOTENCY_FIELD
    if path in VENDOR_FIELD_TO_GATEWAY:
        return VENDOR_FIELD_TO_GATEWAY[path]
    return f"body.{path}" if path else "body"


def retry_after_seconds(headers: Mapping[str, str], default: int = 1) -> int:
    """The vendor's ``Retry-After`` in whole seconds, or ``default`` when absent or unusable."""
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = int(raw.strip()) if raw is not None else default
    except ValueError:
        return default
    return seconds if seconds >= 0 else default


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, not_found: str | None = None
) -> GatewayError:
    """Map a TopCalls error answer to the gateway error a consumer should see.

    ``not_found`` replaces the vendor's wording of a 404 (say, ``call not found``). Only the
    vendor's own problem text is passed on, never anything the gateway sent.
    """
    problem = _parse_problem(body)
    detail = _scrub(problem.detail or problem.title or f"HTTP {status}")
    common: VendorContext = {"vendor": VENDOR, "vendor_status": status}
    if status == 400:
        errors = [
            FieldError(field=gateway_field(error.path), message=_scrub(error.message))
            for error in problem.errors or []
        ]
        return ValidationFailed(f"TopCalls rejected the input: {detail}", errors=errors, **common)
    if status == 401:
        return VendorCredentialRejected(
            "TopCalls rejected the stored API key. An administrator must update it with "
            f"{ADMIN_FIX}.",
            **common,
        )
    if status == 403:
        return VendorCredentialRejected(
            "The stored TopCalls API key lacks permission for this action (it is probably "
            f"read-only): {detail}. An administrator must store a key that can act with "
            f"{ADMIN_FIX}.",
            **common,
        )
    if status == 402:
        return PaymentRequired(f"TopCalls has too few minutes for this: {detail}", **common)
    if status == 404:
        return NotFound(not_found or detail, **common)
    if status == 409:
        return Conflict(f"TopCalls refused in the current state: {detail}", **common)
    if status == 429:
        return RateLimited(
            "TopCalls' rate limit for this API key is spent; retry later.",
            retry_after=retry_after_seconds(headers),
            **common,
        )
    return VendorError.for_status(f"TopCalls answered HTTP {status}: {detail}", **common)


# --- webhook subscriptions -----------------------------------------------------------------------


def webhook_from_vendor(item: WebhookOut) -> VendorWebhook:
    """A vendor-side webhook subscription."""
    return VendorWebhook(
        id=opaque_id(item.id),
        vendor=VENDOR,
        event=item.event,
        url=item.url,
        filters=item.filters,
        created_at=_utc(item.created_at),
        vendor_data=vendor_object(item),
    )


def webhook_body(request: VendorWebhookCreate) -> WebhookBody:
    """The vendor's ``POST /v1/webhooks`` body."""
    return WebhookBody(event=request.event, url=request.url, filters=request.filters)
