"""A TopCalls simulator of a test's own (its timings and webhook behaviour chosen by the test),
and a tenant whose calls go through it with their events reported to the gateway."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import httpx

from gateway.settings import Settings
from simulators.server import RunningServer
from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.webhook_receiver import poll

__all__ = ["calling_tenant", "on_topcalls", "place_call", "poll"]


def on_topcalls(settings: Settings, simulator: RunningServer) -> Settings:
    """``settings`` with TopCalls reached at ``simulator``."""
    vendors = dict(settings.vendors)
    vendors["topcalls"] = dataclasses.replace(vendors["topcalls"], base_url=simulator.url)
    return settings.replace(vendors=vendors)


def calling_tenant(
    gateway: GatewayStack,
    make_tenant: Callable[..., TenantHandle],
    simulator: RunningServer,
    name: str,
) -> TenantHandle:
    """A tenant with a TopCalls credential on ``simulator`` and an inbound endpoint, so the
    calls it places report their events to the gateway."""
    tenant = make_tenant(name)
    admin = gateway.admin()
    account = httpx.post(simulator.url + "/_sim/accounts", json={"name": name, "demo": True})
    stored = admin.put(
        f"/v1/admin/tenants/{tenant.id}/credentials/topcalls",
        params={"verify": "false"},
        json={"secret": {"api_key": account.json()["api_key"]}},
    )
    assert stored.status_code == 200, stored.text
    endpoint = admin.put(f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/topcalls", json={})
    assert endpoint.status_code == 200, endpoint.text
    return tenant


def place_call(tenant: TenantHandle) -> str:
    """A TopCalls call placed through the gateway; its id."""
    placed = tenant.client.post(
        "/v1/calls",
        json={"vendor": "topcalls", "to_number": "+14155550123", "task": "Confirm the visit"},
    )
    assert placed.status_code == 201, placed.text
    return str(placed.json()["id"])
