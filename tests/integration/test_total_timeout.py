"""A vendor call is bounded in all, not only per read."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from gateway.settings import Settings
from tests.integration.conftest import TenantHandle

TOTAL = 0.3


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """Reads may take a second, but a whole call only 0.3 s, and no retries."""
    vendors = {
        name: dataclasses.replace(http, total_timeout=TOTAL)
        for name, http in gateway_settings.vendors.items()
    }
    return gateway_settings.replace(vendors=vendors).with_policies(retry_max_attempts=1)


def test_a_call_past_its_total_timeout_is_504(
    tenant: TenantHandle, inject: Callable[..., None]
) -> None:
    inject(latency_ms=600, count=1, path_prefix="/calls/check")

    response = tenant.client.get("/v1/calls/live", params={"number": tenant.vendor_numbers[0]})

    assert response.status_code == 504
    assert response.json()["type"] == "/problems/vendor-timeout"
    assert str(TOTAL) in response.json()["detail"]
