"""Retry budget and backoff, circuit breaker states, bulkhead bounds: pure and fast."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest

from policies.clock import FakeClock
from policies.resilience import (
    BreakerOpen,
    BreakerSettings,
    BreakerState,
    Bulkhead,
    BulkheadFull,
    CircuitBreaker,
    CircuitBreakers,
    RetryBudget,
    RetryPolicy,
    backoff_delays,
)


def test_backoff_is_full_jitter_under_a_doubling_capped_ceiling() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_seconds=0.1, max_delay_seconds=0.3)
    samples = [list(backoff_delays(policy, random.Random(seed))) for seed in range(200)]

    assert all(len(delays) == 4 for delays in samples)
    ceilings = (0.1, 0.2, 0.3, 0.3)
    for position, ceiling in enumerate(ceilings):
        column = [delays[position] for delays in samples]
        assert all(0 <= d <= ceiling for d in column)
        assert max(column) > ceiling * 0.8


def test_the_retry_budget_allows_a_share_of_first_attempts() -> None:
    budget = RetryBudget(RetryPolicy(budget_ratio=0.2, budget_floor_per_second=0), capacity=1)
    assert budget.try_spend()
    assert not budget.try_spend()

    for _ in range(4):
        budget.record_attempt()
    assert not budget.try_spend()
    budget.record_attempt()
    assert budget.try_spend()


def test_the_breaker_opens_after_consecutive_failures_and_probes_once() -> None:
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=3, open_seconds=0.05))
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    breaker.record_success()
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()

    assert breaker.state is BreakerState.OPEN
    with pytest.raises(BreakerOpen):
        breaker.before_call()

    time.sleep(0.06)
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.before_call()
    with pytest.raises(BreakerOpen):
        breaker.before_call()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN

    time.sleep(0.06)
    breaker.before_call()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


async def test_the_bulkhead_bounds_concurrency_and_refuses_after_its_wait() -> None:
    bulkhead = Bulkhead(limit=2, max_wait=0.05)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        async with bulkhead.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1

    await asyncio.gather(*(work() for _ in range(4)))
    assert peak == 2

    async def hold() -> None:
        async with bulkhead.slot():
            await asyncio.sleep(0.2)

    holders = [asyncio.create_task(hold()) for _ in range(2)]
    await asyncio.sleep(0.01)
    with pytest.raises(BulkheadFull):
        async with bulkhead.slot():
            pass
    await asyncio.gather(*holders)


def test_the_retry_budget_refills_with_time_and_is_spent_by_retries() -> None:
    clock = FakeClock()
    policy = RetryPolicy(budget_ratio=0, budget_floor_per_second=2)
    budget = RetryBudget(policy, capacity=3, clock=clock)

    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]

    clock.advance(0.25)  # half a retry earned
    assert not budget.try_spend()
    clock.advance(0.25)  # a whole one
    assert budget.try_spend()
    assert not budget.try_spend()

    clock.advance(3600)  # refilling stops at the capacity
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]


def _failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def test_a_breaker_opens_after_its_threshold_and_fails_fast_while_open() -> None:
    clock = FakeClock(monotonic=0.0)  # zero must count as a time, not as "never opened"
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=3, open_seconds=10), clock=clock)

    _failing(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    _failing(breaker, 1)
    assert breaker.state is BreakerState.OPEN

    clock.advance(4)
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_after == pytest.approx(6)

    clock.advance(5.5)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_after == 1.0  # never less than a second


def test_a_breaker_says_how_long_it_stays_open_and_a_peek_creates_none() -> None:
    clock = FakeClock(monotonic=0.0)
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=1, open_seconds=10), clock=clock)

    assert breakers.peek("k") is None
    breaker = breakers.get("k")
    assert breaker.retry_after is None
    _failing(breaker, 1)
    clock.advance(4)

    assert breakers.peek("k") is breaker
    assert breaker.retry_after == pytest.approx(6)
    clock.advance(6)
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.retry_after is None
    assert breakers.states() == {"k": BreakerState.HALF_OPEN}


def test_a_breaker_lets_one_probe_through_after_its_open_time_and_closes_on_success() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=2, open_seconds=10), clock=clock)
    _failing(breaker, 2)

    clock.advance(9.9)
    assert breaker.state is BreakerState.OPEN
    clock.advance(0.1)
    assert breaker.state is BreakerState.HALF_OPEN

    breaker.before_call()  # the probe
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # only one at a time
    breaker.record_success()

    assert breaker.state is BreakerState.CLOSED
    _failing(breaker, 1)  # the count started again from zero
    assert breaker.state is BreakerState.CLOSED


def test_a_failed_probe_reopens_the_breaker_for_a_full_open_time() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=3, open_seconds=10), clock=clock)
    _failing(breaker, 3)
    clock.advance(15)

    breaker.before_call()
    breaker.record_failure()  # one failed probe is enough

    assert breaker.state is BreakerState.OPEN
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_after == pytest.approx(10)
    clock.advance(10)
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_released_probe_lets_the_next_caller_probe() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(BreakerSettings(failure_threshold=1, open_seconds=10), clock=clock)
    _failing(breaker, 1)
    clock.advance(10)

    breaker.before_call()
    breaker.release_probe()
    breaker.before_call()

    assert breaker.state is BreakerState.HALF_OPEN


def test_the_breaker_map_gives_its_breakers_its_clock() -> None:
    clock = FakeClock()
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=1, open_seconds=10), clock=clock)
    _failing(breakers.get("topcalls:a"), 1)
    assert breakers.states() == {"topcalls:a": BreakerState.OPEN}

    clock.advance(10)

    assert breakers.states() == {"topcalls:a": BreakerState.HALF_OPEN}
    assert breakers.get("topcalls:a") is breakers.get("topcalls:a")


def test_the_breaker_map_is_bounded() -> None:
    breakers = CircuitBreakers(BreakerSettings(), max_entries=10, clock=FakeClock())

    for n in range(1000):
        breakers.get(f"topcalls:{n}")

    assert list(breakers.states()) == [f"topcalls:{n}" for n in range(990, 1000)]


def test_the_breaker_map_forgets_least_recently_used_closed_breakers_first() -> None:
    clock = FakeClock()
    settings = BreakerSettings(failure_threshold=1, open_seconds=10)
    breakers = CircuitBreakers(settings, max_entries=4, clock=clock)
    opened = breakers.get("topcalls:opened")
    _failing(opened, 1)
    probing = breakers.get("trustcaller:probing")
    _failing(probing, 1)
    clock.advance(5)
    breakers.get("topcalls:a")
    breakers.get("topcalls:b")
    breakers.get("topcalls:a")  # now used more recently than b

    _failing(breakers.get("topcalls:opened-later"), 1)  # over the bound: b goes
    clock.advance(5)  # the first two are half-open now
    probing.before_call()  # and one of them has its probe out
    breakers.get("topcalls:c")  # a goes

    assert breakers.states() == {
        "topcalls:opened": BreakerState.HALF_OPEN,
        "trustcaller:probing": BreakerState.HALF_OPEN,
        "topcalls:opened-later": BreakerState.OPEN,
        "topcalls:c": BreakerState.CLOSED,
    }
    assert breakers.get("topcalls:opened") is opened
    assert breakers.get("trustcaller:probing") is probing
    assert breakers.not_closed_by_group() == {"topcalls": 2, "trustcaller": 1}


def test_a_breaker_map_of_open_breakers_forgets_the_least_recently_used() -> None:
    breakers = CircuitBreakers(BreakerSettings(failure_threshold=1), max_entries=2)
    for key in ("v:first", "v:second"):
        _failing(breakers.get(key), 1)
    breakers.get("v:first")

    breakers.get("v:third")

    assert breakers.states() == {"v:first": BreakerState.OPEN, "v:third": BreakerState.CLOSED}


def test_a_breaker_map_holds_at_least_one_breaker() -> None:
    with pytest.raises(ValueError, match="max_entries"):
        CircuitBreakers(BreakerSettings(), max_entries=0)


async def test_one_owner_cannot_take_every_slot_of_a_bulkhead() -> None:
    bulkhead = Bulkhead(limit=5, max_wait=0.05)
    release = asyncio.Event()

    async def hold(owner: str) -> None:
        async with bulkhead.slot(owner):
            await release.wait()

    greedy = [asyncio.create_task(hold("tenant-a")) for _ in range(bulkhead.per_owner)]
    await asyncio.sleep(0.01)
    try:
        with pytest.raises(BulkheadFull, match="this tenant"):
            async with bulkhead.slot("tenant-a"):
                pass
        async with bulkhead.slot("tenant-b"):
            served = True
    finally:
        release.set()
        await asyncio.gather(*greedy)

    assert served and bulkhead.per_owner == 4
    async with bulkhead.slot("tenant-a"):
        pass


async def test_a_caller_waiting_for_its_share_gets_the_next_one_before_a_newcomer() -> None:
    bulkhead = Bulkhead(limit=5, max_wait=1.0)
    releases = [asyncio.Event() for _ in range(bulkhead.per_owner)]
    order: list[str] = []

    async def hold(name: str, release: asyncio.Event | None) -> None:
        async with bulkhead.slot("tenant-a"):
            order.append(name)
            if release is not None:
                await release.wait()

    holders = [asyncio.create_task(hold(f"holder-{i}", r)) for i, r in enumerate(releases)]
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(hold("waiter", None))
    await asyncio.sleep(0.01)
    releases[0].set()
    # Runs after the holder gives its share back, before the woken waiter does.
    newcomer = asyncio.create_task(hold("newcomer", None))
    await asyncio.wait_for(asyncio.gather(waiter, newcomer), 0.5)
    for release in releases:
        release.set()
    await asyncio.gather(*holders)

    assert order[bulkhead.per_owner :] == ["waiter", "newcomer"]
    assert bulkhead._held == {} and bulkhead._waiting == 0


async def test_a_caller_that_need_not_wait_starts_no_timed_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bulkhead = Bulkhead(limit=5, max_wait=1.0)
    timed: list[object] = []
    real_wait_for = asyncio.wait_for

    async def counting_wait_for(awaitable: Any, limit: float | None) -> Any:
        timed.append(awaitable)
        return await real_wait_for(awaitable, limit)

    monkeypatch.setattr(asyncio, "wait_for", counting_wait_for)
    for _ in range(3):
        async with bulkhead.slot("tenant-a"):
            pass

    assert timed == []


async def test_a_caller_cancelled_while_waiting_for_a_slot_gives_its_share_back() -> None:
    bulkhead = Bulkhead(limit=1, max_wait=5.0, owner_share=1.0)
    release = asyncio.Event()

    async def hold(owner: str) -> None:
        async with bulkhead.slot(owner):
            await release.wait()

    holder = asyncio.create_task(hold("tenant-a"))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(hold("tenant-b"))
    await asyncio.sleep(0.01)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    release.set()
    await holder

    assert bulkhead._held == {}
