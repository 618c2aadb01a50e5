"""Storing a tenant's vendor credential: checked by the vendor's adapter, sealed by the vault."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from adapters.registry import AdapterRegistry
from contract.errors import NotFound
from policies.vault import CredentialMetadata, Vault


async def store_credential(
    registry: AdapterRegistry,
    vault: Vault,
    tenant_id: str,
    vendor: str,
    secret: Mapping[str, str],
) -> CredentialMetadata:
    """Validate ``secret`` as the vendor's credential type and store it with its labels."""
    adapter = registry.get(vendor)
    if adapter is None:
        raise NotFound(f"unknown vendor '{vendor}'")
    credential = adapter.load_credential(dict(secret))
    return await vault.put(
        tenant_id,
        vendor,
        msgspec.to_builtins(credential),
        labels=adapter.credential_labels(credential),
    )
