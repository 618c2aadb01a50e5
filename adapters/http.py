"""The one place vendor HTTP clients are built, and the transport-level error mapping.

Each vendor gets exactly one pooled ``httpx.AsyncClient`` per process. Adapters' ``client.py``
modules receive it injected; tests hand them a client on ``httpx.MockTransport`` instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import httpx
from httpx_aiohttp import AiohttpTransport
from opentelemetry.sdk.trace import TracerProvider

from contract.errors import VendorError, VendorTimeout, VendorUnreachable
from gateway.settings import VendorHttpSettings
from gateway.telemetry import instrument_vendor_client

T = TypeVar("T")


class VendorResponseError(Exception):
    """A vendor answered with a status its client does not treat as success."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = dict(headers)
        self.body = body
        super().__init__(f"vendor answered HTTP {status}")


class VendorPayloadError(Exception):
    """A vendor's success answer did not have the documented shape."""


def build_vendor_client(
    settings: VendorHttpSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> httpx.AsyncClient:
    """A pooled client for one vendor, with explicit timeouts and pool limits, traced when a
    tracer provider is given (a client span per call, ``traceparent`` sent to the vendor).

    The transport is a setting: httpx's own pool, or aiohttp's under the same httpx API.
    """
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
    )
    if transport is None and settings.transport == "aiohttp":
        transport = AiohttpTransport(limits=limits)
    client = httpx.AsyncClient(
        base_url=settings.base_url,
        timeout=httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        ),
        limits=limits,
        follow_redirects=False,
        transport=transport,
        headers={"Accept": "application/json", "User-Agent": "caller-gateway"},
    )
    if tracer_provider is not None:
        instrument_vendor_client(client, tracer_provider)
    return client


async def translate_transport_errors(vendor: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run a vendor call, turning httpx's transport failures into gateway errors."""
    try:
        return await call()
    except httpx.TimeoutException:
        raise VendorTimeout(f"{vendor} did not answer in time", vendor=vendor) from None
    except httpx.TransportError as exc:
        raise VendorUnreachable(
            f"could not reach {vendor}: {type(exc).__name__}", vendor=vendor
        ) from None
    except httpx.HTTPError as exc:
        raise VendorError(
            f"{vendor}'s answer could not be read: {type(exc).__name__}", vendor=vendor
        ) from None
