"""The poller's backoff: an item that stays pending is looked at less and less often."""

from __future__ import annotations

from gateway.events.poller import MAX_BACKOFF_SECONDS, backoff


def test_the_wait_doubles_from_the_interval_up_to_the_ceiling() -> None:
    assert [backoff(5.0, looks) for looks in range(5)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert backoff(5.0, 10) == MAX_BACKOFF_SECONDS
    assert backoff(5.0, 10_000) == MAX_BACKOFF_SECONDS


def test_an_interval_longer_than_the_ceiling_is_kept() -> None:
    assert backoff(900.0, 3) == 900.0
