"""The poller's backoff: an item that stays pending is looked at less and less often, and one
that fails unexpectedly waits the same way without holding the others up."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import msgspec
from sqlalchemy import insert

from contract.caller_id import PersonalizationBatch
from contract.errors import NotFound
from gateway.events.follow import PREFIX, Followed, FollowKind, FollowList
from gateway.events.poller import MAX_BACKOFF_SECONDS, EventPoller, backoff
from gateway.events.settled import Settlements
from gateway.number_operations import NumberOperations
from gateway.personalization import Personalizations
from policies.records import SqlRecordStore
from policies.sql.schema import tenants
from tests.databases import migrated


def test_the_wait_doubles_from_the_interval_up_to_the_ceiling() -> None:
    assert [backoff(5.0, looks) for looks in range(5)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert backoff(5.0, 10) == MAX_BACKOFF_SECONDS
    assert backoff(5.0, 10_000) == MAX_BACKOFF_SECONDS


def test_an_interval_longer_than_the_ceiling_is_kept() -> None:
    assert backoff(900.0, 3) == 900.0


class Batches:
    """Personalization batches as the poller asks after them: ``defective`` ids raise what no
    vendor failure does, the others no longer exist."""

    def __init__(self, defective: set[str]) -> None:
        self.defective = defective
        self.asked: list[str] = []

    async def status(self, tenant_id: str, batch_id: str) -> PersonalizationBatch:
        self.asked.append(batch_id)
        if batch_id in self.defective:
            raise KeyError("a defect")
        raise NotFound("gone")


async def test_an_item_that_fails_unexpectedly_waits_and_the_others_are_still_looked_at(
    tmp_path: Path,
) -> None:
    database = await migrated(None, tmp_path)
    try:
        async with database.begin() as connection:
            await connection.execute(
                insert(tenants).values(id="ten_a", name="a", created_at=datetime.now(UTC))
            )
        follows = FollowList(SqlRecordStore(database))
        for batch_id in ("broken", "gone"):
            await follows.add(FollowKind.PERSONALIZATION_BATCH, "ten_a", batch_id, 3600)
        batches = Batches({"broken"})
        poller = EventPoller(
            follows,
            cast(Settlements, None),
            cast(NumberOperations, None),
            cast(Personalizations, batches),
            interval=5.0,
        )

        looked = await poller.poll_once()

        assert looked == 2 and sorted(batches.asked) == ["broken", "gone"]
        remaining = await follows.due(10)
        assert remaining == []
        (broken,) = [
            msgspec.json.decode(value, type=Followed)
            for _, value in await SqlRecordStore(database).scan(PREFIX, 10)
        ]
        assert broken.item_id == "broken" and broken.looks == 1
        assert broken.due_at >= time.time() + 4
    finally:
        await database.close()
