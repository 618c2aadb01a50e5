"""``/console/tenants``: every tenant (operators), creating, disabling, enabling, erasing."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from contract.errors import Forbidden
from gateway import tenant_admin
from gateway.console.auth import require_session
from gateway.console.forms import checked, text_field
from gateway.console.render import AnyRequest, console_user, page, redirect
from gateway.services import Services


class TenantPages(Controller):
    """Tenants. A tenant admin is sent to its own tenant's pages."""

    path = "/console/tenants"
    guards = [require_session]
    include_in_schema = False

    @get("/")
    async def list_tenants(self, request: AnyRequest) -> Response[Any]:
        """Every tenant, and the form that creates one."""
        user = console_user(request)
        if not user.is_operator:
            return redirect(request, f"/console/tenants/{user.principal.tenant_id}/keys")
        return await _tenants_page(request)

    @post("/")
    async def create_tenant(self, request: AnyRequest) -> Template:
        """A new tenant (operators only)."""
        services: Services = request.app.state.services
        name = await text_field(request, "name", "The tenant's name")
        tenant = await tenant_admin.create_tenant(services, console_user(request).principal, name)
        return await _tenants_page(
            request, notice=f"Tenant {tenant.name} created ({tenant.id}).", status=201
        )

    @get("/{tenant_id:str}")
    async def tenant_home(self, request: AnyRequest, tenant_id: FromPath[str]) -> Response[Any]:
        """A tenant's pages start with its keys."""
        services: Services = request.app.state.services
        tenant = await tenant_admin.managed_tenant(
            services, console_user(request).principal, tenant_id
        )
        return redirect(request, f"/console/tenants/{tenant.id}/keys")

    @post("/{tenant_id:str}/disable")
    async def disable(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """Its keys stop working at once; nothing is deleted."""
        return await _set_disabled(request, tenant_id, disabled=True)

    @post("/{tenant_id:str}/enable")
    async def enable(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """Its keys work again."""
        return await _set_disabled(request, tenant_id, disabled=False)

    @post("/{tenant_id:str}/erase")
    async def erase(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """Erase for good, once the box saying so is ticked."""
        services: Services = request.app.state.services
        principal = console_user(request).principal
        if "yes" not in await checked(request, "confirm"):
            tenant = await tenant_admin.managed_tenant(services, principal, tenant_id)
            return await _tenants_page(
                request,
                error=f"Tick the box to confirm erasing {tenant.name}: it cannot be undone.",
                status=422,
            )
        await tenant_admin.erase_tenant(services, principal, tenant_id)
        return await _tenants_page(request, notice=f"Tenant {tenant_id} erased.")


async def _set_disabled(request: AnyRequest, tenant_id: str, disabled: bool) -> Template:
    services: Services = request.app.state.services
    tenant = await tenant_admin.set_tenant_disabled(
        services, console_user(request).principal, tenant_id, disabled
    )
    state = "disabled" if disabled else "enabled"
    return await _tenants_page(request, notice=f"Tenant {tenant.name} {state}.")


async def _tenants_page(request: AnyRequest, status: int = 200, **context: Any) -> Template:
    services: Services = request.app.state.services
    user = console_user(request)
    if not user.is_operator:
        raise Forbidden("only an operator sees every tenant")
    tenants = await tenant_admin.visible_tenants(services, user.principal)
    return page(request, "tenants.html", status=status, tenants=tenants, **context)
