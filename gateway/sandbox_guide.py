"""What the sandbox prints: keys, commands to try, and how to onboard a tenant of one's own.

Every command is ready to paste into a POSIX shell: the gateway's URL is written out, and only
``$ADMIN_KEY`` (an operator key), ``$TENANT`` and ``$GW_KEY`` (set by the commands before) are
left to the shell. The credentials printed are the simulators' demo accounts, never a real
vendor's.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence

from adapters.registry import VENDORS, VendorEntry
from gateway.auth.keys import Scope
from gateway.sandbox import Sandbox, SandboxVendor

END_OF_GUIDE = "Serving until interrupted (Ctrl-C)."
"""The last line ``gateway sandbox`` prints before it serves."""


def _pick(field: str) -> str:
    return f"python3 -c 'import json,sys; print(json.load(sys.stdin)[\"{field}\"])'"


def _admin_post(path: str, body: object) -> str:
    return (
        'curl -s -X POST -H "Authorization: Bearer $ADMIN_KEY" '
        f"-H 'Content-Type: application/json' -d {shlex.quote(json.dumps(body))} {path}"
    )


def store_credential_command(vendor: SandboxVendor, gateway_url: str) -> str:
    """The ``PUT`` that stores ``vendor``'s demo credential for the tenant in ``$TENANT``."""
    body = shlex.quote(json.dumps({"secret": vendor.secret}))
    return (
        'curl -s -X PUT -H "Authorization: Bearer $ADMIN_KEY" '
        f"-H 'Content-Type: application/json' -d {body} "
        f"{gateway_url}/v1/admin/tenants/$TENANT/credentials/{vendor.vendor}"
    )


def onboarding(vendors: Sequence[SandboxVendor], gateway_url: str) -> list[str]:
    """Create a tenant, mint it a key with every scope, store each vendor's credential."""
    tenants = f"{gateway_url}/v1/admin/tenants"
    key = {"name": "first key", "scopes": [scope.value for scope in Scope]}
    return [
        f"TENANT=$({_admin_post(tenants, {'name': 'acme'})} | {_pick('id')})",
        f"GW_KEY=$({_admin_post(tenants + '/$TENANT/keys', key)} | {_pick('key')})",
        *(store_credential_command(vendor, gateway_url) for vendor in vendors),
    ]


def _try(vendors: Sequence[SandboxVendor], gateway_url: str) -> list[str]:
    return [
        command.replace("{gateway}", gateway_url)
        for vendor in vendors
        for command in vendor.demo_commands
    ]


def _places_a_call(command: str) -> bool:
    return "-X POST" in command and "{gateway}/v1/calls " in command


def listen_loop(sandbox: Sandbox, base_url: str) -> list[str]:
    """The two-terminal loop: ``gateway listen`` in one, a call placed in the other, its
    ``call.*`` events arriving at the first. Empty when no simulator places calls."""
    places = [
        command.replace("{gateway}", base_url)
        for vendor in sandbox.vendors
        for command in vendor.demo_commands
        if _places_a_call(command)
    ][:1]
    if not places:
        return []
    policies = sandbox.settings.policies
    local = policies.webhook_allow_http and any(
        network.startswith("127.") for network in policies.webhook_allowed_networks
    )
    lines = [
        "Watch events arrive, the whole loop on this machine (two terminals, GW_KEY exported "
        "in both):",
        f"  gateway listen --gateway {base_url}   # reads the key from GW_KEY",
        *_indented(places),
        "  # the listener prints call.queued, call.started, then call.completed (in ~15 s)",
    ]
    if not local:
        lines.append(
            "  # (this gateway refuses http to loopback: GATEWAY_WEBHOOK_ALLOW_HTTP and "
            "GATEWAY_WEBHOOK_ALLOWED_NETWORKS are set)"
        )
    return [*lines, ""]


def _indented(lines: Sequence[str]) -> list[str]:
    return ["  " + line for line in lines]


def instructions(sandbox: Sandbox, base_url: str, operator_key: str | None) -> str:
    """What ``serve --sandbox`` prints: the keys (shown once), commands to try as the demo
    tenant, then how to onboard another tenant against the same simulators."""
    lines = ["", "Sandbox mode: vendor simulators are running; nothing reaches a real vendor.", ""]
    if operator_key:
        lines += [f"  operator (admin) key, shown once:  {operator_key}"]
    lines += [
        f"  web console:      {base_url}/console/  (sign in with the operator key or the demo "
        "tenant key)",
        f"  demo tenant:      {sandbox.tenant_id}",
        f"  demo tenant key:  {sandbox.demo_key}",
        f"  data directory:   {sandbox.settings.stores.data_dir}",
    ]
    lines += [
        f"  {v.vendor} simulator: {v.base_url}  (control: {v.control_url})" for v in sandbox.vendors
    ]
    lines += [
        "",
        "Try:",
        f"  export GW_KEY={sandbox.demo_key}",
        f'  curl -s -H "Authorization: Bearer $GW_KEY" {base_url}/v1/numbers',
        *_indented(_try(sandbox.vendors, base_url)),
        "",
        *listen_loop(sandbox, base_url),
        "Onboard a tenant of your own against these simulators "
        + (
            "(export ADMIN_KEY=<the operator key above>):"
            if operator_key
            else "(export ADMIN_KEY=<your GATEWAY_ADMIN_KEY>):"
        ),
        *_indented(onboarding(sandbox.vendors, base_url)),
        "  # the commands under Try now work with this GW_KEY",
        "",
    ]
    return "\n".join(lines)


def standalone(
    vendors: Sequence[SandboxVendor], gateway_url: str, entries: Sequence[VendorEntry] = VENDORS
) -> str:
    """What ``gateway sandbox <vendor>`` prints: where each vendor it serves is, the settings
    that point a gateway at it, and a tenant's onboarding and first calls on that gateway."""
    prefixes = {entry.name: entry.declaration.settings_prefix for entry in entries}
    lines = [f"{v.vendor} simulator: {v.base_url}  (control: {v.control_url})" for v in vendors]
    lines += ["", "Point a gateway at it (set these where it starts):"]
    lines += [f"  export {prefixes[v.vendor]}BASE_URL={v.base_url}" for v in vendors]
    origins = [v.verification_origin for v in vendors if v.verification_origin]
    if origins:
        lines.append(f"  export GATEWAY_VERIFICATION_ENDPOINTS={','.join(origins)}")
    lines += [
        "",
        f"Onboard a tenant on that gateway at {gateway_url} (export ADMIN_KEY=<its operator key>):",
        *_indented(onboarding(vendors, gateway_url)),
        "",
        "Then, as that tenant:",
        *_indented(_try(vendors, gateway_url)),
        "",
        END_OF_GUIDE,
    ]
    return "\n".join(lines)
