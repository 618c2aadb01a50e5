"""In-process copies of what the system of record says, with bounded staleness.

A copy is served for at most ``lifetime()`` seconds after it was read; the lifetime is asked at
every use, so it can shrink at once (an invalidation channel went down). :meth:`FreshCopies.forget`
and :meth:`FreshCopies.clear` drop copies, and a read that was under way while they did is not
kept (it may have seen the state from before the change): each read carries the generation it
began in, and only a read of the current generation is stored.

:meth:`FreshCopies.read_through` also makes the reads of one key that miss together share one
read: when a copy ages out under load, the system of record sees one query, not one per request
waiting on that key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar, cast

from cachetools import LRUCache

from policies.clock import SYSTEM_CLOCK, Clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class FreshCopies(Generic[K, V]):
    """At most ``max_entries`` copies, least recently used dropped first."""

    def __init__(
        self, max_entries: int, lifetime: Callable[[], float], *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._copies: LRUCache[K, tuple[float, V]] = LRUCache(max_entries)
        self._lifetime = lifetime
        self._now = clock.monotonic
        self.generation = 0
        """Bumped whenever copies are dropped; a read started before is not stored."""
        self._reading: dict[K, tuple[int, asyncio.Future[V]]] = {}

    def __repr__(self) -> str:
        return f"FreshCopies(entries={len(self._copies)})"

    def __len__(self) -> int:
        return len(self._copies)

    def get(self, key: K) -> tuple[bool, V | None]:
        """``(True, value)`` for a copy young enough, ``(False, None)`` otherwise."""
        found = self._copies.get(key)
        if found is None:
            return False, None
        read_at, value = found
        if self._now() - read_at >= self._lifetime():
            self._copies.pop(key, None)
            return False, None
        return True, value

    async def read_through(self, key: K, read: Callable[[], Awaitable[V]]) -> V:
        """The copy of ``key`` if young enough, else what ``read()`` answers, kept as the copy.

        Callers that miss while a read of ``key`` is under way wait for that read instead of
        starting their own, unless copies were dropped since it began (it may have seen the
        state from before the change). The read runs on its own: a caller that gives up (a
        client gone) does not cancel it for the others. Its error reaches every caller waiting
        on it and is not kept.
        """
        known, value = self.get(key)
        if known:
            return cast(V, value)
        flight = self._reading.get(key)
        if flight is None or flight[0] != self.generation:
            generation = self.generation
            reading = asyncio.ensure_future(read())
            flight = self._reading[key] = (generation, reading)
            reading.add_done_callback(lambda done: self._landed(key, generation, done))
        return await asyncio.shield(flight[1])

    def _landed(self, key: K, generation: int, reading: asyncio.Future[V]) -> None:
        flight = self._reading.get(key)
        if flight is not None and flight[1] is reading:  # not a later read's, after a forget
            del self._reading[key]
        if not reading.cancelled() and reading.exception() is None:
            self.put(key, reading.result(), generation)

    def put(self, key: K, value: V, generation: int) -> None:
        """Keep ``value``, read in ``generation``, unless copies were dropped since."""
        if generation == self.generation:
            self._copies[key] = (self._now(), value)

    def forget(self, matches: Callable[[K], bool]) -> None:
        """Drop every copy whose key ``matches``."""
        self.generation += 1
        for key in [key for key in self._copies if matches(key)]:
            self._copies.pop(key, None)

    def clear(self) -> None:
        """Drop every copy."""
        self.generation += 1
        self._copies.clear()
