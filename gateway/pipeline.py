"""The policies between a route and a vendor, applied from the adapter's declarations.

For one vendor operation: the cache (when the operation declares a TTL), then rate shaping on
the budget it declares, keyed by the credential, then the vendor call. A vendor 429 pauses that
credential's budget for every replica. No vendor is named here: everything comes from
``adapter.declaration``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import msgspec

from adapters.base import OperationSpec, VendorDeclaration
from gateway.errors import RateLimited
from gateway.request_context import add_response_header
from policies.cache import TwoTierCache
from policies.ratelimit import Rate, RateShaper, ShapingRejected

T = TypeVar("T")
DEFAULT_SPEC = OperationSpec()
VENDOR_PAUSE_WITHOUT_RETRY_AFTER = 60


def credential_id(secret: dict[str, str]) -> str:
    """A stable, non-reversible id of a credential, to key its budget."""
    digest = hashlib.sha256(msgspec.json.encode(secret, order="sorted"))
    return digest.hexdigest()[:24]


class VendorPipeline:
    """Applies caching and rate shaping around vendor calls."""

    def __init__(self, shaper: RateShaper, cache: TwoTierCache) -> None:
        self.shaper = shaper
        self.cache = cache

    async def call(
        self,
        declaration: VendorDeclaration,
        credential_key: str,
        operation: str,
        invoke: Callable[[], Awaitable[T]],
    ) -> T:
        """Shape, then call the vendor; a vendor 429 pauses the credential everywhere."""
        spec = declaration.operations.get(operation, DEFAULT_SPEC)
        budget = declaration.budgets.get(spec.budget) if spec.budget else None
        if budget is None:
            return await invoke()
        key = f"{declaration.name}:{credential_key}"
        rate = Rate(budget.limit, budget.period_seconds)
        try:
            admission = await self.shaper.acquire(key, rate)
        except ShapingRejected as exc:
            _rate_headers(rate, 0, exc.retry_after_seconds)
            raise RateLimited(
                f"the {declaration.display_name} budget of this credential is spent "
                f"({budget.limit} per {budget.period_seconds:g} s); retry later",
                vendor=declaration.name,
                retry_after=exc.retry_after_seconds,
            ) from None
        _rate_headers(rate, admission.remaining, None)
        try:
            return await invoke()
        except RateLimited as exc:
            await self.shaper.pause(key, exc.retry_after or VENDOR_PAUSE_WITHOUT_RETRY_AFTER)
            raise

    async def cached(
        self,
        declaration: VendorDeclaration,
        credential_key: str,
        tenant_id: str,
        operation: str,
        params: tuple[object, ...],
        result_type: type[T],
        invoke: Callable[[], Awaitable[T]],
        refresh: bool = False,
    ) -> T:
        """Like :meth:`call`, served from the cache when the operation declares a TTL."""
        spec = declaration.operations.get(operation, DEFAULT_SPEC)
        if not spec.cache_ttl_seconds:
            return await self.call(declaration, credential_key, operation, invoke)

        async def load() -> bytes:
            value = await self.call(declaration, credential_key, operation, invoke)
            return msgspec.json.encode(value)

        key = cache_key(tenant_id, declaration.name, operation, params)
        entry, hit = await self.cache.get_or_load(key, spec.cache_ttl_seconds, load, refresh)
        add_response_header("X-Cache", "HIT" if hit else "MISS")
        add_response_header("Age", str(entry.age()))
        return msgspec.json.decode(entry.payload, type=result_type)


def cache_key(tenant_id: str, vendor: str, operation: str, params: tuple[object, ...]) -> str:
    """Tenant-scoped and built from normalized parameters (so ``+86`` and ``86`` are one key)."""
    digest = hashlib.sha256(msgspec.json.encode(params)).hexdigest()[:32]
    return f"gw:cache:{tenant_id}:{vendor}:{operation}:{digest}"


def _rate_headers(rate: Rate, remaining: int, retry_after: int | None) -> None:
    """The vendor budget as RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-03)."""
    add_response_header("RateLimit-Limit", str(rate.limit))
    add_response_header("RateLimit-Remaining", str(remaining))
    add_response_header("RateLimit-Reset", str(retry_after or 0))
    add_response_header("RateLimit-Policy", f"{rate.limit};w={rate.period_seconds:g}")
