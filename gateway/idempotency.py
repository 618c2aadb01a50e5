"""``Idempotency-Key`` for gateway POSTs with a vendor side effect.

The same key with the same request replays the first response without calling the vendor again;
the same key with a different request is a 422; a request arriving while the first is still
running waits for its result. Keys are scoped by tenant and operation and kept 24 hours.
Failed requests release their key, so a retry runs (nothing was changed at the vendor).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Response

from gateway.errors import Conflict, FieldError, ValidationFailed
from policies.idempotency import IdempotencyStore, StoredResponse

KEEP_SECONDS = 24 * 3600
CLAIM_SECONDS = 60.0
WAIT_POLL_SECONDS = 0.05
REPLAYED_HEADER = "Idempotent-Replayed"


def request_fingerprint(method: str, path: str, body: object) -> str:
    """What makes two requests "the same" for an idempotency key."""
    encoded = msgspec.json.encode([method, path, body], order="sorted")
    return hashlib.sha256(encoded).hexdigest()


async def run_idempotently(
    store: IdempotencyStore,
    tenant_id: str,
    operation: str,
    key: str | None,
    fingerprint: str,
    run: Callable[[], Awaitable[Any]],
    status_code: int = 200,
) -> Response[Any]:
    """Run ``run`` once per ``key``; replay its response for repeats."""
    if key is None:
        return Response(await run(), status_code=status_code)
    scoped = f"gw:idem:{{{tenant_id}}}:{operation}:{hashlib.sha256(key.encode()).hexdigest()}"
    deadline = time.monotonic() + CLAIM_SECONDS
    while True:
        begun = await store.begin(scoped, fingerprint, CLAIM_SECONDS)
        if begun.outcome == "conflict":
            raise ValidationFailed(
                "this Idempotency-Key was used for a different request",
                errors=[
                    FieldError(field="header.Idempotency-Key", message="reused with another body")
                ],
            )
        if begun.outcome == "done" and begun.response is not None:
            return _replay(begun.response)
        if begun.outcome == "new":
            return await _run_and_store(store, scoped, run, status_code)
        if time.monotonic() > deadline:
            raise Conflict("a request with this Idempotency-Key is still in progress")
        await asyncio.sleep(WAIT_POLL_SECONDS)


async def _run_and_store(
    store: IdempotencyStore, key: str, run: Callable[[], Awaitable[Any]], status_code: int
) -> Response[Any]:
    try:
        result = await run()
    except Exception:
        await store.abandon(key)
        raise
    body = msgspec.json.encode(result)
    await store.complete(key, StoredResponse(status_code, body, "application/json"), KEEP_SECONDS)
    return Response(body, status_code=status_code, media_type="application/json")


def _replay(stored: StoredResponse) -> Response[Any]:
    return Response(
        stored.body,
        status_code=stored.status,
        media_type=stored.media_type,
        headers={REPLAYED_HEADER: "true"},
    )
