"""The record store contract on every store: in memory, on real Redis, and in the system of
record on SQLite and PostgreSQL (plus the SQL store's erasure and housekeeping)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from policies.clock import FakeClock
from policies.records import MemoryRecordStore, RecordStore, RedisRecordStore, SqlRecordStore
from policies.redis_client import RedisSettings, create_redis
from policies.sql import Database
from policies.sql.schema import records
from tests.databases import migrated

SHORT = 0.1
"""A TTL that ``advance(PAST_SHORT)`` outlives (real time on Redis, so it stays tiny)."""
PAST_SHORT = 0.2
LONG = 60.0


@dataclass
class Subject:
    """A store under test, and how to move its time forward."""

    store: RecordStore
    advance: Callable[[float], Awaitable[None]]


def fake_time(clock: FakeClock) -> Callable[[float], Awaitable[None]]:
    async def advance(seconds: float) -> None:
        clock.advance(seconds)

    return advance


@pytest.fixture(params=["memory", "redis", "sqlite", "postgresql"])
async def subject(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Subject]:
    clock = FakeClock()
    if request.param == "memory":
        yield Subject(MemoryRecordStore(clock), fake_time(clock))
    elif request.param == "redis":
        client = create_redis(RedisSettings(url=request.getfixturevalue("redis_url")))
        yield Subject(RedisRecordStore(client), asyncio.sleep)
        await client.aclose()
    else:
        url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
        database = await migrated(url, tmp_path)
        yield Subject(SqlRecordStore(database, clock), fake_time(clock))
        await database.close()


async def test_an_absent_record_reads_as_none(subject: Subject) -> None:
    assert await subject.store.get("nothing") is None


async def test_a_record_reads_back_until_it_expires(subject: Subject) -> None:
    store = subject.store
    await store.put("short", b"\x00binary\xff", SHORT)
    await store.put("long", b"kept", LONG, tenant_id="t1")

    assert await store.get("short") == b"\x00binary\xff"
    assert await store.get("long") == b"kept"

    await subject.advance(PAST_SHORT)
    assert await store.get("short") is None
    assert await store.get("long") == b"kept"


async def test_a_put_overwrites_the_value_and_the_expiry(subject: Subject) -> None:
    store = subject.store
    await store.put("k", b"first", SHORT)
    await store.put("k", b"second", LONG, tenant_id="t1")

    await subject.advance(PAST_SHORT)
    assert await store.get("k") == b"second"

    await store.put("k", b"third", SHORT)
    await subject.advance(PAST_SHORT)
    assert await store.get("k") is None
    await store.put("k", b"again", LONG)
    assert await store.get("k") == b"again"


async def test_a_deleted_record_is_gone(subject: Subject) -> None:
    store = subject.store
    await store.put("k", b"v", LONG)
    await store.put("other", b"w", LONG)

    await store.delete("k")
    await store.delete("never-written")

    assert await store.get("k") is None
    assert await store.get("other") == b"w"


async def test_a_lock_has_one_holder_until_released(subject: Subject) -> None:
    store = subject.store
    assert await store.acquire("lock", "a", LONG)
    assert not await store.acquire("lock", "b", LONG)
    assert not await store.acquire("lock", "a", LONG)
    assert await store.get("lock") == b"a"

    await store.release("lock", "a")
    assert await store.get("lock") is None
    assert await store.acquire("lock", "b", LONG)


async def test_only_the_owner_releases_a_lock(subject: Subject) -> None:
    store = subject.store
    assert await store.acquire("lock", "a", LONG)

    await store.release("lock", "b")
    await store.release("elsewhere", "a")

    assert not await store.acquire("lock", "b", LONG)
    assert await store.get("lock") == b"a"


async def test_an_expired_lock_is_free_and_its_old_owner_cannot_release_the_new_one(
    subject: Subject,
) -> None:
    store = subject.store
    assert await store.acquire("lock", "a", SHORT)
    await subject.advance(PAST_SHORT)

    assert await store.acquire("lock", "b", LONG)
    await store.release("lock", "a")
    assert not await store.acquire("lock", "c", LONG)
    assert await store.get("lock") == b"b"


async def test_a_live_record_is_not_a_free_lock(subject: Subject) -> None:
    store = subject.store
    await store.put("k", b"data", LONG)

    assert not await store.acquire("k", "a", LONG)
    assert await store.get("k") == b"data"


async def test_releasing_a_lock_overwritten_by_a_record_leaves_the_record(
    subject: Subject,
) -> None:
    store = subject.store
    assert await store.acquire("k", "a", LONG)
    await store.put("k", b"data", LONG)

    await store.release("k", "a")

    assert await store.get("k") == b"data"


async def test_of_concurrent_acquires_exactly_one_wins(subject: Subject) -> None:
    won = await asyncio.gather(
        *(subject.store.acquire("lock", f"owner-{i}", LONG) for i in range(20))
    )

    assert won.count(True) == 1
    winner = f"owner-{won.index(True)}".encode()
    assert await subject.store.get("lock") == winner


async def test_of_concurrent_acquires_of_an_expired_lock_exactly_one_wins(
    subject: Subject,
) -> None:
    assert await subject.store.acquire("lock", "dead", SHORT)
    await subject.advance(PAST_SHORT)

    won = await asyncio.gather(
        *(subject.store.acquire("lock", f"owner-{i}", LONG) for i in range(20))
    )

    assert won.count(True) == 1


# The SQL store only: the system of record, shared by replicas, erasable by tenant.


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(database_url, tmp_path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sql_store(database: Database, clock: FakeClock) -> SqlRecordStore:
    return SqlRecordStore(database, clock)


async def rows(database: Database) -> list[tuple[object, ...]]:
    async with database.begin() as connection:
        result = await connection.execute(
            select(records.c.key, records.c.tenant_id, records.c.owner).order_by(records.c.key)
        )
        return [tuple(row) for row in result]


async def test_put_stores_the_tenant_and_acquire_the_owner(
    sql_store: SqlRecordStore, database: Database
) -> None:
    await sql_store.put("record", b"v", LONG, tenant_id="t1")
    await sql_store.put("untenanted", b"v", LONG)
    assert await sql_store.acquire("lock", "me", LONG)

    assert await rows(database) == [
        ("lock", None, "me"),
        ("record", "t1", None),
        ("untenanted", None, None),
    ]


async def test_purging_a_tenant_deletes_only_its_records(
    sql_store: SqlRecordStore, clock: FakeClock
) -> None:
    await sql_store.put("t1:a", b"a", LONG, tenant_id="t1")
    await sql_store.put("t1:b", b"b", SHORT, tenant_id="t1")
    await sql_store.put("t2:a", b"c", LONG, tenant_id="t2")
    await sql_store.put("shared", b"d", LONG)
    clock.advance(PAST_SHORT)

    assert await sql_store.purge_tenant("t1") == 2
    assert await sql_store.purge_tenant("t1") == 0

    assert await sql_store.get("t1:a") is None
    assert await sql_store.get("t2:a") == b"c"
    assert await sql_store.get("shared") == b"d"


async def test_purging_expired_records_keeps_live_ones(
    sql_store: SqlRecordStore, database: Database, clock: FakeClock
) -> None:
    await sql_store.put("gone", b"v", SHORT, tenant_id="t1")
    await sql_store.put("kept", b"v", LONG, tenant_id="t1")
    assert await sql_store.acquire("stale-lock", "a", SHORT)
    assert await sql_store.acquire("live-lock", "b", LONG)
    clock.advance(PAST_SHORT)

    assert await sql_store.purge_expired() == 2
    assert await sql_store.purge_expired() == 0

    assert [row[0] for row in await rows(database)] == ["kept", "live-lock"]


async def test_replicas_share_records_and_locks(database: Database, clock: FakeClock) -> None:
    other = Database(database.url)
    try:
        here, there = SqlRecordStore(database, clock), SqlRecordStore(other, clock)
        await here.put("k", b"v", LONG, tenant_id="t1")
        assert await there.get("k") == b"v"

        won = await asyncio.gather(
            *((here if i % 2 else there).acquire("lock", f"owner-{i}", LONG) for i in range(20))
        )
        assert won.count(True) == 1
        winner = f"owner-{won.index(True)}"
        await (there if won.index(True) % 2 else here).release("lock", winner)
        assert await here.get("lock") is None
    finally:
        await other.close()
