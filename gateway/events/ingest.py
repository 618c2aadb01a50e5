"""Vendor webhooks in: authenticate, store the raw delivery, answer, then normalize.

A delivery is answered only after its raw body is in the system of record, and read into events
afterwards, by a background task any replica may run: each pending delivery is claimed by one
replica at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; the embedded SQLite has a single
process). Reading a call event fetches the call from the vendor, so when the vendor cannot be
reached the delivery stays pending and is read again later; nothing is lost and, since every
event has the vendor's identity, nothing is recorded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

import msgspec
from sqlalchemy import insert, update

from adapters.webhooks import InboundEvent, MalformedWebhook, WebhookReceiver, WebhookRejected
from contract.errors import BadRequest, GatewayError, NotFound, Unauthorized
from contract.events import EventData
from gateway.events.endpoints import WebhookEndpoints
from gateway.events.recorder import EventRecorder
from policies.sql import Database, DatabaseUnavailable
from policies.sql.claims import claim_next
from policies.sql.schema import inbound_webhooks

log = logging.getLogger(__name__)

KEPT_HEADERS = ("content-type", "user-agent")
MAX_ATTEMPTS = 30
"""Reads of a delivery (a fetch from the vendor failing each time) before it is given up."""
LEASE_SECONDS = 60.0
"""How long a replica holds a delivery it is reading (another takes it over after)."""
MAX_BACKOFF_SECONDS = 600.0
"""The longest wait before a delivery waiting for its vendor is read again."""
IDLE_SECONDS = 2.0
"""How often the background task looks for pending deliveries when nothing woke it."""

Hydrate = Callable[[str, str], Awaitable[dict[str, object]]]
"""Reads the object an event is about (tenant id, subject) from the vendor, as the API returns
it."""


class EventIngestor:
    """Receives vendor webhooks and turns stored deliveries into events."""

    def __init__(
        self,
        database: Database,
        endpoints: WebhookEndpoints,
        receivers: Mapping[str, WebhookReceiver],
        recorder: EventRecorder,
        hydrate: Hydrate,
    ) -> None:
        self._database = database
        self._endpoints = endpoints
        self._receivers = dict(receivers)
        self._recorder = recorder
        self._hydrate = hydrate
        self._wake = asyncio.Event()

    @property
    def vendors(self) -> list[str]:
        """Vendors whose webhooks the gateway receives."""
        return sorted(self._receivers)

    def receiver(self, vendor: str) -> WebhookReceiver:
        """The vendor's receiver (404 for a vendor that sends no webhooks)."""
        receiver = self._receivers.get(vendor)
        if receiver is None:
            raise NotFound(f"'{vendor}' sends no webhooks to the gateway")
        return receiver

    async def receive(
        self, vendor: str, token: str, headers: Mapping[str, str], body: bytes
    ) -> None:
        """Authenticate and store one delivery; 404 for an unknown URL, 401 for a delivery that
        is not the vendor's (nothing stored), 400 for a malformed one (stored for inspection)."""
        receiver = self._receivers.get(vendor)
        resolved = None if receiver is None else await self._endpoints.resolve(vendor, token)
        if receiver is None or resolved is None:
            raise NotFound("no webhook endpoint at this URL")
        try:
            receiver.authenticate(headers, body, resolved.signing_secret, datetime.now(UTC))
        except WebhookRejected as exc:
            raise Unauthorized(f"the delivery is not {vendor}'s: {exc}") from None
        problem = None
        try:
            receiver.read(headers, body)
        except MalformedWebhook as exc:
            problem = str(exc)
        kept = {k.lower(): v for k, v in headers.items() if _kept(k.lower(), vendor)}
        async with self._database.begin() as connection:
            await connection.execute(
                insert(inbound_webhooks).values(
                    tenant_id=resolved.tenant_id,
                    vendor=vendor,
                    received_at=datetime.now(UTC),
                    headers=msgspec.json.encode(kept).decode(),
                    body=body,
                    state="malformed" if problem else "pending",
                    attempts=0,
                    error=problem,
                )
            )
        if problem:
            raise BadRequest(f"not a {vendor} webhook the gateway understands: {problem}")
        self._wake.set()

    async def run_forever(self) -> None:
        """Until cancelled: read pending deliveries as they arrive (and every few seconds)."""
        while True:
            try:
                while await self.normalize_one():
                    pass
            except DatabaseUnavailable:
                log.warning("events: the database is unreachable; pending deliveries wait")
            except Exception:
                log.exception("events: reading a delivery failed unexpectedly")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)

    async def normalize_one(self) -> bool:
        """Read one pending delivery into events; whether one was due.

        The delivery is claimed first, in a short transaction (``FOR UPDATE SKIP LOCKED``: one
        replica per row), with a lease; the vendor is asked outside any transaction. A delivery
        that must wait for the vendor is leased again with a growing delay.
        """
        now = time.time()
        row = await claim_next(
            self._database,
            inbound_webhooks,
            due=[inbound_webhooks.c.state == "pending"],
            order_by=[inbound_webhooks.c.id],
            now=now,
            lease_seconds=LEASE_SECONDS,
        )
        if row is None:
            return False
        attempts = int(row["attempts"]) + 1
        try:
            state, error = await self._normalize(
                str(row["tenant_id"]),
                str(row["vendor"]),
                msgspec.json.decode(str(row["headers"]), type=dict[str, str]),
                bytes(row["body"]),
            )
        except DatabaseUnavailable:
            raise  # nothing can be written now; the lease runs out and the read is tried again
        except Exception as exc:
            # A defect, not the vendor: read again later like a delivery waiting for its vendor,
            # so it is given up after MAX_ATTEMPTS instead of retried at every lease forever.
            log.exception("events: reading a delivery failed unexpectedly")
            state, error = "pending", f"internal-error: {type(exc).__name__}"
        if state == "pending" and attempts >= MAX_ATTEMPTS:
            state = "failed"
        again = now + min(MAX_BACKOFF_SECONDS, 2.0**attempts) if state == "pending" else None
        async with self._database.begin() as connection:
            await connection.execute(
                update(inbound_webhooks)
                .where(inbound_webhooks.c.id == row["id"])
                .values(state=state, error=error, claimed_until=again)
            )
        return True

    async def _normalize(
        self, tenant_id: str, vendor: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[str, str | None]:
        try:
            found = self.receiver(vendor).read(headers, body)
        except (MalformedWebhook, NotFound) as exc:
            return "malformed", str(exc)
        try:
            for inbound in found:
                await self._record(tenant_id, vendor, inbound)
        except GatewayError as exc:
            log.info(
                "events: a delivery waits for the vendor",
                extra={"vendor": vendor, "problem": exc.slug},
            )
            return "pending", f"{exc.slug}: {exc.detail}"
        return "done", None

    async def _record(self, tenant_id: str, vendor: str, inbound: InboundEvent) -> None:
        data: EventData | dict[str, object]
        if inbound.data is not None:
            data = inbound.data
        elif inbound.subject is not None:
            data = await self._hydrate(tenant_id, inbound.subject)
        else:
            data = {}
        await self._recorder.record(
            tenant_id=tenant_id,
            vendor=vendor,
            type_=inbound.type,
            identity=inbound.identity,
            occurred_at=inbound.occurred_at,
            subject=inbound.subject,
            data=data,
        )


def _kept(name: str, vendor: str) -> bool:
    return name in KEPT_HEADERS or (name.startswith("x-") and vendor.split("_")[0] in name)
