"""The only door from the gateway to vendor packages: which adapters exist and what they can do."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
from opentelemetry.sdk.trace import TracerProvider

from adapters.base import SandboxVendor, VendorAdapter
from adapters.http import build_vendor_client
from adapters.topcalls.adapter import TopCallsAdapter
from adapters.truecaller.adapter import TruecallerAdapter
from adapters.truecaller.profile_adapter import TruecallerProfileAdapter
from adapters.trustcaller.adapter import TrustCallerAdapter
from gateway.settings import Settings

C = TypeVar("C")


class AdapterRegistry:
    """The adapters of one process, each on its own pooled HTTP client."""

    def __init__(self, adapters: Iterable[Any], clients: Iterable[httpx.AsyncClient] = ()) -> None:
        self._adapters: dict[str, VendorAdapter] = {a.declaration.name: a for a in adapters}
        self._clients = list(clients)

    def get(self, vendor: str) -> VendorAdapter | None:
        """The adapter for ``vendor``, if there is one."""
        return self._adapters.get(vendor)

    def supporting(self, capability: type[C]) -> dict[str, C]:
        """Adapters implementing ``capability`` (a runtime-checkable protocol), by vendor name."""
        return {
            name: adapter  # type: ignore[misc]
            for name, adapter in sorted(self._adapters.items())
            if isinstance(adapter, capability)
        }

    async def aclose(self) -> None:
        """Close every vendor HTTP client."""
        for client in self._clients:
            await client.aclose()


def start_sandbox_vendors(host: str = "127.0.0.1") -> list[SandboxVendor]:
    """Every vendor simulator on a free local port, each with a demo account."""
    from adapters.topcalls import sandbox as topcalls_sandbox  # simulators load on demand
    from adapters.truecaller import sandbox as truecaller_sandbox
    from adapters.trustcaller import sandbox as trustcaller_sandbox

    return [
        trustcaller_sandbox.start_sandbox(host),
        topcalls_sandbox.start_sandbox(host),
        *truecaller_sandbox.start_sandbox(host),
    ]


def run_simulator(vendor: str, host: str, port: int) -> None:
    """Serve one vendor's simulator in the foreground (``gateway sandbox <vendor>``)."""
    from adapters.topcalls import simulator as topcalls_simulator
    from adapters.truecaller import simulator as truecaller_simulator
    from adapters.trustcaller import simulator as trustcaller_simulator

    simulators = {
        "trustcaller": trustcaller_simulator.run_standalone,
        "topcalls": topcalls_simulator.run_standalone,
        "truecaller": truecaller_simulator.run_standalone,
    }
    if vendor not in simulators:
        raise ValueError(f"no simulator for {vendor!r}; choose from {', '.join(simulators)}")
    simulators[vendor](host, port)


ADAPTERS: dict[str, Callable[[httpx.AsyncClient], Any]] = {
    "trustcaller": TrustCallerAdapter,
    "topcalls": TopCallsAdapter,
    "truecaller": TruecallerAdapter,
    "truecaller_profile": TruecallerProfileAdapter,
}
"""Every adapter, by vendor name."""


def build_registry(
    settings: Settings, tracer_provider: TracerProvider | None = None
) -> AdapterRegistry:
    """One adapter per vendor with settings, each with exactly one pooled ``httpx.AsyncClient``.

    A vendor missing from ``settings.vendors`` is not served (settings from the environment
    always name every vendor).
    """
    clients = {
        name: build_vendor_client(settings.vendors[name], tracer_provider=tracer_provider)
        for name in ADAPTERS
        if name in settings.vendors
    }
    return AdapterRegistry(
        [ADAPTERS[name](client) for name, client in clients.items()], clients.values()
    )
