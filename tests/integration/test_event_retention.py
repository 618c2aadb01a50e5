"""Retention: the janitor deletes events, raw vendor deliveries and settled webhook deliveries
older than ``GATEWAY_EVENT_RETENTION_DAYS`` and keeps the rest (a pending webhook delivery
whatever its age), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from contract.events import Event, EventType
from gateway.auth.sql_store import SqlTenantStore
from gateway.auth.store import Tenant
from gateway.events.log import EventLog, EventQuery, new_event_id
from gateway.events.retention import EventRetention
from gateway.janitor import purge_expired_forever
from policies.idempotency.sql_store import SqlIdempotencyStore
from policies.records import SqlRecordStore
from policies.sql import Database
from policies.sql.schema import (
    delivery_attempts,
    inbound_webhooks,
    subscriptions,
    webhook_deliveries,
)
from tests.databases import migrated

TENANT = "ten_retention"
RETENTION_DAYS = 30.0


@pytest.fixture
async def database(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(database_url, tmp_path)
    await SqlTenantStore(database).create_tenant(
        Tenant(id=TENANT, name="retention", created_at=datetime.now(UTC))
    )
    yield database
    await database.close()


async def record_event(log: EventLog, identity: str, age: timedelta) -> None:
    at = datetime.now(UTC) - age
    event = Event(
        id=new_event_id(),
        type=EventType.NUMBER_OPERATION_COMPLETED,
        created_at=at,
        occurred_at=at,
        vendor="truecaller",
        tenant_id=TENANT,
        subject=identity,
        data={},
    )
    assert await log.append(event, identity)


async def store_delivery(database: Database, age: timedelta) -> None:
    async with database.begin() as connection:
        await connection.execute(
            insert(inbound_webhooks).values(
                tenant_id=TENANT,
                vendor="truecaller",
                received_at=datetime.now(UTC) - age,
                headers="{}",
                body=b"{}",
                state="done",
                attempts=1,
            )
        )


async def deliveries(database: Database) -> int:
    async with database.begin() as connection:
        count = await connection.execute(select(func.count()).select_from(inbound_webhooks))
    return int(count.scalar_one())


async def subjects(log: EventLog) -> set[str | None]:
    page = await log.page(TENANT, EventQuery(), None, 100)
    return {event.subject for event in page.data}


async def test_the_janitor_purges_events_and_deliveries_past_retention(
    database: Database,
) -> None:
    log = EventLog(database)
    await record_event(log, "old", timedelta(days=RETENTION_DAYS, hours=1))
    await record_event(log, "new", timedelta(days=RETENTION_DAYS, hours=-1))
    await store_delivery(database, timedelta(days=RETENTION_DAYS, hours=1))
    await store_delivery(database, timedelta(days=RETENTION_DAYS, hours=-1))
    janitor = asyncio.create_task(
        purge_expired_forever(
            SqlRecordStore(database),
            SqlIdempotencyStore(database),
            EventRetention(database, log, RETENTION_DAYS),
            every_seconds=0.05,
        )
    )
    try:
        deadline = time.monotonic() + 10
        while await subjects(log) != {"new"} or await deliveries(database) != 1:
            assert time.monotonic() < deadline, (await subjects(log), await deliveries(database))
            await asyncio.sleep(0.05)
    finally:
        janitor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await janitor


async def store_webhook_delivery(database: Database, name: str, state: str, age: timedelta) -> None:
    """A delivery of event ``name`` to the tenant's subscription, made ``age`` ago, with one
    attempt."""
    at = datetime.now(UTC) - age
    async with database.begin() as connection:
        made = await connection.execute(
            insert(webhook_deliveries)
            .values(
                tenant_id=TENANT,
                subscription_id="sub_retention",
                event_id=name,
                state=state,
                attempts=1,
                next_attempt_at=at.timestamp(),
                created_at=at,
            )
            .returning(webhook_deliveries.c.id)
        )
        await connection.execute(
            insert(delivery_attempts).values(
                delivery_id=made.scalar_one(),
                subscription_id="sub_retention",
                tenant_id=TENANT,
                event_id=name,
                event_type="call.completed",
                attempt=1,
                attempted_at=at,
                succeeded=state == "delivered",
                latency_ms=1.0,
            )
        )


async def webhook_deliveries_left(database: Database) -> tuple[set[str], set[str]]:
    """The event ids of the deliveries left, and of the attempts left."""
    async with database.begin() as connection:
        kept = await connection.execute(select(webhook_deliveries.c.event_id))
        tried = await connection.execute(select(delivery_attempts.c.event_id))
        return set(kept.scalars()), set(tried.scalars())


async def test_the_janitor_purges_settled_webhook_deliveries_past_retention_but_no_pending_one(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    async with database.begin() as connection:
        await connection.execute(
            insert(subscriptions).values(
                id="sub_retention",
                tenant_id=TENANT,
                kind="endpoint",
                url="https://receiver.example/hook",
                types='["*"]',
                enabled=True,
                created_at=now,
                updated_at=now,
            )
        )
    old, new = timedelta(days=RETENTION_DAYS, hours=1), timedelta(days=RETENTION_DAYS, hours=-1)
    for state in ("delivered", "failed", "canceled", "pending"):
        await store_webhook_delivery(database, f"old-{state}", state, old)
        await store_webhook_delivery(database, f"new-{state}", state, new)
    purged = await EventRetention(database, EventLog(database), RETENTION_DAYS).purge()
    kept = {"old-pending"} | {f"new-{s}" for s in ("delivered", "failed", "canceled", "pending")}
    assert await webhook_deliveries_left(database) == (kept, kept)
    assert purged == 6  # three deliveries and their three attempts
