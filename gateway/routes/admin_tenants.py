"""``/v1/admin/tenants`` and their gateway keys."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gateway import tenant_admin
from gateway.auth.keys import Scope
from gateway.auth.principal import Principal
from gateway.auth.store import ApiKeyRecord, Tenant
from gateway.openapi import BODY_ERRORS, contract
from gateway.routes.admin_schema import (
    KeyCreate,
    KeyCreated,
    KeyList,
    KeyOut,
    TenantCreate,
    TenantList,
    TenantOut,
    TenantUpdate,
)
from gateway.services import Services


def _tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut(
        id=tenant.id,
        name=tenant.name,
        created_at=tenant.created_at,
        disabled_at=tenant.disabled_at,
    )


def _key_out(record: ApiKeyRecord) -> KeyOut:
    return KeyOut(
        id=record.id,
        tenant_id=record.tenant_id or "",
        name=record.name,
        prefix=record.prefix,
        scopes=list(record.scopes),
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


class TenantsController(Controller):
    """Tenants and their keys. Operator keys see every tenant; a tenant admin key, its own."""

    path = "/v1/admin/tenants"
    tags = ["admin"]

    @post(
        "/",
        operation_id="createTenant",
        summary="Create a tenant",
        **contract(Scope.ADMIN, *BODY_ERRORS),
    )
    async def create_tenant(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        data: JSONBody[TenantCreate],
    ) -> TenantOut:
        """Operator only."""
        return _tenant_out(await tenant_admin.create_tenant(services, principal, data.name))

    @patch(
        "/{tenant_id:str}",
        operation_id="updateTenant",
        summary="Disable or enable a tenant",
        **contract(Scope.ADMIN, 404, *BODY_ERRORS),
    )
    async def update_tenant(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        data: JSONBody[TenantUpdate],
    ) -> TenantOut:
        """Operator only. A disabled tenant's keys stop working at once; nothing is deleted."""
        return _tenant_out(
            await tenant_admin.set_tenant_disabled(services, principal, tenant_id, data.disabled)
        )

    @delete(
        "/{tenant_id:str}",
        operation_id="eraseTenant",
        summary="Erase a tenant",
        **contract(Scope.ADMIN, 404),
    )
    async def erase_tenant(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
    ) -> None:
        """Operator only, and final: keys revoked, credentials destroyed (their data keys with
        them), operations, batches, verifications and idempotency records purged. The audit
        entries about the tenant remain."""
        await tenant_admin.erase_tenant(services, principal, tenant_id)

    @get("/", operation_id="listTenants", summary="List tenants", **contract(Scope.ADMIN))
    async def list_tenants(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> TenantList:
        """Every tenant for an operator; only its own for a tenant admin key."""
        tenants = await tenant_admin.visible_tenants(services, principal)
        return TenantList(data=[_tenant_out(t) for t in tenants])

    @post(
        "/{tenant_id:str}/keys",
        operation_id="createKey",
        summary="Create a key",
        **contract(Scope.ADMIN, 404, *BODY_ERRORS),
    )
    async def create_key(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        data: JSONBody[KeyCreate],
    ) -> KeyCreated:
        """A new key; the answer is the only time the key itself is shown."""
        key, record = await tenant_admin.mint_key(
            services, principal, tenant_id, data.name, data.scopes
        )
        return KeyCreated(
            id=record.id,
            tenant_id=tenant_id,
            name=record.name,
            prefix=record.prefix,
            scopes=list(record.scopes),
            created_at=record.created_at,
            key=key,
        )

    @get(
        "/{tenant_id:str}/keys",
        operation_id="listKeys",
        summary="List keys",
        **contract(Scope.ADMIN, 404),
    )
    async def list_keys(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
    ) -> KeyList:
        """A tenant's keys, revoked ones included (with `revoked_at`)."""
        tenant = await tenant_admin.managed_tenant(services, principal, tenant_id)
        return KeyList(data=[_key_out(r) for r in await services.tenants.list_keys(tenant.id)])

    @delete(
        "/{tenant_id:str}/keys/{key_id:str}",
        operation_id="revokeKey",
        summary="Revoke a key",
        **contract(Scope.ADMIN, 404),
    )
    async def revoke_key(
        self,
        services: NamedDependency[Services],
        principal: NamedDependency[Principal],
        tenant_id: FromPath[str],
        key_id: FromPath[str],
    ) -> None:
        """Revoke at once; the key answers 401 from the next request on."""
        await tenant_admin.revoke_key(services, principal, tenant_id, key_id)
