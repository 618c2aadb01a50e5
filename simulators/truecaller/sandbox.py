"""Truecaller in sandbox mode: the simulator on a local port and a demo client account in it.

One simulator serves two vendors: Truecaller for Business (a demo account with dynamic labels, a
published feature set with one listed number, Call-Me-Back requests and a feedback answer) and
the profile flow, whose endpoint origin the gateway must allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulators.sandbox import (
    ConsoleAction,
    SandboxVendor,
    SimulatorAccount,
    StartedSimulator,
    fault_actions,
    serve_in_foreground,
)
from simulators.server import start_in_thread
from simulators.truecaller.app import SimulatorConfig, create_simulator_app
from simulators.truecaller.state import SimulatorState

VENDOR = "truecaller"
PROFILE_VENDOR = "truecaller_profile"
SANDBOX_APP = {"partner_key": "sandbox-partner-key", "partner_name": "Sandbox Demo"}
TEST_CONFIG = SimulatorConfig(
    number_processing_seconds=0.3,
    batch_processing_seconds=0.3,
    callback_retry_delays_seconds=(0.05, 0.05, 0.05),
)
"""Listings and batches that settle, and callbacks retried, within a second."""


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> list[SandboxVendor]:
    """Start the simulator in a background thread with a demo account, as both vendors."""
    config = SimulatorConfig()
    app = create_simulator_app(config)
    state: SimulatorState = app.state.simulator
    demo = state.seed_demo()
    server = start_in_thread(app, host, port)
    control = server.url + "/_sim"
    approve = (
        '{"callback_url": "{gateway}/v1/verifications/truecaller_profile/callback", '
        '"request_id": "\'$REQUEST_ID\'", "outcome": "approve"}'
    )
    business = SandboxVendor(
        vendor=VENDOR,
        base_url=server.url,
        control_url=control,
        secret={
            "client_account_id": demo.created.account.id,
            "key_id": demo.created.key.key_id,
            "api_key": demo.created.key.api_key,
        },
        sample_number="+" + demo.listed_number,
        server=server,
        demo_commands=(
            'curl -s -H "Authorization: Bearer $GW_KEY" {gateway}/v1/caller-id/feature-sets',
            'curl -s -H "Authorization: Bearer $GW_KEY" {gateway}/v1/caller-id/labels',
        ),
    )
    profile = SandboxVendor(
        vendor=PROFILE_VENDOR,
        base_url=server.url,
        control_url=control,
        secret=dict(SANDBOX_APP),
        sample_number="+" + demo.listed_number,
        server=server,
        demo_commands=(
            'REQUEST_ID=$(curl -s -X POST -H "Authorization: Bearer $GW_KEY" '
            "-H 'Content-Type: application/json' -d '{}' {gateway}/v1/verifications "
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"request_id\"])')",
            f"curl -s -X POST {control}/verifications -H 'Content-Type: application/json' "
            f"-d '{approve}'",
            'curl -s -H "Authorization: Bearer $GW_KEY" {gateway}/v1/verifications/$REQUEST_ID',
        ),
        verification_origin=server.url,
    )
    return [business, profile]


def console_actions(base_urls: dict[str, str]) -> list[ConsoleAction]:
    """Fail and recover; the user of a verification approving it on their phone."""
    root = base_urls.get(VENDOR) or base_urls[PROFILE_VENDOR]
    control = root.rstrip("/") + "/_sim"
    play = ConsoleAction(
        vendor=PROFILE_VENDOR,
        name="play-verification",
        label="Play a verification",
        description="The user approves the verification with this request_id (start one with "
        "POST /v1/verifications); the simulator calls the gateway back, and "
        "GET /v1/verifications/{request_id} then holds the profile.",
        method="POST",
        url=control + "/verifications",
        body={
            "callback_url": "{gateway}/v1/verifications/truecaller_profile/callback",
            "request_id": "{request_id}",
            "outcome": "approve",
        },
        fields=("request_id",),
    )
    return [play, *fault_actions(VENDOR, "Truecaller", control)]


def run_standalone(
    host: str, port: int, announce: Callable[[list[SandboxVendor]], None] | None = None
) -> None:
    """The sandbox's simulator and demo account in the foreground (``gateway sandbox``)."""
    serve_in_foreground(start_sandbox(host, port), announce)


def start_for_tests(host: str = "127.0.0.1") -> StartedSimulator:
    """The simulator on a free port with :data:`TEST_CONFIG`, serving both vendors."""
    server = start_in_thread(create_simulator_app(TEST_CONFIG), host)
    return StartedSimulator(
        server=server,
        base_urls={VENDOR: server.url, PROFILE_VENDOR: server.url},
        verification_origin=server.url,
    )


def new_account(server_url: str, name: str, **options: Any) -> SimulatorAccount:
    """A fresh client account with one key; the profile flow's partner app named after it (the
    profile flow has no account on the vendor side: any partner key is accepted)."""
    created = httpx.post(f"{server_url}/_sim/accounts", json={"name": name, **options}, timeout=5)
    created.raise_for_status()
    details = created.json()
    business = {k: details[k] for k in ("client_account_id", "key_id", "api_key")}
    profile = {"partner_key": f"pk-{details['client_account_id']}", "partner_name": name}
    return SimulatorAccount(secrets={VENDOR: business, PROFILE_VENDOR: profile}, details=details)


__all__ = [
    "console_actions",
    "new_account",
    "run_standalone",
    "start_for_tests",
    "start_sandbox",
]
