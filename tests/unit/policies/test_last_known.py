"""Stale-on-error reads: fresh while the store answers, last known while it does not."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from policies.clock import FakeClock
from policies.last_known import LastKnown, StoreUnavailable


class Store:
    def __init__(self) -> None:
        self.value = "v1"
        self.down = False

    async def read(self) -> str:
        if self.down:
            raise RedisConnectionError("down")
        return self.value


async def test_answers_stay_fresh_while_the_store_answers() -> None:
    store, last_known = Store(), LastKnown()
    assert await last_known.read("k", store.read) == "v1"

    store.value = "v2"

    assert await last_known.read("k", store.read) == "v2"
    assert last_known.stale_reads == 0


async def test_an_outage_serves_the_last_answer() -> None:
    store, last_known = Store(), LastKnown()
    await last_known.read("k", store.read)
    store.down = True

    assert await last_known.read("k", store.read) == "v1"
    assert last_known.stale_reads == 1


async def test_an_outage_with_nothing_recent_is_store_unavailable() -> None:
    store, last_known = Store(), LastKnown(max_stale_seconds=0)
    await last_known.read("k", store.read)
    store.down = True

    with pytest.raises(StoreUnavailable):
        await last_known.read("k", store.read)
    with pytest.raises(StoreUnavailable):
        await last_known.read("never-read", store.read)


async def test_forgotten_answers_are_not_served() -> None:
    store, last_known = Store(), LastKnown()
    await last_known.read("k", store.read)
    last_known.forget("k")
    store.down = True

    with pytest.raises(StoreUnavailable):
        await last_known.read("k", store.read)


async def test_an_answer_older_than_the_stale_bound_is_not_served() -> None:
    clock = FakeClock()
    store, last_known = Store(), LastKnown(max_stale_seconds=30, clock=clock)
    await last_known.read("k", store.read)
    store.down = True

    clock.advance(30)
    assert await last_known.read("k", store.read) == "v1"
    clock.advance(0.5)
    with pytest.raises(StoreUnavailable):
        await last_known.read("k", store.read)
