"""The ``/_sim/`` control surface of the TopCalls simulator, and the demo account it can seed.

JSON in, JSON out; unknown accounts are 404, bad bodies 400 (``{"message": ...}``). Faults and
request counters are :mod:`simulators.edge`'s shared handlers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

import msgspec
from litestar import Router, delete, get, post, put
from litestar.params import FromPath, JSONBody

from simulators.edge import CONTROL_EXCEPTION_HANDLERS, control_handlers
from simulators.topcalls import wire
from simulators.topcalls import wire_resources as res
from simulators.topcalls.records import (
    CAMPAIGN_EVENTS,
    CampaignStats,
    OutcomePlan,
)
from simulators.topcalls.state import CreatedAccount, SimulatorState
from simulators.topcalls.validation import E164, is_http_url

Minutes = Annotated[float, msgspec.Meta(ge=0)]
OutcomeName = Literal["completed", "no-answer", "busy", "rejected", "failed"]


class AccountIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts``; ``demo`` adds campaigns and call history."""

    name: str = "demo"
    plan_minutes: Minutes = 1000.0
    used_minutes: Minutes = 0.0
    welcome_bonus_remaining: Annotated[float, msgspec.Meta(ge=0, le=500)] = 0.0
    welcome_bonus_used: Annotated[float, msgspec.Meta(ge=0, le=500)] = 0.0
    webhook_secret: str | None = None
    numbers: Annotated[int, msgspec.Meta(ge=0, le=50)] = 1
    demo: bool = False


class AccountOut(msgspec.Struct):
    account_id: str
    api_key: str
    read_only_api_key: str
    numbers: list[str]


class KeyIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/keys``."""

    read_only: bool = False


class KeyOut(msgspec.Struct):
    key_id: str
    api_key: str
    read_only: bool


class BalanceIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/accounts/{id}/balance``; absent fields keep their value."""

    plan_minutes: Minutes | None = None
    used_minutes: Minutes | None = None
    reserved_minutes: Minutes | None = None
    welcome_bonus_remaining: Annotated[float, msgspec.Meta(ge=0, le=500)] | None = None
    welcome_bonus_used: Annotated[float, msgspec.Meta(ge=0, le=500)] | None = None


class WebhookSecretIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/accounts/{id}/webhook-secret``; null turns signing off."""

    webhook_secret: str | None


class StatsIn(msgspec.Struct, forbid_unknown_fields=True):
    total_leads: int = 0
    pending_leads: int = 0
    calls_queued: int = 0
    calls_in_progress: int = 0
    calls_completed: int = 0
    calls_failed: int = 0
    conversions: int = 0
    minutes_used: float = 0.0


class CampaignIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/campaigns`` (campaigns are built in the dashboard)."""

    name: str
    status: Literal["draft", "running", "paused", "completed", "stopped"] = "draft"
    from_number: str | None = None
    conversion_outcomes: list[str] = []
    webhook_url: str | None = None
    webhook_events: list[str] | None = None
    stats: StatsIn | None = None


class VoiceIn(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /_sim/accounts/{id}/voices``: a cloned (legacy-mode) voice."""

    name: str
    gender: str = "female"
    language: str = "en"


class OutcomeIn(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /_sim/outcomes``: how calls to ``phone_number`` placed from now on go."""

    phone_number: str
    outcome: OutcomeName = "completed"
    answered_by: Literal["human", "voicemail", "ivr", "unknown"] | None = None
    talk_seconds: Annotated[float, msgspec.Meta(ge=0)] | None = None
    disposition: str | None = None


class OutcomesOut(msgspec.Struct):
    data: list[OutcomeIn]


class AccountCallsOut(msgspec.Struct):
    """``GET /_sim/accounts/{id}/calls``: calls placed through the API, and every call."""

    calls_created: int
    data: list[wire.CallOut]


class AttemptOut(msgspec.Struct):
    """One webhook delivery attempt; ``payload`` is the exact JSON sent."""

    delivery_id: str
    url: str
    event: str
    call_id: str | None
    campaign_id: str | None
    attempt: int
    status_code: int | None
    error: str | None
    outcome: str
    at: str
    payload: msgspec.Raw


class AttemptsOut(msgspec.Struct):
    data: list[AttemptOut]


def control_router(state: SimulatorState) -> Router:
    """The ``/_sim`` router of one simulator."""

    @post("/accounts", status_code=201)
    async def create_account(data: JSONBody[AccountIn]) -> AccountOut:
        """An account with a full and a read-only key and ``numbers`` active numbers."""
        created = (
            seed_demo_account(state, data.name)
            if data.demo
            else state.create_account(
                data.name,
                data.plan_minutes,
                data.used_minutes,
                data.welcome_bonus_remaining,
                data.welcome_bonus_used,
                data.webhook_secret,
                data.numbers,
            )
        )
        return AccountOut(
            created.account_id, created.api_key, created.read_only_api_key, list(created.numbers)
        )

    @post("/accounts/{account_id:str}/keys", status_code=201)
    async def create_key(account_id: FromPath[str], data: JSONBody[KeyIn]) -> KeyOut:
        """Another API key of the account."""
        key = state.create_key(account_id, data.read_only)
        return KeyOut(key.id, key.token, key.read_only)

    @put("/accounts/{account_id:str}/balance")
    async def set_balance(account_id: FromPath[str], data: JSONBody[BalanceIn]) -> wire.BalanceOut:
        """Overwrite balance fields."""
        return state.set_balance(account_id, **msgspec.structs.asdict(data))

    @put("/accounts/{account_id:str}/webhook-secret")
    async def set_webhook_secret(
        account_id: FromPath[str], data: JSONBody[WebhookSecretIn]
    ) -> WebhookSecretIn:
        """Sign the account's webhooks with this secret (null: unsigned)."""
        state.set_webhook_secret(account_id, data.webhook_secret)
        return data

    @post("/accounts/{account_id:str}/campaigns", status_code=201)
    async def add_campaign(
        account_id: FromPath[str], data: JSONBody[CampaignIn]
    ) -> res.CampaignOut:
        """A campaign as if built in the dashboard."""
        if data.from_number is not None and not E164.match(data.from_number):
            raise ValueError("from_number must be E.164")
        if data.webhook_url is not None and not is_http_url(data.webhook_url):
            raise ValueError("webhook_url must be an http(s) URL")
        events = tuple(data.webhook_events) if data.webhook_events is not None else CAMPAIGN_EVENTS
        if set(events) - set(CAMPAIGN_EVENTS):
            raise ValueError(f"webhook_events must be among {', '.join(CAMPAIGN_EVENTS)}")
        stats = CampaignStats(**msgspec.structs.asdict(data.stats)) if data.stats else None
        campaign = state.add_campaign(
            account_id,
            data.name,
            data.status,
            data.from_number,
            data.conversion_outcomes,
            data.webhook_url,
            events,
            stats,
        )
        return res.campaign_out(campaign)

    @post("/accounts/{account_id:str}/voices", status_code=201)
    async def add_voice(account_id: FromPath[str], data: JSONBody[VoiceIn]) -> res.VoiceOut:
        """A custom voice of the account."""
        voice = state.add_voice(account_id, data.name, data.gender, data.language)
        return res.voice_out(voice, True)

    @get("/accounts/{account_id:str}/calls")
    async def account_calls(account_id: FromPath[str]) -> AccountCallsOut:
        """``calls_created`` (calls placed through the API) and every call, newest first."""
        created, calls = state.account_calls(account_id)
        return AccountCallsOut(created, [wire.call_out(c) for c in calls])

    @put("/outcomes")
    async def set_outcome(data: JSONBody[OutcomeIn]) -> OutcomeIn:
        """Plan the outcome of calls to one destination (default: completed, human)."""
        if not E164.match(data.phone_number):
            raise ValueError("phone_number must be E.164")
        plan = OutcomePlan(data.outcome, data.answered_by, data.talk_seconds, data.disposition)
        state.set_outcome(data.phone_number, plan)
        return data

    @get("/outcomes")
    async def list_outcomes() -> OutcomesOut:
        """Planned outcomes per destination."""
        return OutcomesOut(
            [
                OutcomeIn(number, p.outcome, p.answered_by, p.talk_seconds, p.disposition)
                for number, p in state.outcomes().items()
            ]
        )

    @delete("/outcomes")
    async def clear_outcomes() -> None:
        """Every destination back to the default outcome."""
        state.clear_outcomes()

    @get("/webhooks")
    async def webhook_log() -> AttemptsOut:
        """Every webhook delivery attempt, oldest first."""
        return AttemptsOut(
            [
                AttemptOut(
                    a.delivery_id,
                    a.url,
                    a.event,
                    a.call_id,
                    a.campaign_id,
                    a.attempt,
                    a.status_code,
                    a.error,
                    a.outcome,
                    wire.iso(a.at) or "",
                    msgspec.Raw(a.body),
                )
                for a in state.webhooks.attempts()
            ]
        )

    @delete("/webhooks")
    async def clear_webhook_log() -> None:
        """Forget pending webhook deliveries and the attempt log."""
        state.webhooks.clear()

    @post("/reset", status_code=204)
    async def reset() -> None:
        """Back to the initial state."""
        state.reset()

    return Router(
        path="/_sim",
        route_handlers=[
            create_account,
            create_key,
            set_balance,
            set_webhook_secret,
            add_campaign,
            add_voice,
            account_calls,
            set_outcome,
            list_outcomes,
            clear_outcomes,
            webhook_log,
            clear_webhook_log,
            reset,
            *control_handlers(state.faults, state.requests, state.config.api_prefix),
        ],
        exception_handlers=CONTROL_EXCEPTION_HANDLERS,
    )


def seed_demo_account(state: SimulatorState, name: str = "sandbox demo") -> CreatedAccount:
    """An account with an active number, 1000 plan minutes, three campaigns (draft, running,
    paused) with stats, and two finished calls (one completed, one unanswered)."""
    created = state.create_account(name, plan_minutes=1000.0, numbers=1)
    account_id, caller = created.account_id, created.numbers[0]
    state.add_campaign(
        account_id,
        "Spring reactivation",
        "draft",
        caller,
        ["booked_callback"],
        stats=CampaignStats(total_leads=120, pending_leads=120),
    )
    state.add_campaign(
        account_id,
        "Sales Outreach",
        "running",
        caller,
        ["booked_callback"],
        stats=CampaignStats(500, 320, 5, 3, 150, 22, 31, 410.5),
    )
    state.add_campaign(
        account_id,
        "Appointment reminders",
        "paused",
        caller,
        ["confirmed"],
        stats=CampaignStats(80, 40, 0, 0, 36, 4, 30, 61.2),
    )
    state.add_finished_call(
        account_id, "+14155551234", timedelta(days=1), 150.0, OutcomePlan(disposition="confirmed")
    )
    state.add_finished_call(
        account_id, "+14155550123", timedelta(hours=3), 25.0, OutcomePlan(outcome="no-answer")
    )
    return created
