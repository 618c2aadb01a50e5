"""Expiring byte records keyed by string, with owner-checked locks.

In SQL (:class:`~policies.records.sql_store.SqlRecordStore`) for records whose loss hurts
(operations, personalization batches, verifications); in Redis when the gateway has one, or in
memory for the embedded single-process mode, for what can be rebuilt (vendor tokens and their
locks). Callers choose keys (tenant-scoped, with a Cluster hash tag where several keys must meet)
and encode values themselves.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from policies.clock import SYSTEM_CLOCK, Clock
from policies.redis_client import RELEASE_LOCK_SCRIPT, reply_bytes


class RecordStore(Protocol):
    """Where the gateway keeps records that outlive a request."""

    async def get(self, key: str) -> bytes | None:
        """The record, or ``None`` when absent or expired."""
        ...

    async def put(
        self, key: str, value: bytes, ttl_seconds: float, *, tenant_id: str | None = None
    ) -> None:
        """Write (or overwrite) a record that expires after ``ttl_seconds``.

        ``tenant_id`` names whose record it is, so that erasing the tenant can purge it (stores
        that keep only short-lived records accept and ignore it).
        """
        ...

    async def delete(self, key: str) -> None:
        """Forget a record."""
        ...

    async def acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lock ``key`` for ``owner`` unless someone holds it; it expires by itself."""
        ...

    async def release(self, key: str, owner: str) -> None:
        """Release the lock if ``owner`` still holds it."""
        ...


class RedisRecordStore:
    """Records in Redis, shared by every replica."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._release = redis.register_script(RELEASE_LOCK_SCRIPT)

    async def get(self, key: str) -> bytes | None:
        """The record, or ``None``."""
        value = await self._redis.get(key)
        return reply_bytes(value) if value is not None else None

    async def put(
        self, key: str, value: bytes, ttl_seconds: float, *, tenant_id: str | None = None
    ) -> None:
        """Write with a millisecond expiry (``tenant_id`` is ignored: the record expires)."""
        await self._redis.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def delete(self, key: str) -> None:
        """Forget a record."""
        await self._redis.delete(key)

    async def acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """``SET NX PX``: one holder at a time across replicas."""
        return bool(await self._redis.set(key, owner, nx=True, px=max(1, int(ttl_seconds * 1000))))

    async def release(self, key: str, owner: str) -> None:
        """Compare-and-delete, so an expired lock taken by another is left alone."""
        await self._release(keys=[key], args=[owner])


class MemoryRecordStore:
    """Records in this process only (the embedded mode)."""

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._records: dict[str, tuple[bytes, float]] = {}
        self._clock = clock

    def _live(self, key: str) -> bytes | None:
        entry = self._records.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock.monotonic():
            del self._records[key]
            return None
        return entry[0]

    async def get(self, key: str) -> bytes | None:
        """The record, or ``None``."""
        return self._live(key)

    async def put(
        self, key: str, value: bytes, ttl_seconds: float, *, tenant_id: str | None = None
    ) -> None:
        """Write with an expiry (``tenant_id`` is ignored: the record dies with the process)."""
        self._sweep()
        self._records[key] = (value, self._clock.monotonic() + ttl_seconds)

    async def delete(self, key: str) -> None:
        """Forget a record."""
        self._records.pop(key, None)

    async def acquire(self, key: str, owner: str, ttl_seconds: float) -> bool:
        """Take the lock unless held."""
        if self._live(key) is not None:
            return False
        await self.put(key, owner.encode(), ttl_seconds)
        return True

    async def release(self, key: str, owner: str) -> None:
        """Release if still ours."""
        if self._live(key) == owner.encode():
            del self._records[key]

    def _sweep(self) -> None:
        """Drop expired records now and then, so the dict does not grow without bound."""
        if len(self._records) < 10_000:
            return
        now = self._clock.monotonic()
        for key in [k for k, (_, expires) in self._records.items() if expires <= now]:
            del self._records[key]
