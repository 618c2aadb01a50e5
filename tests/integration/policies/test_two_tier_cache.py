"""The two-tier cache on a real Redis: one load for many concurrent misses, across replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from policies.cache import CacheSettings, TwoTierCache
from policies.redis_client import RedisSettings, create_redis
from tests.redis_server import RedisServer


class CountingLoader:
    """A slow origin that counts its calls (and can fail)."""

    def __init__(self, delay: float = 0.1, fail: bool = False) -> None:
        self.calls = 0
        self.delay = delay
        self.fail = fail

    async def __call__(self) -> bytes:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("origin failed")
        return b"answer-%d" % self.calls


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    made = [create_redis(RedisSettings(url=redis_url)) for _ in range(2)]
    yield made
    for client in made:
        await client.aclose()


async def test_concurrent_misses_on_two_replicas_make_one_load(clients: list[Redis]) -> None:
    replicas = [TwoTierCache(client, CacheSettings()) for client in clients]
    load = CountingLoader()

    results = await asyncio.gather(
        *(replicas[i % 2].get_or_load("t1:op:x", 300, load) for i in range(50))
    )

    assert load.calls == 1
    assert {entry.payload for entry, _ in results} == {b"answer-1"}
    assert sum(1 for _, hit in results if not hit) == 1


async def test_a_failed_load_is_not_cached(clients: list[Redis]) -> None:
    cache = TwoTierCache(clients[0], CacheSettings())
    failing = CountingLoader(delay=0, fail=True)

    with pytest.raises(RuntimeError):
        await cache.get_or_load("k", 300, failing)
    working = CountingLoader(delay=0)
    entry, hit = await cache.get_or_load("k", 300, working)

    assert (entry.payload, hit, working.calls) == (b"answer-1", False, 1)


async def test_refresh_loads_again_and_stores_for_everyone(clients: list[Redis]) -> None:
    first, second = (TwoTierCache(client, CacheSettings(local_seconds=0)) for client in clients)
    load = CountingLoader(delay=0)
    await first.get_or_load("k", 300, load)

    refreshed, hit = await first.get_or_load("k", 300, load, refresh=True)
    seen_elsewhere, hit_elsewhere = await second.get_or_load("k", 300, load)

    assert (refreshed.payload, hit) == (b"answer-2", False)
    assert (seen_elsewhere.payload, hit_elsewhere) == (b"answer-2", True)


async def test_entries_expire_with_their_ttl(clients: list[Redis]) -> None:
    cache = TwoTierCache(clients[0], CacheSettings())
    load = CountingLoader(delay=0)
    await cache.get_or_load("k", 0.2, load)

    await asyncio.sleep(0.3)
    entry, hit = await cache.get_or_load("k", 0.2, load)

    assert (entry.payload, hit) == (b"answer-2", False)


async def test_without_redis_the_cache_keeps_serving_from_memory(
    redis_url: str, redis_server: RedisServer
) -> None:
    client = create_redis(RedisSettings(url=redis_url, socket_timeout=0.2, connect_timeout=0.2))
    cache = TwoTierCache(client, CacheSettings())
    load = CountingLoader(delay=0)
    try:
        redis_server.stop()
        first, _ = await cache.get_or_load("k", 300, load)
        second, hit = await cache.get_or_load("k", 300, load)
    finally:
        await client.aclose()

    assert first.payload == second.payload and hit
    assert load.calls == 1
    assert cache.redis_failures > 0


async def test_a_cancelled_caller_does_not_fail_the_others_waiting_on_its_load(
    clients: list[Redis],
) -> None:
    cache = TwoTierCache(clients[0], CacheSettings())
    load = CountingLoader(delay=0.2)
    first = asyncio.create_task(cache.get_or_load("k", 300, load))
    await asyncio.sleep(0.01)
    others = [asyncio.create_task(cache.get_or_load("k", 300, load)) for _ in range(3)]
    await asyncio.sleep(0.01)

    first.cancel()
    results = await asyncio.gather(*others)

    assert [entry.payload for entry, _ in results] == [b"answer-1"] * 3
    assert load.calls == 1
