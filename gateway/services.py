"""The long-lived parts of one gateway process, built once at start and shared by requests."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from adapters.registry import AdapterRegistry, build_registry
from gateway.auth.principal import Authenticator
from gateway.auth.store import SQLiteTenantStore, TenantStore
from gateway.dispatch import VendorDispatcher
from gateway.settings import Settings, SettingsError
from policies.vault import SQLiteVaultBackend, Vault

TENANTS_DB = "tenants.sqlite3"
VAULT_DB = "vault.sqlite3"


@dataclass
class Services:
    """Stores, vault, adapters and the authenticator of one process."""

    settings: Settings
    tenants: TenantStore
    vault: Vault
    registry: AdapterRegistry
    authenticator: Authenticator
    dispatcher: VendorDispatcher
    rotation_locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )
    """One lock per (tenant, vendor), so rotations of a credential do not race in a process."""

    async def aclose(self) -> None:
        """Release connections and files."""
        await self.registry.aclose()
        await self.vault.close()
        await self.tenants.close()


def open_stores(settings: Settings) -> tuple[TenantStore, Vault]:
    """The embedded stores under ``settings.data_dir``."""
    if settings.vault_keys is None:
        raise SettingsError("GATEWAY_VAULT_KEYS is required to open the credential vault")
    tenants = SQLiteTenantStore(settings.data_dir / TENANTS_DB)
    vault = Vault(SQLiteVaultBackend(settings.data_dir / VAULT_DB), settings.vault_keys)
    return tenants, vault


def open_services(settings: Settings) -> Services:
    """Build every long-lived part; nothing connects before this is called."""
    tenants, vault = open_stores(settings)
    registry = build_registry(settings)
    return Services(
        settings=settings,
        tenants=tenants,
        vault=vault,
        registry=registry,
        authenticator=Authenticator(tenants, settings.admin_key),
        dispatcher=VendorDispatcher(registry, vault),
    )
