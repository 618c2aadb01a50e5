"""A cached read answers with its last answer, marked stale, when the vendor cannot be asked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.settings import Settings
from tests.databases import migrated
from tests.integration.conftest import TenantHandle
from tests.redis_server import RedisServer

LOCAL_SECONDS = 0.2


async def migrate(url: str, data_dir: Path) -> None:
    database = await migrated(url, data_dir)
    await database.close()


@pytest.fixture
def gateway_settings(
    gateway_settings: Settings, redis_url: str, postgres_url: str, tmp_path: Path
) -> Settings:
    """Shared stores, and an in-process cache tier that forgets quickly."""
    asyncio.run(migrate(postgres_url, tmp_path))
    return gateway_settings.with_stores(
        redis_url=redis_url, database_url=postgres_url
    ).with_policies(cache_local_seconds=LOCAL_SECONDS)


def test_during_a_redis_outage_a_failing_vendor_is_answered_from_the_stale_copy(
    tenant: TenantHandle, inject: Callable[..., None], redis_server: RedisServer
) -> None:
    fresh = tenant.client.get("/v1/test-numbers")
    assert (fresh.status_code, fresh.headers["X-Cache"]) == (200, "MISS")
    redis_server.stop()
    time.sleep(LOCAL_SECONDS * 2)  # the in-process tier has let go; Redis cannot answer
    inject(status=500, count=10, path_prefix="/test-numbers")

    stale = tenant.client.get("/v1/test-numbers")

    assert stale.status_code == 200, stale.text
    assert stale.headers["X-Cache"] == "STALE"
    assert int(stale.headers["Age"]) >= 0
    assert stale.json() == fresh.json()


def test_without_a_stale_copy_the_failure_is_the_answer(
    tenant: TenantHandle, inject: Callable[..., None]
) -> None:
    inject(status=500, count=10, path_prefix="/test-numbers")

    failed = tenant.client.get("/v1/test-numbers")

    assert failed.status_code == 502
    assert failed.json()["type"] == "/problems/vendor-error"
