"""Truecaller in sandbox mode: the simulator on a local port and a demo client account in it.

One simulator serves two vendors: Truecaller for Business (a demo account with dynamic labels, a
published feature set with one listed number, Call-Me-Back requests and a feedback answer) and
the profile flow, whose endpoint origin the gateway must allow.
"""

from __future__ import annotations

from simulators.sandbox import SandboxVendor
from simulators.server import start_in_thread
from simulators.truecaller.app import SimulatorConfig, create_simulator_app, run_standalone
from simulators.truecaller.state import SimulatorState

VENDOR = "truecaller"
PROFILE_VENDOR = "truecaller_profile"
SANDBOX_APP = {"partner_key": "sandbox-partner-key", "partner_name": "Sandbox Demo"}


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


__all__ = ["run_standalone", "start_sandbox"]
