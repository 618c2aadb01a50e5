"""The Truecaller simulator's ``/_sim/`` controls for webhooks, events and deliveries.

Webhook configurations (the console's "Manage Webhooks"), Call-Me-Back and User-Feedback events
played as if a user acted in the Truecaller app (kept for the downloads and sent to the account's
webhooks), and the log of every delivery, verification callbacks included.
"""

from __future__ import annotations

import dataclasses

import msgspec
from litestar import delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from simulators.truecaller import control_wire as ctl
from simulators.truecaller import wire
from simulators.truecaller.http import AnyRequest, sim
from simulators.truecaller.logs import cmb_payload, survey_payload
from simulators.truecaller.records import Account
from simulators.truecaller.state import SimulatorState
from simulators.truecaller.webhooks import VERIFICATION, Delivery, WebhookConfig

ACCOUNT = "/accounts/{account_id:str}"


def _webhook_out(config: WebhookConfig) -> ctl.WebhookOut:
    return ctl.WebhookOut(config.id, config.name, config.url, config.event_type)


@post(ACCOUNT + "/webhooks", status_code=201)
async def sim_add_webhook(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.WebhookIn]
) -> ctl.WebhookOut:
    """A webhook for Call-Me-Back or User-Feedback events (at most five per account)."""
    sim(request).directory.account(account_id)
    config = sim(request).webhooks.add(account_id, data.name, data.url, data.event_type)
    return _webhook_out(config)


@get(ACCOUNT + "/webhooks")
async def sim_list_webhooks(request: AnyRequest, account_id: FromPath[str]) -> ctl.WebhooksOut:
    return ctl.WebhooksOut([_webhook_out(c) for c in sim(request).webhooks.configs(account_id)])


@put(ACCOUNT + "/webhooks/{webhook_id:str}")
async def sim_update_webhook(
    request: AnyRequest,
    account_id: FromPath[str],
    webhook_id: FromPath[str],
    data: JSONBody[ctl.WebhookUrlIn],
) -> ctl.WebhookOut:
    """Point a webhook at another URL; pending retries use it."""
    return _webhook_out(sim(request).webhooks.update(account_id, webhook_id, data.url))


@delete(ACCOUNT + "/webhooks/{webhook_id:str}")
async def sim_delete_webhook(
    request: AnyRequest, account_id: FromPath[str], webhook_id: FromPath[str]
) -> None:
    """Delete a webhook; its pending retries end as ``webhook_not_found``."""
    sim(request).webhooks.delete(account_id, webhook_id)


def _first_listed(state: SimulatorState, account: Account) -> tuple[str, str]:
    for entry in state.numbers.entries(account.id):
        if entry.status == "listed":
            return entry.phone_number, account.feature_sets[entry.feature_set_id].name
    raise ValueError("give business_number and feature_set: the account has no listed number")


def _send(
    state: SimulatorState, account_id: str, event: wire.CmbEvent | wire.FeedbackEvent
) -> list[str]:
    """Start one delivery per webhook of the account for the event's type."""
    ids = []
    for config in state.webhooks.configs(account_id, event.event_type):
        delivery = state.webhooks.new_delivery(
            event.event_type, event.event_id, config.url, event, account_id, config.id
        )
        state.dispatcher.send(delivery)
        ids.append(delivery.id)
    return ids


@post(ACCOUNT + "/cmb", status_code=201)
async def sim_cmb(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.CmbIn]
) -> ctl.EventOut:
    """A user asks for a call back; the event is kept and sent to the account's cmb webhooks."""
    state = sim(request)
    account = state.directory.account(account_id)
    number, feature_set = data.business_number, data.feature_set
    if number is None or feature_set is None:
        listed_number, listed_set = _first_listed(state, account)
        number, feature_set = number or listed_number, feature_set or listed_set
    payload = cmb_payload(
        number,
        feature_set,
        data.client_number,
        state.ctx.now(),
        data.slot,
        data.is_interested,
        data.alternate_number,
        data.cmb_config_name,
    )
    event = state.events.add_cmb(account_id, payload)
    return ctl.EventOut(event, _send(state, account_id, event))


@post(ACCOUNT + "/feedback", status_code=201)
async def sim_feedback(
    request: AnyRequest, account_id: FromPath[str], data: JSONBody[ctl.FeedbackIn]
) -> ctl.EventOut:
    """A user answers a feedback campaign; sent to the account's user_feedback webhooks."""
    state = sim(request)
    account = state.directory.account(account_id)
    survey_id = data.survey_id or next(iter(account.surveys), "")
    survey = state.directory.survey(account_id, survey_id)
    if survey is None:
        raise LookupError(f"no survey {survey_id} in account {account_id}")
    number, feature_set = data.business_number, data.feature_set
    if number is None or feature_set is None:
        listed_number, listed_set = _first_listed(state, account)
        number, feature_set = number or listed_number, feature_set or listed_set
    payload = survey_payload(
        survey, number, feature_set, data.client_number, state.ctx.now(), data.responses
    )
    event = state.events.add_feedback(account_id, survey, payload)
    return ctl.EventOut(event, _send(state, account_id, event))


def _delivery_out(delivery: Delivery) -> ctl.DeliveryOut:
    return ctl.DeliveryOut(
        id=delivery.id,
        kind=delivery.kind,
        reference=delivery.reference,
        account_id=delivery.account_id,
        webhook_id=delivery.webhook_id,
        url=delivery.url,
        status=delivery.status,
        attempts=[ctl.AttemptOut(**dataclasses.asdict(a)) for a in delivery.attempts],
        payload=msgspec.Raw(delivery.body),
    )


@get("/deliveries")
async def sim_deliveries(
    request: AnyRequest, kind: FromQuery[str | None] = None
) -> ctl.DeliveriesOut:
    """Deliveries, oldest first; ``kind``: ``webhook``, ``cmb``, ``user_feedback`` or
    ``verification``."""
    return ctl.DeliveriesOut([_delivery_out(d) for d in sim(request).webhooks.deliveries(kind)])


@get("/verifications")
async def sim_verifications(request: AnyRequest) -> ctl.DeliveriesOut:
    """The verification callbacks sent, with every attempt."""
    found = sim(request).webhooks.deliveries(VERIFICATION)
    return ctl.DeliveriesOut([_delivery_out(d) for d in found])


@delete("/deliveries")
async def sim_clear_deliveries(request: AnyRequest) -> None:
    """Forget past deliveries (those in flight keep going)."""
    sim(request).webhooks.clear_deliveries()


HANDLERS = [
    sim_add_webhook,
    sim_list_webhooks,
    sim_update_webhook,
    sim_delete_webhook,
    sim_cmb,
    sim_feedback,
    sim_deliveries,
    sim_verifications,
    sim_clear_deliveries,
]
