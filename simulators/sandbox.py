"""What a vendor simulator started for sandbox mode hands to the gateway.

Every ``simulators/<vendor>/sandbox.py`` module has the same two functions, which the gateway
calls through the module named in the vendor's declaration:

- ``start_sandbox(host) -> list[SandboxVendor]``: the simulator on a free local port, in a
  background thread, with a demo account (one simulator may serve several vendors);
- ``run_standalone(host, port, announce=None) -> None``: the same in the foreground until
  SIGINT or SIGTERM (``gateway sandbox``); ``announce`` is handed what started, to print how to
  use it (:func:`describe` when None).

one that the console's sandbox panel uses (optional; a simulator without it offers none):

- ``console_actions(base_urls) -> list[ConsoleAction]``: what a person can make the simulator
  do from the console (fail, recover, a live call, a verification played), given the base URL
  of each vendor it serves as the gateway is configured;

and two more that the test suite's fixtures use, so a registered vendor is tested without its
name being written in them:

- ``start_for_tests(host) -> StartedSimulator``: the simulator with its timings compressed;
- ``new_account(server_url, name, **options) -> SimulatorAccount``: a fresh account on a running
  simulator, with a working secret for each vendor it serves.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulators.server import RunningServer


@dataclass(frozen=True)
class SandboxVendor:
    """A vendor simulator started for sandbox mode, with a credential that works against it."""

    vendor: str
    base_url: str
    control_url: str
    secret: dict[str, str] = field(repr=False)
    sample_number: str
    server: RunningServer = field(repr=False)
    demo_commands: tuple[str, ...] = ()
    """Shell lines to try this vendor through the gateway; ``{gateway}`` is the gateway's URL and
    ``$GW_KEY`` the demo tenant's key."""
    verification_origin: str | None = None
    """An origin the gateway must allow as a verification profile endpoint (the simulator's)."""


@dataclass(frozen=True)
class StartedSimulator:
    """A simulator running for tests: where each vendor it serves is reached."""

    server: RunningServer = field(repr=False)
    base_urls: dict[str, str]
    """The vendor's base URL (``GATEWAY_<VENDOR>_BASE_URL``), by vendor name."""
    verification_origin: str | None = None
    """An origin the gateway must allow as a verification profile endpoint, if any."""


@dataclass(frozen=True)
class SimulatorAccount:
    """A fresh account on a simulator: a working secret per vendor, and the simulator's own
    answer (its numbers, ids and keys, for tests that speak to the simulator directly)."""

    secrets: dict[str, dict[str, str]] = field(repr=False)
    details: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class ConsoleAction:
    """One thing the console's sandbox panel can make a simulator do: a JSON request to its
    control surface. In ``body`` strings, ``{gateway}`` becomes the gateway's URL and each
    ``{field}`` of ``fields`` what the person typed."""

    vendor: str
    name: str
    label: str
    description: str
    method: str
    url: str
    body: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()


def fault_actions(vendor: str, display: str, control_url: str) -> list[ConsoleAction]:
    """Make every call to the simulator's vendor API fail with a 503, and stop doing so."""
    return [
        ConsoleAction(
            vendor=vendor,
            name="fail",
            label=f"Make {display} fail",
            description="Every vendor API call answers 503 until recovered: watch the "
            "gateway retry, open the credential's breaker and report the error.",
            method="POST",
            url=control_url + "/faults",
            body={"status": 503},
        ),
        ConsoleAction(
            vendor=vendor,
            name="recover",
            label=f"Let {display} recover",
            description="Clear every injected fault.",
            method="DELETE",
            url=control_url + "/faults",
        ),
    ]


def describe(vendors: list[SandboxVendor]) -> None:
    """Print where each vendor is served and its demo credential."""
    for vendor in vendors:
        print(f"{vendor.vendor} simulator: {vendor.base_url}  (control: {vendor.control_url})")
        print(f"  credential: {json.dumps(vendor.secret)}", flush=True)


def serve_in_foreground(
    vendors: list[SandboxVendor], announce: Callable[[list[SandboxVendor]], None] | None = None
) -> None:
    """Announce ``vendors`` (started by a ``start_sandbox``) and serve until SIGINT or SIGTERM."""
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        (announce or describe)(vendors)
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for server in {id(v.server): v.server for v in vendors}.values():
            server.stop()
