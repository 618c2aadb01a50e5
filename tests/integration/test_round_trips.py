"""What one request costs in round trips to the shared stores, counted by the stores themselves.

A gateway process on real Redis and real PostgreSQL, in front of the TrustCaller simulator.
Redis reports every command a client sent while a batch of requests ran (``MONITOR``, between
two markers; ``INFO commandstats`` cannot count round trips, as it also counts the commands a
script runs inside Redis); PostgreSQL logs every statement of the gateway's database
(``log_statement = all`` on that database), and the statements a batch of requests caused are
the log's lines written meanwhile. After warm-up, a cache hit costs neither
store anything, and an uncached vendor call costs exactly one Redis command: the rate limiter's
decision (the vendor-pause check is inside the same script). The event loops' own polling
(inbound deliveries, outbound deliveries) is told apart by the tables it reads; the follow-up
poller and the idle epoch check are set to their longest pace for the module, and the copies of
keys and credentials and the in-process cache tier to a lifetime longer than the module (a warm
request is one within them: by default a replica re-reads a key's copy after 10 s and a cached
answer from Redis after 5 s, once for all the requests in that time). Requests that arrive
together with a key no copy holds yet read it once between them.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from gateway.auth.keys import generate_api_key
from policies.vault import generate_key_spec
from simulators.server import start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app
from tests.databases import migrate
from tests.postgres_server import PostgresServer
from tests.processes import clean_env, free_port, stop, wait_until_up
from tests.redis_server import RedisServer

HITS = 20
UNCACHED = 10
BACKGROUND_TABLES = frozenset({"inbound_webhooks", "webhook_deliveries"})
"""What the event loops poll every few seconds whatever the traffic (not a request's doing)."""
_LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.MULTILINE)
_STATEMENT = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s(.*)", re.DOTALL)
_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|(?<!FOR )UPDATE)\s+\"?(\w+)", re.IGNORECASE)


@dataclass
class Stack:
    """The gateway process, its stores' counters and a tenant's key."""

    url: str
    headers: dict[str, str]
    number: str
    redis: redis.Redis
    postgres_log: Path
    admin_key: str
    tenant_id: str

    @contextmanager
    def redis_round_trips(self) -> Iterator[Counter[str]]:
        """Commands clients sent Redis while the block ran, by name (filled when it ends);
        commands a script runs inside Redis are not round trips and are left out."""
        marker = f"round-trips-{uuid.uuid4().hex}"
        sent: Counter[str] = Counter()
        watching = threading.Event()

        def watch() -> None:
            with self.redis.monitor() as monitor:
                inside = False
                for command in monitor.listen():
                    text = str(command["command"])
                    if marker in text:
                        if inside:
                            return
                        inside = True
                        watching.set()
                    elif inside and command["client_type"] != "lua":
                        sent[text.split(" ", 1)[0].strip('"').lower()] += 1

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        while not watching.is_set():
            self.redis.echo(marker)
            watching.wait(0.05)
        yield sent
        self.redis.echo(marker)
        watcher.join(10)
        assert not watcher.is_alive(), "Redis MONITOR did not see the end marker"

    def log_offset(self) -> int:
        """Where PostgreSQL's log ends now."""
        return self.postgres_log.stat().st_size

    def statements_since(self, offset: int) -> list[tuple[str, frozenset[str]]]:
        """Statements logged after ``offset`` with the tables each names; the event loops'
        polling and bare transaction control (``BEGIN``, ``COMMIT``) left out."""
        with self.postgres_log.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        starts = [m.start() for m in _LOG_ENTRY.finditer(text)] + [len(text)]
        found = []
        for start, end in itertools.pairwise(starts):
            statement = _STATEMENT.search(text[start:end].split("\nDETAIL:", 1)[0])
            if statement is None:
                continue
            tables = frozenset(t.lower() for t in _TABLE.findall(statement.group(1)))
            if tables and not tables <= BACKGROUND_TABLES:
                found.append((" ".join(statement.group(1).split())[:120], tables))
        return found

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(self.url + path, params=params, headers=self.headers, timeout=10)


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: RedisServer,
    postgres_server: PostgresServer,
) -> Iterator[Stack]:
    if postgres_server.process is None:
        postgres_server.start()
    if redis_server.process is None:
        redis_server.start()
    redis_server.flush()
    database_url = postgres_server.new_database()
    database = database_url.split("?", 1)[0].rsplit("/", 1)[1]
    postgres_server.psql(f"ALTER DATABASE {database} SET log_statement = 'all'")
    tmp_path = tmp_path_factory.mktemp("round-trips")
    simulator = start_in_thread(create_simulator_app(SimulatorConfig()))
    admin_key = generate_api_key()
    env = clean_env(
        GATEWAY_DATA_DIR=str(tmp_path / "data"),
        GATEWAY_VAULT_KEYS=generate_key_spec(),
        GATEWAY_ADMIN_KEY=admin_key,
        GATEWAY_REDIS_URL=redis_server.url,
        GATEWAY_DATABASE_URL=database_url,
        GATEWAY_TRUSTCALLER_BASE_URL=simulator.url + "/api/v1",
        GATEWAY_EVENT_POLL_SECONDS="3600",
        GATEWAY_SHAPING_IDLE_CHECK_SECONDS="3600",
        GATEWAY_SHARED_COPY_SECONDS="300",
        GATEWAY_CACHE_LOCAL_SECONDS="300",
        GATEWAY_LOG_LEVEL="WARNING",
    )
    asyncio.run(migrate(database_url, tmp_path))
    port = free_port()
    log = tmp_path / "gateway.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    counter = redis.Redis(unix_socket_path=redis_server.url.removeprefix("unix://"))
    try:
        wait_until_up(url)
        admin = {"Authorization": f"Bearer {admin_key}"}
        tenant_id = httpx.post(
            url + "/v1/admin/tenants", json={"name": "rt"}, headers=admin
        ).json()["id"]
        key = httpx.post(
            f"{url}/v1/admin/tenants/{tenant_id}/keys",
            json={"name": "rt", "scopes": ["numbers:read", "calls:read"]},
            headers=admin,
        ).json()["key"]
        account = httpx.post(simulator.url + "/_sim/accounts", json={"name": "rt"}).json()
        stored = httpx.put(
            f"{url}/v1/admin/tenants/{tenant_id}/credentials/trustcaller",
            params={"verify": "false"},
            json={"secret": {"token": account["token"]}},
            headers=admin,
        )
        assert stored.status_code == 200, stored.text
        yield Stack(
            url=url,
            headers={"Authorization": f"Bearer {key}"},
            number="+" + account["numbers"][0],
            redis=counter,
            postgres_log=postgres_server.log,
            admin_key=admin_key,
            tenant_id=tenant_id,
        )
    finally:
        counter.close()
        stop({process: log})
        simulator.stop()


def test_the_counters_see_a_cold_request_reach_both_stores(stack: Stack) -> None:
    offset = stack.log_offset()
    with stack.redis_round_trips() as spent:
        cold = stack.get("/v1/test-numbers", prefix="+44")

    assert cold.status_code == 200 and cold.headers["x-cache"] == "MISS", cold.text
    assert spent["evalsha"] >= 1, spent
    tables = set().union(*(tables for _, tables in stack.statements_since(offset)))
    assert {"api_keys", "credentials"} <= tables, tables


def test_a_warm_cache_hit_makes_no_round_trip_to_redis_or_the_database(stack: Stack) -> None:
    assert stack.get("/v1/test-numbers", prefix="+86").headers["x-cache"] == "MISS"
    assert stack.get("/v1/test-numbers", prefix="+86").headers["x-cache"] == "HIT"
    offset = stack.log_offset()
    with stack.redis_round_trips() as spent:
        outcomes = [
            stack.get("/v1/test-numbers", prefix="+86").headers["x-cache"] for _ in range(HITS)
        ]

    assert outcomes == ["HIT"] * HITS
    statements = stack.statements_since(offset)
    assert (dict(spent), statements) == ({}, []), (
        f"{HITS} cache hits sent Redis {dict(spent)}; statements: {statements[:6]}"
    )


def test_an_uncached_vendor_call_makes_one_redis_round_trip_and_no_database_query(
    stack: Stack,
) -> None:
    assert stack.get("/v1/calls/live", number=stack.number).status_code == 200
    offset = stack.log_offset()
    with stack.redis_round_trips() as spent:
        statuses = [
            stack.get("/v1/calls/live", number=stack.number).status_code for _ in range(UNCACHED)
        ]

    assert statuses == [200] * UNCACHED
    statements = stack.statements_since(offset)
    assert (dict(spent), statements) == ({"evalsha": UNCACHED}, []), (
        f"{UNCACHED} vendor calls sent Redis {dict(spent)}; statements: {statements[:6]}"
    )


async def _all_at_once(url: str, path: str, key: str, count: int) -> list[int]:
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    ) as client:
        answers = await asyncio.gather(*(client.get(path) for _ in range(count)))
    return [answer.status_code for answer in answers]


def test_requests_arriving_together_with_an_unread_key_read_it_once(stack: Stack) -> None:
    key = httpx.post(
        f"{stack.url}/v1/admin/tenants/{stack.tenant_id}/keys",
        json={"name": "together", "scopes": ["numbers:read"]},
        headers={"Authorization": f"Bearer {stack.admin_key}"},
    ).json()["key"]
    offset = stack.log_offset()

    statuses = asyncio.run(_all_at_once(stack.url, "/v1/test-numbers?prefix=%2B1", key, 20))

    assert statuses == [200] * 20
    key_reads = [
        statement
        for statement, tables in stack.statements_since(offset)
        if "api_keys" in tables and statement.upper().startswith("SELECT")
    ]
    assert len(key_reads) == 1, f"20 requests read the new key {len(key_reads)} times"
