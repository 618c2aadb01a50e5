"""``/v1/admin/tenants`` and their gateway keys."""

from __future__ import annotations

from datetime import UTC, datetime

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from contract.errors import Forbidden, NotFound
from gateway.audit import AuditAction
from gateway.auth.issue import issue_key
from gateway.auth.keys import Scope, new_id
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


async def managed_tenant(services: Services, principal: Principal, tenant_id: str) -> Tenant:
    """The tenant, if the caller may administer it; 404 otherwise (existence is not revealed)."""
    principal.check_manages(tenant_id)
    tenant = await services.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


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
        if not principal.is_operator:
            raise Forbidden("only an operator key can create tenants")
        tenant = Tenant(id=new_id("ten"), name=data.name, created_at=datetime.now(UTC))
        async with services.audit.action(
            principal, AuditAction.TENANT_CREATED, tenant_id=tenant.id, target=tenant.id
        ):
            await services.tenants.create_tenant(tenant)
        return _tenant_out(tenant)

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
        tenant = await managed_tenant(services, principal, tenant_id)
        action = AuditAction.TENANT_DISABLED if data.disabled else AuditAction.TENANT_ENABLED
        async with services.audit.action(principal, action, tenant_id=tenant.id, target=tenant.id):
            _operator_only(principal, "disable or enable a tenant")
            updated = await services.tenants.set_disabled(
                tenant.id, datetime.now(UTC) if data.disabled else None
            )
            if updated is None:
                raise NotFound("tenant not found")
        await services.invalidations.keys_changed()
        return _tenant_out(updated)

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
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.TENANT_ERASED, tenant_id=tenant.id, target=tenant.id
        ) as note:
            _operator_only(principal, "erase a tenant")
            await services.tenants.set_disabled(tenant.id, datetime.now(UTC))
            await services.invalidations.keys_changed()
            note.detail["credentials"] = str(await services.vault_backend.delete_tenant(tenant.id))
            note.detail["records"] = str(await services.records.purge_tenant(tenant.id))
            note.detail["idempotency_records"] = str(
                await services.idempotency.purge_tenant(tenant.id)
            )
            await services.tenants.erase_tenant(tenant.id)
        await services.invalidations.credentials_changed(tenant.id)

    @get("/", operation_id="listTenants", summary="List tenants", **contract(Scope.ADMIN))
    async def list_tenants(
        self, services: NamedDependency[Services], principal: NamedDependency[Principal]
    ) -> TenantList:
        """Every tenant for an operator; only its own for a tenant admin key."""
        if principal.is_operator:
            return TenantList(data=[_tenant_out(t) for t in await services.tenants.list_tenants()])
        own = await services.tenants.get_tenant(principal.require_tenant())
        return TenantList(data=[_tenant_out(own)] if own else [])

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
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal,
            AuditAction.KEY_MINTED,
            tenant_id=tenant.id,
            detail={"name": data.name, "scopes": ",".join(s.value for s in data.scopes)},
        ) as note:
            beyond = set(data.scopes) - principal.scopes if not principal.is_operator else set()
            if beyond:
                raise Forbidden(
                    "a key grants only scopes it holds; this key lacks "
                    + ", ".join(sorted(scope.value for scope in beyond))
                )
            key, record = await issue_key(services.tenants, tenant.id, data.name, data.scopes)
            note.target = record.id
        return KeyCreated(
            id=record.id,
            tenant_id=tenant.id,
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
        tenant = await managed_tenant(services, principal, tenant_id)
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
        tenant = await managed_tenant(services, principal, tenant_id)
        async with services.audit.action(
            principal, AuditAction.KEY_REVOKED, tenant_id=tenant.id, target=key_id
        ):
            if not await services.tenants.revoke_key(tenant.id, key_id, datetime.now(UTC)):
                raise NotFound("key not found")
        await services.invalidations.keys_changed()


def _operator_only(principal: Principal, what: str) -> None:
    if not principal.is_operator:
        raise Forbidden(f"only an operator key can {what}")
