"""Two replicas on PostgreSQL and Redis: what one writes the other uses, revocations spread
within the freshness bound, and a database outage degrades instead of corrupting.

The replicas are real ``gateway serve`` processes; PostgreSQL and Redis are real servers the
tests start; the vendor is the TrustCaller simulator.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from simulators.server import RunningServer
from tests.integration.conftest import create_sim_account
from tests.postgres_server import PostgresServer
from tests.processes import clean_env, free_port, stop, wait_until_up

PROPAGATION_BOUND = 2.0
OUTAGE_SECONDS = 10.0


@dataclass
class Pair:
    urls: list[str]
    admin_key: str = field(repr=False)
    env: dict[str, str] = field(repr=False)

    def admin(self, replica: int) -> httpx.Client:
        return httpx.Client(
            base_url=self.urls[replica],
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=15,
        )

    def client(self, replica: int, key: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.urls[replica], headers={"Authorization": f"Bearer {key}"}, timeout=15
        )


@pytest.fixture
def pair(
    tmp_path: Path, redis_url: str, postgres_url: str, trustcaller_sim: RunningServer
) -> Iterator[Pair]:
    admin_key = generate_api_key()
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=admin_key,
        GATEWAY_REDIS_URL=redis_url,
        GATEWAY_DATABASE_URL=postgres_url,
        GATEWAY_TRUSTCALLER_BASE_URL=trustcaller_sim.url + "/api/v1",
        GATEWAY_LOG_LEVEL="WARNING",
        GATEWAY_LOG_FORMAT="json",
    )
    gateway = [sys.executable, "-m", "gateway.cli"]
    subprocess.run([*gateway, "db", "upgrade"], env=env, check=True, timeout=60)
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [*gateway, "serve", "--port", str(port)],
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
        yield Pair(urls, admin_key, env)
    finally:
        stop(
            {
                process: tmp_path / f"replica-{port}.log"
                for process, port in zip(processes, ports, strict=True)
            }
        )


def make_tenant(pair: Pair, sim_control: httpx.Client, name: str) -> tuple[str, str]:
    """A tenant with a key and a TrustCaller credential, made on replica 0."""
    with pair.admin(0) as admin:
        tenant = admin.post("/v1/admin/tenants", json={"name": name}).json()["id"]
        key = admin.post(
            f"/v1/admin/tenants/{tenant}/keys",
            json={"name": "app", "scopes": ["numbers:read", "admin"]},
        ).json()["key"]
        account = create_sim_account(sim_control)
        stored = admin.put(
            f"/v1/admin/tenants/{tenant}/credentials/trustcaller",
            json={"secret": {"token": account["token"]}},
        )
        assert stored.status_code == 200, stored.text
    return tenant, key


def test_what_one_replica_writes_the_other_uses(pair: Pair, sim_control: httpx.Client) -> None:
    _, key = make_tenant(pair, sim_control, "shared")

    with pair.client(1, key) as other:
        numbers = other.get("/v1/numbers")

    assert numbers.status_code == 200, numbers.text
    assert numbers.json()["data"], "the credential stored on replica 0 works on replica 1"


def test_a_key_revoked_on_one_replica_is_refused_on_the_other_within_the_bound(
    pair: Pair, sim_control: httpx.Client
) -> None:
    tenant, key = make_tenant(pair, sim_control, "revoked")
    with pair.admin(0) as admin:
        key_id = admin.get(f"/v1/admin/tenants/{tenant}/keys").json()["data"][0]["id"]
    with pair.client(1, key) as other:
        assert other.get("/v1/numbers").status_code == 200

        with pair.admin(0) as admin:
            assert admin.delete(f"/v1/admin/tenants/{tenant}/keys/{key_id}").status_code == 204
        revoked_at = time.monotonic()
        while other.get("/v1/numbers").status_code != 401:
            assert time.monotonic() - revoked_at < PROPAGATION_BOUND + 1, "still accepted"
            time.sleep(0.05)
        took = time.monotonic() - revoked_at

    print(f"revocation reached the other replica after {took * 1000:.0f} ms")
    assert took <= PROPAGATION_BOUND


def test_a_credential_deleted_on_one_replica_is_not_used_by_the_other_within_the_bound(
    pair: Pair, sim_control: httpx.Client
) -> None:
    tenant, key = make_tenant(pair, sim_control, "forgotten")
    with pair.client(1, key) as other:
        assert other.get("/v1/numbers", params={"vendor": "trustcaller"}).status_code == 200

        with pair.admin(0) as admin:
            deleted = admin.delete(f"/v1/admin/tenants/{tenant}/credentials/trustcaller")
            assert deleted.status_code == 204
        deleted_at = time.monotonic()
        while (listed := other.get("/v1/numbers", params={"vendor": "trustcaller"})).is_success:
            assert time.monotonic() - deleted_at < PROPAGATION_BOUND + 1, "still used"
            time.sleep(0.05)
        took = time.monotonic() - deleted_at

    print(f"the deletion reached the other replica after {took * 1000:.0f} ms")
    assert took <= PROPAGATION_BOUND
    assert listed.status_code == 409, listed.text


def test_a_disabled_tenant_is_refused_everywhere_and_enabled_again(
    pair: Pair, sim_control: httpx.Client
) -> None:
    tenant, key = make_tenant(pair, sim_control, "paused")

    with pair.admin(0) as admin:
        disabled = admin.patch(f"/v1/admin/tenants/{tenant}", json={"disabled": True})
    time.sleep(PROPAGATION_BOUND)
    refused = [pair.client(i, key).get("/v1/numbers").status_code for i in (0, 1)]
    with pair.admin(1) as admin:
        enabled = admin.patch(f"/v1/admin/tenants/{tenant}", json={"disabled": False})
        listed = {t["id"]: t for t in admin.get("/v1/admin/tenants").json()["data"]}
    time.sleep(PROPAGATION_BOUND)
    back = [pair.client(i, key).get("/v1/numbers").status_code for i in (0, 1)]

    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    assert refused == [401, 401]
    assert enabled.json()["disabled_at"] is None
    assert listed[tenant]["disabled_at"] is None
    assert back == [200, 200]


def test_the_database_stopping_mid_traffic_degrades_and_recovers(
    pair: Pair, sim_control: httpx.Client, postgres_server: PostgresServer
) -> None:
    tenant, key = make_tenant(pair, sim_control, "outage")
    for replica in (0, 1):
        assert pair.client(replica, key).get("/v1/numbers").status_code == 200

    postgres_server.stop()
    try:
        reads = []
        stopped_at = time.monotonic()
        while time.monotonic() - stopped_at < OUTAGE_SECONDS:
            reads.append(pair.client(len(reads) % 2, key).get("/v1/numbers"))
            time.sleep(0.5)
        with pair.admin(0) as admin:
            write = admin.post(
                f"/v1/admin/tenants/{tenant}/keys", json={"name": "x", "scopes": ["numbers:read"]}
            )
        readiness = httpx.get(pair.urls[1] + "/readyz").json()
    finally:
        postgres_server.start()
    deadline = time.monotonic() + 15
    with pair.admin(0) as admin:
        while True:
            again = admin.post(
                f"/v1/admin/tenants/{tenant}/keys", json={"name": "x", "scopes": ["numbers:read"]}
            )
            if again.status_code == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        keys = admin.get(f"/v1/admin/tenants/{tenant}/keys").json()["data"]

    assert len(reads) >= 15
    assert [r.status_code for r in reads] == [200] * len(reads), "seen keys keep working"
    assert write.status_code == 503, write.text
    assert int(write.headers["retry-after"]) >= 1
    assert write.headers["content-type"] == "application/problem+json"
    assert readiness["status"] == "degraded"
    assert again.status_code == 201, "writes succeed again once the database is back"
    assert len(keys) == 2, "the refused write left nothing behind; the retried one is there"
