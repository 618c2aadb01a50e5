"""A call canceled through the gateway is a ``call.canceled`` event, though no vendor reports it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.own_topcalls import calling_tenant, on_topcalls, place_call

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
    return on_topcalls(gateway_settings, queueing_topcalls)


def test_a_call_canceled_through_the_gateway_is_a_call_canceled_event_once(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    queueing_topcalls: RunningServer,
) -> None:
    tenant = calling_tenant(gateway, make_tenant, queueing_topcalls, "canceler")
    call_id = place_call(tenant)

    first = tenant.client.post(f"/v1/calls/{call_id}/cancel", headers={"Idempotency-Key": "c-1"})
    again = tenant.client.post(f"/v1/calls/{call_id}/cancel", headers={"Idempotency-Key": "c-1"})
    canceled = tenant.client.get(
        "/v1/events", params={"type": "call.canceled", "subject": call_id}
    ).json()["data"]

    assert (first.status_code, again.status_code) == (200, 200), (first.text, again.text)
    assert len(canceled) == 1
    assert canceled[0]["data"] == tenant.client.get(f"/v1/calls/{call_id}").json()
    assert canceled[0]["data"]["status"] == "canceled"
