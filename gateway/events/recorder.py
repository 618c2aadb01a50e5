"""The one way an event enters the log, whoever observed it (a vendor's webhook, a poller, a
verification callback): recorded once per identity, with a delivery queued in the same
transaction for every subscription it matches (the outbox)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import msgspec

from contract.events import Event, EventData, EventType
from contract.vendor_data import VENDOR_DATA_FIELD
from gateway.events.log import EventLog, new_event_id
from gateway.events.outbox import Outbox

log = logging.getLogger(__name__)


class EventRecorder:
    """Records events in the log, each identity once per tenant and vendor."""

    def __init__(self, log_: EventLog, outbox: Outbox) -> None:
        self._log = log_
        self._outbox = outbox

    async def record(
        self,
        *,
        tenant_id: str,
        vendor: str | None,
        type_: EventType,
        identity: str,
        occurred_at: datetime,
        subject: str | None,
        data: EventData | dict[str, object],
    ) -> Event | None:
        """The event, or ``None`` when one with this identity was already recorded."""
        event = Event(
            id=new_event_id(),
            type=type_,
            created_at=datetime.now(UTC),
            occurred_at=occurred_at,
            vendor=vendor,
            tenant_id=tenant_id,
            subject=subject,
            data=as_answered(data if isinstance(data, dict) else msgspec.to_builtins(data)),
        )
        if not await self._log.append(event, identity, then=self._outbox.enqueue):
            return None
        self._outbox.wake.set()
        log.info("events: recorded", extra={"vendor": vendor, "event_type": type_.value})
        return event


def as_answered(value: Any) -> Any:
    """``value`` as the API answers it when nothing extra is asked: every ``vendor_data``
    (the vendor's own object, only there on ``include=vendor_data``) is null."""
    if isinstance(value, dict):
        return {
            key: None if key == VENDOR_DATA_FIELD else as_answered(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [as_answered(item) for item in value]
    return value
