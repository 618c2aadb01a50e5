"""Administering tenants and their gateway keys: what the admin API and the console both do.

Each function checks that the caller may act (an operator, or a tenant admin on its own tenant),
records the action in the audit log, and drops this process's copies of keys when a key or a
tenant stops working. Routes and console pages only translate their input and output.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from contract.errors import Forbidden, NotFound
from gateway.audit import AuditAction
from gateway.auth.issue import issue_key
from gateway.auth.keys import Scope, new_id
from gateway.auth.principal import Principal
from gateway.auth.store import ApiKeyRecord, Tenant
from gateway.services import Services


async def managed_tenant(services: Services, principal: Principal, tenant_id: str) -> Tenant:
    """The tenant, if the caller may administer it; 404 otherwise (existence is not revealed)."""
    principal.check_manages(tenant_id)
    tenant = await services.tenants.get_tenant(tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


async def visible_tenants(services: Services, principal: Principal) -> list[Tenant]:
    """Every tenant for an operator; only its own for a tenant admin key."""
    if principal.is_operator:
        return await services.tenants.list_tenants()
    own = await services.tenants.get_tenant(principal.require_tenant())
    return [own] if own else []


async def create_tenant(services: Services, principal: Principal, name: str) -> Tenant:
    """A new tenant (operators only)."""
    if not principal.is_operator:
        raise Forbidden("only an operator key can create tenants")
    tenant = Tenant(id=new_id("ten"), name=name, created_at=datetime.now(UTC))
    async with services.audit.action(
        principal, AuditAction.TENANT_CREATED, tenant_id=tenant.id, target=tenant.id
    ):
        await services.tenants.create_tenant(tenant)
    return tenant


async def set_tenant_disabled(
    services: Services, principal: Principal, tenant_id: str, disabled: bool
) -> Tenant:
    """Disable or enable a tenant (operators only). A disabled tenant's keys stop working at
    once; nothing is deleted."""
    tenant = await managed_tenant(services, principal, tenant_id)
    action = AuditAction.TENANT_DISABLED if disabled else AuditAction.TENANT_ENABLED
    async with services.audit.action(principal, action, tenant_id=tenant.id, target=tenant.id):
        operator_only(principal, "disable or enable a tenant")
        updated = await services.tenants.set_disabled(
            tenant.id, datetime.now(UTC) if disabled else None
        )
        if updated is None:
            raise NotFound("tenant not found")
    await services.invalidations.keys_changed()
    return updated


async def erase_tenant(services: Services, principal: Principal, tenant_id: str) -> None:
    """Erase a tenant (operators only), for good: keys revoked, credentials destroyed (their
    data keys with them), operations, batches, verifications and idempotency records purged.
    The audit entries about the tenant remain."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal, AuditAction.TENANT_ERASED, tenant_id=tenant.id, target=tenant.id
    ) as note:
        operator_only(principal, "erase a tenant")
        await services.tenants.set_disabled(tenant.id, datetime.now(UTC))
        await services.invalidations.keys_changed()
        note.detail["credentials"] = str(await services.vault_backend.delete_tenant(tenant.id))
        note.detail["records"] = str(await services.records.purge_tenant(tenant.id))
        note.detail["idempotency_records"] = str(await services.idempotency.purge_tenant(tenant.id))
        await services.tenants.erase_tenant(tenant.id)
    await services.invalidations.credentials_changed(tenant.id)


async def mint_key(
    services: Services,
    principal: Principal,
    tenant_id: str,
    name: str,
    scopes: Sequence[Scope],
) -> tuple[str, ApiKeyRecord]:
    """A new key for the tenant, and its stored record; the key itself is for showing once. A
    key grants only scopes the caller's key holds."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal,
        AuditAction.KEY_MINTED,
        tenant_id=tenant.id,
        detail={"name": name, "scopes": ",".join(s.value for s in scopes)},
    ) as note:
        beyond = set(scopes) - principal.scopes if not principal.is_operator else set()
        if beyond:
            raise Forbidden(
                "a key grants only scopes it holds; this key lacks "
                + ", ".join(sorted(scope.value for scope in beyond))
            )
        key, record = await issue_key(services.tenants, tenant.id, name, scopes)
        note.target = record.id
    return key, record


async def revoke_key(services: Services, principal: Principal, tenant_id: str, key_id: str) -> None:
    """Revoke one of the tenant's keys at once; it answers 401 from the next request on."""
    tenant = await managed_tenant(services, principal, tenant_id)
    async with services.audit.action(
        principal, AuditAction.KEY_REVOKED, tenant_id=tenant.id, target=key_id
    ):
        if not await services.tenants.revoke_key(tenant.id, key_id, datetime.now(UTC)):
            raise NotFound("key not found")
    await services.invalidations.keys_changed()


def operator_only(principal: Principal, what: str) -> None:
    """403 unless the caller is an operator."""
    if not principal.is_operator:
        raise Forbidden(f"only an operator key can {what}")
