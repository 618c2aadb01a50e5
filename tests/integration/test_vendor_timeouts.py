"""A vendor that gives up waiting for the gateway's answer sends again; the gateway, which had
stored the delivery, records the event once.

The TopCalls simulator here waits for an answer far less than the gateway takes to give one, as
a slow network would make it: every attempt times out on the vendor's side although the gateway
received and stored it, so the vendor retries on its schedule and the gateway gets the same
delivery several times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import httpx
import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.own_topcalls import calling_tenant, on_topcalls, place_call, poll

IMPATIENT = SimulatorConfig(
    queue_seconds=0.2,
    talk_seconds=0.3,
    post_processing_seconds=0.2,
    rate_limit=1_000_000,
    webhook_timeout_seconds=0.001,
    webhook_retry_delays=(0.2, 0.2, 0.2, 0.2),
)


@pytest.fixture
def impatient_topcalls() -> Iterator[RunningServer]:
    server = start_in_thread(create_simulator_app(IMPATIENT))
    yield server
    server.stop()


@pytest.fixture
def gateway_settings(gateway_settings: Settings, impatient_topcalls: RunningServer) -> Settings:
    return on_topcalls(gateway_settings, impatient_topcalls)


def test_deliveries_the_vendor_timed_out_on_and_sent_again_are_one_event(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    impatient_topcalls: RunningServer,
) -> None:
    tenant = calling_tenant(gateway, make_tenant, impatient_topcalls, "impatient")
    call_id = place_call(tenant)

    attempts = poll(
        lambda: [
            a
            for a in httpx.get(impatient_topcalls.url + "/_sim/webhooks").json()["data"]
            if a["event"] == "call.completed"
        ],
        lambda found: any(a["outcome"] == "failed" for a in found),
    )
    timeline = poll(
        lambda: tenant.client.get(
            "/v1/events", params={"subject": call_id, "type": "call.*"}
        ).json()["data"],
        lambda found: "call.completed" in {e["type"] for e in found},
        timeout=45,  # a delivery whose read-back failed waits 2, 4, 8... s: by design
    )
    path = gateway.data_dir / "gateway.sqlite3"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        received = connection.execute(
            "SELECT count(*) FROM inbound_webhooks WHERE CAST(body AS TEXT) LIKE ?",
            ('%"call.completed"%',),
        ).fetchone()[0]

    assert len(attempts) == 1 + len(IMPATIENT.webhook_retry_delays)
    assert all(a["outcome"] in ("retrying", "failed") for a in attempts), attempts
    assert received >= 2, "the gateway stored the delivery more than once"
    types = [e["type"] for e in timeline]
    assert types.count("call.completed") == 1, types
    assert sorted(types) == sorted(set(types)), f"one event per vendor event: {types}"
