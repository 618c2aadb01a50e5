"""A delivery whose sending fails for a reason that is not the receiver's is retried on the
schedule and given up at its end, and the receiver is not marked as failing for it: never
retried at every lease, forever."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from contract.events import EventType
from contract.subscriptions import SubscriptionCreate
from gateway.events.delivery import DeliveryWorker
from gateway.events.log import EventLog
from gateway.events.outbound import SendResult, WebhookSender
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


class AcceptingSender(DefectiveSender):
    """Every delivery is answered 204."""

    async def send(
        self, url: str, body: bytes, headers: Mapping[str, str], time_limit: float
    ) -> SendResult:
        return SendResult(204, 1.0)


class DefectiveRecovery(Subscriptions):
    """Subscriptions with a defect in telling a failing receiver that it recovered."""

    async def mark_failing(self, subscription_id: str, since: float | None) -> None:
        if since is None:
            raise KeyError("a defect")
        await super().mark_failing(subscription_id, since)


@dataclass
class Parts:
    """A migrated database with one subscription and one event queued for it."""

    database: Database
    vault: Vault
    subscriptions: Subscriptions
    events: EventLog
    outbox: Outbox
    recorder: EventRecorder

    def worker(
        self, sender: WebhookSender, subscriptions: Subscriptions | None = None
    ) -> DeliveryWorker:
        policies = replace(PolicySettings(), webhook_retry_schedule=SCHEDULE)
        return DeliveryWorker(
            self.database,
            self.outbox,
            subscriptions or self.subscriptions,
            self.events,
            self.recorder,
            sender,
            policies,
        )

    async def delivery(self) -> dict[str, object]:
        async with self.database.begin() as connection:
            row = (await connection.execute(select(webhook_deliveries))).mappings().one()
        return dict(row)


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Parts]:
    database = await migrated(None, tmp_path)
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    async with database.begin() as connection:
        await connection.execute(
            insert(tenants).values(id="ten_a", name="a", created_at=datetime.now(UTC))
        )
    subscriptions = Subscriptions(database, vault, DefectiveSender(), 60.0)
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
    yield Parts(database, vault, subscriptions, events, outbox, recorder)
    await vault.close()
    await database.close()


async def test_an_unexpected_failure_is_retried_on_the_schedule_without_blaming_the_receiver(
    parts: Parts,
) -> None:
    before = time.time()

    assert await parts.worker(DefectiveSender()).deliver_one()

    row = await parts.delivery()
    assert (row["state"], row["attempts"], row["claimed_until"]) == ("pending", 1, None)
    due = float(str(row["next_attempt_at"]))
    assert before + SCHEDULE[1] * 0.9 <= due <= time.time() + SCHEDULE[1] * 1.1  # 10% jitter
    (subscription,) = await parts.subscriptions.list("ten_a")
    receiver = await parts.subscriptions.receiver(subscription.id)
    assert receiver is not None and receiver.enabled and receiver.failing_since is None


async def test_a_delivery_that_keeps_failing_unexpectedly_is_given_up(parts: Parts) -> None:
    async with parts.database.begin() as connection:
        await connection.execute(update(webhook_deliveries).values(attempts=len(SCHEDULE) - 1))

    assert await parts.worker(DefectiveSender()).deliver_one()

    assert (await parts.delivery())["state"] == "failed"


async def test_a_delivered_delivery_stays_delivered_when_a_defect_strikes_after(
    parts: Parts,
) -> None:
    (subscription,) = await parts.subscriptions.list("ten_a")
    await parts.subscriptions.mark_failing(subscription.id, time.time() - 60)
    recovering = DefectiveRecovery(parts.database, parts.vault, AcceptingSender(), 60.0)

    assert await parts.worker(AcceptingSender(), recovering).deliver_one()

    assert (await parts.delivery())["state"] == "delivered"
