"""TopCalls in sandbox mode: the simulator on a local port and a demo account in it."""

from __future__ import annotations

from adapters.base import SandboxVendor
from adapters.sim_server import start_in_thread
from adapters.topcalls.simulator import SimulatorConfig, create_simulator_app
from adapters.topcalls.simulator_control import seed_demo_account


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> SandboxVendor:
    """Start the simulator in a background thread with a demo account (number, minutes,
    campaigns, call history). The base URL is the server root: clients call ``/v1/...``."""
    app = create_simulator_app(SimulatorConfig())
    account = seed_demo_account(app.state.simulator)
    server = start_in_thread(app, host, port)
    return SandboxVendor(
        vendor="topcalls",
        base_url=server.url,
        control_url=server.url + "/_sim",
        secret={"api_key": account.api_key},
        sample_number=account.numbers[0],
        server=server,
    )
