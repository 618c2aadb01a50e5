"""Retention of the event log: events, raw vendor deliveries and settled webhook deliveries
older than it are deleted.

A webhook delivery (``webhook_deliveries``, with its ``delivery_attempts``) goes once it is no
longer pending (delivered, failed or canceled) and was made before the cutoff; a pending one is
still owed to its subscriber and stays whatever its age.

The janitor runs this on every replica each round; deleting old rows twice is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from gateway.events.log import EventLog
from policies.clock import SYSTEM_CLOCK, Clock
from policies.sql import Database
from policies.sql.schema import delivery_attempts, inbound_webhooks, webhook_deliveries


class EventRetention:
    """Deletes what is older than ``days`` (``GATEWAY_EVENT_RETENTION_DAYS``)."""

    def __init__(
        self, database: Database, log: EventLog, days: float, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._database = database
        self._log = log
        self._kept = timedelta(days=days)
        self._clock = clock

    def cutoff(self) -> datetime:
        """Rows recorded (or received) before this are past retention."""
        return datetime.fromtimestamp(self._clock.time(), UTC) - self._kept

    async def purge(self) -> int:
        """Delete events, raw deliveries and settled webhook deliveries (with their attempts)
        past retention; how many rows."""
        cutoff = self.cutoff()
        purged = await self._log.purge_older_than(cutoff)
        statement = delete(inbound_webhooks).where(inbound_webhooks.c.received_at < cutoff)
        settled = select(webhook_deliveries.c.id).where(
            webhook_deliveries.c.state != "pending", webhook_deliveries.c.created_at < cutoff
        )
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
            purged += int(result.rowcount or 0)
            # The attempts first and by name: the cascade would take them, uncounted.
            attempts = delete(delivery_attempts).where(delivery_attempts.c.delivery_id.in_(settled))
            purged += int((await connection.execute(attempts)).rowcount or 0)
            gone = delete(webhook_deliveries).where(webhook_deliveries.c.id.in_(settled))
            purged += int((await connection.execute(gone)).rowcount or 0)
        return purged
