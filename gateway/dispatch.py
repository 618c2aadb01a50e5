"""From a tenant's request to the adapters that serve it: credentials, routing and pagination.

Lists ask every configured vendor concurrently and merge their items in a stable order behind one
opaque cursor. A vendor that fails while another can answer is reported in ``errors``;
when the consumer asked for that one vendor, or no vendor could answer, the (first) vendor error
is the response, so a 429 keeps its ``Retry-After`` and a client can retry the same cursor.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from adapters.base import TokenExchanger, TokenSession, VendorPage
from adapters.registry import AdapterRegistry
from contract.cursor import Cursor, VendorPosition, decode_cursor, encode_cursor
from contract.errors import (
    FieldError,
    GatewayError,
    NotFound,
    ValidationFailed,
    VendorCredentialRejected,
    VendorNotConfigured,
    VendorTokenRejected,
)
from contract.schema import VendorIssue
from gateway.pipeline import VendorPipeline, credential_id
from gateway.request_context import current_request_id
from gateway.tokens import TokenBroker, token_memo
from policies.records import MemoryRecordStore, RecordStore
from policies.vault import Vault

T = TypeVar("T")
C = TypeVar("C")


@dataclass(frozen=True)
class Bound:
    """An adapter paired with the tenant's decoded credential for it."""

    vendor: str
    adapter: Any
    credential: Any
    credential_key: str
    """A non-reversible id of the credential; vendor budgets are counted per credential."""
    tenant_id: str


@dataclass(frozen=True)
class Listing:
    """A merged page ready to be wrapped in the route's page type."""

    items: list[Any]
    next_cursor: str | None
    errors: list[VendorIssue]


class VendorDispatcher:
    """Finds adapters and credentials for a tenant, and pages across vendors."""

    def __init__(
        self,
        registry: AdapterRegistry,
        vault: Vault,
        pipeline: VendorPipeline,
        records: RecordStore | None = None,
    ) -> None:
        self._registry = registry
        self._vault = vault
        self._pipeline = pipeline
        self._records = records or MemoryRecordStore()
        self._tokens = token_memo()

    async def bind(self, tenant_id: str, vendor: str) -> Bound:
        """The vendor's adapter with this tenant's credential (409 when none is stored)."""
        adapter = self._registry.get(vendor)
        if adapter is None:
            raise NotFound(f"unknown vendor '{vendor}'")
        secret = await self._vault.get_secret(tenant_id, vendor)
        if secret is None:
            raise VendorNotConfigured(
                f"this tenant has no {vendor} credential; an administrator can add one with "
                f"PUT /v1/admin/tenants/{{tenant}}/credentials/{vendor}",
                vendor=vendor,
            )
        credential = adapter.load_credential(secret)
        if isinstance(adapter, TokenExchanger):
            credential = TokenSession(credential)
        return Bound(vendor, adapter, credential, credential_id(secret), tenant_id)

    def adapter(self, vendor: str, capability: type[C]) -> C:
        """The adapter of ``vendor`` if it has ``capability`` (404 otherwise)."""
        adapter = self._registry.supporting(capability).get(vendor)
        if adapter is None:
            raise NotFound(f"unknown vendor '{vendor}'")
        return adapter

    async def call(self, bound: Bound, operation: str, invoke: Callable[[], Awaitable[T]]) -> T:
        """One vendor operation through the policies its adapter declares."""
        return await self._with_token(
            bound,
            lambda: self._pipeline.call(
                bound.adapter.declaration, bound.credential_key, operation, invoke, bound.tenant_id
            ),
        )

    async def _with_token(self, bound: Bound, run: Callable[[], Awaitable[T]]) -> T:
        """For token vendors: a live token first, and one refresh and retry if it is refused."""
        session = bound.credential
        if not isinstance(session, TokenSession):
            return await run()
        broker = TokenBroker(
            self._pipeline,
            self._records,
            self._vault,
            bound.adapter,
            session.credential,
            bound.tenant_id,
            bound.credential_key,
            self._tokens,
        )
        session.token = await broker.current()
        try:
            return await run()
        except VendorTokenRejected:
            session.token = await broker.refresh(session.token)
        try:
            return await run()
        except VendorTokenRejected as exc:
            raise VendorCredentialRejected(
                f"{bound.adapter.declaration.display_name} refused a token it had just issued",
                vendor=bound.vendor,
                vendor_status=exc.vendor_status,
            ) from None

    async def cached(
        self,
        bound: Bound,
        operation: str,
        params: tuple[object, ...],
        result_type: type[T],
        invoke: Callable[[], Awaitable[T]],
        refresh: bool,
    ) -> T:
        """Like :meth:`call`, answered from the cache when the operation declares a TTL."""
        return await self._with_token(
            bound,
            lambda: self._pipeline.cached(
                bound.adapter.declaration,
                bound.credential_key,
                bound.tenant_id,
                operation,
                params,
                result_type,
                invoke,
                refresh,
            ),
        )

    async def configured_vendors(
        self, tenant_id: str, capability: type, vendor_filter: str | None
    ) -> list[str]:
        """Vendors able to serve ``capability`` for this tenant, or the one it asked for."""
        capable = self._registry.supporting(capability)
        if vendor_filter is not None:
            if vendor_filter not in capable:
                raise ValidationFailed(
                    f"vendor '{vendor_filter}' does not serve this resource",
                    errors=[
                        FieldError(field="query.vendor", message=self._capable_list(capability))
                    ],
                )
            return [vendor_filter]
        stored = {meta.vendor for meta in await self._vault.list(tenant_id)}
        return [vendor for vendor in capable if vendor in stored]

    async def bind_by_id(
        self, tenant_id: str, opaque_id: str, capability: type
    ) -> tuple[Bound, str]:
        """Route an opaque id (``vendor:native``) to its adapter; 404 for ids we never issued."""
        vendor, sep, native = opaque_id.partition(":")
        if not sep or not native or vendor not in self._registry.supporting(capability):
            raise NotFound(f"no object with id '{opaque_id}'")
        return await self.bind(tenant_id, vendor), native

    async def paginate(
        self,
        tenant_id: str,
        capability: type,
        vendor_filter: str | None,
        filters: str,
        limit: int,
        raw_cursor: str | None,
        operation: str,
        fetch: Callable[[Bound, str | None, int], Awaitable[VendorPage[Any]]],
        order: Callable[[Any], Any],
    ) -> Listing:
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
            lambda bound: self.call(
                bound, operation, lambda: fetch(bound, positions[bound.vendor].token, limit)
            ),
        )
        failures, errors = _failures(names, outcomes)
        if failures and vendor_filter is not None:
            raise failures[0]
        pages: dict[str, VendorPage[Any]] = {
            vendor: outcome
            for vendor, outcome in zip(names, outcomes, strict=True)
            if not isinstance(outcome, GatewayError)
        }
        buffers = {
            vendor: deque(page.items[positions[vendor].skip :]) for vendor, page in pages.items()
        }
        if failures and not pages:
            raise failures[0]
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
        items = [item for _, item in taken.items]
        return Listing(items=items, next_cursor=next_cursor, errors=errors)

    async def _ask_each(
        self, tenant_id: str, vendors: Sequence[str], ask: Callable[[Bound], Awaitable[T]]
    ) -> list[T | GatewayError]:
        """Every vendor's answer (or its error), asked concurrently, in ``vendors`` order;
        ``ask`` makes the policed call with the bound vendor."""

        async def one(vendor: str) -> T | GatewayError:
            try:
                return await ask(await self.bind(tenant_id, vendor))
            except GatewayError as exc:
                return exc

        return list(await asyncio.gather(*(one(vendor) for vendor in vendors)))

    async def fan_out(
        self,
        tenant_id: str,
        capability: type,
        operation: str,
        invoke: Callable[[Bound], Awaitable[T]],
        cached: tuple[type[T], tuple[object, ...], bool] | None = None,
    ) -> tuple[list[T], list[VendorIssue]]:
        """Ask every configured vendor with ``capability`` at once; failures become ``errors``.

        ``cached`` (result type, parameters, refresh) answers from the cache when the operation
        declares a TTL. When no vendor is configured, or every one fails, that is the answer.
        """
        vendors = await self.configured_vendors(tenant_id, capability, None)
        if not vendors:
            raise VendorNotConfigured("no configured vendor serves this resource for this tenant")

        def ask(bound: Bound) -> Awaitable[T]:
            if cached is None:
                return self.call(bound, operation, lambda: invoke(bound))
            result_type, params, refresh = cached
            return self.cached(
                bound, operation, params, result_type, lambda: invoke(bound), refresh
            )

        outcomes = await self._ask_each(tenant_id, vendors, ask)
        failures, errors = _failures(vendors, outcomes)
        if failures and len(failures) == len(outcomes):
            raise failures[0]
        return [o for o in outcomes if not isinstance(o, GatewayError)], errors

    async def collect(
        self,
        tenant_id: str,
        capability: type,
        operation: str,
        invoke: Callable[[Bound], Awaitable[Sequence[T]]],
        cached: tuple[type, tuple[object, ...], bool] | None = None,
    ) -> tuple[list[T], list[VendorIssue]]:
        """:meth:`fan_out` for list operations: every vendor's items in one list."""
        lists, errors = await self.fan_out(tenant_id, capability, operation, invoke, cached)
        return [item for items in lists for item in items], errors

    async def choose(
        self, tenant_id: str, capability: type, requested: str | None, field: str = "body.vendor"
    ) -> Bound:
        """The vendor to act with: the one requested, or the only configured one able to."""
        if requested is not None:
            if requested not in self._registry.supporting(capability):
                raise ValidationFailed(
                    f"vendor '{requested}' cannot do this",
                    errors=[FieldError(field=field, message=self._capable_list(capability))],
                )
            return await self.bind(tenant_id, requested)
        vendors = await self.configured_vendors(tenant_id, capability, None)
        if not vendors:
            raise VendorNotConfigured("no configured vendor can do this for this tenant")
        if len(vendors) > 1:
            raise ValidationFailed(
                "several configured vendors can do this; say which one",
                errors=[FieldError(field=field, message=f"one of: {', '.join(vendors)}")],
            )
        return await self.bind(tenant_id, vendors[0])

    def _capable_list(self, capability: type) -> str:
        return f"must be one of: {', '.join(self._registry.supporting(capability)) or 'none'}"

    async def bind_all_capable(self, tenant_id: str, capability: type) -> Sequence[Bound]:
        """Every configured vendor with ``capability``, bound to the tenant's credentials."""
        vendors = await self.configured_vendors(tenant_id, capability, None)
        return [await self.bind(tenant_id, vendor) for vendor in vendors]


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
class _Taken:
    """Items a merged page took, in order, with the vendor each came from."""

    items: list[tuple[str, Any]]

    def count(self, vendor: str) -> int:
        return sum(1 for name, _ in self.items if name == vendor)


def _merge(
    buffers: dict[str, deque[Any]],
    pages: dict[str, VendorPage[Any]],
    limit: int,
    order: Callable[[Any], Any],
) -> _Taken:
    """Take up to ``limit`` items, smallest ``order`` first, while every vendor can compete."""
    taken = _Taken(items=[])
    while len(taken.items) < limit:
        if any(not buffers[v] and pages[v].next_token is not None for v in buffers):
            break
        candidates = [vendor for vendor, buffer in buffers.items() if buffer]
        if not candidates:
            break
        best = min(candidates, key=lambda vendor: order(buffers[vendor][0]))
        taken.items.append((best, buffers[best].popleft()))
    return taken
