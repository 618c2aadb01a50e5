"""TrustCaller in sandbox mode: the simulator on a local port and a demo account in it."""

from __future__ import annotations

import json

from simulators.sandbox import SandboxVendor
from simulators.server import start_in_thread
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app, run_standalone


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> list[SandboxVendor]:
    """Start the simulator in a background thread and make a demo account with live data."""
    config = SimulatorConfig()
    app = create_simulator_app(config)
    account = app.state.simulator.create_account(name="sandbox demo")
    server = start_in_thread(app, host, port)
    digits = account.numbers[0]
    live_call = json.dumps({"number": digits, "caller": "4915112345678"})
    vendor = SandboxVendor(
        vendor="trustcaller",
        base_url=server.url + config.api_prefix,
        control_url=server.url + "/_sim",
        secret={"token": account.token},
        sample_number="+" + account.numbers[0],
        server=server,
        demo_commands=(
            f"curl -s -X POST {server.url}/_sim/live-calls "
            f"-H 'Content-Type: application/json' -d '{live_call}'",
            'curl -s -H "Authorization: Bearer $GW_KEY" '
            f'"{{gateway}}/v1/calls/live?number=%2B{digits}"',
        ),
    )
    return [vendor]


__all__ = ["run_standalone", "start_sandbox"]
