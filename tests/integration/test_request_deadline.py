"""One deadline per consumer request bounds every attempt, backoff and wait at a vendor."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import httpx
import pytest

from gateway.settings import Settings
from tests.integration.conftest import VENDOR_READ_TIMEOUT, TenantHandle

DEADLINE = 1.5
"""Room for one read timeout and a little, not for the three attempts a read may make."""


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """Reads time out after a second; the whole request at a vendor after 1.5 s; three attempts."""
    vendors = {
        name: dataclasses.replace(http, total_timeout=DEADLINE)
        for name, http in gateway_settings.vendors.items()
    }
    return gateway_settings.replace(vendors=vendors).with_policies(retry_max_attempts=3)


def test_retries_stop_at_the_requests_deadline_which_the_problem_names(
    tenant: TenantHandle, inject: Callable[..., None], sim_control: httpx.Client
) -> None:
    assert VENDOR_READ_TIMEOUT < DEADLINE < 2 * VENDOR_READ_TIMEOUT
    inject(latency_ms=5000, count=3, path_prefix="/calls/check")

    started = time.monotonic()
    response = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})
    waited = time.monotonic() - started
    attempts = sim_control.get("/requests").json()["by_endpoint"].get("GET /calls/check", 0)

    print(f"answered after {waited:.2f} s, {attempts} attempts, deadline {DEADLINE} s")
    assert response.status_code == 504
    assert response.json()["type"] == "/problems/vendor-timeout"
    assert response.json()["deadline_seconds"] == DEADLINE
    assert "deadline" in response.json()["detail"]
    assert attempts < 3, "a third attempt cannot fit in the deadline, so it is not made"
