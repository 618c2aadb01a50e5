"""Retries, circuit breaking and their effects as the vendor (the simulator) sees them."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.integration.conftest import BREAKER_OPEN_SECONDS, GatewayStack, TenantHandle


def vendor_requests(sim_control: httpx.Client, endpoint: str) -> int:
    return sim_control.get("/requests").json()["by_endpoint"].get(endpoint, 0)


def test_an_idempotent_read_is_retried_through_a_vendor_blip(
    tenant: TenantHandle, inject: Callable[..., None], sim_control: httpx.Client
) -> None:
    inject(status=503, count=1, path_prefix="/numbers")

    response = tenant.client.get("/v1/numbers", params={"vendor": "trustcaller"})

    assert response.status_code == 200
    assert vendor_requests(sim_control, "GET /numbers") == 2


def test_a_non_idempotent_call_is_never_retried(
    tenant: TenantHandle,
    inject: Callable[..., None],
    sim_control: httpx.Client,
    gateway: GatewayStack,
) -> None:
    inject(status=503, count=1, path_prefix="/auth/keys", method="POST")

    rotated = gateway.admin().post(f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller/rotate")

    assert rotated.status_code == 502
    assert vendor_requests(sim_control, "POST /auth/keys") == 1


def test_a_5xx_storm_opens_the_breaker_which_fails_fast_and_recovers(
    tenant: TenantHandle, inject: Callable[..., None], sim_control: httpx.Client
) -> None:
    inject(status=500, path_prefix="/calls")
    params = {"vendor": "trustcaller"}

    storm = [tenant.client.get("/v1/calls", params=params).status_code for _ in range(4)]
    reached_during_storm = vendor_requests(sim_control, "GET /calls")
    fast = tenant.client.get("/v1/calls", params=params)

    assert storm[0] == 502
    assert 503 in storm
    # 3 attempts for the first request, 2 more open the breaker (threshold 5), then none
    assert reached_during_storm == 5
    assert fast.status_code == 503
    assert fast.json()["type"] == "/problems/vendor-circuit-open"
    assert int(fast.headers["retry-after"]) >= 1
    assert vendor_requests(sim_control, "GET /calls") == reached_during_storm
    readiness = tenant.client.get("/readyz").json()
    assert readiness["status"] == "degraded"
    assert {
        "name": "vendor:trustcaller",
        "status": "degraded",
        "detail": "1 circuit breaker(s) open",
    } in readiness["checks"]

    sim_control.delete("/faults")
    time.sleep(BREAKER_OPEN_SECONDS + 0.1)
    recovered = tenant.client.get("/v1/calls", params=params)

    assert recovered.status_code == 200
    assert tenant.client.get("/v1/calls", params=params).status_code == 200
