"""Stale-on-error reads: remember the last good answer of a read, serve it while the store is down.

Freshness is never traded while the store answers; only when the store is unreachable (the
database, or Redis) does a replica fall back to what it last saw, for a bounded time, so an
outage does not take down requests that were being served a moment before.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar, cast

from cachetools import LRUCache

from policies.clock import SYSTEM_CLOCK, Clock
from policies.redis_client import REDIS_ERRORS
from policies.sql.engine import DatabaseUnavailable

T = TypeVar("T")
OUTAGES: tuple[type[BaseException], ...] = (DatabaseUnavailable, *REDIS_ERRORS)
"""Failures that mean the store is unreachable, not that the answer is no."""
log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The store is unreachable and no recent answer is known."""


class LastKnown:
    """Last good answers of reads, by key, usable for ``max_stale_seconds`` during outages."""

    def __init__(
        self,
        max_stale_seconds: float = 300.0,
        max_entries: int = 100_000,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._clock = clock
        self._answers: LRUCache[Hashable, tuple[float, object]] = LRUCache(max_entries)
        self._max_stale = max_stale_seconds
        self.stale_reads = 0

    async def read(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        """``fetch()``, remembered; on a store failure, the remembered answer if recent enough."""
        try:
            answer = await fetch()
        except OUTAGES as exc:
            remembered = self._answers.get(key)
            if remembered is None or self._clock.monotonic() - remembered[0] > self._max_stale:
                raise StoreUnavailable("the shared store is unreachable") from exc
            self.stale_reads += 1
            log.warning("store unreachable: serving the last known answer")
            # Each key is only ever read with the same kind of fetch, so its answer is a T.
            return cast(T, remembered[1])
        self._answers[key] = (self._clock.monotonic(), answer)
        return answer

    @property
    def remembered(self) -> int:
        """How many answers are remembered."""
        return len(self._answers)

    def forget(self, key: Hashable) -> None:
        """Drop a remembered answer (after a write this process made)."""
        self._answers.pop(key, None)
