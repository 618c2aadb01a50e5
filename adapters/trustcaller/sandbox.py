"""TrustCaller in sandbox mode: the simulator on a local port and a demo account in it."""

from __future__ import annotations

from adapters.base import SandboxVendor
from adapters.sim_server import start_in_thread
from adapters.trustcaller.simulator import SimulatorConfig, create_simulator_app


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> SandboxVendor:
    """Start the simulator in a background thread and make a demo account with live data."""
    config = SimulatorConfig()
    app = create_simulator_app(config)
    account = app.state.simulator.create_account(name="sandbox demo")
    server = start_in_thread(app, host, port)
    return SandboxVendor(
        vendor="trustcaller",
        base_url=server.url + config.api_prefix,
        control_url=server.url + "/_sim",
        secret={"token": account.token},
        sample_number="+" + account.numbers[0],
        server=server,
    )
