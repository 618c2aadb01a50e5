"""Idempotency keys in the system of record, on SQLite and PostgreSQL: replay, conflict,
concurrency, release on failure, expiry and erasure of a tenant's records."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import select

from contract.errors import ValidationFailed, VendorError
from gateway.idempotency import REPLAYED_HEADER, request_fingerprint, run_idempotently
from policies.clock import FakeClock
from policies.idempotency import Begun, IdempotencyStore, SqlIdempotencyStore, StoredResponse
from policies.sql import Database
from policies.sql.schema import idempotency
from tests.databases import migrated


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(database_url, tmp_path)
    yield database
    await database.close()


@pytest.fixture
def store(database: Database) -> SqlIdempotencyStore:
    """The store on the real clock (``run_idempotently`` polls in real time)."""
    return SqlIdempotencyStore(database)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked(database: Database, clock: FakeClock) -> SqlIdempotencyStore:
    """The store on a fake clock, for expiries."""
    return SqlIdempotencyStore(database, clock)


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


RESPONSE = StoredResponse(201, b'{"id":"x"}', "application/json")


async def test_twenty_concurrent_begins_of_one_key_claim_it_once(
    store: SqlIdempotencyStore,
) -> None:
    begun = await asyncio.gather(*(store.begin("k", "fp", 60, f"owner-{i}") for i in range(20)))

    outcomes = sorted(b.outcome for b in begun)
    assert outcomes == ["new"] + ["pending"] * 19


async def test_concurrent_begins_of_a_released_key_claim_it_once(
    store: SqlIdempotencyStore,
) -> None:
    assert (await store.begin("k", "fp", 60, "first")).outcome == "new"
    await store.abandon("k", "first", 60)

    begun = await asyncio.gather(*(store.begin("k", "fp", 60, f"retry-{i}") for i in range(20)))

    assert sorted(b.outcome for b in begun) == ["new"] + ["pending"] * 19


async def test_concurrent_begins_with_different_fingerprints_claim_once(
    store: SqlIdempotencyStore,
) -> None:
    begun = await asyncio.gather(*(store.begin("k", f"fp-{i}", 60, f"o-{i}") for i in range(10)))

    assert sorted(b.outcome for b in begun) == ["conflict"] * 9 + ["new"]


async def test_a_done_key_replays_and_refuses_another_fingerprint(
    store: SqlIdempotencyStore,
) -> None:
    assert (await store.begin("k", "fp", 60, "first")).outcome == "new"
    assert await store.complete("k", "first", RESPONSE, 60)

    assert await store.begin("k", "fp", 60, "second") == Begun("done", RESPONSE)
    assert await store.begin("k", "fp", 60, "first") == Begun("done", RESPONSE)
    assert (await store.begin("k", "other", 60, "third")).outcome == "conflict"


async def test_a_pending_claim_refuses_another_fingerprint(store: SqlIdempotencyStore) -> None:
    assert (await store.begin("k", "fp", 60, "first")).outcome == "new"

    assert (await store.begin("k", "other", 60, "second")).outcome == "conflict"
    assert (await store.begin("k", "other", 60, "first")).outcome == "conflict"


async def test_only_the_owner_abandons_a_claim(store: SqlIdempotencyStore) -> None:
    assert (await store.begin("k", "fp", 60, "first")).outcome == "new"

    await store.abandon("k", "second", 60)
    assert (await store.begin("k", "fp", 60, "second")).outcome == "pending"

    await store.abandon("k", "first", 60)
    assert not await store.complete("k", "first", RESPONSE, 60)
    assert (await store.begin("k", "fp", 60, "second")).outcome == "new"
    assert await store.complete("k", "second", RESPONSE, 60)


async def test_a_claim_whose_owner_died_expires(
    clocked: SqlIdempotencyStore, clock: FakeClock
) -> None:
    assert (await clocked.begin("k", "fp", 30, "dead")).outcome == "new"
    clock.advance(29)
    assert (await clocked.begin("k", "other", 30, "next")).outcome == "conflict"
    assert (await clocked.begin("k", "fp", 30, "next")).outcome == "pending"

    clock.advance(1)
    assert (await clocked.begin("k", "other", 30, "next")).outcome == "new"
    assert not await clocked.complete("k", "dead", RESPONSE, 60)
    await clocked.abandon("k", "dead", 60)
    assert (await clocked.begin("k", "other", 30, "third")).outcome == "pending"


async def test_the_owner_claiming_again_keeps_its_claim_without_extending_it(
    clocked: SqlIdempotencyStore, clock: FakeClock
) -> None:
    assert (await clocked.begin("k", "fp", 30, "first")).outcome == "new"
    clock.advance(20)
    assert (await clocked.begin("k", "fp", 30, "first")).outcome == "new"

    clock.advance(10)
    assert not await clocked.complete("k", "first", RESPONSE, 60)
    assert (await clocked.begin("k", "fp", 30, "second")).outcome == "new"


async def test_a_response_is_kept_for_keep_seconds(
    clocked: SqlIdempotencyStore, clock: FakeClock
) -> None:
    assert (await clocked.begin("k", "fp", 30, "first")).outcome == "new"
    assert await clocked.complete("k", "first", RESPONSE, 3600)

    clock.advance(3599)
    assert await clocked.begin("k", "fp", 30, "second") == Begun("done", RESPONSE)
    clock.advance(1)
    assert (await clocked.begin("k", "other", 30, "second")).outcome == "new"


async def test_an_abandoned_key_remembers_its_fingerprint_for_keep_seconds(
    clocked: SqlIdempotencyStore, clock: FakeClock
) -> None:
    assert (await clocked.begin("k", "fp", 30, "first")).outcome == "new"
    await clocked.abandon("k", "first", 600)

    clock.advance(599)
    assert (await clocked.begin("k", "other", 30, "second")).outcome == "conflict"
    clock.advance(1)
    assert (await clocked.begin("k", "other", 30, "second")).outcome == "new"


async def test_begin_stores_the_tenant(store: SqlIdempotencyStore, database: Database) -> None:
    await store.begin("k1", "fp", 60, "o", tenant_id="t1")
    await store.begin("k2", "fp", 60, "o")

    async with database.begin() as connection:
        rows = (
            await connection.execute(
                select(idempotency.c.key, idempotency.c.tenant_id).order_by(idempotency.c.key)
            )
        ).all()
    assert [tuple(row) for row in rows] == [("k1", "t1"), ("k2", None)]


async def test_purging_a_tenant_deletes_only_its_records(store: SqlIdempotencyStore) -> None:
    await store.begin("t1:a", "fp", 60, "o", tenant_id="t1")
    await store.begin("t1:b", "fp", 60, "o", tenant_id="t1")
    assert await store.complete("t1:b", "o", RESPONSE, 60)
    await store.begin("t2:a", "fp", 60, "o", tenant_id="t2")
    await store.begin("anonymous", "fp", 60, "o")

    assert await store.purge_tenant("t1") == 2
    assert await store.purge_tenant("t1") == 0

    assert (await store.begin("t1:a", "other", 60, "p", tenant_id="t1")).outcome == "new"
    assert (await store.begin("t1:b", "other", 60, "p", tenant_id="t1")).outcome == "new"
    assert (await store.begin("t2:a", "other", 60, "p", tenant_id="t2")).outcome == "conflict"
    assert (await store.begin("anonymous", "fp", 60, "p")).outcome == "pending"


async def test_purging_expired_records_keeps_live_ones(
    clocked: SqlIdempotencyStore, clock: FakeClock
) -> None:
    await clocked.begin("claim", "fp", 30, "o")
    await clocked.begin("done", "fp", 30, "o")
    assert await clocked.complete("done", "o", RESPONSE, 3600)
    await clocked.begin("released", "fp", 30, "o")
    await clocked.abandon("released", "o", 10)

    clock.advance(30)
    assert await clocked.purge_expired() == 2
    assert await clocked.purge_expired() == 0
    assert await clocked.begin("done", "fp", 30, "p") == Begun("done", RESPONSE)


async def test_a_store_implements_the_protocol(store: SqlIdempotencyStore) -> None:
    checked: IdempotencyStore = store
    assert (await checked.begin("k", "fp", 60, "o", tenant_id="t")).outcome == "new"
