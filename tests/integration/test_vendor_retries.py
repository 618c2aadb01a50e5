"""A vendor retrying a delivery the gateway failed to take still makes one event.

The gateway runs on PostgreSQL; while a TopCalls call is under way the database goes down, so
the gateway answers the simulator's deliveries with a 503 and the simulator retries them on its
schedule (compressed here). When the database is back the retries land, and every call event is
in the log once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.settings import Settings
from simulators.server import RunningServer, start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from tests.databases import migrated
from tests.integration.conftest import GatewayStack, TenantHandle
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
    vendors = dict(gateway_settings.vendors)
    vendors["topcalls"] = dataclasses.replace(vendors["topcalls"], base_url=retrying_topcalls.url)
    return gateway_settings.replace(vendors=vendors).with_stores(database_url=postgres_url)


def poll(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_deliveries_the_gateway_failed_are_retried_by_the_vendor_and_recorded_once(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    retrying_topcalls: RunningServer,
    postgres_server: PostgresServer,
) -> None:
    tenant = make_tenant("retried")
    admin = gateway.admin()
    account = httpx.post(
        retrying_topcalls.url + "/_sim/accounts", json={"name": "retried", "demo": True}
    ).json()
    stored = admin.put(
        f"/v1/admin/tenants/{tenant.id}/credentials/topcalls",
        params={"verify": "false"},
        json={"secret": {"api_key": account["api_key"]}},
    )
    assert stored.status_code == 200, stored.text
    endpoint = admin.put(f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/topcalls", json={})
    assert endpoint.status_code == 200, endpoint.text
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    call_id = placed.json()["id"]

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
