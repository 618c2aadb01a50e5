"""Tenants and gateway keys: the records and the storage interface.

The one implementation is :class:`gateway.auth.sql_store.SqlTenantStore`, on the system of record
(SQLite embedded, PostgreSQL scaled out).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec

from gateway.auth.keys import Scope


class Tenant(msgspec.Struct, frozen=True, kw_only=True):
    """A consumer organization; every stored object belongs to exactly one."""

    id: str
    name: str
    created_at: datetime
    disabled_at: datetime | None = None
    """When the tenant was disabled (its keys stop authenticating); ``None`` while enabled."""


class ApiKeyRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A gateway key as stored: never the key itself, only its hash."""

    id: str
    tenant_id: str | None
    """``None`` for an operator key, which spans every tenant."""
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    """When a request last authenticated with it (written at most once a minute per process)."""
    key_hash: str = msgspec.field(default="")

    def __repr__(self) -> str:
        return f"ApiKeyRecord(id={self.id!r}, tenant_id={self.tenant_id!r}, name={self.name!r})"


class TenantStore(Protocol):
    """Where tenants and gateway keys live: the system of record (SQLite or PostgreSQL).

    Times come back timezone-aware in UTC. Conflicting writes (a tenant id, key id or key hash
    already taken; a key for a tenant that does not exist) raise :class:`ValueError`.
    """

    async def create_tenant(self, tenant: Tenant) -> None:
        """Store a new tenant; :class:`ValueError` if its id is taken."""
        ...

    async def get_tenant(self, tenant_id: str) -> Tenant | None:
        """One tenant (disabled or not), or ``None``."""
        ...

    async def list_tenants(self) -> list[Tenant]:
        """Every tenant (disabled ones too), oldest first, then by id."""
        ...

    async def set_disabled(self, tenant_id: str, when: datetime | None) -> Tenant | None:
        """Disable a tenant from ``when`` (a tenant already disabled keeps its first time), or
        re-enable it with ``None``; the tenant as now stored, ``None`` when it does not exist."""
        ...

    async def erase_tenant(self, tenant_id: str) -> bool:
        """Delete a tenant and every key of it; ``False`` when it does not exist."""
        ...

    async def add_key(self, record: ApiKeyRecord) -> None:
        """Store a key (``tenant_id`` ``None``: an operator key); :class:`ValueError` if its id
        or hash is taken or its tenant does not exist."""
        ...

    async def list_keys(self, tenant_id: str) -> list[ApiKeyRecord]:
        """A tenant's keys (active and revoked), oldest first, then by id."""
        ...

    async def find_active_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The unrevoked key with this hash, unless its tenant is disabled."""
        ...

    async def revoke_key(self, tenant_id: str, key_id: str, when: datetime) -> bool:
        """Revoke one of the tenant's keys (idempotent, the first time kept); ``False`` when the
        tenant has no such key (operator keys are never revoked here)."""
        ...

    async def note_key_used(self, key_id: str, when: datetime) -> None:
        """Record that the key was used at ``when`` (a later time than the stored one)."""
        ...

    async def has_operator_key(self) -> bool:
        """Whether an unrevoked operator (all-tenant) key exists."""
        ...

    async def revoke_operator_keys(self, when: datetime) -> int:
        """Revoke every active operator key; how many there were."""
        ...

    async def close(self) -> None:
        """Release what the store itself holds."""
        ...
