"""The delivery worker: sends the outbox's rows to subscribers, at least once.

Any replica may run it. A due row is claimed by one replica at a time (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, in a short transaction) with a lease longer than one attempt may take,
and sent outside any transaction. A failed attempt is retried on the schedule
(``GATEWAY_WEBHOOK_RETRY_SCHEDULE``, with jitter); ``410 Gone`` disables the subscription at
once, and so does failing for ``GATEWAY_WEBHOOK_DISABLE_AFTER_SECONDS``, each recording a
``subscription.disabled`` event. Rows live in the database, so a restart loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import UTC, datetime

import msgspec
from sqlalchemy import RowMapping, func, insert, select, update

from contract.errors import NotFound
from contract.events import EventType
from gateway.events.log import EventLog
from gateway.events.outbound import SendResult, WebhookSender
from gateway.events.outbox import Outbox
from gateway.events.recorder import EventRecorder
from gateway.events.signing import signed_headers
from gateway.events.subscriptions import Receiver, Subscriptions
from gateway.settings import PolicySettings
from policies.sql import Database, DatabaseUnavailable
from policies.sql.claims import claim_next
from policies.sql.schema import delivery_attempts, webhook_deliveries

log = logging.getLogger(__name__)

LEASE_MARGIN_SECONDS = 5.0
"""How much longer than one attempt's time limit a replica holds a row it is sending."""
IDLE_SECONDS = 2.0
"""The longest the worker sleeps when nothing wakes it."""
JITTER = 0.1
"""Each wait of the schedule is stretched or shrunk by up to this share."""
GONE = 410


class DeliveryWorker:
    """Claims due deliveries and sends them, signed, through the :class:`WebhookSender`."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        subscriptions: Subscriptions,
        events: EventLog,
        recorder: EventRecorder,
        sender: WebhookSender,
        policies: PolicySettings,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._subscriptions = subscriptions
        self._events = events
        self._recorder = recorder
        self._sender = sender
        self._timeout = policies.webhook_timeout_seconds
        self._schedule = policies.webhook_retry_schedule
        self._disable_after = policies.webhook_disable_after_seconds

    async def run_forever(self) -> None:
        """Until cancelled: send deliveries as they fall due."""
        while True:
            wait = IDLE_SECONDS
            try:
                while await self.deliver_one():
                    pass
                wait = await self._until_next_due()
            except DatabaseUnavailable:
                log.warning("deliveries: the database is unreachable; deliveries wait")
            except Exception:
                log.exception("deliveries: sending one failed unexpectedly")
            self._outbox.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox.wake.wait(), wait)

    async def deliver_one(self) -> bool:
        """Claim and send one due delivery; whether one was due."""
        now = time.time()
        lease = self._timeout + LEASE_MARGIN_SECONDS
        row = await claim_next(
            self._database,
            webhook_deliveries,
            due=[
                webhook_deliveries.c.state == "pending",
                webhook_deliveries.c.next_attempt_at <= now,
            ],
            order_by=[webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.id],
            now=now,
            lease_seconds=lease,
        )
        if row is None:
            return False
        attempt = int(row["attempts"]) + 1
        try:
            await self._deliver(row, attempt)
        except DatabaseUnavailable:
            raise  # nothing can be written now; the lease runs out and the row is taken again
        except Exception:
            # A defect, not the receiver: retried on the schedule (the receiver is not marked as
            # failing for it) and given up at its end, instead of retried at every lease forever.
            log.exception("deliveries: sending one failed unexpectedly")
            await self._after_defect(int(row["id"]), attempt, leased_until=now + lease)
        return True

    async def _after_defect(self, delivery_id: int, attempt: int, leased_until: float) -> None:
        """Schedule the next attempt, or give up, unless the row was settled before the defect
        struck (a delivered row stays delivered) or is no longer this worker's."""
        values: dict[str, object] = {"state": "failed", "claimed_until": None}
        if attempt < len(self._schedule):
            wait = self._schedule[attempt] * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311
            values = {
                "state": "pending",
                "claimed_until": None,
                "next_attempt_at": time.time() + wait,
            }
        async with self._database.begin() as connection:
            await connection.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.state == "pending",
                    webhook_deliveries.c.claimed_until == leased_until,
                )
                .values(**values)
            )

    async def _deliver(self, row: RowMapping, attempt: int) -> None:
        delivery_id, tenant_id = int(row["id"]), str(row["tenant_id"])
        receiver = await self._subscriptions.receiver(str(row["subscription_id"]))
        try:
            event = await self._events.get(tenant_id, str(row["event_id"]))
        except NotFound:
            event = None
        if receiver is None or not receiver.enabled or event is None:
            await self._settle(delivery_id, "canceled")
            return
        body = msgspec.json.encode(event)
        if not receiver.signing_secrets:
            result = SendResult(None, 0.0, error="no signing secret (rotate it)")
        else:
            headers = signed_headers(receiver.signing_secrets, event.id, datetime.now(UTC), body)
            try:
                result = await self._sender.send(receiver.url, body, headers, self._timeout)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._settle(delivery_id, "pending"))
                raise
        await self._record_attempt(row, attempt, event.type.value, result)
        await self._after(delivery_id, attempt, receiver, result)

    async def _after(
        self, delivery_id: int, attempt: int, receiver: Receiver, result: SendResult
    ) -> None:
        now = time.time()
        if result.delivered:
            await self._settle(delivery_id, "delivered")
            if receiver.failing_since is not None:
                await self._subscriptions.mark_failing(receiver.id, None)
            return
        if result.status_code == GONE:
            await self._settle(delivery_id, "failed")
            await self._disable(receiver, "the receiver answered 410 Gone")
            return
        failing_since = receiver.failing_since
        if failing_since is None:
            failing_since = now
            await self._subscriptions.mark_failing(receiver.id, now)
        if now - failing_since >= self._disable_after:
            await self._settle(delivery_id, "failed")
            await self._disable(receiver, "its deliveries failed for too long")
        elif attempt < len(self._schedule):
            wait = self._schedule[attempt] * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311
            await self._settle(delivery_id, "pending", next_attempt_at=now + wait)
        else:
            await self._settle(delivery_id, "failed")

    async def _disable(self, receiver: Receiver, reason: str) -> None:
        disabled = await self._subscriptions.disable(receiver.id, reason)
        if disabled is None:
            return
        log.warning("deliveries: a subscription was disabled", extra={"reason": reason})
        await self._recorder.record(
            tenant_id=receiver.tenant_id,
            vendor=None,
            type_=EventType.SUBSCRIPTION_DISABLED,
            identity=f"{receiver.id}:{disabled.updated_at.isoformat()}",
            occurred_at=disabled.updated_at,
            subject=receiver.id,
            data=msgspec.to_builtins(disabled),
        )

    async def _record_attempt(
        self, row: RowMapping, attempt: int, event_type: str, result: SendResult
    ) -> None:
        async with self._database.begin() as connection:
            await connection.execute(
                insert(delivery_attempts).values(
                    delivery_id=row["id"],
                    subscription_id=row["subscription_id"],
                    tenant_id=row["tenant_id"],
                    event_id=row["event_id"],
                    event_type=event_type,
                    attempt=attempt,
                    attempted_at=datetime.now(UTC),
                    succeeded=result.delivered,
                    status_code=result.status_code,
                    latency_ms=result.latency_ms,
                    response_head=result.body_head or None,
                    error=result.error,
                )
            )

    async def _settle(
        self, delivery_id: int, state: str, next_attempt_at: float | None = None
    ) -> None:
        values: dict[str, object] = {"state": state, "claimed_until": None}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        async with self._database.begin() as connection:
            await connection.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery_id)
                .values(**values)
            )

    async def _until_next_due(self) -> float:
        query = select(func.min(webhook_deliveries.c.next_attempt_at)).where(
            webhook_deliveries.c.state == "pending", webhook_deliveries.c.claimed_until.is_(None)
        )
        async with self._database.begin() as connection:
            due = (await connection.execute(query)).scalar()
        if due is None:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.05, float(due) - time.time()))
