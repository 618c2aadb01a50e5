"""Wire shapes of the TopCalls simulator's account resources: campaigns, phone numbers,
carriers, models, voices and webhook subscriptions (``vendor-contracts/topcalls.md`` §3-§6.1).
"""

from __future__ import annotations

from typing import Any

import msgspec

from simulators.topcalls.records import (
    SYSTEM_CARRIER_NAME,
    SYSTEM_CARRIER_SID,
    Campaign,
    Carrier,
    Model,
    PhoneNumber,
    Subscription,
    Voice,
)
from simulators.topcalls.wire import iso

# --- campaigns ---------------------------------------------------------------------------------


class CampaignStatsOut(msgspec.Struct):
    total_leads: int
    pending_leads: int
    calls_queued: int
    calls_in_progress: int
    calls_completed: int
    calls_failed: int
    conversions: int
    minutes_used: float


class CampaignOut(msgspec.Struct):
    """A campaign (§3, assumed shape)."""

    id: str
    name: str
    status: str
    from_number: str | None
    conversion_outcomes: list[str]
    webhook_url: str | None
    webhook_events: list[str]
    stats: CampaignStatsOut
    created_at: str
    updated_at: str


class CampaignsOut(msgspec.Struct):
    data: list[CampaignOut]


class CampaignEvent(msgspec.Struct, omit_defaults=True):
    """Body of a ``campaign.*`` webhook (§6.4, assumed)."""

    event: str
    campaign_id: str
    status: str
    stats: CampaignStatsOut
    reason: str | None = None


def campaign_out(campaign: Campaign) -> CampaignOut:
    s = campaign.stats
    return CampaignOut(
        id=campaign.id,
        name=campaign.name,
        status=campaign.status,
        from_number=campaign.from_number,
        conversion_outcomes=list(campaign.conversion_outcomes),
        webhook_url=campaign.webhook_url,
        webhook_events=list(campaign.webhook_events),
        stats=CampaignStatsOut(
            s.total_leads,
            s.pending_leads,
            s.calls_queued,
            s.calls_in_progress,
            s.calls_completed,
            s.calls_failed,
            s.conversions,
            s.minutes_used,
        ),
        created_at=iso(campaign.created_at) or "",
        updated_at=iso(campaign.updated_at) or "",
    )


def campaign_event(campaign: Campaign, event: str, reason: str | None) -> CampaignEvent:
    return CampaignEvent(event, campaign.id, campaign.status, campaign_out(campaign).stats, reason)


# --- phone numbers and carriers ----------------------------------------------------------------


class PhoneNumberOut(msgspec.Struct):
    """A phone number (§4.1)."""

    id: str
    account_id: str
    number: str
    source: str
    status: str
    phone_number_sid: str | None
    voip_carrier_sid: str | None
    carrier_name: str | None
    label: str | None
    error_message: str | None
    created_by_user_id: str | None
    created_at: str
    updated_at: str


class PhoneNumbersOut(msgspec.Struct):
    data: list[PhoneNumberOut]


class CarrierOut(msgspec.Struct):
    """A carrier (§4.6); the system entry has ``id``/``trunk_type`` null."""

    id: str | None
    account_id: str | None
    voip_carrier_sid: str
    sip_gateway_sid: str | None
    carrier_name: str
    trunk_type: str | None
    created_at: str | None
    is_system: bool = False


class CarrierCreatedOut(msgspec.Struct):
    """``POST /v1/phone-numbers/carriers`` (201), exactly the documented keys."""

    id: str
    account_id: str
    voip_carrier_sid: str
    sip_gateway_sid: str
    carrier_name: str
    trunk_type: str
    created_at: str


class CarriersOut(msgspec.Struct):
    data: list[CarrierOut]


def number_out(number: PhoneNumber) -> PhoneNumberOut:
    return PhoneNumberOut(
        id=number.id,
        account_id=number.account_id,
        number=number.number,
        source=number.source,
        status=number.status,
        phone_number_sid=number.phone_number_sid,
        voip_carrier_sid=number.voip_carrier_sid,
        carrier_name=number.carrier_name,
        label=number.label,
        error_message=number.error_message,
        created_by_user_id=number.created_by_user_id,
        created_at=iso(number.created_at) or "",
        updated_at=iso(number.updated_at) or "",
    )


def carrier_created(carrier: Carrier) -> CarrierCreatedOut:
    return CarrierCreatedOut(
        carrier.id,
        carrier.account_id,
        carrier.voip_carrier_sid,
        carrier.sip_gateway_sid,
        carrier.spec.carrier_name,
        carrier.spec.trunk_type,
        iso(carrier.created_at) or "",
    )


def carriers_out(carriers: list[Carrier]) -> CarriersOut:
    system = CarrierOut(None, None, SYSTEM_CARRIER_SID, None, SYSTEM_CARRIER_NAME, None, None, True)
    return CarriersOut(
        [
            system,
            *(
                CarrierOut(
                    c.id,
                    c.account_id,
                    c.voip_carrier_sid,
                    c.sip_gateway_sid,
                    c.spec.carrier_name,
                    c.spec.trunk_type,
                    iso(c.created_at),
                )
                for c in carriers
            ),
        ]
    )


# --- catalogue, balance, subscriptions ---------------------------------------------------------


class ModelOut(msgspec.Struct):
    id: str
    mode: str
    provider: str
    supports_temperature: bool
    default: bool


class ModelsOut(msgspec.Struct):
    data: list[ModelOut]


class VoiceOut(msgspec.Struct, omit_defaults=True):
    """A voice (§5.3); ``is_custom`` is present in ``GET /v1/voices`` only."""

    id: str
    name: str
    mode: str
    provider: str
    gender: str
    language: str
    provider_voice_id: str | None = None
    is_custom: bool | None = None


class VoicesOut(msgspec.Struct):
    data: list[VoiceOut]


def models_out(models: tuple[Model, ...]) -> ModelsOut:
    return ModelsOut(
        [ModelOut(m.id, m.mode, m.provider, m.supports_temperature, m.default) for m in models]
    )


def voice_out(voice: Voice, with_custom_flag: bool) -> VoiceOut:
    return VoiceOut(
        voice.id,
        voice.name,
        voice.mode,
        voice.provider,
        voice.gender,
        voice.language,
        voice.provider_voice_id,
        voice.is_custom if with_custom_flag else None,
    )


class SubscriptionOut(msgspec.Struct):
    """A webhook subscription (§6.1)."""

    id: str
    account_id: str
    event: str
    url: str
    filters: dict[str, Any] | None
    deleted_at: str | None
    created_by_api_key_id: str
    created_at: str


class SubscriptionsOut(msgspec.Struct):
    data: list[SubscriptionOut]


def subscription_out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        sub.id,
        sub.account_id,
        sub.event,
        sub.url,
        sub.filters,
        iso(sub.deleted_at),
        sub.created_by_api_key_id,
        iso(sub.created_at) or "",
    )
