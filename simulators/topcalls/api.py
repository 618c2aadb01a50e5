"""The vendor API of the TopCalls simulator: one handler per endpoint of the contract sheet."""

from __future__ import annotations

from typing import Any

from litestar import Response, delete, get, post
from litestar.params import FromPath

from simulators.edge import RouteTable
from simulators.topcalls import wire
from simulators.topcalls import wire_resources as res
from simulators.topcalls.http import (
    AnyRequest,
    authorize,
    json_body,
    json_response,
    page_cursor,
    page_limit,
    query_params,
    sim_state,
    uuid_path,
    voice_filter,
    write,
)
from simulators.topcalls.records import BUILTIN_VOICES, MODELS
from simulators.topcalls.validation import (
    call_spec,
    carrier_spec,
    number_spec,
    subscription_spec,
)

ROUTES = RouteTable(
    {
        "/calls": ("GET", "POST"),
        "/calls/{id}": ("GET",),
        "/calls/{id}/stop": ("POST",),
        "/calls/{id}/cancel": ("POST",),
        "/campaigns": ("GET",),
        "/campaigns/{id}": ("GET",),
        "/campaigns/{id}/start": ("POST",),
        "/campaigns/{id}/pause": ("POST",),
        "/phone-numbers": ("GET", "POST"),
        "/phone-numbers/carriers": ("GET", "POST"),
        "/phone-numbers/carriers/{id}": ("DELETE",),
        "/phone-numbers/{id}": ("GET", "DELETE"),
        "/models": ("GET",),
        "/voices": ("GET",),
        "/voices/builtin": ("GET",),
        "/webhooks": ("GET", "POST"),
        "/webhooks/{id}": ("DELETE",),
    }
)
"""Route templates of the vendor API (relative to the prefix) and their methods."""


# --- calls -------------------------------------------------------------------------------------


@post("/calls", status_code=201)
async def create_call(request: AnyRequest) -> Response[bytes]:
    """Create and dispatch an AI phone call (§2.2)."""
    key = authorize(request)
    body = await json_body(request)
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        spec = call_spec(
            body, state.custom_voice_ids(key.account_id), state.config.strict_phone_numbers
        )
        call = state.create_call(key.account_id, spec)
        return 201, wire.CallCreated(call.id, call.external_call_id)

    return await write(request, key, act)


@get("/calls")
async def list_calls(request: AnyRequest) -> Response[bytes]:
    """The account's calls, newest first, by ``created_at`` cursor (§2.3)."""
    key = authorize(request)
    params = query_params(request)
    limit, before = page_limit(params.get("limit")), page_cursor(params.get("cursor"))
    calls, more = sim_state(request).list_calls(key.account_id, limit, before)
    cursor = wire.iso(calls[-1].created_at) if more and calls else None
    return json_response(wire.CallsPage([wire.call_list_item(c) for c in calls], cursor))


@get("/calls/{call_id:str}")
async def get_call(request: AnyRequest, call_id: FromPath[str]) -> Response[bytes]:
    """One call with transcript, recording and summary once ready (§2.4)."""
    key = authorize(request)
    call = sim_state(request).get_call(key.account_id, uuid_path(call_id, "call_id"))
    return json_response(wire.call_out(call))


@post("/calls/{call_id:str}/stop", status_code=200)
async def stop_call(request: AnyRequest, call_id: FromPath[str]) -> Response[bytes]:
    """Stop a queued or in-progress call (§2.5)."""
    key = authorize(request)
    call_id = uuid_path(call_id, "call_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.stop_call(key.account_id, call_id)
        return 200, wire.StopOut()

    return await write(request, key, act)


@post("/calls/{call_id:str}/cancel", status_code=200)
async def cancel_call(request: AnyRequest, call_id: FromPath[str]) -> Response[bytes]:
    """Cancel a call that has not started (§2.6)."""
    key = authorize(request)
    call_id = uuid_path(call_id, "call_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.cancel_call(key.account_id, call_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


# --- campaigns ---------------------------------------------------------------------------------


@get("/campaigns")
async def list_campaigns(request: AnyRequest) -> Response[bytes]:
    """Every campaign of the account, newest first (§3.1)."""
    key = authorize(request)
    campaigns = sim_state(request).list_campaigns(key.account_id)
    return json_response(res.CampaignsOut([res.campaign_out(c) for c in campaigns]))


@get("/campaigns/{campaign_id:str}")
async def get_campaign(request: AnyRequest, campaign_id: FromPath[str]) -> Response[bytes]:
    """One campaign with its stats (§3.2)."""
    key = authorize(request)
    campaign_id = uuid_path(campaign_id, "campaign_id")
    return json_response(
        res.campaign_out(sim_state(request).get_campaign(key.account_id, campaign_id))
    )


@post("/campaigns/{campaign_id:str}/start", status_code=200)
async def start_campaign(request: AnyRequest, campaign_id: FromPath[str]) -> Response[bytes]:
    """Start or resume a campaign (§3.3)."""
    key = authorize(request)
    campaign_id = uuid_path(campaign_id, "campaign_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.start_campaign(key.account_id, campaign_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


@post("/campaigns/{campaign_id:str}/pause", status_code=200)
async def pause_campaign(request: AnyRequest, campaign_id: FromPath[str]) -> Response[bytes]:
    """Pause a running campaign (§3.4)."""
    key = authorize(request)
    campaign_id = uuid_path(campaign_id, "campaign_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.pause_campaign(key.account_id, campaign_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


# --- phone numbers and carriers ----------------------------------------------------------------


@get("/phone-numbers")
async def list_numbers(request: AnyRequest) -> Response[bytes]:
    """The account's numbers except deleted ones, oldest first (§4.2)."""
    key = authorize(request)
    numbers = sim_state(request).list_numbers(key.account_id)
    return json_response(res.PhoneNumbersOut([res.number_out(n) for n in numbers]))


@post("/phone-numbers", status_code=201)
async def add_number(request: AnyRequest) -> Response[bytes]:
    """Add a number on the default or a custom carrier (§4.4)."""
    key = authorize(request)
    body = await json_body(request)
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        spec = number_spec(body, state.config.strict_phone_numbers)
        return 201, res.number_out(state.add_number(key.account_id, spec, None))

    return await write(request, key, act)


@get("/phone-numbers/carriers")
async def list_carriers(request: AnyRequest) -> Response[bytes]:
    """The system carrier, then the account's custom carriers (§4.6)."""
    key = authorize(request)
    return json_response(res.carriers_out(sim_state(request).list_carriers(key.account_id)))


@post("/phone-numbers/carriers", status_code=201)
async def add_carrier(request: AnyRequest) -> Response[bytes]:
    """Add a bring-your-own carrier (§4.7)."""
    key = authorize(request)
    body = await json_body(request)
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        carrier = state.add_carrier(key.account_id, carrier_spec(body))
        return 201, res.carrier_created(carrier)

    return await write(request, key, act)


@delete("/phone-numbers/carriers/{carrier_id:str}", status_code=200)
async def delete_carrier(request: AnyRequest, carrier_id: FromPath[str]) -> Response[bytes]:
    """Delete a custom carrier by its record id (§4.8)."""
    key = authorize(request)
    carrier_id = uuid_path(carrier_id, "carrier_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.delete_carrier(key.account_id, carrier_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


@get("/phone-numbers/{phone_number_id:str}")
async def get_number(request: AnyRequest, phone_number_id: FromPath[str]) -> Response[bytes]:
    """One number, deleted ones included (§4.3)."""
    key = authorize(request)
    number_id = uuid_path(phone_number_id, "phone_number_id")
    return json_response(res.number_out(sim_state(request).get_number(key.account_id, number_id)))


@delete("/phone-numbers/{phone_number_id:str}", status_code=200)
async def delete_number(request: AnyRequest, phone_number_id: FromPath[str]) -> Response[bytes]:
    """Soft-delete a number (§4.5)."""
    key = authorize(request)
    number_id = uuid_path(phone_number_id, "phone_number_id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.delete_number(key.account_id, number_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


# --- models, voices, balance -------------------------------------------------------------------


@get("/models")
async def list_models(request: AnyRequest) -> Response[bytes]:
    """Models on offer (§5.2)."""
    authorize(request)
    return json_response(res.models_out(MODELS))


@get("/voices/builtin")
async def list_builtin_voices(request: AnyRequest) -> Response[bytes]:
    """Built-in voices, filtered by ``mode``, ``provider``, ``gender``, ``language`` (§5.3)."""
    authorize(request)
    keep = voice_filter(request)
    return json_response(
        res.VoicesOut([res.voice_out(v, False) for v in BUILTIN_VOICES if keep(v)])
    )


@get("/voices")
async def list_voices(request: AnyRequest) -> Response[bytes]:
    """Built-in and the account's custom voices, flagged ``is_custom`` (§5.4)."""
    key = authorize(request)
    keep = voice_filter(request)
    voices = sim_state(request).voices(key.account_id)
    return json_response(res.VoicesOut([res.voice_out(v, True) for v in voices if keep(v)]))


@get("/balance")
async def get_balance(request: AnyRequest) -> Response[bytes]:
    """Remaining minutes and usage (§5.1)."""
    key = authorize(request)
    return json_response(sim_state(request).balance(key.account_id))


# --- webhook subscriptions ---------------------------------------------------------------------


@post("/webhooks", status_code=201)
async def create_subscription(request: AnyRequest) -> Response[bytes]:
    """Subscribe a URL to ``call.completed`` (and reserved) events (§6.1)."""
    key = authorize(request)
    body = await json_body(request)
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        return 201, res.subscription_out(state.add_subscription(key, subscription_spec(body)))

    return await write(request, key, act)


@get("/webhooks")
async def list_subscriptions(request: AnyRequest) -> Response[bytes]:
    """The account's subscriptions that are not deleted."""
    key = authorize(request)
    subs = sim_state(request).list_subscriptions(key.account_id)
    return json_response(res.SubscriptionsOut([res.subscription_out(s) for s in subs]))


@delete("/webhooks/{subscription_id:str}", status_code=200)
async def delete_subscription(
    request: AnyRequest, subscription_id: FromPath[str]
) -> Response[bytes]:
    """Soft-delete a subscription (sets ``deleted_at``)."""
    key = authorize(request)
    subscription_id = uuid_path(subscription_id, "id")
    state = sim_state(request)

    def act() -> tuple[int, Any]:
        state.delete_subscription(key.account_id, subscription_id)
        return 200, wire.OkOut()

    return await write(request, key, act)


VENDOR_HANDLERS = [
    create_call,
    list_calls,
    get_call,
    stop_call,
    cancel_call,
    list_campaigns,
    get_campaign,
    start_campaign,
    pause_campaign,
    list_numbers,
    add_number,
    list_carriers,
    add_carrier,
    delete_carrier,
    get_number,
    delete_number,
    list_models,
    list_builtin_voices,
    list_voices,
    get_balance,
    create_subscription,
    list_subscriptions,
    delete_subscription,
]
