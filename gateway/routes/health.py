"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST

from gateway.metrics import GatewayMetrics
from gateway.services import Services
from policies.redis_client import REDIS_ERRORS
from policies.sql import DatabaseUnavailable

DATABASE_CHECK_SECONDS = 2.0
RESEED_NOTICE = 600.0
"""For how long readiness mentions that Redis was found emptied."""


class Health(msgspec.Struct, frozen=True):
    """Probe answer."""

    status: str


@get(
    "/healthz", operation_id="getHealth", summary="Liveness probe", tags=["operations"], security=[]
)
async def healthz() -> Health:
    """The process is up and serving HTTP."""
    return Health(status="ok")


class DependencyCheck(msgspec.Struct, frozen=True):
    """One dependency's state: ``ok``, ``degraded`` (serving without it) or ``failing``."""

    name: str
    status: str
    detail: str | None = None


class Readiness(msgspec.Struct, frozen=True):
    """``ready``, ``degraded`` (serving, with fallbacks) or ``unavailable`` (cannot serve)."""

    status: str
    checks: list[DependencyCheck]


async def _check_database(services: Services) -> DependencyCheck:
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS):
            await services.database.ping()
    except (DatabaseUnavailable, TimeoutError):
        if services.last_known.remembered:
            return DependencyCheck(
                "database",
                "degraded",
                "unreachable: serving recently seen keys and credentials; writes answer 503",
            )
        return DependencyCheck("database", "failing", "the system of record is unreachable")
    return DependencyCheck("database", "ok")


async def _check_redis(services: Services) -> DependencyCheck | None:
    if services.redis is None:
        return None
    try:
        await services.redis.ping()
    except REDIS_ERRORS:
        return DependencyCheck("redis", "degraded", "unreachable: limiter and cache fall back")
    shaper = services.pipeline.shaper
    if shaper.last_reseed_at is not None and time.time() - shaper.last_reseed_at < RESEED_NOTICE:
        when = datetime.fromtimestamp(shaper.last_reseed_at, UTC).isoformat(timespec="seconds")
        return DependencyCheck(
            "redis",
            "ok",
            f"found emptied at {when}: re-seeded {shaper.reseeds} rate window(s) from this "
            "replica's admissions (cache and vendor tokens are rebuilt on use)",
        )
    return DependencyCheck("redis", "ok")


def _check_vendors(services: Services) -> list[DependencyCheck]:
    open_by_vendor = services.pipeline.breakers.not_closed_by_group()
    return [
        DependencyCheck(f"vendor:{vendor}", "degraded", f"{count} circuit breaker(s) open")
        if (count := open_by_vendor.get(vendor, 0))
        else DependencyCheck(f"vendor:{vendor}", "ok")
        for vendor in sorted(services.settings.vendors)
    ]


@get(
    "/readyz",
    operation_id="getReadiness",
    summary="Readiness probe",
    tags=["operations"],
    security=[],
    responses={
        503: ResponseSpec(data_container=Readiness, description="The gateway cannot serve.")
    },
)
async def readyz(services: NamedDependency[Services]) -> Response[Readiness]:
    """Each dependency's state; 503 when the gateway cannot serve (its database is down and it
    has seen no caller recently)."""
    keys = services.settings.stores.vault_keys
    checks = [
        await _check_database(services),
        DependencyCheck(
            "vault_keys",
            "ok" if keys else "failing",
            f"active master key version {keys.active.version}" if keys else "no master key",
        ),
    ]
    redis = await _check_redis(services)
    checks += [redis] if redis else []
    checks += _check_vendors(services)
    if any(check.status == "failing" for check in checks):
        return Response(Readiness("unavailable", checks), status_code=503)
    status = "degraded" if any(check.status == "degraded" for check in checks) else "ready"
    return Response(Readiness(status, checks))


@get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics",
    tags=["operations"],
    security=[],
    media_type=CONTENT_TYPE_LATEST,
    sync_to_thread=False,
)
def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The gateway's metrics in the Prometheus text format, summed over its worker processes.
    No key is needed: labels are bounded and name no tenant, credential or number (keep the
    port off public networks, or block `/metrics` at the proxy)."""
    metrics: GatewayMetrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
