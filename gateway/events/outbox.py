"""The outbox: one delivery row per event and matching subscription, in the system of record.

Rows are written in the transaction that records the event (an event is never in the log
without its deliveries), and again on demand: a replay since a time, a redelivery of one event.
The delivery worker (:mod:`gateway.events.delivery`) sends them; the attempts it makes are read
back here, newest first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from contract.events import Event
from contract.subscriptions import DeliveryAttempt, DeliveryAttemptPage
from gateway.events.log import type_matches
from gateway.row_cursor import decode_row_cursor, encode_row_cursor
from policies.sql import Database
from policies.sql.schema import delivery_attempts, events, subscriptions, webhook_deliveries

REPLAY_LIMIT = 10_000
"""The most events one replay queues (replay again from the last one's time for more)."""


class Outbox:
    """Queues deliveries and reads back their attempts."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.wake = asyncio.Event()
        """Set when deliveries were queued, so the worker looks at once."""

    async def enqueue(self, connection: AsyncConnection, event: Event) -> int:
        """Queue ``event`` for every enabled subscription it matches, in ``connection``'s
        transaction (the one that records it)."""
        query = select(subscriptions).where(
            subscriptions.c.tenant_id == event.tenant_id, subscriptions.c.enabled.is_(True)
        )
        rows = (await connection.execute(query)).mappings().all()
        matching = [row["id"] for row in rows if _matches(row, event.type, event.subject)]
        await _insert(connection, event.tenant_id, ((sid, event.id) for sid in matching))
        return len(matching)

    async def redeliver(self, tenant_id: str, event: Event) -> int:
        """Queue ``event`` again for every enabled subscription it matches; how many."""
        async with self._database.begin() as connection:
            queued = await self.enqueue(connection, event)
        self.wake.set()
        return queued

    async def replay(self, tenant_id: str, subscription_id: str, since: datetime) -> int:
        """Queue every event recorded since ``since`` that the subscription matches; how many."""
        query = (
            select(events.c.id, events.c.type, events.c.subject)
            .where(events.c.tenant_id == tenant_id, events.c.created_at >= _utc(since))
            .order_by(events.c.seq)
            .limit(REPLAY_LIMIT)
        )
        async with self._database.begin() as connection:
            subscription = await _subscription(connection, tenant_id, subscription_id)
            found = (await connection.execute(query)).all()
            chosen = [
                (str(subscription["id"]), str(row.id))
                for row in found
                if _matches(subscription, str(row.type), row.subject)
            ]
            await _insert(connection, tenant_id, chosen)
        self.wake.set()
        return len(chosen)

    async def catch_up(self, tenant_id: str, subscription_id: str, subject: str) -> None:
        """Queue the events about ``subject`` recorded before its subscription existed (a call's
        first events can arrive before the call's answer)."""
        async with self._database.begin() as connection:
            subscription = await _subscription(connection, tenant_id, subscription_id)
            queued = select(webhook_deliveries.c.event_id).where(
                webhook_deliveries.c.subscription_id == subscription_id
            )
            found = (
                await connection.execute(
                    select(events.c.id, events.c.type, events.c.subject).where(
                        events.c.tenant_id == tenant_id,
                        events.c.subject == subject,
                        events.c.id.not_in(queued),
                    )
                )
            ).all()
            chosen = [
                (subscription_id, str(row.id))
                for row in found
                if _matches(subscription, str(row.type), row.subject)
            ]
            await _insert(connection, tenant_id, chosen)
        self.wake.set()

    async def attempts(
        self, tenant_id: str, subscription_id: str, cursor: str | None, limit: int
    ) -> DeliveryAttemptPage:
        """The subscription's delivery attempts, newest first."""
        query = (
            select(delivery_attempts)
            .where(
                delivery_attempts.c.tenant_id == tenant_id,
                delivery_attempts.c.subscription_id == subscription_id,
            )
            .order_by(delivery_attempts.c.id.desc())
            .limit(limit + 1)
        )
        if cursor is not None:
            query = query.where(delivery_attempts.c.id < decode_row_cursor("attempts", cursor))
        async with self._database.begin() as connection:
            rows = (await connection.execute(query)).mappings().all()
        more = len(rows) > limit
        return DeliveryAttemptPage(
            data=[_attempt(row) for row in rows[:limit]],
            next_cursor=encode_row_cursor("attempts", int(rows[limit - 1]["id"])) if more else None,
        )


async def _subscription(
    connection: AsyncConnection, tenant_id: str, subscription_id: str
) -> RowMapping:
    query = select(subscriptions).where(
        subscriptions.c.tenant_id == tenant_id, subscriptions.c.id == subscription_id
    )
    return (await connection.execute(query)).mappings().one()


def _matches(subscription: RowMapping, event_type: str, subject: object) -> bool:
    types = msgspec.json.decode(str(subscription["types"]), type=list[str])
    wanted = subscription["subject"]
    return type_matches(types, event_type) and (wanted is None or wanted == subject)


async def _insert(
    connection: AsyncConnection, tenant_id: str, pairs: Iterable[tuple[str, str]]
) -> None:
    now = datetime.now(UTC)
    rows = [
        {
            "tenant_id": tenant_id,
            "subscription_id": subscription_id,
            "event_id": event_id,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": time.time(),
            "created_at": now,
        }
        for subscription_id, event_id in pairs
    ]
    if rows:
        await connection.execute(insert(webhook_deliveries), rows)


def _attempt(row: RowMapping) -> DeliveryAttempt:
    at = row["attempted_at"]
    assert isinstance(at, datetime)
    return DeliveryAttempt(
        id=f"att_{row['id']}",
        event_id=str(row["event_id"]),
        event_type=str(row["event_type"]),
        attempt=int(row["attempt"]),
        attempted_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        succeeded=bool(row["succeeded"]),
        status_code=row["status_code"],
        latency_ms=float(row["latency_ms"]),
        response_head=row["response_head"],
        error=row["error"],
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
