"""A vault backend whose reads survive a database outage with the last sealed records seen."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import TypeVar

from policies.last_known import LastKnown, StoreUnavailable
from policies.sql import DatabaseUnavailable
from policies.vault.backend import (
    UNSET,
    BudgetLimit,
    ExpectedFingerprint,
    StoredCredential,
    VaultBackend,
)
from policies.vault.envelope import SealedSecret

T = TypeVar("T")


class LastKnownVaultBackend:
    """Delegates to ``inner``; ``get`` and ``list_for_tenant`` fall back to the last answer.

    The outage is :class:`DatabaseUnavailable`: while the database cannot be reached, a read
    answers what this process last read, if that is recent enough (``last_known``'s bound),
    and otherwise raises the :class:`DatabaseUnavailable`. Only sealed records are remembered,
    never decrypted secrets. Writes are not buffered: during an outage they raise
    :class:`DatabaseUnavailable`, and this process forgets what it remembered of what it wrote.
    """

    def __init__(self, inner: VaultBackend, last_known: LastKnown) -> None:
        self._inner = inner
        self._last_known = last_known
        self._generations: dict[str, int] = {}
        """Per tenant, how many times its credentials were all destroyed (part of every key, so
        erasing a tenant forgets every answer about it at once)."""

    def __repr__(self) -> str:
        return f"LastKnownVaultBackend({self._inner!r})"

    async def get(self, tenant_id: str, vendor: str) -> StoredCredential | None:
        """The record, or the last one seen while the database is down."""
        return await self._read(
            self._record_key(tenant_id, vendor), lambda: self._inner.get(tenant_id, vendor)
        )

    async def list_for_tenant(self, tenant_id: str) -> list[StoredCredential]:
        """The tenant's records, or the last list seen while the database is down."""
        return await self._read(
            self._list_key(tenant_id), lambda: self._inner.list_for_tenant(tenant_id)
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

    async def set_budget(
        self, tenant_id: str, vendor: str, budget: str, limit: BudgetLimit | None
    ) -> bool:
        """Write through, forgetting stale answers about this record."""
        self._forget(tenant_id, vendor)
        return await self._inner.set_budget(tenant_id, vendor, budget, limit)

    async def delete_tenant(self, tenant_id: str) -> int:
        """Destroy through, forgetting every answer about the tenant."""
        self._generations[tenant_id] = self._generations.get(tenant_id, 0) + 1
        return await self._inner.delete_tenant(tenant_id)

    def all_records(self) -> AsyncIterator[StoredCredential]:
        """Every record (rotation needs the database itself)."""
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

    async def _read(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        """``fetch()`` through ``last_known``; with nothing recent, the database's outage."""
        outage: DatabaseUnavailable | None = None

        async def attempt() -> T:
            nonlocal outage
            try:
                return await fetch()
            except DatabaseUnavailable as exc:
                outage = exc
                raise

        try:
            return await self._last_known.read(key, attempt)
        except StoreUnavailable:
            if outage is None:
                raise
            raise outage from outage.__cause__

    def _record_key(self, tenant_id: str, vendor: str) -> Hashable:
        return ("vault", tenant_id, self._generations.get(tenant_id, 0), vendor)

    def _list_key(self, tenant_id: str) -> Hashable:
        return ("vault-list", tenant_id, self._generations.get(tenant_id, 0))

    def _forget(self, tenant_id: str, vendor: str) -> None:
        self._last_known.forget(self._record_key(tenant_id, vendor))
        self._last_known.forget(self._list_key(tenant_id))
