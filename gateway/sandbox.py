"""Sandbox mode: vendor simulators alongside the gateway and a demo tenant wired to them."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.base import SandboxVendor
from adapters.registry import build_registry, start_sandbox_vendors
from gateway.auth.keys import Scope
from gateway.bootstrap import ensure_tenant, replace_named_key
from gateway.credentials import store_credential
from gateway.services import open_stores
from gateway.settings import Settings
from policies.vault import Keyring, generate_key_spec

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


async def start_sandbox(settings: Settings, data_dir_was_set: bool) -> Sandbox:
    """Start every simulator, point the gateway at them, and store the demo credentials."""
    if not data_dir_was_set:
        settings = settings.replace(data_dir=Path(tempfile.mkdtemp(prefix="gateway-sandbox-")))
    if settings.vault_keys is None:
        settings = settings.replace(vault_keys=_sandbox_keyring(settings.data_dir))
    vendors = start_sandbox_vendors()
    for vendor in vendors:
        settings = settings.with_vendor_base_url(vendor.vendor, vendor.base_url)
        if vendor.verification_origin is not None:
            settings = settings.replace(
                verification_endpoints=(
                    *settings.verification_endpoints,
                    vendor.verification_origin,
                )
            )
    tenants, vault = open_stores(settings)
    registry = build_registry(settings)
    try:
        tenant = await ensure_tenant(tenants, DEMO_TENANT)
        for vendor in vendors:
            await store_credential(registry, vault, tenant.id, vendor.vendor, vendor.secret)
        demo_key = await replace_named_key(
            tenants,
            tenant.id,
            DEMO_KEY_NAME,
            tuple(Scope),
        )
    finally:
        await registry.aclose()
        await vault.close()
        await tenants.close()
    return Sandbox(settings=settings, vendors=vendors, tenant_id=tenant.id, demo_key=demo_key)


def instructions(sandbox: Sandbox, base_url: str, operator_key: str | None) -> str:
    """What to print on start: the keys (shown once) and a first curl command."""
    lines = ["", "Sandbox mode: vendor simulators are running; nothing reaches a real vendor.", ""]
    if operator_key:
        lines += [f"  operator (admin) key, shown once:  {operator_key}"]
    lines += [
        f"  demo tenant:      {sandbox.tenant_id}",
        f"  demo tenant key:  {sandbox.demo_key}",
        f"  data directory:   {sandbox.settings.data_dir}",
    ]
    lines += [
        f"  {v.vendor} simulator: {v.base_url}  (control: {v.control_url})" for v in sandbox.vendors
    ]
    lines += [
        "",
        "Try:",
        f"  export GW_KEY={sandbox.demo_key}",
        f'  curl -s -H "Authorization: Bearer $GW_KEY" {base_url}/v1/numbers',
    ]
    for vendor in sandbox.vendors:
        lines += ["  " + command.replace("{gateway}", base_url) for command in vendor.demo_commands]
    lines.append("")
    return "\n".join(lines)
