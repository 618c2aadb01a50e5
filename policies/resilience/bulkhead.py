"""Bulkheads: a bound on concurrent calls per vendor, so one slow vendor cannot take every slot,
and a bound per owner (a tenant) within it, so one tenant cannot take every slot either."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

OWNER_SHARE = 0.8
"""The share of a bulkhead's slots one owner may hold at once: enough for a lone tenant's
throughput, while the rest stays free for everyone else."""


class BulkheadFull(Exception):
    """No slot freed within the wait bound."""


class Bulkhead:
    """At most ``limit`` calls at once, at most ``owner_share`` of them by one owner; a caller
    waits at most ``max_wait`` for a slot."""

    def __init__(self, limit: int, max_wait: float, owner_share: float = OWNER_SHARE) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._max_wait = max_wait
        self.limit = limit
        self.per_owner = max(1, math.floor(limit * owner_share))
        self._held: dict[str, int] = {}
        self._freed = asyncio.Condition()
        self._waiting = 0
        """Callers waiting for a share; while there are any, nobody takes one past them."""

    @asynccontextmanager
    async def slot(self, owner: str | None = None) -> AsyncIterator[None]:
        """Hold one slot for the duration of the block, counted against ``owner``'s share
        (``None``: no owner's).

        A caller that need not wait (its owner below its share with nobody waiting for one, a
        slot free) takes them at once: the timed waits, each a task of its own, are only for
        those that must wait.
        """
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._max_wait
        if owner is not None and not self._take_share_now(owner):
            try:
                await asyncio.wait_for(self._take_share(owner), self._max_wait)
            except TimeoutError:
                raise BulkheadFull(
                    f"this tenant already holds {self.per_owner} of {self.limit} slots"
                ) from None
        if self._slots.locked():
            try:
                await asyncio.wait_for(self._slots.acquire(), max(0.001, give_up_at - loop.time()))
            except BaseException as exc:  # timed out or cancelled: the share goes back
                await self._give_share(owner)
                if isinstance(exc, TimeoutError):
                    raise BulkheadFull(f"all {self.limit} slots busy") from None
                raise
        else:
            await self._slots.acquire()  # free: returns without suspending
        try:
            yield
        finally:
            self._slots.release()
            await self._give_share(owner)

    def _take_share_now(self, owner: str) -> bool:
        """Take one of ``owner``'s share if that needs no wait; whether it was taken."""
        held = self._held.get(owner, 0)
        if self._waiting or held >= self.per_owner:
            return False
        self._held[owner] = held + 1
        return True

    async def _take_share(self, owner: str) -> None:
        self._waiting += 1
        try:
            async with self._freed:
                await self._freed.wait_for(lambda: self._held.get(owner, 0) < self.per_owner)
                self._held[owner] = self._held.get(owner, 0) + 1
        finally:
            self._waiting -= 1

    async def _give_share(self, owner: str | None) -> None:
        if owner is None:
            return
        left = self._held.get(owner, 0) - 1
        if left > 0:
            self._held[owner] = left
        else:
            self._held.pop(owner, None)
        if self._waiting:
            async with self._freed:
                self._freed.notify_all()
