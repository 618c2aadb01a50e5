"""``call.canceled``: the one call event no vendor sends, since a call canceled before it started
has no webhook (TopCalls sends none). The gateway saw the cancel succeed, so it records it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from contract.errors import GatewayError
from contract.events import EventType
from gateway.events.ingest import Hydrate
from gateway.events.recorder import EventRecorder

log = logging.getLogger(__name__)


async def record_canceled_call(
    recorder: EventRecorder, hydrate: Hydrate, tenant_id: str, call_id: str
) -> None:
    """Record ``call.canceled`` for a call this tenant just canceled, carrying the call as
    ``GET /v1/calls/{id}`` answers it; once, however often the cancel is repeated."""
    vendor, _, native = call_id.partition(":")
    try:
        call = await hydrate(tenant_id, call_id)
    except GatewayError as exc:
        log.warning(
            "events: a canceled call could not be read back; no call.canceled recorded",
            extra={"vendor": vendor, "problem": exc.slug},
        )
        return
    await recorder.record(
        tenant_id=tenant_id,
        vendor=vendor,
        type_=EventType.CALL_CANCELED,
        identity=f"call.canceled:{native}",
        occurred_at=datetime.now(UTC),
        subject=call_id,
        data=call,
    )
