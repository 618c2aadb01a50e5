"""The clock the policies read and sleep on: the system's in production, a fake one in tests.

Every policy that reads time or waits takes a ``clock`` (default :data:`SYSTEM_CLOCK`), so a test
can drive breakers, budgets, limiters and caches through time without sleeping.
"""

from __future__ import annotations

import asyncio
import time as _time
from typing import Protocol


class Clock(Protocol):
    """A source of time and a way to wait."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (only differences are meaningful)."""
        ...

    def time(self) -> float:
        """Wall-clock time: seconds since the Unix epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic`, :func:`time.time` and :func:`asyncio.sleep`."""

    def monotonic(self) -> float:
        """:func:`time.monotonic`."""
        return _time.monotonic()

    def time(self) -> float:
        """:func:`time.time`."""
        return _time.time()

    async def sleep(self, seconds: float) -> None:
        """:func:`asyncio.sleep`."""
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
"""The clock every policy uses unless given another."""


class FakeClock:
    """A clock for tests: time moves only when told to, and sleeping never waits.

    :meth:`advance` moves the monotonic and the wall clock together. :meth:`sleep` records the
    requested duration in :attr:`slept`, advances both clocks by it at once, then yields to the
    event loop once. Sleeps of concurrent tasks do not wait for one another: each advances the
    shared time by its own duration when it is called.
    """

    def __init__(self, monotonic: float = 1_000.0, time: float = 1_700_000_000.0) -> None:
        """Start at ``monotonic`` (monotonic seconds) and ``time`` (epoch seconds)."""
        self._monotonic = monotonic
        self._time = time
        self.slept: list[float] = []
        """Every duration passed to :meth:`sleep`, in call order."""

    def monotonic(self) -> float:
        """The current fake monotonic time."""
        return self._monotonic

    def time(self) -> float:
        """The current fake wall-clock time (epoch seconds)."""
        return self._time

    def advance(self, seconds: float) -> None:
        """Move both clocks forward by ``seconds`` (which must not be negative)."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back ({seconds} s)")
        self._monotonic += seconds
        self._time += seconds

    async def sleep(self, seconds: float) -> None:
        """Record ``seconds``, advance by it (a negative sleep, like asyncio's, by nothing),
        then yield to the event loop once."""
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
