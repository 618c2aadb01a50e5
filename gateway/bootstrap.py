"""One-time start-up work done before serving: the operator key, the sandbox's demo tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.auth.keys import Scope, display_prefix, generate_api_key, hash_api_key, new_id
from gateway.auth.store import ApiKeyRecord, Tenant, TenantStore

OPERATOR_KEY_NAME = "bootstrap operator key"


async def ensure_operator_key(store: TenantStore) -> str | None:
    """Create an operator key if none exists; return it (to print once) or ``None``."""
    if await store.has_operator_key():
        return None
    key = generate_api_key()
    await store.add_key(
        ApiKeyRecord(
            id=new_id("key"),
            tenant_id=None,
            name=OPERATOR_KEY_NAME,
            prefix=display_prefix(key),
            scopes=(Scope.ADMIN,),
            key_hash=hash_api_key(key),
            created_at=datetime.now(UTC),
        )
    )
    return key


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
    key = generate_api_key()
    await store.add_key(
        ApiKeyRecord(
            id=new_id("key"),
            tenant_id=tenant_id,
            name=name,
            prefix=display_prefix(key),
            scopes=scopes,
            key_hash=hash_api_key(key),
            created_at=now,
        )
    )
    return key
