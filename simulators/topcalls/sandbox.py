"""TopCalls in sandbox mode: the simulator on a local port and a demo account in it."""

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
from simulators.topcalls.app import SimulatorConfig, create_simulator_app
from simulators.topcalls.control import seed_demo_account

SANDBOX_CONFIG = SimulatorConfig(queue_seconds=1.0, talk_seconds=8.0, post_processing_seconds=4.0)
"""Calls that finish while a newcomer watches (the vendor's own timings are minutes long)."""

TEST_CONFIG = SimulatorConfig(
    queue_seconds=0.2,
    talk_seconds=0.5,
    post_processing_seconds=0.3,
    rate_limit=1_000_000,
    webhook_retry_delays=(0.05, 0.05, 0.05, 0.05),
)
"""Calls that settle within a second and retries a test can wait for; a rate limit that tests
sharing the simulator never reach (tests of the limit start their own)."""


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


def console_actions(base_urls: dict[str, str]) -> list[ConsoleAction]:
    """Fail and recover."""
    return fault_actions("topcalls", "TopCalls", base_urls["topcalls"].rstrip("/") + "/_sim")


def run_standalone(
    host: str, port: int, announce: Callable[[list[SandboxVendor]], None] | None = None
) -> None:
    """The sandbox's simulator and demo account in the foreground (``gateway sandbox``)."""
    serve_in_foreground(start_sandbox(host, port), announce)


def start_for_tests(host: str = "127.0.0.1") -> StartedSimulator:
    """The simulator on a free port with :data:`TEST_CONFIG`."""
    server = start_in_thread(create_simulator_app(TEST_CONFIG), host)
    return StartedSimulator(server=server, base_urls={"topcalls": server.url})


def new_account(server_url: str, name: str, **options: Any) -> SimulatorAccount:
    """A fresh demo account: a number, minutes, campaigns and call history."""
    body = {"name": name, "demo": True, **options}
    created = httpx.post(f"{server_url}/_sim/accounts", json=body, timeout=5)
    created.raise_for_status()
    details = created.json()
    return SimulatorAccount(secrets={"topcalls": {"api_key": details["api_key"]}}, details=details)


__all__ = [
    "console_actions",
    "new_account",
    "run_standalone",
    "start_for_tests",
    "start_sandbox",
]
