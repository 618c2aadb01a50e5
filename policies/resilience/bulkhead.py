"""Bulkheads: a bound on concurrent calls per vendor, so one slow vendor cannot take every slot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class BulkheadFull(Exception):
    """No slot freed within the wait bound."""


class Bulkhead:
    """At most ``limit`` calls at once; a caller waits at most ``max_wait`` for a slot."""

    def __init__(self, limit: int, max_wait: float) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._max_wait = max_wait
        self.limit = limit

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block."""
        try:
            await asyncio.wait_for(self._slots.acquire(), self._max_wait)
        except TimeoutError:
            raise BulkheadFull(f"all {self.limit} slots busy") from None
        try:
            yield
        finally:
            self._slots.release()
