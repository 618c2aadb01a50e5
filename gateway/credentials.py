"""A tenant's vendor credentials: checked by the vendor's adapter, sealed by the vault, and
handed to the pipeline when a call needs one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from cachetools import TTLCache

from adapters.capabilities import VendorAdapter
from adapters.registry import AdapterRegistry
from contract.errors import NotFound, VendorNotConfigured
from gateway.pipeline import Held, credential_id
from policies.clock import SYSTEM_CLOCK, Clock
from policies.vault import CredentialMetadata, Vault

FRESHNESS_SECONDS = 1.0
"""How stale this process's copy of a credential may be (a change elsewhere shows within it)."""
CACHED_ENTRIES = 100_000
_UNREAD: Any = object()
"""Not in the fresh copy (``None`` there means: known to have no credential)."""


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
    in-process copy that is at most ``freshness_seconds`` old.

    A request does not query the database for a credential it used a moment ago; a credential
    stored, rotated or deleted on another replica takes effect here within that bound (and at
    once on this one, which forgets its copy when it writes). Decoded credentials stay in this
    process's memory only.
    """

    def __init__(
        self,
        vault: Vault,
        freshness_seconds: float = FRESHNESS_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._vault = vault
        self._held: TTLCache[tuple[str, str], Held | None] = TTLCache(
            CACHED_ENTRIES, freshness_seconds, timer=clock.monotonic
        )
        self._stored: TTLCache[str, frozenset[str]] = TTLCache(
            CACHED_ENTRIES, freshness_seconds, timer=clock.monotonic
        )

    async def hold(self, tenant_id: str, adapter: VendorAdapter) -> Held:
        """The tenant's credential for the adapter's vendor (409 when none is stored)."""
        vendor = adapter.declaration.name
        key = (tenant_id, vendor)
        held = self._held.get(key, _UNREAD)
        if held is _UNREAD:
            opened = await self._vault.open(tenant_id, vendor)
            held = (
                Held(
                    adapter.load_credential(opened.secret),
                    credential_id(opened.secret),
                    budgets=opened.budgets,
                )
                if opened is not None
                else None
            )
            self._held[key] = held
        if held is None:
            raise VendorNotConfigured(
                f"this tenant has no {vendor} credential; an administrator can add one with "
                f"PUT /v1/admin/tenants/{{tenant}}/credentials/{vendor}",
                vendor=vendor,
            )
        return held

    async def vendors(self, tenant_id: str) -> frozenset[str]:
        """The vendors the tenant has stored a credential for."""
        stored = self._stored.get(tenant_id)
        if stored is None:
            stored = frozenset(meta.vendor for meta in await self._vault.list(tenant_id))
            self._stored[tenant_id] = stored
        return stored

    def forget(self, tenant_id: str) -> None:
        """Drop this process's copies of a tenant's credentials (after it changed them)."""
        self._stored.pop(tenant_id, None)
        for key in [key for key in self._held if key[0] == tenant_id]:
            self._held.pop(key, None)
