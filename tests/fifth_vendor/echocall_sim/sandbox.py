"""EchoCall in sandbox mode: the simulator on a local port with a demo account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulators.sandbox import (
    SandboxVendor,
    SimulatorAccount,
    StartedSimulator,
    serve_in_foreground,
)
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


def run_standalone(
    host: str, port: int, announce: Callable[[list[SandboxVendor]], None] | None = None
) -> None:
    """The simulator in the foreground."""
    serve_in_foreground(start_sandbox(host, port), announce)


def start_for_tests(host: str = "127.0.0.1") -> StartedSimulator:
    """The simulator on a free port."""
    server = start_in_thread(create_app(), host)
    return StartedSimulator(server=server, base_urls={"echocall": server.url + API})


def new_account(server_url: str, name: str, **options: Any) -> SimulatorAccount:
    """A fresh account with two lines."""
    created = httpx.post(f"{server_url}/_sim/accounts", timeout=5)
    created.raise_for_status()
    details = created.json()
    return SimulatorAccount(secrets={"echocall": {"api_key": details["api_key"]}}, details=details)
