"""The follow list the poller walks: shared by replicas (one engine each), one claim per item,
later and later looks, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.events.follow import FollowKind, FollowList
from policies.clock import FakeClock
from policies.records import SqlRecordStore
from policies.sql import Database
from tests.databases import migrated

KEEP = 3600.0


@pytest.fixture
async def replicas(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[FollowList, ...]]:
    """Two follow lists on one database, each on its own engine, with one clock."""
    first = await migrated(database_url, tmp_path)
    second = Database(first.url)
    clock = FakeClock(time=1_800_000_000.0)
    yield tuple(FollowList(SqlRecordStore(db, clock), clock) for db in (first, second))
    for db in (first, second):
        await db.close()


async def test_an_item_is_claimed_by_one_replica_at_a_time(
    replicas: tuple[FollowList, FollowList],
) -> None:
    one, other = replicas
    await one.add(FollowKind.NUMBER_OPERATION, "ten_a", "op_1", KEEP)
    (seen_by_one,) = await one.due(10)
    (seen_by_other,) = await other.due(10)

    assert await one.claim(seen_by_one, "replica-1", 60.0)
    assert not await other.claim(seen_by_other, "replica-2", 60.0)
    await one.unclaim(seen_by_one, "replica-1")
    assert await other.claim(seen_by_other, "replica-2", 60.0)


async def test_an_item_found_pending_is_due_again_later_and_gone_once_dropped(
    replicas: tuple[FollowList, FollowList],
) -> None:
    one, other = replicas
    await one.add(FollowKind.PERSONALIZATION_BATCH, "ten_a", "pb_1", KEEP)
    await one.add(FollowKind.NUMBER_OPERATION, "ten_b", "op_2", KEEP)
    batch = next(f for f in await other.due(10) if f.item_id == "pb_1")

    await other.later(batch, 30.0)

    assert [f.item_id for f in await one.due(10)] == ["op_2"]
    await one.drop(FollowKind.NUMBER_OPERATION, "ten_b", "op_2")
    assert await one.due(10) == []
