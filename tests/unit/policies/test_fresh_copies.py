"""In-process copies: served within their lifetime, dropped on demand, never kept from a read
that raced a drop."""

from __future__ import annotations

import asyncio

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


class SlowRead:
    """A read of the system of record that answers only when let go, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.go = asyncio.Event()
        self.answers = iter(["first", "second", "third"])
        self.failure: Exception | None = None

    async def __call__(self) -> str:
        self.calls += 1
        answer = next(self.answers)
        await self.go.wait()
        if self.failure is not None:
            raise self.failure
        return answer


async def test_misses_of_one_key_while_it_is_read_share_that_read() -> None:
    copies: FreshCopies[str, str] = FreshCopies(10, lambda: 60.0, clock=FakeClock())
    read = SlowRead()
    waiting = [asyncio.create_task(copies.read_through("key", read)) for _ in range(20)]
    await asyncio.sleep(0)
    read.go.set()

    assert await asyncio.gather(*waiting) == ["first"] * 20
    assert read.calls == 1
    assert await copies.read_through("key", read) == "first" and read.calls == 1


async def test_a_read_begun_before_a_forget_is_neither_joined_nor_kept() -> None:
    copies: FreshCopies[str, str] = FreshCopies(10, lambda: 60.0, clock=FakeClock())
    read = SlowRead()
    before = asyncio.create_task(copies.read_through("key", read))
    await asyncio.sleep(0)
    copies.forget(lambda key: key == "key")
    after = asyncio.create_task(copies.read_through("key", read))
    await asyncio.sleep(0)
    read.go.set()

    assert (await before, await after) == ("first", "second")
    assert read.calls == 2
    assert copies.get("key") == (True, "second")


async def test_a_caller_giving_up_does_not_cancel_the_read_the_others_wait_for() -> None:
    copies: FreshCopies[str, str] = FreshCopies(10, lambda: 60.0, clock=FakeClock())
    read = SlowRead()
    leaving = asyncio.create_task(copies.read_through("key", read))
    staying = asyncio.create_task(copies.read_through("key", read))
    await asyncio.sleep(0)
    leaving.cancel()
    await asyncio.sleep(0)
    read.go.set()

    assert await staying == "first"
    assert leaving.cancelled()
    assert copies.get("key") == (True, "first")


async def test_a_failed_read_reaches_every_caller_waiting_on_it_and_is_not_kept() -> None:
    copies: FreshCopies[str, str] = FreshCopies(10, lambda: 60.0, clock=FakeClock())
    read = SlowRead()
    read.failure = ConnectionError("database down")
    waiting = [asyncio.create_task(copies.read_through("key", read)) for _ in range(3)]
    await asyncio.sleep(0)
    read.go.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)

    assert [type(outcome) for outcome in outcomes] == [ConnectionError] * 3
    assert read.calls == 1 and copies.get("key") == (False, None)
    read.failure = None
    assert await copies.read_through("key", read) == "second"
