"""The asynchronous work the gateway follows until it settles, in the system of record.

An operation or batch created pending is written here as one record (``gw:follow:...``), kept as
long as the item itself, and deleted once it has settled. Any replica may look at an item, one at
a time: the poller takes the record store's cross-replica lock on it first. A restart of every
replica loses nothing: the list is in the database, not in memory.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

from policies.clock import SYSTEM_CLOCK, Clock
from policies.records import SqlRecordStore

PREFIX = "gw:follow:"
LOCK_PREFIX = "gw:lock:follow:"


class FollowKind(StrEnum):
    """What kind of item is followed (which function settles it)."""

    NUMBER_OPERATION = "number_operation"
    PERSONALIZATION_BATCH = "personalization_batch"


class Followed(msgspec.Struct, frozen=True, kw_only=True):
    """One item followed until it settles."""

    kind: FollowKind
    tenant_id: str
    item_id: str
    keep_until: float
    """Epoch seconds: when the item itself expires (the follow goes with it)."""
    due_at: float
    """Epoch seconds: when it should be looked at next."""
    looks: int = 0
    """How often it was looked at and found still pending (its backoff grows with it)."""

    @property
    def key(self) -> str:
        """Its record's key."""
        return _key(self.kind, self.tenant_id, self.item_id)


def _key(kind: FollowKind, tenant_id: str, item_id: str) -> str:
    return f"{PREFIX}{kind.value}:{tenant_id}:{item_id}"


class FollowList:
    """Items followed until they settle, shared by every replica."""

    def __init__(self, records: SqlRecordStore, clock: Clock = SYSTEM_CLOCK) -> None:
        self._records = records
        self._clock = clock

    async def add(
        self, kind: FollowKind, tenant_id: str, item_id: str, keep_seconds: float
    ) -> None:
        """Follow an item, due at once, for as long as the item is kept."""
        now = self._clock.time()
        await self._write(
            Followed(
                kind=kind,
                tenant_id=tenant_id,
                item_id=item_id,
                keep_until=now + keep_seconds,
                due_at=now,
            )
        )

    async def due(self, limit: int) -> list[Followed]:
        """Up to ``limit`` items due to be looked at, the longest overdue first."""
        now = self._clock.time()
        found = [
            msgspec.json.decode(value, type=Followed)
            for _, value in await self._records.scan(PREFIX, limit * 4)
        ]
        return sorted((f for f in found if f.due_at <= now), key=lambda f: f.due_at)[:limit]

    async def current(self, followed: Followed) -> Followed | None:
        """The item as it is now followed (``None`` once it is not)."""
        raw = await self._records.get(followed.key)
        return msgspec.json.decode(raw, type=Followed) if raw is not None else None

    async def later(self, followed: Followed, delay_seconds: float) -> None:
        """Found still pending: look again after ``delay_seconds``."""
        await self._write(
            msgspec.structs.replace(
                followed, looks=followed.looks + 1, due_at=self._clock.time() + delay_seconds
            )
        )

    async def drop(self, kind: FollowKind, tenant_id: str, item_id: str) -> None:
        """Stop following an item (it settled, or no longer exists)."""
        await self._records.delete(_key(kind, tenant_id, item_id))

    async def claim(self, followed: Followed, owner: str, lease_seconds: float) -> bool:
        """Take the item for ``owner`` unless another replica holds it (the lock expires)."""
        return await self._records.acquire(LOCK_PREFIX + followed.key, owner, lease_seconds)

    async def unclaim(self, followed: Followed, owner: str) -> None:
        """Let the item go (a lock since taken by another stays)."""
        await self._records.release(LOCK_PREFIX + followed.key, owner)

    async def _write(self, followed: Followed) -> None:
        remaining = followed.keep_until - self._clock.time()
        if remaining <= 0:
            await self._records.delete(followed.key)
            return
        await self._records.put(
            followed.key, msgspec.json.encode(followed), remaining, tenant_id=followed.tenant_id
        )
