"""A stored delivery whose reading fails for a reason that is not the vendor's is read again
later with the same backoff, and given up after the same number of reads: never retried at
every lease, forever."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from adapters.webhooks import InboundEvent
from contract.events import EventType
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.ingest import MAX_ATTEMPTS, EventIngestor
from gateway.events.log import EventLog
from gateway.events.outbox import Outbox
from gateway.events.recorder import EventRecorder
from policies.sql import Database
from policies.sql.schema import inbound_webhooks, tenants
from policies.vault import Keyring, SqlVaultBackend, Vault, generate_key_spec
from tests.databases import migrated


class CallEvents:
    """A vendor whose every delivery is one call event the gateway must fetch the call for."""

    vendor = "fake"
    signs = False
    call_events: tuple[str, ...] = ()

    def authenticate(
        self, headers: Mapping[str, str], body: bytes, signing_secret: str | None, now: datetime
    ) -> None:
        return None

    def read(self, headers: Mapping[str, str], body: bytes) -> list[InboundEvent]:
        return [
            InboundEvent(
                type=EventType.CALL_COMPLETED,
                identity=body.decode(),
                occurred_at=datetime.now(UTC),
                subject="fake:1",
            )
        ]


async def broken_hydrator(tenant_id: str, subject: str) -> dict[str, object]:
    raise KeyError("a translation defect")


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await migrated(None, tmp_path)
    async with database.begin() as connection:
        await connection.execute(
            insert(tenants).values(id="ten_a", name="a", created_at=datetime.now(UTC))
        )
        await connection.execute(
            insert(inbound_webhooks).values(
                tenant_id="ten_a",
                vendor="fake",
                received_at=datetime.now(UTC),
                headers="{}",
                body=b"event-1",
                state="pending",
                attempts=0,
            )
        )
    yield database
    await database.close()


async def ingestor_over(database: Database) -> EventIngestor:
    vault = Vault(SqlVaultBackend(database), Keyring.from_spec(generate_key_spec()))
    return EventIngestor(
        database,
        WebhookEndpoints(database, vault),
        {"fake": CallEvents()},
        EventRecorder(EventLog(database), Outbox(database)),
        broken_hydrator,
    )


async def delivery(database: Database) -> dict[str, object]:
    async with database.begin() as connection:
        row = (await connection.execute(select(inbound_webhooks))).mappings().one()
    return dict(row)


async def test_an_unexpected_failure_waits_like_a_vendor_failure(database: Database) -> None:
    ingestor = await ingestor_over(database)
    before = time.time()

    assert await ingestor.normalize_one()

    row = await delivery(database)
    assert (row["state"], row["attempts"], row["error"]) == (
        "pending",
        1,
        "internal-error: KeyError",
    )
    assert isinstance(row["claimed_until"], float)
    assert before + 2 <= row["claimed_until"] <= time.time() + 2
    assert not await ingestor.normalize_one(), "not due again before its backoff"


async def test_a_delivery_that_keeps_failing_unexpectedly_is_given_up(database: Database) -> None:
    ingestor = await ingestor_over(database)
    async with database.begin() as connection:
        await connection.execute(update(inbound_webhooks).values(attempts=MAX_ATTEMPTS - 1))

    assert await ingestor.normalize_one()

    row = await delivery(database)
    assert (row["state"], row["attempts"], row["claimed_until"]) == ("failed", MAX_ATTEMPTS, None)
