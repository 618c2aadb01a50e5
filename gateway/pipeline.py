"""The policies between a route and a vendor, applied from the adapter's declarations.

For one vendor operation: the cache (when the operation declares a TTL); then, per attempt, the
credential's circuit breaker, rate shaping on the budget the operation declares, and a bulkhead
slot for the vendor; idempotent operations are retried on vendor failures with backoff and jitter
within a retry budget. A vendor 429 pauses that credential's budget for every replica. No vendor
is named here: everything comes from ``adapter.declaration``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import msgspec

from adapters.base import OperationSpec, VendorDeclaration
from contract.errors import (
    GatewayError,
    RateLimited,
    VendorBusy,
    VendorCircuitOpen,
    VendorTimeout,
    is_vendor_failure,
)
from gateway.metrics import GatewayMetrics
from gateway.request_context import add_response_header
from gateway.telemetry import annotate
from policies.cache import TwoTierCache
from policies.ratelimit import Rate, RateShaper, ShapingRejected
from policies.resilience import (
    BreakerOpen,
    Bulkhead,
    BulkheadFull,
    CircuitBreaker,
    CircuitBreakers,
    RetryBudget,
    RetryPolicy,
    backoff_delays,
)

T = TypeVar("T")
DEFAULT_SPEC = OperationSpec()
VENDOR_PAUSE_WITHOUT_RETRY_AFTER = 60
DEFAULT_CONCURRENCY = 50
DEFAULT_SLOT_WAIT = 5.0
DEFAULT_TOTAL_TIMEOUT = 30.0
log = logging.getLogger(__name__)


def credential_id(secret: dict[str, str]) -> str:
    """A stable, non-reversible id of a credential, to key its budget."""
    digest = hashlib.sha256(msgspec.json.encode(secret, order="sorted"))
    return digest.hexdigest()[:24]


class VendorPipeline:
    """Applies caching, rate shaping, retries, circuit breaking and bulkheads to vendor calls."""

    def __init__(
        self,
        shaper: RateShaper,
        cache: TwoTierCache,
        retry: RetryPolicy,
        breakers: CircuitBreakers,
        bulkheads: dict[str, Bulkhead],
        metrics: GatewayMetrics,
        tenant_quota: Rate | None = None,
        total_timeouts: dict[str, float] | None = None,
    ) -> None:
        self._total_timeouts = total_timeouts or {}
        self._tenant_quota = tenant_quota
        self.shaper = shaper
        self.cache = cache
        self.breakers = breakers
        self.metrics = metrics
        self._retry = retry
        self._retry_budgets: dict[str, RetryBudget] = {}
        self._bulkheads = bulkheads

    async def call(
        self,
        declaration: VendorDeclaration,
        credential_key: str,
        operation: str,
        invoke: Callable[[], Awaitable[T]],
        tenant_id: str | None = None,
    ) -> T:
        """One vendor operation; idempotent ones are retried on vendor failures, within budget."""
        spec = declaration.operations.get(operation, DEFAULT_SPEC)
        key = f"{declaration.name}:{credential_key}"
        budget = self._retry_budget(declaration.name)
        budget.record_attempt()
        delays = backoff_delays(self._retry) if spec.idempotent else iter(())
        annotate(vendor=declaration.name, operation=operation)
        deadline = self.shaper.wait_deadline()
        retries = 0
        while True:
            try:
                return await self._attempt(
                    declaration, spec, operation, key, invoke, tenant_id, deadline
                )
            except GatewayError as exc:
                if not is_vendor_failure(exc):
                    raise
                delay = next(delays, None)
                if delay is None or not budget.try_spend():
                    raise
                retries += 1
                annotate(retries=retries)
                log.info(
                    "retrying a vendor call",
                    extra={"vendor": declaration.name, "operation": operation, "delay": delay},
                )
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        declaration: VendorDeclaration,
        spec: OperationSpec,
        operation: str,
        key: str,
        invoke: Callable[[], Awaitable[T]],
        tenant_id: str | None,
        deadline: float,
    ) -> T:
        """One attempt: a bulkhead slot, then the budgets, then the breaker, then the vendor.

        Shaping comes last before the call so that the time between taking a budget slot and the
        vendor receiving the request stays within the window margin.
        """
        breaker = self.breakers.get(key)
        annotate(breaker_state=breaker.state.value)
        try:
            async with self._bulkhead(declaration.name).slot():
                if tenant_id is not None and self._tenant_quota is not None:
                    await self._enforce_tenant_quota(tenant_id, self._tenant_quota, deadline)
                await self._shape(declaration, spec, key, deadline)
                return await self._call_vendor(declaration, operation, key, breaker, invoke)
        except BulkheadFull:
            raise VendorBusy(
                f"every connection to {declaration.display_name} is busy", vendor=declaration.name
            ) from None

    async def _call_vendor(
        self,
        declaration: VendorDeclaration,
        operation: str,
        key: str,
        breaker: CircuitBreaker,
        invoke: Callable[[], Awaitable[T]],
    ) -> T:
        try:
            breaker.before_call()
        except BreakerOpen as exc:
            raise VendorCircuitOpen(
                f"{declaration.display_name} failed repeatedly for this credential; "
                "calls fail fast until it recovers",
                vendor=declaration.name,
                retry_after=math.ceil(exc.retry_after),
            ) from None
        total = self._total_timeouts.get(declaration.name, DEFAULT_TOTAL_TIMEOUT)
        started = time.perf_counter()
        outcome = "ok"
        recorded = False
        try:
            async with asyncio.timeout(total):
                result = await invoke()
            breaker.record_success()
            recorded = True
            return result
        except TimeoutError:
            outcome = "vendor-timeout"
            breaker.record_failure()
            recorded = True
            raise VendorTimeout(
                f"{declaration.display_name} did not finish within {total:g} s",
                vendor=declaration.name,
            ) from None
        except RateLimited as exc:
            outcome = exc.slug
            await self.shaper.pause(key, exc.retry_after or VENDOR_PAUSE_WITHOUT_RETRY_AFTER)
            raise
        except GatewayError as exc:
            outcome = exc.slug
            if is_vendor_failure(exc):
                breaker.record_failure()
            else:
                breaker.record_success()
            recorded = True
            raise
        finally:
            if not recorded:
                breaker.release_probe()
            self.metrics.vendor_calls.labels(declaration.name, operation, outcome).observe(
                time.perf_counter() - started
            )

    async def _shape(
        self, declaration: VendorDeclaration, spec: OperationSpec, key: str, deadline: float
    ) -> None:
        budget = declaration.budgets.get(spec.budget) if spec.budget else None
        if budget is None:
            return
        rate = Rate(budget.limit, budget.period_seconds)
        budget_key = key if spec.budget == "default" else f"{key}:{spec.budget}"
        try:
            admission = await self.shaper.acquire(budget_key, rate, deadline)
        except ShapingRejected as exc:
            self.metrics.shaping_rejections.labels(declaration.name).inc()
            _rate_headers(rate, 0, exc.retry_after_seconds)
            raise RateLimited(
                f"the {declaration.display_name} budget of this credential is spent "
                f"({budget.limit} per {budget.period_seconds:g} s); retry later",
                vendor=declaration.name,
                retry_after=exc.retry_after_seconds,
            ) from None
        self.metrics.shaping_wait.labels(declaration.name).observe(admission.waited_seconds)
        annotate(shaping_wait_ms=round(admission.waited_seconds * 1000, 1))
        _rate_headers(rate, admission.remaining, None)

    async def _enforce_tenant_quota(self, tenant_id: str, quota: Rate, deadline: float) -> None:
        try:
            await self.shaper.acquire(f"tenant:{tenant_id}", quota, deadline)
        except ShapingRejected as exc:
            raise RateLimited(
                f"this tenant's quota of {quota.limit} vendor calls per "
                f"{quota.period_seconds:g} s is spent; retry later",
                retry_after=exc.retry_after_seconds,
            ) from None

    def _retry_budget(self, vendor: str) -> RetryBudget:
        if vendor not in self._retry_budgets:
            self._retry_budgets[vendor] = RetryBudget(self._retry)
        return self._retry_budgets[vendor]

    def _bulkhead(self, vendor: str) -> Bulkhead:
        if vendor not in self._bulkheads:
            self._bulkheads[vendor] = Bulkhead(DEFAULT_CONCURRENCY, DEFAULT_SLOT_WAIT)
        return self._bulkheads[vendor]

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
            return await self.call(declaration, credential_key, operation, invoke, tenant_id)

        async def load() -> bytes:
            value = await self.call(declaration, credential_key, operation, invoke, tenant_id)
            return msgspec.json.encode(value)

        key = cache_key(tenant_id, declaration.name, operation, params)
        entry, hit = await self.cache.get_or_load(key, spec.cache_ttl_seconds, load, refresh)
        result = "hit" if hit else "miss"
        self.metrics.cache.labels(declaration.name, operation, result).inc()
        annotate(cache=result)
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
