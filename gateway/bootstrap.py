"""One-time start-up work done before serving: the operator key, the sandbox's demo tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.auth.issue import issue_key
from gateway.auth.keys import Scope, new_id
from gateway.auth.store import Tenant, TenantStore

OPERATOR_KEY_NAME = "bootstrap operator key"


async def ensure_operator_key(store: TenantStore) -> str | None:
    """Create an operator key if none exists; return it (to print once) or ``None``."""
    if await store.has_operator_key():
        return None
    key, _ = await issue_key(store, None, OPERATOR_KEY_NAME, (Scope.ADMIN,))
    return key


async def retire_generated_operator_keys(store: TenantStore) -> int:
    """With ``GATEWAY_ADMIN_KEY`` set, a generated operator key must stop working."""
    return await store.revoke_operator_keys(datetime.now(UTC))


async def ensure_tenant(store: TenantStore, name: str) -> Tenant:
    """The tenant called ``name``, created when missing."""
    for tenant in await store.list_tenants():
        if tenant.name == name:
            return tenant
    tenant = Tenant(id=new_id("ten"), name=name, created_at=datetime.now(UTC))
    await store.create_tenant(tenant)
    return tenant


async def replace_named_key(
    store: TenantStore, tenant_id: str, name: str, scopes: tuple[Scope, ...]
) -> str:
    """A fresh key called ``name`` for the tenant; earlier keys of that name are revoked."""
    now = datetime.now(UTC)
    for record in await store.list_keys(tenant_id):
        if record.name == name and record.revoked_at is None:
            await store.revoke_key(tenant_id, record.id, now)
    key, _ = await issue_key(store, tenant_id, name, scopes)
    return key
