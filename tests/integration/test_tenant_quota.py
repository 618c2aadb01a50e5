"""An optional per-tenant quota in front of the vendors' budgets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gateway.settings import Settings
from tests.integration.conftest import TenantHandle

QUOTA = 3


@pytest.fixture
def gateway_settings(gateway_settings: Settings) -> Settings:
    """The usual gateway, with a small tenant quota and no waiting for it."""
    return gateway_settings.with_policies(tenant_quota_per_minute=QUOTA, shaping_max_wait=0.0)


def test_a_tenant_past_its_quota_gets_429_and_others_do_not(
    make_tenant: Callable[..., TenantHandle],
) -> None:
    busy, quiet = make_tenant(name="busy"), make_tenant(name="quiet")

    statuses = [busy.client.get("/v1/numbers").status_code for _ in range(QUOTA + 1)]
    refused = busy.client.get("/v1/calls")

    assert statuses == [200] * QUOTA + [429]
    assert refused.status_code == 429
    assert "quota" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert quiet.client.get("/v1/numbers").status_code == 200
