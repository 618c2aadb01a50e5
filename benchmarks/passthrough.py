"""P: a bare Litestar app passing two routes through to the vendor, nothing else.

It builds its client where the gateway does (:func:`adapters.http.build_vendor_client`, so the
same ``GATEWAY_VENDOR_TRANSPORT``) and is served by uvicorn like the gateway:

    BENCH_VENDOR_URL=http://127.0.0.1:9000/api/v1 \
        uvicorn benchmarks.passthrough:create_app --factory
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get

from adapters.http import DEFAULT_TRANSPORT, VendorHttpSettings, build_vendor_client

_CLIENT = "vendor_client"


async def _forward(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
    client: httpx.AsyncClient = request.app.state[_CLIENT]
    vendor = await client.get(
        path,
        params=dict(request.query_params),
        headers={
            "Authorization": request.headers.get("authorization", ""),
            "Accept": "application/json",
        },
    )
    return Response(vendor.content, status_code=vendor.status_code, media_type="application/json")


@get("/calls/live")
async def live_call(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The vendor's live-call check, as it answered."""
    return await _forward(request, "/calls/check")


@get("/test-numbers")
async def test_numbers(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The vendor's test numbers, as it answered."""
    return await _forward(request, "/test-numbers")


def create_app() -> Litestar:
    """The pass-through, its vendor at ``BENCH_VENDOR_URL``."""
    settings = VendorHttpSettings(  # the gateway's defaults: pool size, timeouts
        base_url=os.environ["BENCH_VENDOR_URL"],
        transport=os.environ.get("GATEWAY_VENDOR_TRANSPORT", DEFAULT_TRANSPORT),
    )

    async def open_client(app: Litestar) -> None:
        app.state[_CLIENT] = build_vendor_client(settings)

    async def close_client(app: Litestar) -> None:
        await app.state[_CLIENT].aclose()

    return Litestar(
        [live_call, test_numbers],
        on_startup=[open_client],
        on_shutdown=[close_client],
        openapi_config=None,
    )
