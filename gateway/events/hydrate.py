"""Reading the object an event is about from its vendor, as the API would return it."""

from __future__ import annotations

import msgspec

from adapters.capabilities import CallSource
from adapters.declaration import Op
from gateway.dispatch import VendorDispatcher
from gateway.events.ingest import Hydrate


def call_hydrator(dispatcher: VendorDispatcher) -> Hydrate:
    """Reads a call (the subject of a call event) through the pipeline: the same Call that
    ``GET /v1/calls/{id}`` answers (without ``vendor_data``, which is only there when asked),
    within the vendor's budget and breaker."""

    async def hydrate(tenant_id: str, subject: str) -> dict[str, object]:
        bound, native = dispatcher.bind_by_id(tenant_id, subject, CallSource)
        outcome = await dispatcher.call(
            bound, Op.GET_CALL, lambda adapter, credential: adapter.get_call(credential, native)
        )
        as_answered = msgspec.structs.replace(outcome.value, vendor_data=None)
        built: dict[str, object] = msgspec.to_builtins(as_answered)
        return built

    return hydrate
