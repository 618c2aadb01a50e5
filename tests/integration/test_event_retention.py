"""Retention: the janitor deletes events and raw vendor deliveries older than
``GATEWAY_EVENT_RETENTION_DAYS`` and keeps the rest, on SQLite and PostgreSQL alike."""

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
from policies.sql.schema import inbound_webhooks
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
