"""A call canceled through the gateway is a ``call.canceled`` event, though no vendor reports it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import httpx
import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from tests.integration.conftest import GatewayStack, TenantHandle

HELD_IN_QUEUE = SimulatorConfig(queue_seconds=60.0, rate_limit=1_000_000)
"""Calls that stay queued until canceled."""


@pytest.fixture
def queueing_topcalls() -> Iterator[RunningServer]:
    server = start_in_thread(create_simulator_app(HELD_IN_QUEUE))
    yield server
    server.stop()


@pytest.fixture
def gateway_settings(gateway_settings: Settings, queueing_topcalls: RunningServer) -> Settings:
    """TopCalls on the simulator that holds calls in its queue."""
    vendors = dict(gateway_settings.vendors)
    vendors["topcalls"] = dataclasses.replace(vendors["topcalls"], base_url=queueing_topcalls.url)
    return gateway_settings.replace(vendors=vendors)


def test_a_call_canceled_through_the_gateway_is_a_call_canceled_event_once(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    queueing_topcalls: RunningServer,
) -> None:
    tenant = make_tenant("canceler")
    admin = gateway.admin()
    account = httpx.post(
        queueing_topcalls.url + "/_sim/accounts", json={"name": "canceler", "demo": True}
    ).json()
    stored = admin.put(
        f"/v1/admin/tenants/{tenant.id}/credentials/topcalls",
        params={"verify": "false"},
        json={"secret": {"api_key": account["api_key"]}},
    )
    assert stored.status_code == 200, stored.text
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]

    first = tenant.client.post(f"/v1/calls/{call_id}/cancel", headers={"Idempotency-Key": "c-1"})
    again = tenant.client.post(f"/v1/calls/{call_id}/cancel", headers={"Idempotency-Key": "c-1"})
    canceled = tenant.client.get(
        "/v1/events", params={"type": "call.canceled", "subject": call_id}
    ).json()["data"]

    assert (first.status_code, again.status_code) == (200, 200), (first.text, again.text)
    assert len(canceled) == 1
    assert canceled[0]["data"] == tenant.client.get(f"/v1/calls/{call_id}").json()
    assert canceled[0]["data"]["status"] == "canceled"
