"""EchoCall in sandbox mode: the simulator on a local port with a demo account."""

from __future__ import annotations

import uvicorn

from simulators.sandbox import SandboxVendor
from simulators.server import start_in_thread
from tests.fifth_vendor.echocall_sim.app import API, EchoCallState, create_app


def start_sandbox(host: str = "127.0.0.1", port: int = 0) -> list[SandboxVendor]:
    """The simulator in a background thread, with one account."""
    app = create_app()
    state: EchoCallState = app.state.echocall
    account = state.create_account()
    server = start_in_thread(app, host, port)
    digits = next(iter(account.lines.values()))["digits"]
    return [
        SandboxVendor(
            vendor="echocall",
            base_url=server.url + API,
            control_url=server.url + "/_sim",
            secret={"api_key": account.api_key},
            sample_number="+" + digits,
            server=server,
            demo_commands=(
                'curl -s -H "Authorization: Bearer $GW_KEY" "{gateway}/v1/numbers?vendor=echocall"',
            ),
        )
    ]


def run_standalone(host: str, port: int) -> None:
    """The simulator in the foreground."""
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
