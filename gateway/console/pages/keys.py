"""``/console/tenants/{tenant}/keys``: a tenant's gateway keys, minting (shown once), revoking."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Template

from contract.errors import FieldError, ValidationFailed
from gateway import tenant_admin
from gateway.auth.keys import Scope
from gateway.console.auth import require_session
from gateway.console.forms import checked, text_field
from gateway.console.render import AnyRequest, console_user, page
from gateway.services import Services


class KeyPages(Controller):
    """A tenant's keys, revoked ones included."""

    path = "/console/tenants/{tenant_id:str}/keys"
    guards = [require_session]
    include_in_schema = False

    @get("/")
    async def list_keys(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """The keys and the form that mints one."""
        return await _keys_page(request, tenant_id)

    @post("/")
    async def mint_key(self, request: AnyRequest, tenant_id: FromPath[str]) -> Template:
        """A new key, shown on this answer only, with a copy button."""
        services: Services = request.app.state.services
        name = await text_field(request, "name", "The key's name")
        try:
            scopes = [Scope(value) for value in await checked(request, "scopes")]
        except ValueError:
            raise ValidationFailed(
                "unknown scope", errors=[FieldError(field="form.scopes", message="unknown")]
            ) from None
        if not scopes:
            raise ValidationFailed(
                "choose at least one scope",
                errors=[FieldError(field="form.scopes", message="required")],
            )
        key, record = await tenant_admin.mint_key(
            services, console_user(request).principal, tenant_id, name, scopes
        )
        return await _keys_page(request, tenant_id, status=201, minted=record, minted_key=key)

    @post("/{key_id:str}/revoke")
    async def revoke_key(
        self, request: AnyRequest, tenant_id: FromPath[str], key_id: FromPath[str]
    ) -> Template:
        """Revoked at once: the key answers 401 from the next request on."""
        services: Services = request.app.state.services
        await tenant_admin.revoke_key(services, console_user(request).principal, tenant_id, key_id)
        return await _keys_page(request, tenant_id, notice=f"Key {key_id} revoked.")


async def _keys_page(
    request: AnyRequest, tenant_id: str, status: int = 200, **context: Any
) -> Template:
    services: Services = request.app.state.services
    user = console_user(request)
    tenant = await tenant_admin.managed_tenant(services, user.principal, tenant_id)
    keys = await services.tenants.list_keys(tenant.id)
    grantable = [s for s in Scope if user.is_operator or s in user.principal.scopes]
    return page(
        request,
        "keys.html",
        status=status,
        tenant=tenant,
        section="keys",
        keys=keys,
        scopes=grantable,
        own_key_id=user.principal.key_id,
        **context,
    )
