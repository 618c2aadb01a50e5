"""``/v1/vendor-webhooks``: webhook subscriptions kept at the vendor (TopCalls' own).

The vendor delivers its own payloads straight to the subscribed URL, signed its way and retried on
its schedule; the gateway manages the subscriptions and holds the vendor key.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from adapters.capabilities import VendorWebhooks
from adapters.declaration import Op
from contract.agents import VendorWebhook, VendorWebhookCreate, VendorWebhookList
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.idempotency import request_fingerprint, run_idempotently, vendor_idempotency_key
from gateway.openapi import BODY_ERRORS, READ_ERRORS, WRITE_ERRORS, contract
from gateway.routes.answers import answer
from gateway.routes.include import IncludeQuery, with_includes
from gateway.routes.params import IdempotencyKeyHeader
from gateway.services import Services


class VendorWebhooksController(Controller):
    """Subscribe URLs to the vendor's call events."""

    path = "/v1/vendor-webhooks"
    tags = ["calls"]

    @get(
        "/",
        operation_id="listVendorWebhooks",
        summary="List vendor webhook subscriptions",
        **contract(Scope.CALLS_READ, *READ_ERRORS),
    )
    async def list_webhooks(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        include: IncludeQuery = None,
    ) -> Response[VendorWebhookList]:
        """Every vendor's subscriptions."""
        gathered = await services.dispatcher.collect(
            principal.require_tenant(),
            VendorWebhooks,
            Op.LIST_WEBHOOKS,
            lambda adapter, credential: adapter.list_webhooks(credential),
        )
        webhooks = VendorWebhookList(data=gathered.values, errors=gathered.errors)
        return answer(with_includes(webhooks, include), gathered.facts)

    @post(
        "/",
        operation_id="createVendorWebhook",
        summary="Subscribe a URL to vendor events",
        status_code=201,
        **contract(Scope.CALLS_WRITE, *BODY_ERRORS, *WRITE_ERRORS),
    )
    async def create_webhook(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[VendorWebhookCreate],
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[VendorWebhook]:
        """The vendor POSTs its event payloads (its own shape) to `url`."""
        tenant_id = principal.require_tenant()
        vendor_key = vendor_idempotency_key(tenant_id, "create_webhook", idempotency_key)

        async def create() -> VendorWebhook:
            bound = await services.dispatcher.choose(tenant_id, VendorWebhooks, data.vendor)
            outcome = await services.dispatcher.call(
                bound,
                Op.CREATE_WEBHOOK,
                lambda adapter, credential: adapter.create_webhook(credential, data, vendor_key),
            )
            return with_includes(outcome.value, None)

        return await run_idempotently(
            services.idempotency,
            tenant_id,
            "create_webhook",
            idempotency_key,
            request_fingerprint("POST", "vendor-webhooks", msgspec.to_builtins(data)),
            create,
            status_code=201,
        )

    @delete(
        "/{webhook_id:str}",
        operation_id="deleteVendorWebhook",
        summary="Delete a vendor webhook subscription",
        **contract(Scope.CALLS_WRITE, 404, *WRITE_ERRORS),
    )
    async def delete_webhook(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        webhook_id: FromPath[str],
    ) -> None:
        """Stop the vendor's deliveries to that URL."""
        bound, native = services.dispatcher.bind_by_id(
            principal.require_tenant(), webhook_id, VendorWebhooks
        )
        await services.dispatcher.call(
            bound,
            Op.DELETE_WEBHOOK,
            lambda adapter, credential: adapter.delete_webhook(credential, native),
        )
