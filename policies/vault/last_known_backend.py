"""A vault backend whose reads survive a store outage with the last sealed records seen."""

from __future__ import annotations

from collections.abc import AsyncIterator

from policies.last_known import LastKnown
from policies.vault.backend import UNSET, ExpectedFingerprint, StoredCredential, VaultBackend
from policies.vault.envelope import SealedSecret


class LastKnownVaultBackend:
    """Delegates to ``inner``; ``get`` and ``list_for_tenant`` fall back to the last answer.

    Only sealed records are remembered, never decrypted secrets. Writes are not buffered: during
    an outage they fail, and this process forgets what it remembered of the record it wrote.
    """

    def __init__(self, inner: VaultBackend, last_known: LastKnown) -> None:
        self._inner = inner
        self._last_known = last_known

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record, or the last one seen while the store is down."""
        return await self._last_known.read(
            ("vault", tenant_id, vendor), lambda: self._inner.get(tenant_id, vendor)
        )

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """The tenant's records, or the last list seen while the store is down."""
        return await self._last_known.read(
            ("vault-list", tenant_id), lambda: self._inner.list_for_tenant(tenant_id)
        )

    async def put(
        self, record: StoredCredential, *, expected_fingerprint: ExpectedFingerprint = UNSET
    ) -> bool:
        """Write through, forgetting stale answers about this record."""
        self._forget(record.tenant_id, record.vendor)
        return await self._inner.put(record, expected_fingerprint=expected_fingerprint)

    async def delete(self, tenant_id: str, vendor: str) -> bool:
        """Delete through, forgetting stale answers about this record."""
        self._forget(tenant_id, vendor)
        return await self._inner.delete(tenant_id, vendor)

    def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record (rotation needs the store itself)."""
        return self._inner.all_records()

    async def replace_sealed(
        self, tenant_id: str, vendor: str, old: SealedSecret, new: SealedSecret
    ) -> bool:
        """Compare-and-swap through."""
        self._forget(tenant_id, vendor)
        return await self._inner.replace_sealed(tenant_id, vendor, old, new)

    async def close(self) -> None:
        """Close the inner backend."""
        await self._inner.close()

    def _forget(self, tenant_id: str, vendor: str) -> None:
        self._last_known.forget(("vault", tenant_id, vendor))
        self._last_known.forget(("vault-list", tenant_id))
