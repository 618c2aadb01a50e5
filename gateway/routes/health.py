"""Liveness and readiness probes (no authentication)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.response import Response

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
