"""A two-tier cache of encoded answers: in-process (cachetools) over Redis, single-flight.

Concurrent misses for one key make one load: in a process they await the same future; across
replicas the first takes a short Redis lock and the others wait for its value to appear in Redis.
Only successful loads are stored. Redis failures degrade to the in-process tier, never to errors.

An answer outlives its TTL by ``stale_if_error_seconds`` (RFC 5861's ``stale-if-error``): not to
be served as fresh, only when the caller cannot get a new one (:meth:`TwoTierCache.stale`). Each
process keeps its own stale copies, so a Redis outage cannot take them away.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import msgspec
from cachetools import LRUCache, TTLCache
from redis.asyncio import Redis

from policies.clock import SYSTEM_CLOCK, Clock
from policies.redis_client import REDIS_ERRORS, RELEASE_LOCK_SCRIPT, reply_bytes

log = logging.getLogger(__name__)


class Cached(msgspec.Struct, frozen=True):
    """An encoded answer, when it was loaded and when it expires (epoch seconds)."""

    payload: bytes
    stored_at: float
    expires_at: float

    def age(self, now: float | None = None) -> int:
        """Whole seconds since the answer was loaded (the ``Age`` header), at ``now`` (epoch
        seconds; the system clock's time if not given, :meth:`TwoTierCache.age` passes its own)."""
        at = SYSTEM_CLOCK.time() if now is None else now
        return max(0, int(at - self.stored_at))


@dataclass(frozen=True)
class CacheSettings:
    """Sizes and times of the cache tiers."""

    local_seconds: float = 5.0
    """How long the in-process tier keeps an entry in front of Redis (an entry past its own TTL
    is never served). Without Redis the in-process tier is the only one and keeps an entry for
    its own TTL."""
    local_entries: int = 10_000
    """Most entries the in-process tier holds."""
    lock_seconds: float = 60.0
    """How long a replica's load lock lives (waiters give up and load themselves after it);
    longer than a vendor call with its waits, timeouts and retries can take."""
    poll_seconds: float = 0.025
    """How often a waiting replica looks for the loader's value."""
    stale_if_error_seconds: float = 300.0
    """How long past its expiry an answer may still be served when no fresh one can be had."""


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Cached)


class TwoTierCache:
    """Cached answers by key; the caller builds tenant-scoped keys."""

    def __init__(
        self, redis: Redis | None, settings: CacheSettings, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._redis = redis
        self._release = redis.register_script(RELEASE_LOCK_SCRIPT) if redis is not None else None
        self._settings = settings
        self._clock = clock
        self._local: TTLCache[str, Cached] = TTLCache(
            maxsize=settings.local_entries,
            ttl=settings.local_seconds if redis is not None else math.inf,
            timer=clock.monotonic,
        )
        self._stale: LRUCache[str, Cached] = LRUCache(maxsize=settings.local_entries)
        self._inflight: dict[str, asyncio.Future[tuple[Cached, bool]]] = {}
        self.redis_failures = 0

    async def get_or_load(
        self, key: str, ttl: float, load: Callable[[], Awaitable[bytes]], refresh: bool = False
    ) -> tuple[Cached, bool]:
        """The cached answer for ``key`` (``True``), or a fresh one loaded once (``False``).

        ``refresh`` skips the lookup (a consumer's ``Cache-Control: no-cache``) but still stores.
        """
        if not refresh:
            found = await self._lookup(key)
            if found is not None:
                return found, True
        loading = self._inflight.get(key)
        joined = loading is not None
        if loading is None:
            # The cache owns the load, so a caller that gives up (is cancelled) cancels only its
            # own wait, never the load the others are waiting for.
            loading = asyncio.ensure_future(
                self._load_once_across_replicas(key, ttl, load, refresh)
            )
            self._inflight[key] = loading
            loading.add_done_callback(lambda _: self._inflight.pop(key, None))
        cached, hit = await asyncio.shield(loading)
        return cached, hit or joined

    async def stale(self, key: str) -> Cached | None:
        """The last answer for ``key``, expired less than ``stale_if_error_seconds`` ago: for
        a caller that could not get a fresh one (the vendor failed, or may not be asked now)."""
        candidates = [self._stale.get(key)]
        if self._redis is not None:
            try:
                raw = await self._redis.get(self._value_key(key))
            except REDIS_ERRORS:
                self._note_redis_failure()
            else:
                candidates.append(None if raw is None else _decoder.decode(reply_bytes(raw)))
        usable = [
            c
            for c in candidates
            if c is not None
            and self._clock.time() - c.expires_at <= self._settings.stale_if_error_seconds
        ]
        return max(usable, key=lambda c: c.stored_at, default=None)

    def age(self, cached: Cached) -> int:
        """Whole seconds since ``cached`` was loaded, on this cache's clock (the ``Age`` header)."""
        return cached.age(self._clock.time())

    async def _lookup(self, key: str) -> Cached | None:
        local = self._local.get(key)
        if local is not None and local.expires_at > self._clock.time():
            return local
        if self._redis is None:
            return None
        try:
            raw = await self._redis.get(self._value_key(key))
        except REDIS_ERRORS:
            self._note_redis_failure()
            return None
        if raw is None:
            return None
        cached = _decoder.decode(reply_bytes(raw))
        self._stale[key] = cached
        if cached.expires_at <= self._clock.time():
            return None
        self._local[key] = cached
        return cached

    async def _load_once_across_replicas(
        self, key: str, ttl: float, load: Callable[[], Awaitable[bytes]], refresh: bool
    ) -> tuple[Cached, bool]:
        token = uuid.uuid4().hex
        deadline = self._clock.monotonic() + self._settings.lock_seconds
        while not refresh and not await self._take_lock(key, token):
            await self._clock.sleep(self._settings.poll_seconds)
            found = await self._lookup(key)
            if found is not None:
                return found, True
            if self._clock.monotonic() > deadline:
                break
        try:
            if not refresh:
                # Another replica may have stored the value between our miss and our lock.
                found = await self._lookup(key)
                if found is not None:
                    return found, True
            payload = await load()
            now = self._clock.time()
            cached = Cached(payload=payload, stored_at=now, expires_at=now + ttl)
            await self._store(key, cached, ttl)
            return cached, False
        finally:
            await self._drop_lock(key, token)

    async def _take_lock(self, key: str, token: str) -> bool:
        if self._redis is None:
            return True
        try:
            lock_ms = int(self._settings.lock_seconds * 1000)
            return bool(await self._redis.set(self._lock_key(key), token, nx=True, px=lock_ms))
        except REDIS_ERRORS:
            self._note_redis_failure()
            return True

    async def _drop_lock(self, key: str, token: str) -> None:
        if self._release is None:
            return
        try:
            await self._release(keys=[self._lock_key(key)], args=[token])
        except REDIS_ERRORS:
            self._note_redis_failure()

    async def _store(self, key: str, cached: Cached, ttl: float) -> None:
        self._local[key] = cached
        self._stale[key] = cached
        if self._redis is None:
            return
        keep_ms = int((ttl + self._settings.stale_if_error_seconds) * 1000)
        try:
            await self._redis.set(self._value_key(key), _encoder.encode(cached), px=keep_ms)
        except REDIS_ERRORS:
            self._note_redis_failure()

    def _note_redis_failure(self) -> None:
        self.redis_failures += 1
        log.warning("cache: Redis unreachable, serving from the in-process tier only")

    @staticmethod
    def _value_key(key: str) -> str:
        return f"{{{key}}}:value"

    @staticmethod
    def _lock_key(key: str) -> str:
        return f"{{{key}}}:lock"
