"""Each registered vendor's health as one tenant sees it (``GET /v1/vendors``, the console).

Read, never spent: the credential's metadata and the last check of it (vault and audit log),
what its budgets would admit now (the limiter, shared by replicas through Redis when there is
one), its circuit breaker, and what this replica recorded of the tenant's calls (cache lookups,
admitted calls, the last failure; see :mod:`gateway.vendor_activity`). No secret is read into the
answer: a credential is named by its fingerprint and labels.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime

from adapters.capabilities import VendorAdapter
from contract.credentials import CredentialVerification, VerificationStatus
from contract.errors import VendorNotConfigured
from contract.vendors import (
    BreakerStatus,
    BudgetStatus,
    CacheStatus,
    CircuitState,
    CredentialSummary,
    VendorStatus,
)
from gateway.audit import AuditAction, AuditEntry
from gateway.pipeline import Held, VendorPipeline, breaker_key, budget_key, is_token_exchanger
from gateway.services import Services
from gateway.tokens import account_budget_key
from gateway.vendor_activity import MINUTES_KEPT, CacheResult, PairActivity
from policies.ratelimit import Rate
from policies.resilience.breaker import BreakerState
from policies.vault import CredentialMetadata

_CIRCUIT_STATES = {
    BreakerState.CLOSED: CircuitState.CLOSED,
    BreakerState.OPEN: CircuitState.OPEN,
    BreakerState.HALF_OPEN: CircuitState.HALF_OPEN,
}


async def vendor_statuses(services: Services, tenant_id: str) -> list[VendorStatus]:
    """Every vendor of the registry, in its order, as ``tenant_id`` stands with it now."""
    stored = {meta.vendor: meta for meta in await services.vault.list(tenant_id)}
    return [
        await _status(services, tenant_id, adapter, stored.get(adapter.declaration.name))
        for adapter in services.registry.all()
    ]


async def _status(
    services: Services, tenant_id: str, adapter: VendorAdapter, meta: CredentialMetadata | None
) -> VendorStatus:
    declaration = adapter.declaration
    pipeline = services.pipeline
    held = await _held(pipeline, tenant_id, adapter) if meta is not None else None
    activity = pipeline.activity.of(tenant_id, declaration.name)
    return VendorStatus(
        vendor=declaration.name,
        display_name=declaration.display_name,
        capabilities=[op.value for op in declaration.operations],
        credential=await _credential(services, tenant_id, adapter, meta) if meta else None,
        budgets=[
            await _budget(pipeline, adapter, name, held, activity) for name in declaration.budgets
        ],
        breaker=_breaker(pipeline, adapter, held),
        cache=_cache(pipeline, activity),
        last_error=activity.last_error if activity is not None else None,
    )


async def _held(pipeline: VendorPipeline, tenant_id: str, adapter: VendorAdapter) -> Held | None:
    """The tenant's credential as the pipeline holds it (for its keys only)."""
    try:
        return await pipeline.credentials.hold(tenant_id, adapter)
    except VendorNotConfigured:
        return None


async def _credential(
    services: Services, tenant_id: str, adapter: VendorAdapter, meta: CredentialMetadata
) -> CredentialSummary:
    change = await services.audit.last_credential_change(tenant_id, adapter.declaration.name)
    return CredentialSummary(
        fingerprint=meta.fingerprint,
        labels=dict(meta.labels),
        created_at=meta.created_at,
        rotated_at=meta.rotated_at,
        verification=(
            _verification(adapter, change)
            if change is not None and change.detail.get("fingerprint") == meta.fingerprint
            else None
        ),
    )


def _verification(adapter: VendorAdapter, change: AuditEntry) -> CredentialVerification | None:
    """What the vendor said of the credential when it was stored or rotated, as logged."""
    if change.action is AuditAction.CREDENTIAL_ROTATED:
        return CredentialVerification(
            status=VerificationStatus.VERIFIED,
            checked_at=change.at,
            detail=f"{adapter.declaration.display_name} accepted it when it was rotated in",
        )
    status = change.detail.get("verification")
    if status not in {s.value for s in VerificationStatus}:
        return None
    checked_at = change.detail.get("checked_at")
    return CredentialVerification(
        status=VerificationStatus(status),
        checked_at=datetime.fromisoformat(checked_at) if checked_at else None,
        detail=change.detail.get("verification_detail", f"recorded as {status}"),
    )


async def _budget(
    pipeline: VendorPipeline,
    adapter: VendorAdapter,
    name: str,
    held: Held | None,
    activity: PairActivity | None,
) -> BudgetStatus:
    declaration = adapter.declaration
    declared = declaration.budgets[name]
    if held is not None and declared.scope == "account" and is_token_exchanger(adapter):
        held = replace(held, budget_key=account_budget_key(adapter, held.credential))
    budget = pipeline.budget(declaration, name, held) or declared
    remaining = None
    if held is not None:
        key = budget_key(declaration.name, held, name)
        remaining = await pipeline.shaper.remaining(key, Rate(budget.limit, budget.period_seconds))
    ring = activity.admitted.get(name) if activity is not None else None
    now = pipeline.activity.now()
    return BudgetStatus(
        name=name,
        limit=budget.limit,
        period_seconds=budget.period_seconds,
        remaining=remaining,
        used_per_minute=ring.per_minute(now) if ring is not None else [0] * MINUTES_KEPT,
    )


def _breaker(pipeline: VendorPipeline, adapter: VendorAdapter, held: Held | None) -> BreakerStatus:
    breaker = (
        pipeline.breakers.peek(breaker_key(adapter.declaration.name, held))
        if held is not None
        else None
    )
    if breaker is None:
        return BreakerStatus(state=CircuitState.CLOSED, retry_after_seconds=None)
    retry_after = breaker.retry_after
    return BreakerStatus(
        state=_CIRCUIT_STATES[breaker.state],
        retry_after_seconds=math.ceil(retry_after) if retry_after is not None else None,
    )


def _cache(pipeline: VendorPipeline, activity: PairActivity | None) -> CacheStatus:
    recorder = pipeline.activity
    now = recorder.now()
    counts = {
        result: activity.cache[result].total(now) if activity is not None else 0
        for result in CacheResult
    }
    hits, misses, stale = (counts[result] for result in CacheResult)
    lookups = hits + misses + stale
    return CacheStatus(
        window_seconds=recorder.window_seconds,
        hits=hits,
        misses=misses,
        stale=stale,
        hit_ratio=hits / lookups if lookups else None,
    )
