"""The in-memory limiter and the shaper's waits, driven by a fake clock: no real sleeping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from policies.clock import FakeClock
from policies.ratelimit import (
    Decision,
    MemoryLimiter,
    Rate,
    RateShaper,
    ShapingRejected,
    ShapingSettings,
)
from policies.ratelimit.limiter import MAX_HISTORY_SECONDS, SWEEP_EVERY_SECONDS

T = TypeVar("T")


async def promptly(waiting: Awaitable[T]) -> T:
    """``waiting``, bounded in real time: a shaper sleeping for real on a fake clock that never
    moves would wait forever, so it fails here instead."""
    async with asyncio.timeout(1):
        return await waiting


async def test_the_memory_limiter_admits_its_limit_per_window_then_again_as_it_slides() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock=clock)
    rate = Rate(3, 10.0)

    first = await limiter.acquire("k", rate)
    clock.advance(4)
    second, third = [await limiter.acquire("k", rate) for _ in range(2)]
    refused = await limiter.acquire("k", rate)

    assert [d.remaining for d in (first, second, third)] == [2, 1, 0]
    assert all(d.admitted for d in (first, second, third))
    assert refused == Decision(False, 6.0, 0)
    assert (await limiter.acquire("other", rate)).admitted

    clock.advance(5.5)
    assert await limiter.acquire("k", rate) == Decision(False, 0.5, 0)

    clock.advance(0.5)  # the first admission left the window
    assert (await limiter.acquire("k", rate)).admitted
    assert await limiter.acquire("k", rate) == Decision(False, 4.0, 0)


async def test_the_memory_limiter_forgets_budgets_unused_for_longer_than_any_window() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock=clock)
    rate = Rate(2, 60)
    for tenant in range(1_000):
        await limiter.acquire(f"trustcaller:{tenant}", rate)
    await limiter.pause("paused", 30)
    limiter.record("reseeded")
    assert len(limiter) == 1_002

    clock.advance(MAX_HISTORY_SECONDS - 1)
    await limiter.acquire("busy", rate)
    assert len(limiter) == 1_002, "an hour's history is kept; the ended pause is dropped"

    clock.advance(SWEEP_EVERY_SECONDS)
    limiter.record("busy")
    assert len(limiter) == 1, "only the budget used within the hour is left"
    assert limiter.peek("busy", rate) == 1, "the kept log still counts its last admission"


async def test_a_paused_memory_limiter_admits_nothing_until_the_pause_ends() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock=clock)
    await limiter.pause("k", 2.0)

    assert await limiter.acquire("k", Rate(5, 1.0)) == Decision(False, 2.0, 0)
    clock.advance(SWEEP_EVERY_SECONDS)
    assert (await limiter.acquire("k", Rate(5, 1.0))).admitted


async def test_a_peek_at_the_memory_limiter_spends_nothing_and_slides_with_the_window() -> None:
    clock = FakeClock()
    limiter = MemoryLimiter(clock=clock)
    rate = Rate(3, 10.0)

    await limiter.acquire("k", rate)
    clock.advance(4)
    await limiter.acquire("k", rate)

    assert [limiter.peek("k", rate) for _ in range(3)] == [1, 1, 1]
    clock.advance(6)  # the first admission left the window
    assert limiter.peek("k", rate) == 2
    await limiter.pause("k", 1.0)
    assert limiter.peek("k", rate) == 0


async def test_the_shaper_reads_what_a_budget_admits_with_its_margin_and_share() -> None:
    clock = FakeClock()
    shaper = RateShaper(None, ShapingSettings(margin_seconds=1.0, local_share=0.5), clock=clock)
    rate = Rate(10, 60.0)

    before = await shaper.remaining("k", rate)
    await shaper.acquire("k", rate)
    clock.advance(60.5)  # past the vendor's period, within the margin
    within_margin = await shaper.remaining("k", rate)

    assert (before, within_margin) == (5, 4)


async def test_the_shaper_waits_for_a_slot_by_sleeping_on_its_clock() -> None:
    clock = FakeClock()
    start = clock.monotonic()
    shaper = RateShaper(None, ShapingSettings(max_wait_seconds=5, margin_seconds=1), clock=clock)
    rate = Rate(2, 3.0)  # a 4 s window, with the margin

    first = await shaper.acquire("k", rate)
    clock.advance(1)
    second = await shaper.acquire("k", rate)
    third = await promptly(shaper.acquire("k", rate))

    assert (first.waited_seconds, first.remaining) == (0.0, 1)
    assert (second.waited_seconds, second.remaining) == (0.0, 0)
    assert clock.slept == [3.0]  # until the first admission left the window
    assert (third.waited_seconds, third.remaining) == (3.0, 0)
    assert clock.monotonic() == start + 4


async def test_the_shaper_refuses_a_wait_past_its_bound_without_sleeping() -> None:
    clock = FakeClock()
    shaper = RateShaper(None, ShapingSettings(max_wait_seconds=2, margin_seconds=1), clock=clock)
    rate = Rate(1, 9.0)
    await shaper.acquire("k", rate)
    clock.advance(7.5)  # 2.5 s until a slot: over the 2 s bound

    with pytest.raises(ShapingRejected) as rejected:
        await shaper.acquire("k", rate)

    assert rejected.value.retry_after == 2.5
    assert rejected.value.retry_after_seconds == 3
    assert clock.slept == []

    clock.advance(0.5)  # 2 s: within it
    assert (await promptly(shaper.acquire("k", rate))).waited_seconds == 2.0
    assert clock.slept == [2.0]


async def test_one_deadline_bounds_the_waits_of_several_acquisitions() -> None:
    clock = FakeClock()
    shaper = RateShaper(None, ShapingSettings(max_wait_seconds=5, margin_seconds=0), clock=clock)
    slow, fast = Rate(1, 8.0), Rate(1, 3.0)
    deadline = shaper.wait_deadline()
    assert deadline == clock.monotonic() + 5

    await shaper.acquire("slow", slow, deadline)
    await shaper.acquire("fast", fast, deadline)
    await promptly(shaper.acquire("fast", fast, deadline))  # waits 3 s of the 5
    assert clock.slept == [3.0]

    with pytest.raises(ShapingRejected) as rejected:
        await shaper.acquire("slow", slow, deadline)  # 5 s more would pass the deadline
    assert rejected.value.retry_after == 5.0
    fresh = await promptly(shaper.acquire("slow", slow))
    assert fresh.waited_seconds == 5.0  # a fresh bound allows it
    assert clock.slept == [3.0, 5.0]


class FlakyShared:
    """A stand-in for the Redis limiter that fails while ``down``."""

    def __init__(self) -> None:
        self.down = True
        self.acquired = 0
        self.backfilled: list[str] = []

    async def acquire(self, key: str, rate: Rate, epoch: str = "*") -> Decision:
        if self.down:
            raise RedisConnectionError("down")
        self.acquired += 1
        return Decision(True, 0.0, rate.limit - 1)

    async def backfill(self, key: str, ages_seconds: list[float], rate: Rate) -> None:
        self.backfilled.append(key)

    async def pause(self, key: str, seconds: float) -> None:
        raise AssertionError("not expected")


async def test_the_shaper_falls_back_for_its_retry_time_then_tries_redis_again() -> None:
    clock = FakeClock()
    shared = FlakyShared()
    settings = ShapingSettings(redis_retry_seconds=2, fallback_share=1.0)
    shaper = RateShaper(shared, settings, clock=clock)  # type: ignore[arg-type]
    rate = Rate(10, 60.0)

    await shaper.acquire("k", rate)
    assert shaper.using_fallback
    shared.down = False
    clock.advance(1.5)
    await shaper.acquire("k", rate)

    assert shaper.using_fallback
    assert (shaper.fallbacks, shared.acquired) == (2, 0)

    clock.advance(0.5)
    assert not shaper.using_fallback
    await shaper.acquire("k", rate)

    assert (shaper.fallbacks, shared.acquired) == (2, 1)
    assert shared.backfilled == ["k"]


async def test_redis_is_said_to_be_back_once_and_only_after_it_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock()
    shared = FlakyShared()
    settings = ShapingSettings(redis_retry_seconds=1, fallback_share=1.0)
    shaper = RateShaper(shared, settings, clock=clock)  # type: ignore[arg-type]
    rate = Rate(1000, 60.0)
    caplog.set_level(logging.WARNING, logger="policies.ratelimit.shaper")

    for _ in range(5):  # still down: each retry of Redis fails again
        clock.advance(1.1)
        await shaper.acquire("k", rate)
    back_while_down = [r for r in caplog.records if "reachable again" in r.getMessage()]
    shared.down = False
    for _ in range(3):
        clock.advance(1.1)
        await shaper.acquire("k", rate)
    back = [r for r in caplog.records if "reachable again" in r.getMessage()]

    assert back_while_down == []
    assert len(back) == 1


async def test_a_slot_given_back_is_admitted_again_without_waiting() -> None:
    clock = FakeClock()
    shaper = RateShaper(None, ShapingSettings(max_wait_seconds=0, margin_seconds=0), clock=clock)
    rate = Rate(2, 60.0)
    await shaper.acquire("k", rate)
    clock.advance(1)
    given_back = await shaper.acquire("k", rate)

    await shaper.release(given_back)
    again = await shaper.acquire("k", rate)

    assert again.remaining == 0
    with pytest.raises(ShapingRejected):
        await shaper.acquire("k", rate)
