"""TopCalls in sandbox mode: the simulator on a local port and a demo account in it."""

from __future__ import annotations

from simulators.sandbox import SandboxVendor
from simulators.server import start_in_thread
from simulators.topcalls.app import SimulatorConfig, create_simulator_app, run_standalone
from simulators.topcalls.control import seed_demo_account

SANDBOX_CONFIG = SimulatorConfig(queue_seconds=1.0, talk_seconds=8.0, post_processing_seconds=4.0)
"""Calls that finish while a newcomer watches (the vendor's own timings are minutes long)."""


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> list[SandboxVendor]:
    """Start the simulator in a background thread with a demo account (number, minutes,
    campaigns, call history). The base URL is the server root: clients call ``/v1/...``."""
    app = create_simulator_app(SANDBOX_CONFIG)
    account = seed_demo_account(app.state.simulator)
    server = start_in_thread(app, host, port)
    place = (
        'CALL_ID=$(curl -s -X POST -H "Authorization: Bearer $GW_KEY" '
        "-H 'Content-Type: application/json' -H 'Idempotency-Key: sandbox-first-call' "
        '-d \'{"to_number": "+14155551234", "task": "Confirm the appointment tomorrow at 3 PM"}\' '
        "{gateway}/v1/calls | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id\"])')"
    )
    vendor = SandboxVendor(
        vendor="topcalls",
        base_url=server.url,
        control_url=server.url + "/_sim",
        secret={"api_key": account.api_key},
        sample_number=account.numbers[0],
        server=server,
        demo_commands=(
            place,
            'curl -s -H "Authorization: Bearer $GW_KEY" {gateway}/v1/calls/$CALL_ID   '
            "# again after ~15 s: completed, with transcript and summary",
            'curl -s -H "Authorization: Bearer $GW_KEY" {gateway}/v1/balance',
        ),
    )
    return [vendor]


__all__ = ["run_standalone", "start_sandbox"]
