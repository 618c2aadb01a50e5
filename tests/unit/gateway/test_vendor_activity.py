"""The in-process recorder behind ``GET /v1/vendors``, on a fake clock."""

from __future__ import annotations

from adapters.declaration import Op
from contract.errors import VendorCircuitOpen, VendorServerError
from gateway.vendor_activity import MINUTES_KEPT, CacheResult, MinuteCounts, VendorActivity
from policies.clock import FakeClock

MINUTE_START = 1_700_000_040.0
"""A wall-clock time at the start of a minute."""


def test_minute_counts_keep_the_last_minutes_oldest_first_and_forget_older_ones() -> None:
    counts = MinuteCounts()

    counts.add(MINUTE_START)
    counts.add(MINUTE_START + 59)
    counts.add(MINUTE_START + 60)
    later = MINUTE_START + 60 * (MINUTES_KEPT - 1)
    counts.add(later)

    assert counts.per_minute(MINUTE_START + 60) == [0] * (MINUTES_KEPT - 2) + [2, 1]
    assert counts.per_minute(later) == [2, 1] + [0] * (MINUTES_KEPT - 3) + [1]
    assert counts.per_minute(later + 60) == [1] + [0] * (MINUTES_KEPT - 3) + [1, 0]
    counts.add(later + 60)  # reuses the ring slot of the first minute
    assert counts.total(later + 60) == 3
    assert counts.per_minute(later + 60 * MINUTES_KEPT * 3) == [0] * MINUTES_KEPT


def test_the_recorder_keeps_each_tenant_and_vendor_apart() -> None:
    clock = FakeClock(time=MINUTE_START)
    activity = VendorActivity(clock=clock)

    activity.cache_lookup("t1", "v", CacheResult.MISS)
    activity.cache_lookup("t1", "v", CacheResult.HIT)
    activity.admitted("t1", "v", "default")
    activity.failed("t1", "v", Op.LIST_CALLS, VendorServerError("boom", vendor_status=500))
    clock.advance(1)
    activity.failed("t1", "v", Op.GET_CALL, VendorCircuitOpen(retry_after=3))

    mine = activity.of("t1", "v")
    assert mine is not None
    assert mine.cache[CacheResult.HIT].total(clock.time()) == 1
    assert mine.cache[CacheResult.MISS].total(clock.time()) == 1
    assert mine.admitted["default"].per_minute(clock.time())[-1] == 1
    assert mine.last_error is not None
    assert (mine.last_error.operation, mine.last_error.status, mine.last_error.type) == (
        "get_call",
        503,
        "/problems/vendor-circuit-open",
    )
    assert mine.last_error.at.timestamp() == MINUTE_START + 1
    assert activity.of("t2", "v") is None
    assert activity.of("t1", "w") is None


def test_the_recorder_forgets_the_least_recently_used_pair_past_its_bound() -> None:
    activity = VendorActivity(max_pairs=2, clock=FakeClock(time=MINUTE_START))

    activity.admitted("t1", "v", "default")
    activity.admitted("t2", "v", "default")
    activity.admitted("t1", "v", "default")
    activity.admitted("t3", "v", "default")

    assert activity.of("t2", "v") is None
    assert activity.of("t1", "v") is not None
    assert activity.of("t3", "v") is not None
