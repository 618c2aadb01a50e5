"""A delivery whose sending fails for a reason that is not the receiver's is retried on the
schedule and given up at its end, and the receiver is not marked as failing for it: never
retried at every lease, forever."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from contract.events import EventType
from contract.subscriptions import SubscriptionCreate
from gateway.events.delivery import DeliveryWorker
from gateway.events.log import EventLog
from gateway.events.outbound import SendResult
from gateway.events.outbox import Outbox
from gateway.events.recorder import EventRecorder
from gateway.events.subscriptions import Subscriptions
from gateway.settings import PolicySettings
from policies.sql import Database
from policies.sql.schema import tenants, webhook_deliveries
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated

SCHEDULE = (0.0, 30.0, 60.0)


class DefectiveSender:
    """A sender with a defect: it accepts every URL and raises on every send."""

    def check(self, url: str) -> None:
        return None

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str], time_limit: float
    ) -> SendResult:
        raise KeyError("a defect")


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[tuple[DeliveryWorker, Database, Subscriptions]]:
    database = await migrated(None, tmp_path)
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    async with database.begin() as connection:
        await connection.execute(
            insert(tenants).values(id="ten_a", name="a", created_at=datetime.now(UTC))
        )
    sender = DefectiveSender()
    subscriptions = Subscriptions(database, vault, sender, 60.0)
    await subscriptions.create("ten_a", SubscriptionCreate(url="https://receiver.example/hook"))
    events, outbox = EventLog(database), Outbox(database)
    recorder = EventRecorder(events, outbox)
    await recorder.record(
        tenant_id="ten_a",
        vendor=None,
        type_=EventType.CALL_COMPLETED,
        identity="call-1",
        occurred_at=datetime.now(UTC),
        subject=None,
        data={},
    )
    policies = replace(PolicySettings(), webhook_retry_schedule=SCHEDULE)
    yield (
        DeliveryWorker(database, outbox, subscriptions, events, recorder, sender, policies),
        database,
        subscriptions,
    )
    await vault.close()
    await database.close()


async def delivery(database: Database) -> dict[str, object]:
    async with database.begin() as connection:
        row = (await connection.execute(select(webhook_deliveries))).mappings().one()
    return dict(row)


async def test_an_unexpected_failure_is_retried_on_the_schedule_without_blaming_the_receiver(
    worker: tuple[DeliveryWorker, Database, Subscriptions],
) -> None:
    deliveries, database, subscriptions = worker
    before = time.time()

    assert await deliveries.deliver_one()

    row = await delivery(database)
    assert (row["state"], row["attempts"], row["claimed_until"]) == ("pending", 1, None)
    assert before + SCHEDULE[1] <= float(str(row["next_attempt_at"])) <= time.time() + SCHEDULE[1]
    (subscription,) = await subscriptions.list("ten_a")
    receiver = await subscriptions.receiver(subscription.id)
    assert receiver is not None and receiver.enabled and receiver.failing_since is None


async def test_a_delivery_that_keeps_failing_unexpectedly_is_given_up(
    worker: tuple[DeliveryWorker, Database, Subscriptions],
) -> None:
    deliveries, database, _ = worker
    async with database.begin() as connection:
        await connection.execute(update(webhook_deliveries).values(attempts=len(SCHEDULE) - 1))

    assert await deliveries.deliver_one()

    assert (await delivery(database))["state"] == "failed"
