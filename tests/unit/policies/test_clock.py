"""The fake clock tests drive policies with, and the system clock it stands in for."""

from __future__ import annotations

import asyncio
import time

import pytest

from policies.clock import SYSTEM_CLOCK, Clock, FakeClock, SystemClock


def test_a_fake_clock_moves_only_when_advanced() -> None:
    clock = FakeClock(monotonic=5.0, time=1_000.0)
    assert (clock.monotonic(), clock.time()) == (5.0, 1_000.0)

    clock.advance(2.5)

    assert (clock.monotonic(), clock.time()) == (7.5, 1_002.5)
    assert clock.slept == []


def test_a_fake_clock_cannot_go_back() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError, match="back"):
        clock.advance(-1)
    assert clock.monotonic() == FakeClock().monotonic()


async def test_a_fake_sleep_records_and_advances_at_once_and_lets_others_run() -> None:
    clock = FakeClock(monotonic=0.0, time=100.0)
    ran = asyncio.Event()

    async def other() -> None:
        ran.set()

    task = asyncio.create_task(other())
    await clock.sleep(3.0)
    await clock.sleep(-1.0)  # like asyncio.sleep: no time passes

    assert ran.is_set()
    assert clock.slept == [3.0, -1.0]
    assert (clock.monotonic(), clock.time()) == (3.0, 103.0)
    await task


async def test_the_system_clock_is_the_real_one() -> None:
    clock: Clock = SYSTEM_CLOCK
    assert isinstance(SYSTEM_CLOCK, SystemClock)

    before = time.monotonic()
    reading = clock.monotonic()
    await clock.sleep(0)

    assert before <= reading <= time.monotonic()
    assert abs(clock.time() - time.time()) < 5
