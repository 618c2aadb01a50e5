"""Retry budget and backoff, circuit breaker states, bulkhead bounds: pure and fast."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from policies.resilience import (
    BreakerOpen,
    BreakerSettings,
    BreakerState,
    Bulkhead,
    BulkheadFull,
    CircuitBreaker,
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
