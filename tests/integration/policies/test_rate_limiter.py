"""The sliding-window limiter on a real Redis: exact across clients, paused, and falling back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from policies.clock import FakeClock
from policies.ratelimit import Rate, RateShaper, RedisLimiter, ShapingRejected, ShapingSettings
from policies.ratelimit.limiter import MAX_HISTORY_SECONDS, SWEEP_EVERY_SECONDS
from policies.redis_client import RedisSettings, create_redis
from tests.redis_server import RedisServer

MINUTE = Rate(limit=60, period_seconds=60)


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two independent clients, as two gateway replicas would have."""
    first = create_redis(RedisSettings(url=redis_url))
    second = create_redis(RedisSettings(url=redis_url))
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_two_replicas_share_one_exact_budget(replicas: tuple[Redis, Redis]) -> None:
    limiters = [RedisLimiter(client) for client in replicas]

    decisions = await asyncio.gather(
        *(limiters[i % 2].acquire("vendor:cred", MINUTE) for i in range(200))
    )

    admitted = [d for d in decisions if d.admitted]
    assert len(admitted) == 60
    refused = [d for d in decisions if not d.admitted]
    assert all(0 < d.wait_seconds <= 60 for d in refused)
    assert sorted(d.remaining for d in admitted) == list(range(60))


async def test_budgets_are_per_key(replicas: tuple[Redis, Redis]) -> None:
    limiter = RedisLimiter(replicas[0])
    tight = Rate(limit=2, period_seconds=60)

    results = [(await limiter.acquire(key, tight)).admitted for key in ("a", "a", "a", "b")]

    assert results == [True, True, False, True]


async def test_the_window_slides(replicas: tuple[Redis, Redis]) -> None:
    limiter = RedisLimiter(replicas[0])
    quick = Rate(limit=3, period_seconds=0.3)
    assert all([(await limiter.acquire("k", quick)).admitted for _ in range(3)])
    refused = await limiter.acquire("k", quick)
    assert not refused.admitted and refused.wait_seconds <= 0.3

    await asyncio.sleep(refused.wait_seconds + 0.02)

    assert (await limiter.acquire("k", quick)).admitted


async def test_a_pause_stops_every_replica(replicas: tuple[Redis, Redis]) -> None:
    first, second = (RedisLimiter(client) for client in replicas)

    await first.pause("vendor:cred", 30)
    decision = await second.acquire("vendor:cred", MINUTE)

    assert not decision.admitted
    assert 29 < decision.wait_seconds <= 30


def test_a_budgets_keys_share_one_cluster_slot(replicas: tuple[Redis, Redis]) -> None:
    keys = RedisLimiter(replicas[0])._keys("vendor:cred")

    assert len({key_slot(key.encode()) for key in keys}) == 1


async def test_the_shaper_waits_for_a_slot_then_refuses_with_retry_after(redis_url: str) -> None:
    client = create_redis(RedisSettings(url=redis_url))
    shaper = RateShaper(
        RedisLimiter(client), ShapingSettings(max_wait_seconds=0.5, margin_seconds=0)
    )
    rate = Rate(limit=2, period_seconds=0.4)
    try:
        await shaper.acquire("k", rate)
        await shaper.acquire("k", rate)
        waited = await shaper.acquire("k", rate)
        assert 0.2 < waited.waited_seconds <= 0.5
        slow = Rate(limit=1, period_seconds=5)
        await shaper.acquire("slow", slow)
        with pytest.raises(ShapingRejected) as refused:
            await shaper.acquire("slow", slow)
        assert refused.value.retry_after_seconds == 5
    finally:
        await client.aclose()


def outage_shaper(redis_url: str, fallback_share: float) -> tuple[Redis, RateShaper]:
    """A shaper on a client that gives up on Redis fast, retrying it every 0.2 s."""
    client = create_redis(RedisSettings(url=redis_url, socket_timeout=0.2, connect_timeout=0.2))
    settings = ShapingSettings(
        max_wait_seconds=0,
        margin_seconds=0,
        fallback_share=fallback_share,
        redis_retry_seconds=0.2,
    )
    return client, RateShaper(RedisLimiter(client), settings)


async def count_admitted(shaper: RateShaper, key: str, rate: Rate, attempts: int) -> int:
    """How many of ``attempts`` immediate requests the shaper admits."""
    count = 0
    for _ in range(attempts):
        try:
            await shaper.acquire(key, rate)
            count += 1
        except ShapingRejected:
            pass
    return count


async def test_the_shaper_falls_back_while_redis_is_down_and_returns_after(
    redis_url: str, redis_server: RedisServer
) -> None:
    client, shaper = outage_shaper(redis_url, fallback_share=0.25)
    rate = Rate(limit=8, period_seconds=60)
    try:
        await shaper.acquire("k", rate)
        redis_server.stop()

        admitted = await count_admitted(shaper, "during-outage", rate, 5)
        assert admitted == 2  # a quarter of 8
        assert shaper.fallbacks >= 5
        assert shaper.using_fallback

        redis_server.start()
        await asyncio.sleep(0.3)
        await shaper.acquire("after", rate)
        assert not shaper.using_fallback
        assert await client.exists("{gw:rl:after}:log") == 1
    finally:
        await client.aclose()


async def test_a_shorter_pause_does_not_cut_a_longer_one(replicas: tuple[Redis, Redis]) -> None:
    limiter = RedisLimiter(replicas[0])

    await limiter.pause("k", 30)
    await limiter.pause("k", 2)
    decision = await limiter.acquire("k", MINUTE)

    assert not decision.admitted and decision.wait_seconds > 25


async def test_across_an_outage_the_budget_counts_admissions_on_both_sides(
    redis_url: str, redis_server: RedisServer
) -> None:
    client, shaper = outage_shaper(redis_url, fallback_share=0.5)
    rate = Rate(limit=8, period_seconds=60)
    try:
        before = await count_admitted(shaper, "k", rate, 3)
        redis_server.stop()
        during = await count_admitted(shaper, "k", rate, 5)
        redis_server.start()
        await asyncio.sleep(0.3)
        after = await count_admitted(shaper, "k", rate, 10)
    finally:
        await client.aclose()

    assert (before, during) == (3, 1)  # the fallback's 4 already hold the 3 admitted via Redis
    assert before + during + after == 8  # the outage's admission was added to the Redis log


async def test_an_emptied_redis_is_re_seeded_by_every_replica_even_an_idle_one(
    replicas: tuple[Redis, Redis],
) -> None:
    settings = ShapingSettings(max_wait_seconds=3.0, margin_seconds=0, reseed_grace_seconds=1.0)
    busy, idle = (RateShaper(RedisLimiter(client), settings) for client in replicas)
    for _ in range(30):
        await busy.acquire("vendor:cred", MINUTE)
        await idle.acquire("vendor:cred", MINUTE)
    watcher = asyncio.create_task(idle.watch_epochs(every_seconds=0.2))
    try:
        await replicas[0].flushall()

        with pytest.raises(ShapingRejected):
            await busy.acquire("vendor:cred", MINUTE)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher

    assert (busy.reseeds, idle.reseeds) == (1, 1)
    assert await replicas[0].zcard("{gw:rl:vendor:cred}:log") == 60


async def test_a_slot_given_back_is_free_again_for_every_replica(redis_url: str) -> None:
    clients = [create_redis(RedisSettings(url=redis_url)) for _ in range(2)]
    settings = ShapingSettings(max_wait_seconds=0, margin_seconds=0)
    first, second = (RateShaper(RedisLimiter(client), settings) for client in clients)
    rate = Rate(limit=2, period_seconds=60)
    try:
        kept = await first.acquire("account", rate)
        given_back = await first.acquire("account", rate)
        await first.release(given_back)
        third = await second.acquire("account", rate)
        with pytest.raises(ShapingRejected):
            await second.acquire("account", rate)
    finally:
        for client in clients:
            await client.aclose()

    assert (kept.remaining, third.remaining) == (1, 0)


async def test_a_peek_reads_what_is_left_without_spending_it(
    replicas: tuple[Redis, Redis],
) -> None:
    first, second = (RedisLimiter(client) for client in replicas)
    tight = Rate(limit=3, period_seconds=60)

    untouched = await second.peek("vendor:cred", tight)
    await first.acquire("vendor:cred", tight)
    after_one = [await second.peek("vendor:cred", tight) for _ in range(3)]
    await first.pause("vendor:cred", 30)

    assert untouched == 3
    assert after_one == [2, 2, 2]
    assert await second.peek("vendor:cred", tight) == 0
    assert await second.peek("vendor:other", tight) == 3


async def test_a_budget_unused_for_longer_than_any_window_is_forgotten_not_its_count(
    redis_url: str,
) -> None:
    client = create_redis(RedisSettings(url=redis_url))
    clock = FakeClock()
    settings = ShapingSettings(max_wait_seconds=0, margin_seconds=0)
    shaper = RateShaper(RedisLimiter(client), settings, clock=clock)
    rate = Rate(limit=5, period_seconds=60)
    try:
        for tenant in range(50):
            await shaper.acquire(f"unused:{tenant}", rate)
        assert len(shaper) == 50
        clock.advance(MAX_HISTORY_SECONDS + SWEEP_EVERY_SECONDS)
        await shaper.acquire("busy", rate)  # the in-process limiter sweeps as it records
        await shaper.check_epochs()  # the first round sees "busy" decided since the last one
        await shaper.check_epochs()

        assert len(shaper) == 1, "only the budget in use is held"
        again = await shaper.acquire("unused:0", rate)
        assert again.remaining == 3, "Redis still counts the admission made a moment ago"
    finally:
        await client.aclose()
