"""Storage of sealed credentials: the record and the backend protocol (see ``sql_backend``)."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol, TypeAlias

import msgspec

from policies.vault.envelope import SealedSecret


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET = _Unset.UNSET
"""Marks a write as unconditional."""

ExpectedFingerprint: TypeAlias = str | _Unset | None
"""The condition of a write: ``UNSET`` (none), ``None`` (absent) or the current fingerprint."""


class BudgetLimit(msgspec.Struct, frozen=True):
    """An operator's limit for one of a credential's budgets: ``limit`` requests per
    ``period_seconds`` (the vendor sold this account more, or the operator wants less)."""

    limit: int
    period_seconds: float


class StoredCredential(msgspec.Struct, frozen=True, kw_only=True):
    """One tenant's sealed credential for one vendor, with its non-secret metadata."""

    tenant_id: str
    vendor: str
    sealed: SealedSecret
    fingerprint: str
    created_at: datetime
    rotated_at: datetime | None
    updated_at: datetime
    labels: dict[str, str] = msgspec.field(default_factory=dict)
    """Non-secret metadata, such as the vendor's id of the key."""
    budgets: dict[str, BudgetLimit] = msgspec.field(default_factory=dict)
    """The operator's overrides of the vendor's budgets, by budget name (read with the record;
    a write of the record leaves them alone: :meth:`VaultBackend.set_budget` changes them)."""


class VaultBackend(Protocol):
    """Where sealed credentials live; every conditional write is atomic."""

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record of ``(tenant_id, vendor)``, if any."""
        ...

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Store ``record`` if the condition holds; False when it does not."""
        ...

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Remove a record (and its budget overrides); False when there was none."""
        ...

    async def set_budget(
        self, tenant_id: str, vendor: str, budget: str, limit: BudgetLimit | None
    ) -> bool:
        """Override one budget of a stored credential (``None``: back to the vendor's default);
        False when there is no such credential."""
        ...

    async def delete_tenant(self, tenant_id: str) -> int:
        """Destroy every record of a tenant; how many there were."""
        ...

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """A tenant's records, sorted by vendor."""
        ...

    def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record; writes made while iterating do not break the iteration."""
        ...

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Swap the sealed secret only if it is still ``old``; False when it is not."""
        ...

    async def close(self) -> None:
        """Release the backend's resources."""
        ...
