"""The one place vendor HTTP clients are built, and the transport-level error mapping.

Each vendor gets exactly one pooled ``httpx.AsyncClient`` per process. Adapters' ``client.py``
modules receive it injected; tests hand them a client on ``httpx.MockTransport`` instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TypeVar

import httpx

from adapters.aiohttp_client import AiohttpVendorClient
from adapters.vendor_spans import TracedTransport, VendorSpans
from contract.errors import VendorError, VendorTimeout, VendorUnreachable

T = TypeVar("T")
TRANSPORTS = ("httpx", "aiohttp")
DEFAULT_TRANSPORT = "aiohttp"
"""Measured the cheaper under concurrency (``benchmarks/vendor_transport.py``)."""
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": "caller-gateway"}


@dataclass(frozen=True)
class VendorHttpSettings:
    """How the gateway talks to one vendor."""

    base_url: str
    """Vendor API root, without a trailing slash."""
    connect_timeout: float = 3.0
    """Seconds to establish a connection."""
    read_timeout: float = 10.0
    """Seconds to wait for response bytes."""
    max_connections: int = 50
    """Pooled connections per vendor per process."""
    total_timeout: float = 15.0
    """Seconds one vendor call may take in all (connect, send, wait, read)."""
    transport: str = DEFAULT_TRANSPORT
    """``aiohttp`` (httpx's API on aiohttp's pool: a fifth of the CPU per call under concurrency,
    see ``benchmarks/vendor_transport.py``) or ``httpx`` (its own pool)."""


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
    spans: VendorSpans | None = None,
) -> httpx.AsyncClient:
    """A pooled client for one vendor, with explicit timeouts and pool limits and no cookies
    kept; each call in a client span of ``spans`` (the gateway's tracing) when given.

    The transport is a setting: aiohttp's pool (the adapters' requests sent to it directly,
    :class:`adapters.aiohttp_client.AiohttpVendorClient`) or httpx's own; a test hands its own
    ``transport``. Either way the client is handed its transport, so httpx takes no proxy
    from the environment: the gateway connects to its vendors itself.
    """
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
    )
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )
    if transport is None and settings.transport == "aiohttp":
        return AiohttpVendorClient(
            base_url=settings.base_url,
            headers=DEFAULT_HEADERS,
            timeout=timeout,
            limits=limits,
            cookies=_no_cookies(),
            spans=spans,
        )
    transport = transport or httpx.AsyncHTTPTransport(limits=limits)
    return httpx.AsyncClient(
        base_url=settings.base_url,
        cookies=_no_cookies(),
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        transport=TracedTransport(transport, spans) if spans is not None else transport,
        headers=DEFAULT_HEADERS,
    )


def _no_cookies() -> CookieJar:
    """A jar that keeps nothing: one client serves every tenant, so a cookie a vendor sets on
    one tenant's answer must never ride on another tenant's request."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


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
