"""The in-process tier of the cache (no Redis), driven by a fake clock."""

from __future__ import annotations

from policies.cache import Cached, CacheSettings, TwoTierCache
from policies.clock import FakeClock


class Vendor:
    def __init__(self) -> None:
        self.loads = 0

    async def load(self) -> bytes:
        self.loads += 1
        return f"answer {self.loads}".encode()


async def test_without_redis_entries_live_their_own_ttl_and_report_their_age() -> None:
    clock = FakeClock()
    cache = TwoTierCache(None, CacheSettings(local_seconds=5), clock=clock)
    vendor = Vendor()

    loaded, hit = await cache.get_or_load("k", 60, vendor.load)
    assert (loaded.payload, hit, cache.age(loaded)) == (b"answer 1", False, 0)
    assert loaded.stored_at == clock.time()

    clock.advance(4.5)
    cached, hit = await cache.get_or_load("k", 60, vendor.load)
    assert (cached.payload, hit, cache.age(cached)) == (b"answer 1", True, 4)

    clock.advance(55)  # past the local tier's 5 s: the only tier keeps it for its TTL
    cached, hit = await cache.get_or_load("k", 60, vendor.load)
    assert (cached.payload, hit, cache.age(cached)) == (b"answer 1", True, 59)

    clock.advance(0.6)  # past its own 60 s
    fresh, hit = await cache.get_or_load("k", 60, vendor.load)
    assert (fresh.payload, hit, cache.age(fresh)) == (b"answer 2", False, 0)
    assert vendor.loads == 2
    assert clock.slept == []


async def test_an_entry_is_never_served_past_its_own_ttl() -> None:
    clock = FakeClock()
    cache = TwoTierCache(None, CacheSettings(local_seconds=60), clock=clock)
    vendor = Vendor()
    await cache.get_or_load("k", 3, vendor.load)

    clock.advance(2.9)
    assert (await cache.get_or_load("k", 3, vendor.load))[1]
    clock.advance(0.1)
    cached, hit = await cache.get_or_load("k", 3, vendor.load)

    assert (cached.payload, hit) == (b"answer 2", False)


async def test_a_refresh_reloads_and_stores() -> None:
    clock = FakeClock()
    cache = TwoTierCache(None, CacheSettings(), clock=clock)
    vendor = Vendor()
    await cache.get_or_load("k", 60, vendor.load)

    refreshed, hit = await cache.get_or_load("k", 60, vendor.load, refresh=True)
    cached, hit_after = await cache.get_or_load("k", 60, vendor.load)

    assert (refreshed.payload, hit) == (b"answer 2", False)
    assert (cached.payload, hit_after) == (b"answer 2", True)


def test_an_age_is_whole_seconds_since_loading_and_never_negative() -> None:
    cached = Cached(payload=b"", stored_at=1_000.0, expires_at=1_060.0)

    assert cached.age(1_007.9) == 7
    assert cached.age(999.0) == 0


async def test_an_expired_answer_is_kept_as_stale_for_a_bound_only() -> None:
    clock = FakeClock()
    cache = TwoTierCache(None, CacheSettings(stale_if_error_seconds=30), clock=clock)
    vendor = Vendor()
    await cache.get_or_load("k", 3, vendor.load)

    clock.advance(3 + 29)
    stale = await cache.stale("k")
    age = None if stale is None else cache.age(stale)
    clock.advance(2)
    too_old = await cache.stale("k")

    assert stale is not None and stale.payload == b"answer 1" and age == 32
    assert too_old is None
    assert await cache.stale("never-stored") is None
