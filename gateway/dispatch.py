"""From a tenant's request to the adapters that serve it: routing, fan-out and pagination.

Binding a vendor reads nothing: the pipeline opens the credential only when the cache cannot
answer. Lists ask every configured vendor concurrently and merge their items in a stable order
behind one opaque cursor. A vendor that fails while another can answer is reported in
``errors``; when the consumer asked for that one vendor, or no vendor could answer, the (first)
vendor error is the response, so a 429 keeps its ``Retry-After`` and a client can retry the same
cursor. Every answer carries its facts (cache state, rate information), merged deterministically.
"""

from __future__ import annotations

import asyncio
import functools
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from adapters.capabilities import VendorPage
from adapters.declaration import Op
from adapters.registry import AdapterRegistry
from contract.cursor import Cursor, VendorPosition, decode_cursor, encode_cursor
from contract.errors import (
    FieldError,
    GatewayError,
    NotFound,
    NotSupportedByVendor,
    ValidationFailed,
    VendorNotConfigured,
)
from contract.schema import VendorIssue
from gateway.credentials import VaultCredentials
from gateway.outcome import Facts, Outcome, merge_facts
from gateway.pipeline import CacheUse, Held, VendorCall, VendorPipeline
from gateway.request_context import current_request_id

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

T = TypeVar("T")
A = TypeVar("A")
Item = TypeVar("Item")


@dataclass(frozen=True)
class Bound(Generic[A]):
    """A vendor's adapter, seen through one capability, for one tenant."""

    vendor: str
    adapter: A
    tenant_id: str


@dataclass(frozen=True)
class Listing(Generic[Item]):
    """A merged page ready to be wrapped in the route's page type."""

    items: list[Item]
    next_cursor: str | None
    errors: list[VendorIssue]
    facts: Facts


@dataclass(frozen=True)
class Gathered(Generic[T]):
    """Every configured vendor's answer to one question, and the vendors that failed.

    Answers from the cache are decoded only when :attr:`values` is first read, so a route that
    has the encoded answer for these :attr:`sources` already need not decode them at all.
    """

    read_values: Callable[[], list[T]]
    errors: list[VendorIssue]
    facts: Facts
    sources: tuple[bytes, ...] | None
    """The cached encodings of every vendor's answer, in vendor order, when every configured
    vendor answered from the cache (fresh, just loaded or stale); ``None`` otherwise. Equal
    sources make equal values."""

    @functools.cached_property
    def values(self) -> list[T]:
        """Every answer (decoded now if it came from the cache)."""
        return self.read_values()


Capabilities = type | tuple[type, ...]
"""One capability protocol, or several of which a vendor needs any."""
Invoke = Callable[[A, object], Awaitable[T]]
"""Calls a capability of an adapter with the credential the pipeline hands it."""


class VendorDispatcher:
    """Finds adapters for a tenant, runs their calls through the pipeline, pages across vendors."""

    def __init__(
        self, registry: AdapterRegistry, credentials: VaultCredentials, pipeline: VendorPipeline
    ) -> None:
        self._registry = registry
        self._credentials = credentials
        self._pipeline = pipeline

    def bind(self, tenant_id: str, vendor: str, capability: type[A]) -> Bound[A]:
        """The vendor's adapter with ``capability`` for this tenant (404 otherwise)."""
        return Bound(vendor, self.adapter(vendor, capability), tenant_id)

    def adapter(self, vendor: str, capability: type[A]) -> A:
        """The adapter of ``vendor`` if it has ``capability`` (404 otherwise)."""
        adapter = self._registry.supporting(capability).get(vendor)
        if adapter is None:
            raise NotFound(f"unknown vendor '{vendor}'")
        return adapter

    async def credential(self, bound: Bound[A]) -> object:
        """The tenant's credential for a local use that calls no vendor (a deep link)."""
        vendor = self._registry.get(bound.vendor)
        if vendor is None:
            raise NotFound(f"unknown vendor '{bound.vendor}'")
        held: Held = await self._credentials.hold(bound.tenant_id, vendor)
        return held.credential

    async def call(
        self,
        bound: Bound[A],
        op: Op,
        invoke: Invoke[A, T],
        cache: CacheUse[T] | None = None,
    ) -> Outcome[T]:
        """One vendor operation through the pipeline (answered from the cache when ``cache`` is
        given and the operation declares a TTL)."""
        vendor = self._registry.get(bound.vendor)
        if vendor is None:
            raise NotFound(f"unknown vendor '{bound.vendor}'")
        adapter = bound.adapter
        return await self._pipeline.run(
            VendorCall(
                adapter=vendor,
                op=op,
                tenant_id=bound.tenant_id,
                invoke=lambda credential: invoke(adapter, credential),
                cache=cache,
            )
        )

    async def configured_vendors(
        self, tenant_id: str, capability: Capabilities, vendor_filter: str | None
    ) -> list[str]:
        """Vendors able to serve ``capability`` for this tenant, or the one it asked for."""
        capable = self._registry.names_supporting(capability)
        if vendor_filter is not None:
            if vendor_filter not in capable:
                raise ValidationFailed(
                    f"vendor '{vendor_filter}' does not serve this resource",
                    errors=[
                        FieldError(field="query.vendor", message=self._capable_list(capability))
                    ],
                )
            return [vendor_filter]
        stored = await self._credentials.vendors(tenant_id)
        return [vendor for vendor in capable if vendor in stored]

    def locate(
        self, opaque_id: str, capabilities: Capabilities, unsupported: str | None = None
    ) -> tuple[str, str]:
        """The vendor and native id behind an opaque id (``vendor:native``) whose vendor has
        ``capabilities``; 404 for ids we never issued.

        ``unsupported`` says what cannot be done when a known vendor lacks ``capabilities``
        (``"calls cannot be stopped"``): the answer is then a 409 naming the vendor, not a 404.
        """
        vendor, sep, native = opaque_id.partition(":")
        if not sep or not native:
            raise NotFound(f"no object with id '{opaque_id}'")
        if vendor not in self._registry.names_supporting(capabilities):
            known = self._registry.get(vendor)
            if known is None or unsupported is None:
                raise NotFound(f"no object with id '{opaque_id}'")
            raise NotSupportedByVendor(
                f"{known.declaration.display_name} {unsupported} (the vendor offers no way to)",
                vendor=vendor,
            )
        return vendor, native

    def bind_by_id(
        self,
        tenant_id: str,
        opaque_id: str,
        capability: type[A],
        unsupported: str | None = None,
    ) -> tuple[Bound[A], str]:
        """Route an opaque id (``vendor:native``) to its adapter; 404 for ids we never issued,
        409 when its vendor cannot do what ``unsupported`` says (see :meth:`locate`)."""
        vendor, native = self.locate(opaque_id, capability, unsupported)
        return self.bind(tenant_id, vendor, capability), native

    async def paginate(
        self,
        tenant_id: str,
        capability: type[A],
        vendor_filter: str | None,
        filters: str,
        limit: int,
        raw_cursor: str | None,
        op: Op,
        fetch: Callable[[A, object, str | None, int], Awaitable[VendorPage[Item]]],
        order: Callable[[Item], SupportsRichComparison],
    ) -> Listing[Item]:
        """One merged page across the tenant's vendors, asked concurrently.

        Each vendor's items arrive in its own order; the page takes the smallest ``order`` key
        among the vendors' next items, one at a time, so the merge is stable and never skips or
        repeats an item. It stops early rather than guess when a vendor's fetched page runs out
        while that vendor has more. A vendor that fails keeps its position in the cursor, so its
        items come on a later page instead of being lost.
        """
        vendors = await self.configured_vendors(tenant_id, capability, vendor_filter)
        if raw_cursor is None:
            positions = {vendor: VendorPosition() for vendor in vendors}
        else:
            cursor = decode_cursor(raw_cursor, filters)
            limit = cursor.limit
            positions = {v: p for v, p in cursor.positions.items() if v in vendors}
        names = [vendor for vendor in vendors if vendor in positions]
        outcomes = await self._ask_each(
            tenant_id,
            names,
            capability,
            lambda bound: self.call(
                bound,
                op,
                lambda adapter, credential: fetch(
                    adapter, credential, positions[bound.vendor].token, limit
                ),
            ),
        )
        failures, errors = _failures(names, outcomes)
        if failures and vendor_filter is not None:
            raise failures[0]
        answered = {
            vendor: outcome
            for vendor, outcome in zip(names, outcomes, strict=True)
            if not isinstance(outcome, GatewayError)
        }
        if failures and not answered:
            raise failures[0]
        pages = {vendor: outcome.value for vendor, outcome in answered.items()}
        buffers = {
            vendor: deque(page.items[positions[vendor].skip :]) for vendor, page in pages.items()
        }
        taken = _merge(buffers, pages, limit, order)
        next_positions: dict[str, VendorPosition] = {}
        for vendor in names:
            position = positions[vendor]
            if vendor not in pages:
                next_positions[vendor] = position
            elif buffers[vendor]:
                next_positions[vendor] = VendorPosition(
                    position.token, position.skip + taken.count(vendor)
                )
            elif pages[vendor].next_token is not None:
                next_positions[vendor] = VendorPosition(pages[vendor].next_token, 0)
        next_cursor = (
            encode_cursor(Cursor(filters=filters, limit=limit, positions=next_positions))
            if next_positions
            else None
        )
        return Listing(
            items=[item for _, item in taken.items],
            next_cursor=next_cursor,
            errors=errors,
            facts=merge_facts(outcome.facts for outcome in answered.values()),
        )

    async def _ask_each(
        self,
        tenant_id: str,
        vendors: Sequence[str],
        capability: type[A],
        ask: Callable[[Bound[A]], Awaitable[Outcome[T]]],
    ) -> list[Outcome[T] | GatewayError]:
        """Every vendor's answer (or its error), asked concurrently, in ``vendors`` order."""

        async def one(vendor: str) -> Outcome[T] | GatewayError:
            try:
                return await ask(self.bind(tenant_id, vendor, capability))
            except GatewayError as exc:
                return exc

        if len(vendors) == 1:
            return [await one(vendors[0])]  # no task to spawn for a single vendor
        return list(await asyncio.gather(*(one(vendor) for vendor in vendors)))

    async def fan_out(
        self,
        tenant_id: str,
        capability: type[A],
        op: Op,
        invoke: Invoke[A, T],
        cache: CacheUse[T] | None = None,
    ) -> Gathered[T]:
        """Ask every configured vendor with ``capability`` at once; failures become ``errors``.

        When no vendor is configured, or every one fails, that is the answer.
        """
        vendors = await self.configured_vendors(tenant_id, capability, None)
        if not vendors:
            raise self._not_configured(capability)
        outcomes = await self._ask_each(
            tenant_id, vendors, capability, lambda bound: self.call(bound, op, invoke, cache)
        )
        failures, errors = _failures(vendors, outcomes)
        if failures and len(failures) == len(outcomes):
            raise failures[0]
        answered = [o for o in outcomes if not isinstance(o, GatewayError)]
        sources = tuple(o.source for o in answered if o.source is not None)
        return Gathered(
            read_values=lambda: [o.value for o in answered],
            errors=errors,
            facts=merge_facts(o.facts for o in answered),
            sources=None if failures or len(sources) < len(answered) else sources,
        )

    async def collect(
        self,
        tenant_id: str,
        capability: type[A],
        op: Op,
        invoke: Invoke[A, list[Item]],
        cache: CacheUse[list[Item]] | None = None,
    ) -> Gathered[Item]:
        """:meth:`fan_out` for list operations: every vendor's items in one list."""
        gathered = await self.fan_out(tenant_id, capability, op, invoke, cache)
        return Gathered(
            read_values=lambda: [item for items in gathered.values for item in items],
            errors=gathered.errors,
            facts=gathered.facts,
            sources=gathered.sources,
        )

    async def choose(
        self,
        tenant_id: str,
        capability: type[A],
        requested: str | None,
        field: str = "body.vendor",
    ) -> Bound[A]:
        """The vendor to act with: the one requested, or the only configured one able to."""
        vendor = await self.choose_vendor(tenant_id, capability, requested, field)
        return self.bind(tenant_id, vendor, capability)

    async def choose_vendor(
        self,
        tenant_id: str,
        capabilities: Capabilities,
        requested: str | None,
        field: str = "body.vendor",
    ) -> str:
        """:meth:`choose` for a vendor with any of several capabilities: its name."""
        if requested is not None:
            if requested not in self._registry.names_supporting(capabilities):
                raise ValidationFailed(
                    f"vendor '{requested}' cannot do this",
                    errors=[FieldError(field=field, message=self._capable_list(capabilities))],
                )
            return requested
        vendors = await self.configured_vendors(tenant_id, capabilities, None)
        if not vendors:
            raise self._not_configured(capabilities)
        if len(vendors) > 1:
            raise ValidationFailed(
                "several configured vendors can do this; say which one",
                errors=[FieldError(field=field, message=f"one of: {', '.join(vendors)}")],
            )
        return vendors[0]

    def _not_configured(self, capabilities: Capabilities) -> VendorNotConfigured:
        """No credential stored for any vendor able to do this: name the vendors that could."""
        names = self._registry.names_supporting(capabilities)
        return VendorNotConfigured(
            f"this tenant has no credential for a vendor that can do this ({', '.join(names)}); "
            "an administrator can add one with PUT /v1/admin/tenants/{tenant}/credentials/"
            + (names[0] if len(names) == 1 else "{vendor}"),
            vendor=names[0] if len(names) == 1 else None,
        )

    def _capable_list(self, capabilities: Capabilities) -> str:
        names = self._registry.names_supporting(capabilities)
        return f"must be one of: {', '.join(names) or 'none'}"


def _failures(
    vendors: Sequence[str], outcomes: Sequence[object]
) -> tuple[list[GatewayError], list[VendorIssue]]:
    """The errors among ``outcomes``, and each as a vendor issue for the response."""
    failures = [
        (v, o) for v, o in zip(vendors, outcomes, strict=True) if isinstance(o, GatewayError)
    ]
    issues = [
        VendorIssue(vendor=vendor, problem=error.to_problem(current_request_id()))
        for vendor, error in failures
    ]
    return [error for _, error in failures], issues


@dataclass
class _Taken(Generic[Item]):
    """Items a merged page took, in order, with the vendor each came from."""

    items: list[tuple[str, Item]]

    def count(self, vendor: str) -> int:
        return sum(1 for name, _ in self.items if name == vendor)


def _merge(
    buffers: dict[str, deque[Item]],
    pages: dict[str, VendorPage[Item]],
    limit: int,
    order: Callable[[Item], SupportsRichComparison],
) -> _Taken[Item]:
    """Take up to ``limit`` items, smallest ``order`` first, while every vendor can compete."""
    taken: _Taken[Item] = _Taken(items=[])
    while len(taken.items) < limit:
        if any(not buffers[v] and pages[v].next_token is not None for v in buffers):
            break
        candidates = [vendor for vendor, buffer in buffers.items() if buffer]
        if not candidates:
            break
        best = min(candidates, key=lambda vendor: order(buffers[vendor][0]))
        taken.items.append((best, buffers[best].popleft()))
    return taken
