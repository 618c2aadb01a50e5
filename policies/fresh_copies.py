"""In-process copies of what the system of record says, with bounded staleness.

A copy is served for at most ``lifetime()`` seconds after it was read; the lifetime is asked at
every use, so it can shrink at once (an invalidation channel went down). :meth:`FreshCopies.forget`
and :meth:`FreshCopies.clear` drop copies, and a read that was under way while they did is not
kept (it may have seen the state from before the change): each read carries the generation it
began in, and only a read of the current generation is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

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
