"""State changes on a vendor object (stop a call, start a campaign...), run once per key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from litestar import Response

from adapters.declaration import Op
from contract.agents import ActionResult
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.services import Services

A = TypeVar("A")

Act = Callable[[A, object, str, str], Awaitable[None]]
"""Calls the adapter with (credential, the object's native id, the vendor idempotency key)."""


async def run_action(
    services: Services,
    principal: Principal,
    capability: type[A],
    object_id: str,
    op: Op,
    action: str,
    unsupported: str,
    idempotency_key: str | None,
    act: Act[A],
) -> Response[ActionResult]:
    """Run ``act`` on the object through the pipeline, with its idempotency keys.

    ``unsupported`` is the 409's words when the object's vendor cannot do this
    (``"calls cannot be stopped"``). The vendor gets a key derived from the consumer's, so a
    retry reaches it as the same request.
    """
    tenant_id = principal.require_tenant()
    vendor_key = vendor_idempotency_key(tenant_id, f"{op.value}:{object_id}", idempotency_key)

    async def run() -> ActionResult:
        bound, native = services.dispatcher.bind_by_id(
            tenant_id, object_id, capability, unsupported
        )
        await services.dispatcher.call(
            bound, op, lambda adapter, credential: act(adapter, credential, native, vendor_key)
        )
        return ActionResult(id=object_id, action=action)

    return await run_idempotently(
        services.idempotency,
        tenant_id,
        op.value,
        idempotency_key,
        request_fingerprint("POST", f"{object_id}/{action}", None),
        run,
    )
