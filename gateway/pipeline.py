"""The one way to a vendor: the policies between a caller and an adapter, in a fixed order.

Every vendor call (routes, token exchange, credential rotation, pollers) is a :class:`VendorCall`
given to :meth:`VendorPipeline.run`, which applies, in this order:

1. the cache, when the operation declares a TTL (a tenant-scoped key; a hit touches nothing else);
2. the tenant's credential from the vault, unless the caller holds one (rotation, token exchange);
3. for a vendor that exchanges keys for tokens, a live token (exchanged through this same
   pipeline, on the vendor's token budget), refreshed once if the vendor refuses it;
4. per attempt: the credential's circuit breaker (open: 503 and nothing spent), a connection slot,
   the tenant quota and the vendor budget (wait for a slot, or 429), then the vendor call within
   its total timeout; a vendor 429 pauses the credential's budget for every replica;
5. retries of idempotent operations on :class:`~contract.errors.VendorFailure` only, with backoff
   and jitter, within the retry budget and the call's deadline.

It returns the value with its cache state and rate information (:class:`~gateway.outcome.Outcome`);
nothing reaches the HTTP response any other way. No vendor is named here: everything comes from
the adapter's declaration.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeGuard, TypeVar, cast

import msgspec
from cachetools import LRUCache

from adapters.capabilities import TokenExchanger, TokenSession, VendorAdapter
from adapters.declaration import Op, OperationSpec, RateBudget, VendorDeclaration
from contract.errors import (
    GatewayError,
    RateLimited,
    VendorBusy,
    VendorCircuitOpen,
    VendorCredentialRejected,
    VendorFailure,
    VendorTimeout,
    VendorTokenRejected,
)
from gateway.budgets import effective_budget
from gateway.metrics import GatewayMetrics
from gateway.outcome import CacheFacts, Facts, Outcome, RateFacts
from gateway.request_context import seconds_since_request_start
from gateway.telemetry import annotate
from gateway.vendor_activity import RECORDED_FAILURES, CacheResult, VendorActivity
from policies.cache import Cached, TwoTierCache
from policies.clock import SYSTEM_CLOCK, Clock
from policies.ratelimit import Admission, Rate, RateShaper, ShapingRejected
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
from policies.vault import BudgetLimit

T = TypeVar("T")
VENDOR_PAUSE_WITHOUT_RETRY_AFTER = 60
DEFAULT_CONCURRENCY = 50
DEFAULT_SLOT_WAIT = 5.0
DEFAULT_TOTAL_TIMEOUT = 30.0
CANNOT_ASK: tuple[type[GatewayError], ...] = (
    VendorFailure,
    RateLimited,
    VendorCircuitOpen,
    VendorBusy,
)
"""Failures that mean the vendor could not be asked for a fresh answer (not that it said no):
a cached read answers with its stale copy instead, within the cache's stale bound."""
MAX_VENDOR_STATES = 1024
"""Retry budgets and bulkheads kept per vendor (bounded, though vendors are few)."""
log = logging.getLogger(__name__)


def _counts_refused(declaration: VendorDeclaration, spec: OperationSpec) -> bool:
    budget = declaration.budgets.get(spec.budget) if spec.budget else None
    return budget is None or budget.counts_refused


def breaker_key(vendor: str, held: Held) -> str:
    """Where the circuit breaker of ``held`` at ``vendor`` lives."""
    return f"{vendor}:{held.key}"


def budget_key(vendor: str, held: Held, budget: str) -> str:
    """Where ``held``'s count of ``vendor``'s budget named ``budget`` lives."""
    base = f"{vendor}:{held.budget_key or held.key}"
    return base if budget == "default" else f"{base}:{budget}"


_EXCHANGES_TOKENS: dict[type, bool] = {}
"""Per adapter class: whether it exchanges keys for tokens."""


def is_token_exchanger(adapter: VendorAdapter) -> TypeGuard[TokenExchanger[object]]:
    """Whether ``adapter`` exchanges keys for tokens, decided once per class (a runtime protocol
    check walks the protocol's members every time it runs)."""
    kind = type(adapter)
    known = _EXCHANGES_TOKENS.get(kind)
    if known is None:
        known = _EXCHANGES_TOKENS[kind] = isinstance(adapter, TokenExchanger)
    return known


def credential_id(secret: object) -> str:
    """A stable, non-reversible id of a credential, to key its budget and breaker."""
    digest = hashlib.sha256(msgspec.json.encode(secret, order="sorted"))
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class Held:
    """A credential ready for its adapter, and the non-reversible key its breaker and budgets
    count on. Its repr leaves the credential out."""

    credential: object = field(repr=False)
    key: str
    budget_key: str | None = None
    """Where its budgets count instead, when the vendor counts per account rather than per
    credential (several credentials naming one account share the account's budget, while each
    keeps its own breaker)."""
    budgets: Mapping[str, BudgetLimit] = field(default_factory=dict)
    """The operator's limits for this credential's budgets, read from the vault with it (the
    vendor's declared ones apply to the others): shaping costs no read of its own."""


@dataclass(frozen=True)
class _Keys:
    """Where one credential's breaker lives, and the credential its budgets count on."""

    breaker: str
    held: Held


class CredentialSource(Protocol):
    """Where the pipeline gets a tenant's credential for a vendor."""

    async def hold(self, tenant_id: str, adapter: VendorAdapter) -> Held:
        """The tenant's credential for the adapter's vendor (409 when none is stored)."""
        ...


class TokenSource(Protocol):
    """Live tokens for vendors that exchange a stored key pair for short-lived tokens."""

    async def current(
        self, adapter: TokenExchanger[object], held: Held, tenant_id: str, deadline: float
    ) -> str:
        """A token good for a while."""
        ...

    async def refresh(
        self,
        adapter: TokenExchanger[object],
        held: Held,
        tenant_id: str,
        rejected: str,
        deadline: float,
    ) -> str:
        """A token other than ``rejected``."""
        ...


@dataclass(frozen=True)
class CacheUse(Generic[T]):
    """How to key and decode a cacheable answer."""

    params: tuple[object, ...]
    """The normalized parameters that make the answer (``+86`` and ``86`` are one key)."""
    result_type: type[T]
    refresh: bool = False
    """Ask the vendor even when the cache has an answer (``Cache-Control: no-cache``)."""


@dataclass(frozen=True)
class VendorCall(Generic[T]):
    """One vendor operation for the pipeline."""

    adapter: VendorAdapter
    op: Op
    tenant_id: str
    invoke: Callable[[object], Awaitable[T]]
    """Calls the adapter with the credential the pipeline hands it."""
    held: Held | None = None
    """A credential the caller holds; ``None``: the tenant's, from the vault, after the cache."""
    cache: CacheUse[T] | None = None
    """How to cache the answer, for operations that declare a TTL."""
    deadline: float | None = None
    """When everything this call does at the vendor must be over (attempts, backoff, waits for
    budget slots, which also stay within the shaping bound), on the pipeline's clock; ``None``:
    the consumer's request's deadline (its arrival plus the vendor's total timeout). Nested calls
    (a token exchange) share it."""


@dataclass(frozen=True)
class PipelineLimits:
    """Per-vendor limits of the pipeline itself."""

    total_timeouts: dict[str, float]
    """Seconds one vendor call may take in all, by vendor."""
    tenant_quota: Rate | None = None
    """Vendor calls one tenant may make, in front of the vendors' budgets."""


class VendorPipeline:
    """Applies caching, credentials, tokens, breakers, shaping and retries to vendor calls."""

    def __init__(
        self,
        shaper: RateShaper,
        cache: TwoTierCache,
        retry: RetryPolicy,
        breakers: CircuitBreakers,
        bulkheads: dict[str, Bulkhead],
        metrics: GatewayMetrics,
        credentials: CredentialSource,
        limits: PipelineLimits,
        clock: Clock = SYSTEM_CLOCK,
        activity: VendorActivity | None = None,
    ) -> None:
        self.shaper = shaper
        self.cache = cache
        self.breakers = breakers
        self.metrics = metrics
        self.activity = activity or VendorActivity(clock=clock)
        """What this replica saw of each tenant's calls to each vendor."""
        self.credentials = credentials
        """Where tenants' credentials come from."""
        self.tokens: TokenSource | None = None
        """Set once by whoever builds the token source (it calls back into this pipeline)."""
        self._limits = limits
        self._retry = retry
        self._clock = clock
        self._retry_budgets: LRUCache[str, RetryBudget] = LRUCache(MAX_VENDOR_STATES)
        self._bulkheads = bulkheads

    async def run(self, call: VendorCall[T]) -> Outcome[T]:
        """One vendor operation through every policy its vendor declares."""
        try:
            return await self._run(call)
        except RECORDED_FAILURES as exc:
            self.activity.failed(call.tenant_id, call.adapter.declaration.name, call.op, exc)
            raise

    async def _run(self, call: VendorCall[T]) -> Outcome[T]:
        declaration = call.adapter.declaration
        spec = declaration.spec(call.op)
        deadline = call.deadline if call.deadline is not None else self._request_deadline(call)
        annotate(vendor=declaration.name, operation=call.op.value)
        if spec.cache_ttl_seconds and call.cache is not None:
            return await self._cached(call, call.cache, spec.cache_ttl_seconds, spec, deadline)
        value, rate = await self._uncached(call, spec, deadline)
        return Outcome(value, Facts(rate=rate))

    def _request_deadline(self, call: VendorCall[T]) -> float:
        """When everything this request does at the vendor must be over: its arrival plus the
        vendor's total timeout (attempts, backoff, budget waits and token exchanges included)."""
        total = self._total_timeout(call.adapter.declaration.name)
        return self._clock.monotonic() - seconds_since_request_start() + total

    def _total_timeout(self, vendor: str) -> float:
        return self._limits.total_timeouts.get(vendor, DEFAULT_TOTAL_TIMEOUT)

    async def _cached(
        self,
        call: VendorCall[T],
        use: CacheUse[T],
        ttl: float,
        spec: OperationSpec,
        deadline: float,
    ) -> Outcome[T]:
        declaration = call.adapter.declaration
        rates: list[RateFacts] = []

        async def load() -> bytes:
            value, rate = await self._uncached(call, spec, deadline)
            if rate is not None:
                rates.append(rate)
            return msgspec.json.encode(value)

        key = cache_key(call.tenant_id, declaration.name, call.op, use.params)
        try:
            entry, hit = await self.cache.get_or_load(key, ttl, load, use.refresh)
        except CANNOT_ASK as exc:
            stale = None if use.refresh else await self.cache.stale(key)
            if stale is None:
                raise
            return self._stale_answer(call, use, stale, exc)
        result = CacheResult.HIT if hit else CacheResult.MISS
        self.metrics.cache_lookup(declaration.name, call.op.value, result.value).inc()
        self.activity.cache_lookup(call.tenant_id, declaration.name, result)
        annotate(cache=result.value)
        facts = Facts(CacheFacts(hit, self.cache.age(entry)), rates[0] if rates else None)
        return Outcome.from_cache(entry.payload, decoder(use.result_type), facts)

    def _stale_answer(
        self, call: VendorCall[T], use: CacheUse[T], stale: Cached, failure: GatewayError
    ) -> Outcome[T]:
        """The last answer, past its TTL, because the vendor cannot give a fresh one now."""
        declaration = call.adapter.declaration
        self.metrics.cache_lookup(declaration.name, call.op.value, "stale").inc()
        self.activity.cache_lookup(call.tenant_id, declaration.name, CacheResult.STALE)
        annotate(cache="stale")
        log.warning(
            "serving a stale answer: the vendor cannot be asked now",
            extra={"vendor": declaration.name, "operation": call.op.value, "error": failure.slug},
        )
        facts = Facts(CacheFacts(True, self.cache.age(stale), stale=True))
        return Outcome.from_cache(stale.payload, decoder(use.result_type), facts)

    async def _uncached(
        self, call: VendorCall[T], spec: OperationSpec, deadline: float
    ) -> tuple[T, RateFacts | None]:
        held = call.held or await self.credentials.hold(call.tenant_id, call.adapter)
        adapter = call.adapter
        if is_token_exchanger(adapter) and call.op is not Op.EXCHANGE_TOKEN:
            return await self._with_token(call, adapter, spec, held, deadline)
        return await self._with_retries(call, spec, held, held.credential, deadline)

    async def _with_token(
        self,
        call: VendorCall[T],
        adapter: TokenExchanger[object],
        spec: OperationSpec,
        held: Held,
        deadline: float,
    ) -> tuple[T, RateFacts | None]:
        """A live token first, and one refresh and retry if the vendor refuses it."""
        if self.tokens is None:
            raise RuntimeError("this pipeline has no token source")
        session = TokenSession(held.credential)
        session.token = await self.tokens.current(adapter, held, call.tenant_id, deadline)
        try:
            return await self._with_retries(call, spec, held, session, deadline)
        except VendorTokenRejected:
            session.token = await self.tokens.refresh(
                adapter, held, call.tenant_id, session.token, deadline
            )
        try:
            return await self._with_retries(call, spec, held, session, deadline)
        except VendorTokenRejected as exc:
            raise VendorCredentialRejected(
                f"{adapter.declaration.display_name} refused a token it had just issued",
                vendor=adapter.declaration.name,
                vendor_status=exc.vendor_status,
            ) from None

    async def _with_retries(
        self,
        call: VendorCall[T],
        spec: OperationSpec,
        held: Held,
        credential: object,
        deadline: float,
    ) -> tuple[T, RateFacts | None]:
        declaration = call.adapter.declaration
        key = _Keys(breaker_key(declaration.name, held), held)
        budget = self._retry_budget(declaration.name)
        budget.record_attempt()
        delays = backoff_delays(self._retry) if spec.idempotent else iter(())
        retries = 0
        while True:
            try:
                return await self._attempt(call, spec, key, held, credential, deadline)
            except VendorFailure:
                delay = next(delays, None)
                if delay is None or self._clock.monotonic() + delay > deadline:
                    raise
                if not budget.try_spend():
                    raise
                retries += 1
                annotate(retries=retries)
                log.info(
                    "retrying a vendor call",
                    extra={"vendor": declaration.name, "operation": call.op.value, "delay": delay},
                )
                await self._clock.sleep(delay)

    async def _attempt(
        self,
        call: VendorCall[T],
        spec: OperationSpec,
        key: _Keys,
        held: Held,
        credential: object,
        deadline: float,
    ) -> tuple[T, RateFacts | None]:
        """One attempt: the breaker, a connection slot, the budgets, then the vendor.

        The breaker comes first so an open one spends nothing; shaping comes last before the
        call so the time between taking a budget slot and the vendor receiving the request stays
        within the window margin. A slot of a budget whose vendor does not count refused
        credentials is given back when the vendor refuses this one.
        """
        declaration = call.adapter.declaration
        breaker = self.breakers.get(key.breaker)
        annotate(breaker_state=breaker.state.value)
        try:
            breaker.before_call()
        except BreakerOpen as exc:
            raise VendorCircuitOpen(
                f"{declaration.display_name} failed repeatedly for this credential; "
                "calls fail fast until it recovers",
                vendor=declaration.name,
                retry_after=math.ceil(exc.retry_after),
            ) from None
        called = False
        try:
            async with self._bulkhead(declaration.name).slot(call.tenant_id):
                if self._limits.tenant_quota is not None:
                    await self._enforce_tenant_quota(
                        call.tenant_id, self._limits.tenant_quota, deadline
                    )
                rate, admission = await self._shape(declaration, spec, key.held, deadline)
                if admission is not None and spec.budget is not None:
                    self.activity.admitted(call.tenant_id, declaration.name, spec.budget)
                called = True
                paused = budget_key(declaration.name, key.held, "default")
                try:
                    value = await self._call_vendor(call, paused, breaker, credential, deadline)
                except VendorCredentialRejected:
                    if admission is not None and not _counts_refused(declaration, spec):
                        await self.shaper.release(admission)
                    raise
                return value, rate
        except BulkheadFull:
            raise VendorBusy(
                f"every connection to {declaration.display_name} is busy", vendor=declaration.name
            ) from None
        finally:
            if not called:
                breaker.release_probe()

    async def _call_vendor(
        self,
        call: VendorCall[T],
        key: str,
        breaker: CircuitBreaker,
        credential: object,
        deadline: float,
    ) -> T:
        declaration = call.adapter.declaration
        total = self._total_timeout(declaration.name)
        started = time.perf_counter()
        outcome = "ok"
        recorded = False
        try:
            async with asyncio.timeout(max(0.0, deadline - self._clock.monotonic())):
                result = await call.invoke(credential)
            breaker.record_success()
            recorded = True
            return result
        except TimeoutError:
            outcome = "vendor-timeout"
            breaker.record_failure()
            recorded = True
            timeout = VendorTimeout(
                f"{declaration.display_name} did not answer within this request's deadline of "
                f"{total:g} s (attempts, retries and waits for budget slots included)",
                vendor=declaration.name,
            )
            timeout.deadline_seconds = total
            raise timeout from None
        except RateLimited as exc:
            outcome = exc.slug
            await self.shaper.pause(key, exc.retry_after or VENDOR_PAUSE_WITHOUT_RETRY_AFTER)
            raise
        except GatewayError as exc:
            outcome = exc.slug
            if isinstance(exc, VendorFailure):
                breaker.record_failure()
            else:
                breaker.record_success()
            recorded = True
            raise
        finally:
            if not recorded:
                breaker.release_probe()
            self.metrics.vendor_call(declaration.name, call.op.value, outcome).observe(
                time.perf_counter() - started
            )

    async def _shape(
        self, declaration: VendorDeclaration, spec: OperationSpec, held: Held, deadline: float
    ) -> tuple[RateFacts | None, Admission | None]:
        budget = self.budget(declaration, spec.budget, held) if spec.budget is not None else None
        if budget is None or spec.budget is None:
            return None, None
        rate = Rate(budget.limit, budget.period_seconds)
        key = budget_key(declaration.name, held, spec.budget)
        try:
            admission = await self.shaper.acquire(key, rate, self._wait_bound(deadline))
        except ShapingRejected as exc:
            self.metrics.shaping_rejections.labels(declaration.name).inc()
            raise RateLimited(
                f"the {declaration.display_name} budget of this credential is spent "
                f"({budget.limit} per {budget.period_seconds:g} s); retry later",
                vendor=declaration.name,
                retry_after=exc.retry_after_seconds,
            ) from None
        self.metrics.shaping_wait.labels(declaration.name).observe(admission.waited_seconds)
        annotate(shaping_wait_ms=round(admission.waited_seconds * 1000, 1))
        return RateFacts(budget.limit, admission.remaining, budget.period_seconds), admission

    def budget(
        self, declaration: VendorDeclaration, name: str, held: Held | None
    ) -> RateBudget | None:
        """The vendor's budget ``name`` as it applies to ``held`` (``None``: no credential):
        the one place a budget's limit and period are read: the vendor's, or the operator's own
        limit for this credential."""
        return effective_budget(declaration, name, held.budgets if held is not None else {})

    async def _enforce_tenant_quota(self, tenant_id: str, quota: Rate, deadline: float) -> None:
        try:
            await self.shaper.acquire(f"tenant:{tenant_id}", quota, self._wait_bound(deadline))
        except ShapingRejected as exc:
            raise RateLimited(
                f"this tenant's quota of {quota.limit} vendor calls per "
                f"{quota.period_seconds:g} s is spent; retry later",
                retry_after=exc.retry_after_seconds,
            ) from None

    def _retry_budget(self, vendor: str) -> RetryBudget:
        budget = self._retry_budgets.get(vendor)
        if budget is None:
            budget = self._retry_budgets[vendor] = RetryBudget(self._retry, clock=self._clock)
        return budget

    def _wait_bound(self, deadline: float) -> float:
        """How long a wait for a budget slot may last: the shaping bound, within the request's
        deadline."""
        return min(deadline, self.shaper.wait_deadline())

    def _bulkhead(self, vendor: str) -> Bulkhead:
        if vendor not in self._bulkheads:
            self._bulkheads[vendor] = Bulkhead(DEFAULT_CONCURRENCY, DEFAULT_SLOT_WAIT)
        return self._bulkheads[vendor]


def cache_key(tenant_id: str, vendor: str, op: Op, params: tuple[object, ...]) -> str:
    """Tenant-scoped and built from normalized parameters (so ``+86`` and ``86`` are one key)."""
    digest = hashlib.sha256(msgspec.json.encode(params)).hexdigest()[:32]
    return f"gw:cache:{tenant_id}:{vendor}:{op.value}:{digest}"


_decoders: dict[object, Callable[[bytes], object]] = {}


def decoder(result_type: type[T]) -> Callable[[bytes], T]:
    """Decodes a cached answer as ``result_type`` (one decoder per type, built once)."""
    found = _decoders.get(result_type)
    if found is None:
        found = _decoders[result_type] = msgspec.json.Decoder(result_type).decode
    return cast(Callable[[bytes], T], found)
