"""Invalidations between two processes' copies, over a real Redis's pub/sub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

from gateway.invalidation import Invalidations
from policies.redis_client import RedisSettings, create_redis
from tests.redis_server import RedisServer

LOCAL, SHARED = 1.0, 30.0
POLL_SECONDS = 0.01


@dataclass
class Replica:
    invalidations: Invalidations
    dropped: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def replica(url: str) -> AsyncIterator[Replica]:
    clients: list[Redis] = [create_redis(RedisSettings(url, health_check_interval=0))]
    clients.append(create_redis(RedisSettings(url)))
    invalidations = Invalidations(
        clients[0], clients[1], local_seconds=LOCAL, shared_seconds=SHARED
    )
    running = Replica(invalidations)
    invalidations.on_keys(lambda: running.dropped.append("keys"))
    invalidations.on_credentials(lambda tenant: running.dropped.append(f"credentials:{tenant}"))
    task = asyncio.create_task(invalidations.listen_forever())
    try:
        yield running
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for client in clients:
            await client.aclose()


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    for _ in range(int(seconds / POLL_SECONDS)):
        if condition():
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"not so within {seconds:g} s")


async def test_a_change_reaches_the_other_replica_and_subscribing_drops_everything(
    redis_url: str,
) -> None:
    async with replica(redis_url) as one, replica(redis_url) as other:
        await until(lambda: one.invalidations.live and other.invalidations.live)
        assert other.dropped == ["keys", "credentials:None"], "a new subscription trusts no copy"
        assert other.invalidations.copy_seconds() == SHARED
        other.dropped.clear()

        await one.invalidations.credentials_changed("ten_1")
        await one.invalidations.keys_changed()
        await until(lambda: len(other.dropped) == 2)

        assert other.dropped == ["credentials:ten_1", "keys"]
        assert one.dropped[-4:] == ["credentials:ten_1", "keys", "credentials:ten_1", "keys"], (
            "the writer drops its own copies at once, and again when its message comes back"
        )


async def test_without_the_subscription_copies_live_the_local_bound(
    redis_server: RedisServer, redis_url: str
) -> None:
    async with replica(redis_url) as one:
        await until(lambda: one.invalidations.live)

        redis_server.stop()
        try:
            await until(lambda: not one.invalidations.live)
            assert one.invalidations.copy_seconds() == LOCAL
            await one.invalidations.keys_changed()  # cannot publish: still applied here
            assert one.dropped[-1] == "keys"
        finally:
            redis_server.start()
        one.dropped.clear()
        await until(lambda: one.invalidations.live)

    assert one.dropped == ["keys", "credentials:None"], "resubscribing drops every copy"
