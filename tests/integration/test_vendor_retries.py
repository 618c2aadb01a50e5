"""A vendor retrying a delivery the gateway failed to take still makes one event.

The gateway runs on PostgreSQL; while a TopCalls call is under way the database goes down, so
the gateway answers the simulator's deliveries with a 503 and the simulator retries them on its
schedule (compressed here). When the database is back the retries land, and every call event is
in the log once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from tests.databases import migrated
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.own_topcalls import calling_tenant, on_topcalls, place_call, poll
from tests.postgres_server import PostgresServer

RETRYING = SimulatorConfig(
    queue_seconds=0.5,
    talk_seconds=1.5,
    post_processing_seconds=0.5,
    rate_limit=1_000_000,
    webhook_retry_delays=(1.0, 1.0, 1.0, 1.0),
    webhook_timeout_seconds=5.0,
)
"""Calls that take a few seconds, and retries a second apart: long enough to outlast an outage."""


async def migrate(url: str, data_dir: Path) -> None:
    database = await migrated(url, data_dir)
    await database.close()


@pytest.fixture
def retrying_topcalls() -> Iterator[RunningServer]:
    server = start_in_thread(create_simulator_app(RETRYING))
    yield server
    server.stop()


@pytest.fixture
def gateway_settings(
    gateway_settings: Settings, retrying_topcalls: RunningServer, postgres_url: str, tmp_path: Path
) -> Settings:
    """The system of record on PostgreSQL, TopCalls on the retrying simulator."""
    asyncio.run(migrate(postgres_url, tmp_path))
    return on_topcalls(gateway_settings, retrying_topcalls).with_stores(database_url=postgres_url)


def test_deliveries_the_gateway_failed_are_retried_by_the_vendor_and_recorded_once(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    retrying_topcalls: RunningServer,
    postgres_server: PostgresServer,
) -> None:
    tenant = calling_tenant(gateway, make_tenant, retrying_topcalls, "retried")
    call_id = place_call(tenant)

    postgres_server.stop()  # the call starts while the gateway cannot store a delivery
    try:
        poll(
            lambda: httpx.get(retrying_topcalls.url + "/_sim/webhooks").json()["data"],
            lambda log: any(a["outcome"] == "retrying" for a in log),
        )
    finally:
        postgres_server.start()
    timeline = poll(
        lambda: tenant.client.get(
            "/v1/events", params={"subject": call_id, "type": "call.*"}
        ).json()["data"],
        lambda found: {"call.started", "call.completed"} <= {e["type"] for e in found},
    )
    attempts = httpx.get(retrying_topcalls.url + "/_sim/webhooks").json()["data"]

    failed = {a["delivery_id"] for a in attempts if a["outcome"] == "retrying"}
    delivered = {a["delivery_id"] for a in attempts if a["outcome"] == "delivered"}
    assert failed, "the gateway refused at least one delivery while its database was down"
    assert failed <= delivered, "every refused delivery was retried until the gateway took it"
    assert {a["status_code"] for a in attempts if a["outcome"] == "retrying"} <= {503, None}
    types = [e["type"] for e in timeline]
    assert sorted(types) == sorted(set(types)), f"one event per vendor event: {types}"
    assert {"call.started", "call.completed"} <= set(types)
