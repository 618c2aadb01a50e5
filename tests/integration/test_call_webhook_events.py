"""A call's ``webhook_events`` narrows what its ``webhook_url`` receives: over the TopCalls
simulator, the real gateway and a real receiver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from simulators.server import RunningServer
from tests.integration.conftest import TenantHandle
from tests.integration.test_subscriptions_api import (
    gateway_settings,
    hooks,
    path_of,
    receiver,
    verified,
)
from tests.integration.webhook_receiver import WebhookReceiver, poll

__all__ = ["gateway_settings", "hooks", "receiver"]  # fixtures shared with the subscription tests

CALL = {"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"}


def events_of(tenant: TenantHandle, call_id: str) -> dict[str, str]:
    """The call's events in the log, by type: their ids."""
    answer = tenant.client.get("/v1/events", params={"subject": call_id, "type": "call.*"})
    assert answer.status_code == 200, answer.text
    return {event["type"]: event["id"] for event in answer.json()["data"]}


def test_a_calls_webhook_events_are_the_only_events_its_webhook_url_receives(
    make_tenant: Callable[..., TenantHandle],
    shared_topcalls_sim: RunningServer,
    hooks: tuple[WebhookReceiver, Callable[[], str]],
) -> None:
    app, new_url = hooks
    tenant = make_tenant("call-hook-events", all_vendors=True)
    secret = tenant.client.post("/v1/call-webhooks/rotate-secret").json()["secret"]
    url = new_url()

    placed = tenant.client.post(
        "/v1/calls", json={**CALL, "webhook_url": url, "webhook_events": ["call.completed"]}
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]
    got = poll(lambda: app.at(path_of(url)), lambda got: bool(got))
    logged = poll(
        lambda: events_of(tenant, call_id),
        lambda found: {"call.queued", "call.started", "call.completed"} <= set(found),
    )
    # Redelivery queues an event for every enabled subscription it matches: the call's own
    # subscription matches call.completed only.
    queued: dict[str, Any] = {
        type_: tenant.client.post(f"/v1/events/{logged[type_]}/redeliver").json()["queued"]
        for type_ in ("call.queued", "call.started", "call.completed")
    }
    again = poll(lambda: app.at(path_of(url)), lambda found: len(found) >= 2)

    assert [verified(secret, r)["type"] for r in got] == ["call.completed"]
    assert queued == {"call.queued": 0, "call.started": 0, "call.completed": 1}
    assert [verified(secret, r)["type"] for r in again] == ["call.completed"] * 2


def test_a_call_without_webhook_events_sends_its_webhook_url_every_call_event(
    make_tenant: Callable[..., TenantHandle],
    shared_topcalls_sim: RunningServer,
    hooks: tuple[WebhookReceiver, Callable[[], str]],
) -> None:
    _app, new_url = hooks
    tenant = make_tenant("call-hook-all", all_vendors=True)
    tenant.client.post("/v1/call-webhooks/rotate-secret")
    url = new_url()

    placed = tenant.client.post("/v1/calls", json={**CALL, "webhook_url": url})
    call_id = placed.json()["id"]
    logged = poll(
        lambda: events_of(tenant, call_id),
        lambda found: {"call.queued", "call.started", "call.completed"} <= set(found),
    )
    queued = {
        type_: tenant.client.post(f"/v1/events/{event_id}/redeliver").json()["queued"]
        for type_, event_id in logged.items()
    }

    assert placed.status_code == 201, placed.text
    assert set(queued.values()) == {1}, queued


@pytest.mark.parametrize("names", [["call.nonsense"], ["call.completed", "campaign.started"]])
def test_an_unknown_webhook_event_is_a_422_naming_the_field(
    make_tenant: Callable[..., TenantHandle],
    shared_topcalls_sim: RunningServer,
    hooks: tuple[WebhookReceiver, Callable[[], str]],
    names: list[str],
) -> None:
    _app, new_url = hooks
    tenant = make_tenant("call-hook-unknown", all_vendors=True)
    tenant.client.post("/v1/call-webhooks/rotate-secret")
    url = new_url()

    refused = tenant.client.post(
        "/v1/calls", json={**CALL, "webhook_url": url, "webhook_events": names}
    )

    assert refused.status_code == 422, refused.text
    fields = [e["field"] for e in refused.json()["errors"]]
    assert len(fields) == 1 and fields[0].startswith("body.webhook_events"), fields
