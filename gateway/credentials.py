"""A tenant's vendor credentials: checked by the vendor's adapter, sealed by the vault, and
handed to the pipeline when a call needs one."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from adapters.capabilities import VendorAdapter
from adapters.registry import AdapterRegistry
from contract.errors import NotFound, VendorNotConfigured
from gateway.pipeline import Held, credential_id
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
    credential = adapter.load_credential(secret)
    return await vault.put(
        tenant_id,
        vendor,
        msgspec.to_builtins(credential),
        labels=adapter.credential_labels(secret),
    )


class VaultCredentials:
    """The pipeline's credentials: opened from the vault when a call is not answered by the
    cache, decoded by the vendor's adapter."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    async def hold(self, tenant_id: str, adapter: VendorAdapter) -> Held:
        """The tenant's credential for the adapter's vendor (409 when none is stored)."""
        vendor = adapter.declaration.name
        secret = await self._vault.get_secret(tenant_id, vendor)
        if secret is None:
            raise VendorNotConfigured(
                f"this tenant has no {vendor} credential; an administrator can add one with "
                f"PUT /v1/admin/tenants/{{tenant}}/credentials/{vendor}",
                vendor=vendor,
            )
        return Held(adapter.load_credential(secret), credential_id(secret))


def held_credential(adapter: VendorAdapter, secret: Mapping[str, str]) -> Held:
    """A credential the caller has in hand (rotation), keyed like the vault's."""
    return Held(adapter.load_credential(secret), credential_id(dict(secret)))
