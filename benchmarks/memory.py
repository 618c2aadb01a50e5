"""Memory: the gateway's resident size with 10 tenants, then at more and more, each tenant's
credential used once (an uncached call and a cache fill), so every per-tenant and
per-credential map holds an entry for each.

Tenants, keys and credentials are written straight into the system of record through the
gateway's own stores (the admin API would take minutes for ten thousand), then each tenant calls
through the running gateway with its own key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

import aiohttp

from benchmarks.processes import Processes, Started
from benchmarks.under_test import SCOPES, Mode, environment, start
from gateway.auth.issue import issue_key
from gateway.auth.keys import Scope, new_id
from gateway.auth.store import Tenant
from gateway.services import open_stores
from gateway.settings import Settings

FIRST = 10
CONCURRENCY = 32
StartVendor = Callable[[Processes, int], tuple[str, list[dict[str, str]], Started]]


async def _seed(env: dict[str, str], accounts: Sequence[dict[str, str]]) -> list[tuple[str, str]]:
    """A tenant, a key and a stored credential per account: (key, number) of each."""
    stores = await open_stores(Settings.from_env(env))
    made = []
    try:
        for index, account in enumerate(accounts):
            tenant = Tenant(id=new_id("ten"), name=f"mem-{index}", created_at=datetime.now(UTC))
            await stores.tenants.create_tenant(tenant)
            key, _ = await issue_key(stores.tenants, tenant.id, "bench", map(Scope, SCOPES))
            await stores.vault.put(tenant.id, "trustcaller", {"token": account["token"]})
            made.append((key, "+" + account["number"]))
    finally:
        await stores.close()
    return made


async def _use(url: str, tenants: Sequence[tuple[str, str]]) -> int:
    """Each tenant's live check and test numbers once; how many answers were not 200."""
    failures = 0
    slots = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(url, connector=connector) as session:

        async def one(key: str, number: str) -> None:
            nonlocal failures
            headers = {"Authorization": f"Bearer {key}"}
            async with slots:
                for path in (f"/v1/calls/live?number={quote(number)}", "/v1/test-numbers"):
                    async with session.get(path, headers=headers) as response:
                        await response.read()
                        failures += response.status != 200

        await asyncio.gather(*(one(key, number) for key, number in tenants))
    return failures


def measure(
    running: Processes,
    steps: Sequence[int],
    transport: str,
    sink_url: str,
    vendor: StartVendor,
) -> list[str]:
    """The memory section's lines: RSS at :data:`FIRST` tenants, then at each of ``steps``
    (ascending totals), with the growth per tenant since the step before: past the bounded
    caches' sizes (10,000 credentials, answers, breakers), it should fall."""
    vendor_url, accounts, started_vendor = vendor(running, max(steps))
    mode = Mode("memory", running.directory / "memory", transport, sink_url)
    env = environment(mode, vendor_url)
    seeded = asyncio.run(_seed(env, accounts[:FIRST]))
    gateway = start(running, mode, vendor_url, env)
    failures = asyncio.run(_use(gateway.url, seeded))
    previous, used = gateway.started.rss_mb(), FIRST
    print(f"memory: {FIRST} tenants used, RSS {previous} MB", flush=True)
    lines = [f"- {FIRST} tenants, each credential used once: {_mb(previous)} per worker."]
    for step in sorted(steps):
        more = asyncio.run(_seed(env, accounts[used:step]))
        failures += asyncio.run(_use(gateway.url, more))
        rss = gateway.started.rss_mb()
        print(f"memory: {step} tenants used, RSS {rss} MB", flush=True)
        growth = sum(rss) - sum(previous)
        lines.append(
            f"- {step:,} tenants: {_mb(rss)} per worker; {growth:+.1f} MB for the last "
            f"{step - used:,}, about {growth * 1024 / max(1, step - used):.1f} KB per tenant."
        )
        previous, used = rss, step
    running.stop(gateway.started)
    running.stop(started_vendor)
    lines.append(f"- Answers other than 200 while using them: {failures}.")
    return lines


def _mb(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.0f} MB" for v in values)
