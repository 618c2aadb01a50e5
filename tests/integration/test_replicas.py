"""Two gateway processes sharing PostgreSQL and Redis in front of the TrustCaller simulator."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from simulators.server import RunningServer
from tests.integration.conftest import create_sim_account
from tests.processes import clean_env, free_port, stop, wait_until_up
from tests.redis_server import RedisServer

MAX_WAIT = 2


@dataclass
class Replicas:
    urls: list[str]
    tenant_key: str
    second_tenant_key: str
    vendor_key_ids: tuple[str, str]
    sim_control: httpx.Client
    numbers: list[str]


@pytest.fixture
def replicas(
    tmp_path: Path,
    redis_url: str,
    postgres_url: str,
    trustcaller_sim: RunningServer,
    sim_control: httpx.Client,
) -> Iterator[Replicas]:
    admin_key = generate_api_key()
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=admin_key,
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_DATABASE_URL=postgres_url,
        GATEWAY_TRUSTCALLER_BASE_URL=trustcaller_sim.url + "/api/v1",
        GATEWAY_SHAPING_MAX_WAIT=str(MAX_WAIT),
        GATEWAY_REDIS_TIMEOUT="0.2",
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_LOG_FORMAT="json",
    )
    subprocess.run(
        [sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, check=True, timeout=60
    )
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"replica-{port}.log").open("w"),
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until_up(url)
        admin = {"Authorization": f"Bearer {admin_key}"}
        keys, vendor_key_ids, numbers = [], [], []
        for name in ("first", "second"):
            tenant = httpx.post(urls[0] + "/v1/admin/tenants", json={"name": name}, headers=admin)
            tenant_id = tenant.json()["id"]
            key = httpx.post(
                f"{urls[1]}/v1/admin/tenants/{tenant_id}/keys",
                json={"name": "load", "scopes": ["numbers:read", "calls:read"]},
                headers=admin,
            ).json()["key"]
            account = create_sim_account(sim_control)
            # unverified: a check would spend one request of the budget these tests measure
            stored = httpx.put(
                f"{urls[0]}/v1/admin/tenants/{tenant_id}/credentials/trustcaller",
                params={"verify": "false"},
                json={"secret": {"token": account["token"]}},
                headers=admin,
            )
            assert stored.status_code == 200
            keys.append(key)
            vendor_key_ids.append(str(account["key_id"]))
            numbers.append("+" + account["numbers"][0])
        yield Replicas(
            urls, keys[0], keys[1], (vendor_key_ids[0], vendor_key_ids[1]), sim_control, numbers
        )
    finally:
        stop(
            {
                process: tmp_path / f"replica-{port}.log"
                for process, port in zip(processes, ports, strict=True)
            }
        )


async def _spread(
    replicas: Replicas, count: int, path: str, params: dict[str, str], key: str
) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.get(replicas.urls[i % 2] + path, params=params, headers=headers)
                for i in range(count)
            )
        )


def test_200_concurrent_requests_on_two_replicas_never_exceed_the_vendor_budget(
    replicas: Replicas,
) -> None:
    responses = asyncio.run(
        _spread(
            replicas, 200, "/v1/calls/live", {"number": replicas.numbers[0]}, replicas.tenant_key
        )
    )

    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 429}, statuses
    refused = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert all("vendor_status" not in r.json() for r in refused), "the vendor itself said 429"
    seen = replicas.sim_control.get("/requests").json()
    by_key = seen["by_token_key_id"][replicas.vendor_key_ids[0]]
    assert by_key == statuses.count(200) <= 60
    assert seen["peak_per_rate_window"] <= 60
    assert statuses.count(200) == 60


def test_50_identical_test_number_requests_reach_the_vendor_once_per_tenant(
    replicas: Replicas,
) -> None:
    responses = asyncio.run(
        _spread(replicas, 50, "/v1/test-numbers", {"prefix": "+86"}, replicas.tenant_key)
    )
    other_tenant = httpx.get(
        replicas.urls[1] + "/v1/test-numbers",
        params={"prefix": "86"},
        headers={"Authorization": f"Bearer {replicas.second_tenant_key}"},
    )

    assert {r.status_code for r in responses} == {200}
    outcomes = [r.headers.get("x-cache") for r in responses]
    assert outcomes.count("MISS") == 1, outcomes
    assert other_tenant.status_code == 200 and other_tenant.headers["x-cache"] == "MISS"
    seen = replicas.sim_control.get("/requests").json()
    assert seen["by_endpoint"]["GET /test-numbers"] == 2
    assert seen["by_token_key_id"][replicas.vendor_key_ids[1]] == 1
    again = httpx.get(
        replicas.urls[0] + "/v1/test-numbers",
        params={"prefix": "86"},
        headers={"Authorization": f"Bearer {replicas.tenant_key}"},
    )
    assert again.headers["x-cache"] == "HIT" and int(again.headers["age"]) >= 0


def test_redis_stopping_mid_run_causes_no_5xx_and_shared_state_returns(
    replicas: Replicas, redis_server: RedisServer, redis_url: str
) -> None:
    key = replicas.tenant_key
    before = asyncio.run(_spread(replicas, 10, "/v1/numbers", {}, key))
    redis_server.stop()
    during = asyncio.run(_spread(replicas, 10, "/v1/numbers", {}, key))
    readiness = httpx.get(replicas.urls[0] + "/readyz")
    redis_server.start()
    client = redis.Redis(unix_socket_path=redis_url.removeprefix("unix://"))
    client.delete(*client.keys("{gw:rl:*"))  # what the limiter wrote before the outage
    time.sleep(1.5)
    after = asyncio.run(_spread(replicas, 10, "/v1/numbers", {}, key))

    for phase, batch in (("before", before), ("during", during), ("after", after)):
        statuses = [r.status_code for r in batch]
        assert all(status in (200, 429) for status in statuses), (phase, statuses)
    assert any(r.status_code == 200 for r in during)
    assert readiness.status_code == 200 and readiness.json()["status"] == "degraded"
    checks = {c["name"]: c["status"] for c in readiness.json()["checks"]}
    assert checks["redis"] == "degraded"
    assert checks["database"] == "ok", "the system of record does not depend on Redis"
    try:
        assert client.keys("{gw:rl:trustcaller:*}:log"), "the limiter did not return to Redis"
    finally:
        client.close()


async def _steady(
    replicas: Replicas, seconds: float, per_second: float, key: str, midway: Callable[[], None]
) -> list[httpx.Response]:
    """Requests spread over both replicas at a steady pace; ``midway`` runs halfway through."""
    headers = {"Authorization": f"Bearer {key}"}
    params = {"number": replicas.numbers[0]}
    async with httpx.AsyncClient(timeout=30) as client:
        tasks = []
        started = time.monotonic()
        count = int(seconds * per_second)
        for i in range(count):
            if i == count // 2:
                await asyncio.to_thread(midway)
            tasks.append(
                asyncio.create_task(
                    client.get(
                        replicas.urls[i % 2] + "/v1/calls/live", params=params, headers=headers
                    )
                )
            )
            await asyncio.sleep(max(0.0, started + (i + 1) / per_second - time.monotonic()))
        return list(await asyncio.gather(*tasks))


def _assert_the_vendor_saw_no_excess(replicas: Replicas, responses: list[httpx.Response]) -> None:
    statuses = [r.status_code for r in responses]
    assert 401 not in statuses, "a key stopped working: Redis must not hold what hurts to lose"
    assert all(s in (200, 429) for s in statuses), statuses
    assert all("vendor_status" not in r.json() for r in responses if r.status_code == 429), (
        "the vendor itself answered 429"
    )
    seen = replicas.sim_control.get("/requests").json()
    assert seen["peak_per_rate_window"] <= 60, seen["peak_per_rate_window"]
    assert seen["by_token_key_id"][replicas.vendor_key_ids[0]] <= 60
    assert statuses.count(200) == seen["by_token_key_id"][replicas.vendor_key_ids[0]]


def test_redis_emptied_mid_traffic_loses_nothing_and_the_vendor_sees_no_429(
    replicas: Replicas, redis_url: str
) -> None:
    client = redis.Redis(unix_socket_path=redis_url.removeprefix("unix://"))

    def flushall() -> None:
        client.flushall()

    try:
        responses = asyncio.run(_steady(replicas, 6, 25, replicas.tenant_key, flushall))
    finally:
        client.close()

    _assert_the_vendor_saw_no_excess(replicas, responses)
    readiness = httpx.get(replicas.urls[0] + "/readyz").json()
    checks = {c["name"]: c for c in readiness["checks"]}
    assert checks["redis"]["status"] == "ok" and "re-seeded" in checks["redis"]["detail"]


def test_redis_restarted_without_persistence_loses_nothing(
    replicas: Replicas, redis_server: RedisServer
) -> None:
    def restart_empty() -> None:
        redis_server.stop()
        for leftover in redis_server.directory.glob("appendonly*"):
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        redis_server.start()

    responses = asyncio.run(_steady(replicas, 6, 25, replicas.tenant_key, restart_empty))

    _assert_the_vendor_saw_no_excess(replicas, responses)
    numbers = httpx.get(
        replicas.urls[1] + "/v1/numbers",
        headers={"Authorization": f"Bearer {replicas.second_tenant_key}"},
    )
    assert numbers.status_code == 200, "tenants, keys and credentials survived the restart"
