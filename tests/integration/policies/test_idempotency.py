"""Idempotency keys on both stores: replay, conflict, concurrency, and release on failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest

from contract.errors import ValidationFailed, VendorError
from gateway.idempotency import REPLAYED_HEADER, request_fingerprint, run_idempotently
from policies.idempotency import (
    IdempotencyStore,
    MemoryIdempotencyStore,
    RedisIdempotencyStore,
    StoredResponse,
)
from policies.redis_client import RedisSettings, create_redis


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[IdempotencyStore]:
    if request.param == "memory":
        yield MemoryIdempotencyStore()
        return
    client = create_redis(RedisSettings(url=request.getfixturevalue("redis_url")))
    yield RedisIdempotencyStore(client)
    await client.aclose()


class SideEffect:
    """Counts how often the protected action really ran."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.runs = 0
        self.delay = delay
        self.fail = fail

    async def __call__(self) -> dict[str, int]:
        self.runs += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise VendorError("vendor down")
        return {"run": self.runs}


FINGERPRINT = request_fingerprint("POST", "/things", {"a": 1})


async def test_the_same_key_replays_the_first_response(store: IdempotencyStore) -> None:
    action = SideEffect()

    first = await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action)
    second = await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action)

    assert action.runs == 1
    assert msgspec.json.decode(second.content) == {"run": 1}
    assert second.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first.headers


async def test_the_same_key_with_another_request_is_422(store: IdempotencyStore) -> None:
    action = SideEffect()
    await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action)

    other = request_fingerprint("POST", "/things", {"a": 2})
    with pytest.raises(ValidationFailed) as refused:
        await run_idempotently(store, "t1", "op", "key-1", other, action)

    assert refused.value.errors[0].field == "header.Idempotency-Key"
    assert action.runs == 1


async def test_concurrent_requests_with_one_key_run_once(store: IdempotencyStore) -> None:
    action = SideEffect(delay=0.2)

    responses = await asyncio.gather(
        *(run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action) for _ in range(5))
    )

    assert action.runs == 1
    assert {r.content for r in responses} == {b'{"run":1}'}


async def test_a_failed_request_releases_its_key(store: IdempotencyStore) -> None:
    failing = SideEffect(fail=True)
    with pytest.raises(VendorError):
        await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, failing)

    working = SideEffect()
    response = await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, working)

    assert working.runs == 1 and response.status_code == 200


async def test_a_failed_request_still_refuses_another_request_under_its_key(
    store: IdempotencyStore,
) -> None:
    failing = SideEffect(fail=True)
    with pytest.raises(VendorError):
        await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, failing)

    other = request_fingerprint("POST", "/things", {"a": 2})
    action = SideEffect()
    with pytest.raises(ValidationFailed):
        await run_idempotently(store, "t1", "op", "key-1", other, action)

    assert action.runs == 0


async def test_a_released_key_is_claimed_by_one_of_several_concurrent_retries(
    store: IdempotencyStore,
) -> None:
    with pytest.raises(VendorError):
        await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, SideEffect(fail=True))
    action = SideEffect(delay=0.2)

    responses = await asyncio.gather(
        *(run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action) for _ in range(4))
    )

    assert action.runs == 1
    assert {r.content for r in responses} == {b'{"run":1}'}


async def test_keys_are_scoped_by_tenant(store: IdempotencyStore) -> None:
    action = SideEffect()

    await run_idempotently(store, "t1", "op", "key-1", FINGERPRINT, action)
    await run_idempotently(store, "t2", "op", "key-1", FINGERPRINT, action)

    assert action.runs == 2


async def test_only_the_owner_of_a_claim_completes_it(store: IdempotencyStore) -> None:
    response = StoredResponse(200, b"{}", "application/json")

    assert (await store.begin("k", "fp", 0.05, "first")).outcome == "new"
    assert (await store.begin("k", "fp", 0.05, "first")).outcome == "new"
    assert (await store.begin("k", "fp", 10, "second")).outcome == "pending"
    await asyncio.sleep(0.1)
    assert (await store.begin("k", "fp", 10, "second")).outcome == "new"

    assert not await store.complete("k", "first", response, 60)
    assert await store.complete("k", "second", response, 60)
    done = await store.begin("k", "fp", 10, "third")
    assert done.outcome == "done" and done.response == response
