"""The one list of vendors, and the door from the gateway to them.

Adding a vendor is one package under ``adapters/`` (plus its simulator under ``simulators/``)
and one line in :data:`VENDORS`. Settings (``GATEWAY_<VENDOR>_BASE_URL``), sandbox wiring, the
CLI's ``gateway sandbox <vendor>``, the conformance tests and the docs follow from this list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import httpx

from adapters.capabilities import VendorAdapter
from adapters.declaration import VendorDeclaration
from adapters.http import VendorHttpSettings, build_vendor_client
from adapters.topcalls.adapter import TopCallsAdapter
from adapters.topcalls.events import TopCallsWebhooks
from adapters.truecaller.adapter import TruecallerAdapter
from adapters.truecaller.events import TruecallerWebhooks
from adapters.truecaller.profile_adapter import TruecallerProfileAdapter
from adapters.trustcaller.adapter import TrustCallerAdapter
from adapters.vendor_spans import VendorSpans
from adapters.webhooks import WebhookReceiver

P = TypeVar("P")


AdapterFactory = Callable[[httpx.AsyncClient], VendorAdapter]


@dataclass(frozen=True)
class VendorEntry:
    """One registered vendor: its declaration and how to build its adapter."""

    declaration: VendorDeclaration
    factory: AdapterFactory
    """Builds the adapter on the vendor's pooled HTTP client (the adapter class itself)."""
    webhooks: WebhookReceiver | None = None
    """Reads the vendor's webhooks, when it sends any."""

    @property
    def name(self) -> str:
        """The vendor's name."""
        return self.declaration.name


VENDORS: tuple[VendorEntry, ...] = (
    VendorEntry(TrustCallerAdapter.declaration, TrustCallerAdapter),
    VendorEntry(TopCallsAdapter.declaration, TopCallsAdapter, TopCallsWebhooks()),
    VendorEntry(TruecallerAdapter.declaration, TruecallerAdapter, TruecallerWebhooks()),
    VendorEntry(TruecallerProfileAdapter.declaration, TruecallerProfileAdapter),
)
"""Every vendor the gateway serves."""


class AdapterRegistry:
    """The adapters of one process, each on its own pooled HTTP client."""

    def __init__(
        self, adapters: Iterable[VendorAdapter], clients: Iterable[httpx.AsyncClient] = ()
    ) -> None:
        self._adapters: dict[str, VendorAdapter] = {a.declaration.name: a for a in adapters}
        self._clients = list(clients)
        self._supporting: dict[type | tuple[type, ...], dict[str, VendorAdapter]] = {}
        """Per capability, computed once: a protocol check walks every attribute of it."""

    def get(self, vendor: str) -> VendorAdapter | None:
        """The adapter for ``vendor``, if there is one."""
        return self._adapters.get(vendor)

    def all(self) -> list[VendorAdapter]:
        """Every adapter, in the order of registration."""
        return list(self._adapters.values())

    def supporting(self, capability: type[P]) -> dict[str, P]:
        """Adapters implementing ``capability`` (a runtime-checkable protocol), by vendor name
        (the caller must not change the answer: it is shared)."""
        # Each adapter in the answer passed isinstance(adapter, capability).
        return cast(dict[str, P], self._implementing(capability))

    def names_supporting(self, capabilities: type | tuple[type, ...]) -> list[str]:
        """Vendors whose adapter implements ``capabilities`` (any of them, for a tuple), sorted."""
        return list(self._implementing(capabilities))

    def _implementing(self, capabilities: type | tuple[type, ...]) -> dict[str, VendorAdapter]:
        found = self._supporting.get(capabilities)
        if found is None:
            found = self._supporting[capabilities] = {
                name: adapter
                for name, adapter in sorted(self._adapters.items())
                if isinstance(adapter, capabilities)
            }
        return found

    async def aclose(self) -> None:
        """Close every vendor HTTP client."""
        for client in self._clients:
            await client.aclose()


def build_registry(
    http: Mapping[str, VendorHttpSettings],
    spans: VendorSpans | None = None,
    vendors: Sequence[VendorEntry] = VENDORS,
) -> AdapterRegistry:
    """One adapter per vendor of ``vendors`` that has HTTP settings, each with exactly one pooled
    ``httpx.AsyncClient`` (each call in a client span of ``spans``, when given)."""
    clients = {
        vendor.name: build_vendor_client(http[vendor.name], spans=spans)
        for vendor in vendors
        if vendor.name in http
    }
    adapters = [
        vendor.factory(clients[vendor.name]) for vendor in vendors if vendor.name in clients
    ]
    return AdapterRegistry(adapters, clients.values())
