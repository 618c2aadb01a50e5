"""Issuing gateway keys: the one place a key is generated and its hash stored."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from gateway.auth.keys import Scope, display_prefix, generate_api_key, hash_api_key, new_id
from gateway.auth.store import ApiKeyRecord, TenantStore


async def issue_key(
    store: TenantStore, tenant_id: str | None, name: str, scopes: Iterable[Scope]
) -> tuple[str, ApiKeyRecord]:
    """Create and store a key; return it (to show once) with its stored record."""
    key = generate_api_key()
    record = ApiKeyRecord(
        id=new_id("key"),
        tenant_id=tenant_id,
        name=name,
        prefix=display_prefix(key),
        scopes=tuple(dict.fromkeys(scopes)),
        key_hash=hash_api_key(key),
        created_at=datetime.now(UTC),
    )
    await store.add_key(record)
    return key, record
