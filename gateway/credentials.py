"""A tenant's vendor credentials: checked by the vendor's adapter, sealed by the vault, and
handed to the pipeline when a call needs one."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from adapters.capabilities import VendorAdapter
from adapters.registry import AdapterRegistry
from contract.errors import NotFound, VendorNotConfigured
from gateway.pipeline import Held, credential_id
from policies.clock import SYSTEM_CLOCK, Clock
from policies.fresh_copies import FreshCopies
from policies.vault import CredentialMetadata, Vault

FRESHNESS_SECONDS = 1.0
"""How stale this process's copy of a credential may be when no invalidation reaches it (a
change elsewhere shows within it)."""
CACHED_ENTRIES = 10_000
"""Decrypted credentials (and tenants' vendor lists) kept at most, least recently used first
out: the memory they take stays bounded whatever the number of tenants."""


def load_for_vendor(
    registry: AdapterRegistry, vendor: str, secret: Mapping[str, str]
) -> tuple[VendorAdapter, object]:
    """The vendor's adapter and ``secret`` decoded as its credential type (404, 422)."""
    adapter = registry.get(vendor)
    if adapter is None:
        raise NotFound(f"unknown vendor '{vendor}'")
    return adapter, adapter.load_credential(secret)


async def seal_credential(
    vault: Vault,
    tenant_id: str,
    adapter: VendorAdapter,
    credential: object,
    secret: Mapping[str, str],
) -> CredentialMetadata:
    """Store a decoded credential with its labels."""
    return await vault.put(
        tenant_id,
        adapter.declaration.name,
        msgspec.to_builtins(credential),
        labels=adapter.credential_labels(secret),
    )


async def store_credential(
    registry: AdapterRegistry,
    vault: Vault,
    tenant_id: str,
    vendor: str,
    secret: Mapping[str, str],
) -> CredentialMetadata:
    """Validate ``secret`` as the vendor's credential type and store it with its labels."""
    adapter, credential = load_for_vendor(registry, vendor, secret)
    return await seal_credential(vault, tenant_id, adapter, credential, secret)


class VaultCredentials:
    """The tenants' credentials as the request path reads them: from the vault, through an
    in-process copy that is at most ``copy_seconds()`` old.

    A request does not query the database (nor decrypt) for a credential it used a moment ago,
    and a cache hit never asks for one at all (the pipeline asks only when it must call the
    vendor). A credential stored, rotated or deleted on another replica takes effect here when
    its invalidation arrives (see :mod:`gateway.invalidation`) and within that bound in any case;
    at once on the replica that wrote it. Decoded credentials stay in this process's memory
    only, and their holder's repr never shows them.
    """

    def __init__(
        self,
        vault: Vault,
        copy_seconds: Callable[[], float] = lambda: FRESHNESS_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._vault = vault
        self._held: FreshCopies[tuple[str, str], Held | None] = FreshCopies(
            CACHED_ENTRIES, copy_seconds, clock=clock
        )
        self._stored: FreshCopies[str, frozenset[str]] = FreshCopies(
            CACHED_ENTRIES, copy_seconds, clock=clock
        )

    async def hold(self, tenant_id: str, adapter: VendorAdapter) -> Held:
        """The tenant's credential for the adapter's vendor (409 when none is stored)."""
        vendor = adapter.declaration.name

        async def read() -> Held | None:
            opened = await self._vault.open(tenant_id, vendor)
            if opened is None:
                return None
            return Held(
                adapter.load_credential(opened.secret),
                credential_id(opened.secret),
                budgets=opened.budgets,
            )

        held = await self._held.read_through((tenant_id, vendor), read)
        if held is None:
            raise VendorNotConfigured(
                f"this tenant has no {vendor} credential; an administrator can add one with "
                f"PUT /v1/admin/tenants/{{tenant}}/credentials/{vendor}",
                vendor=vendor,
            )
        return held

    async def vendors(self, tenant_id: str) -> frozenset[str]:
        """The vendors the tenant has stored a credential for."""

        async def read() -> frozenset[str]:
            return frozenset(meta.vendor for meta in await self._vault.list(tenant_id))

        return await self._stored.read_through(tenant_id, read)

    def forget(self, tenant_id: str | None) -> None:
        """Drop this process's copies of a tenant's credentials (``None``: of every tenant)."""
        self._stored.forget(lambda key: tenant_id is None or key == tenant_id)
        self._held.forget(lambda key: tenant_id is None or key[0] == tenant_id)
