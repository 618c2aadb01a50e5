"""httpx's API on aiohttp's connection pool, behaving like httpx's own pool where it matters.

``httpx-aiohttp`` alone differs in two ways the gateway cannot accept: aiohttp resends an
idempotent request once by itself when its pooled connection drops (a vendor request that the
rate limiter never admitted and the retry budget never counted), and a dropped connection
surfaces as a connect *timeout* (a 504) rather than a transport error (a 502, retried like
any other vendor failure). This transport turns the resend off and maps the drop as httpx does.
"""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

_NOT_A_DROP = (aiohttp.ServerTimeoutError, aiohttp.ClientConnectorError)
"""Connection errors that really are timeouts or failures to connect (mapped as they are)."""


class VendorAiohttpTransport(AiohttpTransport):
    """aiohttp's pool for one vendor client: no hidden resends, drops are transport errors."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, client=self._session)

    def _session(self) -> aiohttp.ClientSession:
        """Built on first use, inside the event loop."""
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
        )
        session = aiohttp.ClientSession(connector=connector)
        # aiohttp has no public switch for its resend of idempotent requests on a dropped
        # pooled connection; every attempt must go through the pipeline's limiter and budget.
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; a connection the vendor dropped is a transport error, as on httpx."""
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ServerDisconnectedError):
                raise httpx.RemoteProtocolError(str(cause), request=request) from cause
            if isinstance(cause, aiohttp.ClientConnectionError) and not isinstance(
                cause, _NOT_A_DROP
            ):
                raise httpx.ReadError(str(cause), request=request) from cause
            raise
