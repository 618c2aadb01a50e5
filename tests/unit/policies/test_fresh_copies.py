"""In-process copies: served within their lifetime, dropped on demand, never kept from a read
that raced a drop."""

from __future__ import annotations

from policies.clock import FakeClock
from policies.fresh_copies import FreshCopies


def test_a_copy_is_served_within_its_lifetime_only() -> None:
    clock = FakeClock()
    copies: FreshCopies[str, str | None] = FreshCopies(10, lambda: 5.0, clock=clock)
    copies.put("key", None, copies.generation)

    clock.advance(4.9)
    assert copies.get("key") == (True, None), "a known absence is a copy too"
    clock.advance(0.1)
    assert copies.get("key") == (False, None)


def test_a_shorter_lifetime_applies_to_copies_already_held() -> None:
    clock, lifetime = FakeClock(), [30.0]
    copies: FreshCopies[str, str] = FreshCopies(10, lambda: lifetime[0], clock=clock)
    copies.put("key", "v1", copies.generation)
    clock.advance(2)

    lifetime[0] = 1.0  # the invalidation channel went down

    assert copies.get("key") == (False, None)


def test_forgetting_drops_matching_copies_and_a_read_begun_before_is_not_kept() -> None:
    copies: FreshCopies[tuple[str, str], str] = FreshCopies(10, lambda: 60.0, clock=FakeClock())
    copies.put(("t1", "a"), "old", copies.generation)
    copies.put(("t2", "a"), "other", copies.generation)
    racing = copies.generation

    copies.forget(lambda key: key[0] == "t1")
    copies.put(("t1", "a"), "read before the change", racing)

    assert copies.get(("t1", "a")) == (False, None)
    assert copies.get(("t2", "a")) == (True, "other")
    copies.put(("t1", "a"), "new", copies.generation)
    assert copies.get(("t1", "a")) == (True, "new")


def test_copies_are_bounded_least_recently_used_first_out() -> None:
    copies: FreshCopies[int, int] = FreshCopies(2, lambda: 60.0, clock=FakeClock())
    for key in (1, 2):
        copies.put(key, key, copies.generation)
    copies.get(1)
    copies.put(3, 3, copies.generation)

    assert (copies.get(1), copies.get(2), copies.get(3)) == ((True, 1), (False, None), (True, 3))
    assert len(copies) == 2
