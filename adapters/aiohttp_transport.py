"""httpx's API on aiohttp's connection pool, behaving like httpx's own pool where it matters.

``httpx-aiohttp`` alone differs in two ways the gateway cannot accept: aiohttp resends an
idempotent request once by itself when its pooled connection drops (a vendor request that the
rate limiter never admitted and the retry budget never counted), and a dropped connection
surfaces as a connect *timeout* (a 504) rather than a transport error (a 502, retried like
any other vendor failure); so did a refused connection. This transport turns the resend off and
maps failures as httpx does (:func:`vendor_transport_errors`, which
:mod:`adapters.aiohttp_client` shares).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import map_aiohttp_exceptions


@contextlib.contextmanager
def vendor_transport_errors() -> Iterator[None]:
    """aiohttp's failures raised as httpx's own pool raises them.

    ``httpx-aiohttp`` maps every connection error that is not a timeout to a connect
    *timeout*; here only a timeout is one. A vendor that refuses the connection (or whose
    address or certificate fails) is a ``ConnectError`` and a connection it dropped a
    ``RemoteProtocolError`` or ``ReadError``: transport errors, which the gateway answers 502
    and retries like any other vendor failure, not 504.
    """
    try:
        with map_aiohttp_exceptions():
            yield
    except httpx.ConnectTimeout as exc:
        cause = exc.__cause__
        if isinstance(cause, aiohttp.ServerTimeoutError) or not isinstance(
            cause, aiohttp.ClientConnectionError
        ):
            raise
        if isinstance(cause, aiohttp.ClientConnectorError):
            raise httpx.ConnectError(str(cause)) from cause
        if isinstance(cause, aiohttp.ServerDisconnectedError):
            raise httpx.RemoteProtocolError(str(cause)) from cause
        raise httpx.ReadError(str(cause)) from cause


class VendorAiohttpTransport(AiohttpTransport):
    """aiohttp's pool for one vendor client: no hidden resends, drops are transport errors."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, client=self._new_session)

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
        )
        session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        # aiohttp has no public switch for its resend of idempotent requests on a dropped
        # pooled connection; every attempt must go through the pipeline's limiter and budget.
        session._retry_connection = False
        return session

    def session(self) -> aiohttp.ClientSession:
        """The pool, built on first use (inside the event loop), as ``handle_async_request``
        builds it."""
        if not isinstance(self.client, aiohttp.ClientSession):
            self.client = self.get_client()
        return self.client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; a connection the vendor dropped is a transport error, as on httpx."""
        with vendor_transport_errors():
            return await super().handle_async_request(request)
