"""TrustCaller in sandbox mode: the simulator on a local port and a demo account in it."""

from __future__ import annotations

import json
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
from simulators.trustcaller.app import SimulatorConfig, create_simulator_app


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


def console_actions(base_urls: dict[str, str]) -> list[ConsoleAction]:
    """Fail and recover; a live call arriving on one of an account's numbers."""
    base = base_urls["trustcaller"]
    control = base.removesuffix(SimulatorConfig().api_prefix) + "/_sim"
    live_call = ConsoleAction(
        vendor="trustcaller",
        name="live-call",
        label="Place a live call",
        description="An answered call starts on one of the account's numbers (digits, no +); "
        "GET /v1/calls/live?number=... then sees it.",
        method="POST",
        url=control + "/live-calls",
        body={"number": "{number}", "caller": "4915112345678", "answered": True},
        fields=("number",),
    )
    return [live_call, *fault_actions("trustcaller", "TrustCaller", control)]


def run_standalone(
    host: str, port: int, announce: Callable[[list[SandboxVendor]], None] | None = None
) -> None:
    """The sandbox's simulator and demo account in the foreground (``gateway sandbox``)."""
    serve_in_foreground(start_sandbox(host, port), announce)


def start_for_tests(host: str = "127.0.0.1") -> StartedSimulator:
    """The simulator on a free port with the vendor's own limits (it has no slow timings)."""
    config = SimulatorConfig()
    server = start_in_thread(create_simulator_app(config), host)
    return StartedSimulator(
        server=server, base_urls={"trustcaller": server.url + config.api_prefix}
    )


def new_account(server_url: str, name: str, **options: Any) -> SimulatorAccount:
    """A fresh account (``options`` as ``POST /_sim/accounts`` takes them: numbers, limits...)."""
    created = httpx.post(f"{server_url}/_sim/accounts", json={"name": name, **options}, timeout=5)
    created.raise_for_status()
    details = created.json()
    return SimulatorAccount(secrets={"trustcaller": {"token": details["token"]}}, details=details)


__all__ = [
    "console_actions",
    "new_account",
    "run_standalone",
    "start_for_tests",
    "start_sandbox",
]
