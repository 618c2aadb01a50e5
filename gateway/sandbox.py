"""Sandbox mode: vendor simulators alongside the gateway and a demo tenant wired to them.

Which simulators exist follows from the registry: each vendor declaration names the module of
its simulator (``simulators.<vendor>.sandbox``), imported here only, in sandbox mode, so the
production image runs without the ``[sandbox]`` extra installed.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

from adapters.registry import VENDORS, VendorEntry, build_registry
from gateway.auth.keys import Scope
from gateway.bootstrap import ensure_tenant, replace_named_key
from gateway.credentials import store_credential
from gateway.events.endpoints import WebhookEndpoints
from gateway.services import Stores, open_stores
from gateway.settings import Settings, SettingsError
from policies.vault import Keyring, generate_key_spec


class SimulatorServer(Protocol):
    """A simulator serving in a background thread."""

    def stop(self, timeout: float = 5.0) -> None:
        """Shut it down."""
        ...


class SandboxVendor(Protocol):
    """What a simulator's ``start_sandbox`` hands back for each vendor it serves (the shape of
    ``simulators.sandbox.SandboxVendor``, which the gateway does not import)."""

    @property
    def vendor(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def control_url(self) -> str: ...
    @property
    def secret(self) -> dict[str, str]: ...
    @property
    def sample_number(self) -> str: ...
    @property
    def server(self) -> SimulatorServer: ...
    @property
    def demo_commands(self) -> tuple[str, ...]: ...
    @property
    def verification_origin(self) -> str | None: ...


LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
"""Where ``gateway listen`` receives: the sandbox delivers there unless told otherwise."""
DEMO_TENANT = "sandbox demo"
DEMO_KEY_NAME = "sandbox demo key"
SANDBOX_KEY_FILE = "sandbox-vault-keys"


@dataclass(frozen=True)
class Sandbox:
    """What sandbox mode started, and the demo tenant's key to print."""

    settings: Settings
    vendors: list[SandboxVendor]
    tenant_id: str
    demo_key: str


def _sandbox_keyring(data_dir: Path) -> Keyring:
    """A vault key kept in the data directory, so a restarted sandbox reads its own records."""
    path = data_dir / SANDBOX_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_spec())
    return Keyring.from_spec(path.read_text())


def _simulator_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise SettingsError(
            f"sandbox mode needs the vendor simulators ({name} is missing): install the "
            "gateway with its [sandbox] extra, e.g. pip install 'caller-gateway[sandbox]'"
        ) from exc


def simulator_modules(vendors: Sequence[VendorEntry] = VENDORS) -> dict[str, ModuleType]:
    """Each simulator module once, by the first vendor that names it (one simulator may serve
    several vendors)."""
    modules: dict[str, ModuleType] = {}
    seen: set[str] = set()
    for vendor in vendors:
        name = vendor.declaration.simulator
        if name is not None and name not in seen:
            seen.add(name)
            modules[vendor.name] = _simulator_module(name)
    return modules


def start_sandbox_vendors(
    vendors: Sequence[VendorEntry] = VENDORS, host: str = "127.0.0.1", first_port: int = 0
) -> list[SandboxVendor]:
    """Every registered vendor's simulator on ``host``, each with a demo account: on free ports,
    or on ``first_port`` and the ports after it, one per simulator."""
    started: list[SandboxVendor] = []
    for offset, module in enumerate(simulator_modules(vendors).values()):
        started += module.start_sandbox(host, first_port + offset if first_port else 0)
    return started


def run_simulator(
    vendor: str,
    host: str,
    port: int,
    announce: Callable[[list[SandboxVendor]], None],
    vendors: Sequence[VendorEntry] = VENDORS,
) -> None:
    """Serve one vendor's simulator in the foreground (``gateway sandbox``); ``announce`` is
    handed the vendors it serves once it accepts connections."""
    names = {v.name: v.declaration.simulator for v in vendors if v.declaration.simulator}
    if vendor not in names:
        raise ValueError(f"no simulator for {vendor!r}; choose from {', '.join(names)}")
    _simulator_module(names[vendor]).run_standalone(host, port, announce)


def allow_local_webhooks(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """Sandbox defaults that let the whole event loop run on one machine: webhooks over http
    and to loopback, each only where the operator did not set its variable."""
    if not environ.get("GATEWAY_WEBHOOK_ALLOW_HTTP", "").strip():
        settings = settings.with_policies(webhook_allow_http=True)
    if not environ.get("GATEWAY_WEBHOOK_ALLOWED_NETWORKS", "").strip():
        settings = settings.with_policies(webhook_allowed_networks=LOOPBACK_NETWORKS)
    return settings


async def _receive_call_events(
    stores: Stores, tenant_id: str, vendors: Sequence[VendorEntry], started: set[str]
) -> None:
    """Give the demo tenant an inbound endpoint for each simulated vendor that reports calls,
    so the calls it places report back to the gateway and their events reach subscribers
    (``gateway listen``). The simulators do not sign per-call webhooks: the URL's token is
    the check, as for an endpoint the gateway makes for a call's ``webhook_url``."""
    endpoints = WebhookEndpoints(stores.database, stores.vault)
    for entry in vendors:
        if entry.name not in started or entry.webhooks is None or not entry.webhooks.call_events:
            continue
        if await endpoints.find(tenant_id, entry.name, "") is None:
            await endpoints.configure(tenant_id, entry.name, None, "")


async def start_sandbox(
    settings: Settings,
    vendors: Sequence[VendorEntry] = VENDORS,
    environ: Mapping[str, str] | None = None,
) -> Sandbox:
    """Start every simulator, point the gateway at them, let webhooks reach loopback over http
    unless ``environ`` (the process's) sets otherwise, and store the demo credentials in the
    data directory (which the caller chooses, and removes if it is scratch)."""
    settings = allow_local_webhooks(settings, os.environ if environ is None else environ)
    if settings.stores.vault_keys is None:
        settings = settings.with_stores(vault_keys=_sandbox_keyring(settings.stores.data_dir))
    started = start_sandbox_vendors(vendors, settings.server.host, settings.sandbox_port)
    for vendor in started:
        settings = settings.with_vendor_base_url(vendor.vendor, vendor.base_url)
        if vendor.verification_origin is not None:
            settings = settings.replace(
                verification_endpoints=(
                    *settings.verification_endpoints,
                    vendor.verification_origin,
                )
            )
    stores = await open_stores(settings, migrate=True)
    registry = build_registry(settings.vendors, vendors=vendors)
    try:
        tenant = await ensure_tenant(stores.tenants, DEMO_TENANT)
        for vendor in started:
            await store_credential(registry, stores.vault, tenant.id, vendor.vendor, vendor.secret)
        await _receive_call_events(stores, tenant.id, vendors, {v.vendor for v in started})
        demo_key = await replace_named_key(stores.tenants, tenant.id, DEMO_KEY_NAME, tuple(Scope))
    finally:
        await registry.aclose()
        await stores.close()
    return Sandbox(settings=settings, vendors=started, tenant_id=tenant.id, demo_key=demo_key)
