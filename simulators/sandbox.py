"""What a vendor simulator started for sandbox mode hands to the gateway.

Every ``simulators/<vendor>/sandbox.py`` module has the same two functions, which the gateway
calls through the module named in the vendor's declaration:

- ``start_sandbox(host) -> list[SandboxVendor]``: the simulator on a free local port, in a
  background thread, with a demo account (one simulator may serve several vendors);
- ``run_standalone(host, port) -> None``: the simulator in the foreground (``gateway sandbox``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
