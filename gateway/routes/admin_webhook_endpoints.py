"""``/v1/admin/tenants/{tenant}/webhook-endpoints``: the URLs to register at each vendor."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.events.endpoints import WebhookEndpoint, WebhookEndpointList, WebhookEndpointSettings
from gateway.openapi import BODY_ERRORS, contract
from gateway.services import Services
from gateway.tenant_admin import managed_tenant


def public_url(services: Services, request: Request) -> str:
    """How vendors reach the gateway: ``GATEWAY_PUBLIC_URL``, else the URL this request used."""
    return services.settings.server.public_url or str(request.base_url).rstrip("/")


class WebhookEndpointsController(Controller):
    """A tenant's inbound webhook URLs, one per vendor that sends webhooks."""

    path = "/v1/admin/tenants/{tenant_id:str}/webhook-endpoints"
    tags = ["admin"]

    @get(
        "/",
        operation_id="listWebhookEndpoints",
        summary="List webhook endpoints",
        **contract(Scope.ADMIN, 404),
    )
    async def list_endpoints(
        self,
        request: Request,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
    ) -> WebhookEndpointList:
        """Every configured endpoint, with the exact URL to register at the vendor."""
        tenant = await managed_tenant(services, principal, tenant_id)
        endpoints = await services.webhook_endpoints.list(tenant.id, public_url(services, request))
        return WebhookEndpointList(data=endpoints)

    @put(
        "/{vendor:str}",
        operation_id="putWebhookEndpoint",
        summary="Configure a webhook endpoint",
        **contract(Scope.ADMIN, 404, *BODY_ERRORS),
    )
    async def put_endpoint(
        self,
        request: Request,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
        data: JSONBody[WebhookEndpointSettings],
    ) -> WebhookEndpoint:
        """Create the tenant's endpoint for a vendor (its URL is new), or change its signing
        secret (the URL stays). Register the URL at the vendor; for a vendor that signs, store
        the secret configured there."""
        tenant = await managed_tenant(services, principal, tenant_id)
        receiver = services.ingestor.receiver(vendor)
        secret = data.signing_secret if receiver.signs else None
        return await services.webhook_endpoints.configure(
            tenant.id, vendor, secret, public_url(services, request)
        )

    @post(
        "/{vendor:str}/rotate",
        operation_id="rotateWebhookEndpoint",
        summary="Give a webhook endpoint a new URL",
        status_code=200,
        **contract(Scope.ADMIN, 404),
    )
    async def rotate_endpoint(
        self,
        request: Request,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
    ) -> WebhookEndpoint:
        """A new URL; the old one answers 404 at once (register the new one at the vendor)."""
        tenant = await managed_tenant(services, principal, tenant_id)
        return await services.webhook_endpoints.rotate(
            tenant.id, vendor, public_url(services, request)
        )

    @delete(
        "/{vendor:str}",
        operation_id="deleteWebhookEndpoint",
        summary="Remove a webhook endpoint",
        **contract(Scope.ADMIN, 404),
    )
    async def delete_endpoint(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        vendor: FromPath[str],
    ) -> None:
        """The URL answers 404 from now on."""
        tenant = await managed_tenant(services, principal, tenant_id)
        await services.webhook_endpoints.delete(tenant.id, vendor)
