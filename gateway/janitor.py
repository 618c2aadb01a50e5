"""Housekeeping of the system of record: expired records and idempotency claims are deleted,
and so are events and raw vendor deliveries past their retention.

Redis expired them by itself; a database needs someone to. Every replica runs this loop (a
delete of expired rows is harmless to repeat); a failure is logged and retried next round.
"""

from __future__ import annotations

import asyncio
import logging

from gateway.events.retention import EventRetention
from policies.idempotency import SqlIdempotencyStore
from policies.records import SqlRecordStore
from policies.sql import DatabaseUnavailable

PURGE_EVERY_SECONDS = 600.0
log = logging.getLogger(__name__)


async def purge_expired_forever(
    records: SqlRecordStore,
    idempotency: SqlIdempotencyStore,
    retention: EventRetention | None = None,
    every_seconds: float = PURGE_EVERY_SECONDS,
) -> None:
    """Delete expired rows (and, with ``retention``, old events) now and every
    ``every_seconds`` until cancelled."""
    while True:
        try:
            purged = await records.purge_expired() + await idempotency.purge_expired()
            if retention is not None:
                purged += await retention.purge()
        except DatabaseUnavailable:
            log.warning("could not purge expired records: the database is unreachable")
        else:
            if purged:
                log.info("purged expired records", extra={"rows": purged})
        await asyncio.sleep(every_seconds)
