"""Retention of the event log: events and raw vendor deliveries older than it are deleted.

The janitor runs this on every replica each round; deleting old rows twice is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from gateway.events.log import EventLog
from policies.clock import SYSTEM_CLOCK, Clock
from policies.sql import Database
from policies.sql.schema import inbound_webhooks


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
        """Delete events and raw deliveries past retention; how many rows."""
        cutoff = self.cutoff()
        purged = await self._log.purge_older_than(cutoff)
        statement = delete(inbound_webhooks).where(inbound_webhooks.c.received_at < cutoff)
        async with self._database.begin() as connection:
            result = await connection.execute(statement)
        return purged + int(result.rowcount or 0)
