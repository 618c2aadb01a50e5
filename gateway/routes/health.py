"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.metrics import GatewayMetrics
from gateway.services import Services


class Health(msgspec.Struct, frozen=True):
    """Probe answer."""

    status: str


@get(
    "/healthz", operation_id="getHealth", summary="Liveness probe", tags=["operations"], security=[]
)
async def healthz() -> Health:
    """The process is up and serving HTTP."""
    return Health(status="ok")


@get(
    "/readyz",
    operation_id="getReadiness",
    summary="Readiness probe",
    tags=["operations"],
    security=[],
)
async def readyz(services: NamedDependency[Services]) -> Response[Health]:
    """The stores answer; 503 when one does not."""
    try:
        await services.tenants.get_tenant("__readiness__")
        await services.vault.list("__readiness__")
    except Exception:  # any store failure means not ready
        return Response(Health(status="unavailable"), status_code=503)
    return Response(Health(status="ready"))


@get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics",
    tags=["operations"],
    media_type=CONTENT_TYPE_LATEST,
    sync_to_thread=False,
)
def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """This process's metrics in the Prometheus text format."""
    metrics: GatewayMetrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
