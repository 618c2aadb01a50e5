"""From a tenant's request to the adapters that serve it: credentials, routing and pagination.

Lists walk the tenant's configured vendors in a stable order, one vendor's pages after another's,
behind one opaque cursor. A vendor that fails while another can answer is reported in ``errors``;
when the consumer asked for that one vendor, or no vendor could answer, the (first) vendor error
is the response, so a 429 keeps its ``Retry-After`` and a client can retry the same cursor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from adapters.base import VendorPage
from adapters.registry import AdapterRegistry
from gateway.cursor import Cursor, decode_cursor, encode_cursor
from gateway.errors import FieldError, GatewayError, NotFound, ValidationFailed, VendorNotConfigured
from gateway.pipeline import VendorPipeline, credential_id
from gateway.request_context import current_request_id
from gateway.schema import VendorIssue
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

    def __init__(self, registry: AdapterRegistry, vault: Vault, pipeline: VendorPipeline) -> None:
        self._registry = registry
        self._vault = vault
        self._pipeline = pipeline

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
        return Bound(
            vendor, adapter, adapter.load_credential(secret), credential_id(secret), tenant_id
        )

    async def call(self, bound: Bound, operation: str, invoke: Callable[[], Awaitable[T]]) -> T:
        """One vendor operation through the policies its adapter declares."""
        return await self._pipeline.call(
            bound.adapter.declaration, bound.credential_key, operation, invoke, bound.tenant_id
        )

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
        return await self._pipeline.cached(
            bound.adapter.declaration,
            bound.credential_key,
            bound.tenant_id,
            operation,
            params,
            result_type,
            invoke,
            refresh,
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
                        FieldError(
                            field="query.vendor",
                            message=f"must be one of: {', '.join(capable) or 'none'}",
                        )
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
        fetch: Callable[[Bound, int, int], Awaitable[VendorPage[Any]]],
    ) -> Listing:
        """One page across the tenant's vendors, walking them in order."""
        vendors = await self.configured_vendors(tenant_id, capability, vendor_filter)
        start_vendor, page = (vendors[0] if vendors else None), 1
        if raw_cursor is not None:
            cursor = decode_cursor(raw_cursor, filters)
            limit = cursor.limit
            start_vendor, page = next(iter(cursor.pages.items()))
            if start_vendor not in vendors:
                return Listing(items=[], next_cursor=None, errors=[])
        errors: list[VendorIssue] = []
        failures: list[GatewayError] = []
        remaining = vendors[vendors.index(start_vendor) :] if start_vendor else []
        for position, vendor in enumerate(remaining):
            try:
                bound = await self.bind(tenant_id, vendor)
                result = await self.call(
                    bound, operation, lambda b=bound, p=page: fetch(b, p, limit)
                )
            except GatewayError as exc:
                if vendor_filter is not None:
                    raise
                failures.append(exc)
                errors.append(
                    VendorIssue(vendor=vendor, problem=exc.to_problem(current_request_id()))
                )
                page = 1
                continue
            following = remaining[position + 1 :]
            if result.has_more:
                next_pages = {vendor: page + 1}
            elif following:
                next_pages = {following[0]: 1}
            else:
                next_pages = None
            if result.items or result.has_more or not following:
                return Listing(
                    items=list(result.items),
                    next_cursor=_encode(filters, limit, next_pages),
                    errors=errors,
                )
            page = 1
        if failures and len(failures) == len(remaining):
            raise failures[0]
        return Listing(items=[], next_cursor=None, errors=errors)

    async def bind_all_capable(self, tenant_id: str, capability: type) -> Sequence[Bound]:
        """Every configured vendor with ``capability``, bound to the tenant's credentials."""
        vendors = await self.configured_vendors(tenant_id, capability, None)
        return [await self.bind(tenant_id, vendor) for vendor in vendors]


def _encode(filters: str, limit: int, pages: dict[str, int] | None) -> str | None:
    if pages is None:
        return None
    return encode_cursor(Cursor(filters=filters, limit=limit, pages=pages))
