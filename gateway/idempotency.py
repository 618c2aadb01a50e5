"""``Idempotency-Key`` for gateway POSTs with a vendor side effect.

The same key with the same request replays the first response without calling the vendor again;
the same key with a different request is a 422; a request arriving while the first is still
running waits for its result. Keys are scoped by tenant and operation and kept 24 hours.
A failed request releases its key so that a retry of the same request can run: the gateway's own
state did not change, though a vendor that failed mid-call may have acted; where the vendor
takes a key too, the retry reaches it as the same request. The key still remembers the request:
another request under it stays a 422, so it can never be answered with the first one's result.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Response

from contract.errors import Conflict, FieldError, ValidationFailed
from policies.idempotency import IdempotencyStore, StoredResponse
from policies.sql import DatabaseUnavailable

log = logging.getLogger(__name__)

KEEP_SECONDS = 24 * 3600
CLAIM_SECONDS = 300.0
"""How long a claim outlives a request that died; longer than any request can run."""
WAIT_POLL_SECONDS = 0.05
REPLAYED_HEADER = "Idempotent-Replayed"


def request_fingerprint(method: str, path: str, body: object) -> str:
    """What makes two requests "the same" for an idempotency key."""
    encoded = msgspec.json.encode([method, path, body], order="sorted")
    return hashlib.sha256(encoded).hexdigest()


def vendor_idempotency_key(tenant_id: str, operation: str, key: str | None) -> str:
    """The key forwarded to a vendor that deduplicates too.

    Derived from the consumer's key, so a consumer's retry after a failure (which releases the
    gateway's record) still reaches the vendor as the same request; random without one, which
    still makes the gateway's own retries of this request safe.
    """
    if key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{tenant_id}\x00{operation}\x00{key}".encode()).hexdigest()


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
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + CLAIM_SECONDS
    while True:
        begun = await store.begin(scoped, fingerprint, CLAIM_SECONDS, owner, tenant_id=tenant_id)
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
            return await _run_and_store(store, scoped, owner, run, status_code)
        if time.monotonic() > deadline:
            raise Conflict("a request with this Idempotency-Key is still in progress")
        await asyncio.sleep(WAIT_POLL_SECONDS)


async def _run_and_store(
    store: IdempotencyStore,
    key: str,
    owner: str,
    run: Callable[[], Awaitable[Any]],
    status_code: int,
) -> Response[Any]:
    try:
        result = await run()
    except Exception:
        with contextlib.suppress(DatabaseUnavailable):
            await store.abandon(key, owner, KEEP_SECONDS)
        raise
    body = msgspec.json.encode(result)
    try:
        await store.complete(
            key, owner, StoredResponse(status_code, body, "application/json"), KEEP_SECONDS
        )
    except DatabaseUnavailable:
        log.error(
            "could not store an idempotent response; a retry with its key after the claim "
            "expires would run again (vendors that take keys deduplicate it)"
        )
    return Response(body, status_code=status_code, media_type="application/json")


def _replay(stored: StoredResponse) -> Response[Any]:
    return Response(
        stored.body,
        status_code=stored.status,
        media_type=stored.media_type,
        headers={REPLAYED_HEADER: "true"},
    )
