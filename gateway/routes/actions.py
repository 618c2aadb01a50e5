"""State changes on a vendor object (stop a call, start a campaign...), run once per key."""

from __future__ import annotations

from litestar import Response

from contract.agents import ActionResult
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.services import Services


async def run_action(
    services: Services,
    principal: Principal,
    capability: type,
    object_id: str,
    operation: str,
    action: str,
    idempotency_key: str | None,
) -> Response[ActionResult]:
    """Call the adapter method named ``operation`` on the object, with its idempotency keys.

    The vendor gets a key derived from the consumer's, so a retry reaches it as the same request.
    """
    tenant_id = principal.require_tenant()
    vendor_key = vendor_idempotency_key(tenant_id, f"{operation}:{object_id}", idempotency_key)

    async def act() -> ActionResult:
        bound, native = await services.dispatcher.bind_by_id(tenant_id, object_id, capability)
        method = getattr(bound.adapter, operation)
        await services.dispatcher.call(
            bound, operation, lambda: method(bound.credential, native, vendor_key)
        )
        return ActionResult(id=object_id, action=action)

    return await run_idempotently(
        services.idempotency,
        tenant_id,
        operation,
        idempotency_key,
        request_fingerprint("POST", f"{object_id}/{action}", None),
        act,
    )
