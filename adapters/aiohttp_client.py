"""The vendor client on aiohttp: httpx's API for the adapters, the requests they make sent
straight over aiohttp's pool.

httpx's machinery between a call and its pool costs about 230 us of CPU per vendor call: 333
us in all against 105 us on aiohttp alone (a GET with a query, 16 at a time, against the
TrustCaller simulator). Building the request merges the base URL and parses and re-encodes the
whole URL with its query (68 us), the auth and redirect layers and the cookie jar run on every
call (the jar keeps nothing), and the transport converts the request and the answer. That was
a fifth of an uncached gateway call.

The adapters use a small part of the API: ``request`` (and ``get``, ``post``, ``put``,
``delete``, which call it) with a path under the vendor's base URL, query parameters, headers
and a ``bytes``/``str`` or JSON body. Those requests go directly: the query is encoded by
httpx's own ``QueryParams`` and the JSON as httpx does, the client's default headers are sent
as httpx would send them, nothing is decompressed before httpx's ``Response`` reads it, no
redirect is followed and no cookie kept, and aiohttp's failures are raised as httpx's
(:func:`adapters.aiohttp_transport.vendor_transport_errors`). Anything else (an absolute URL,
a path with characters to escape, form data or files, per-request auth, cookies, timeouts or
redirects) takes httpx's own path, on the same aiohttp pool. Neither takes a proxy from the
environment (:func:`adapters.http.build_vendor_client`).
"""

from __future__ import annotations

import contextlib
import json as json_module
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
from multidict import CIMultiDict
from yarl import URL

from adapters.aiohttp_transport import VendorAiohttpTransport, vendor_transport_errors
from adapters.vendor_spans import TracedTransport, VendorSpans

_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*")
"""A path that needs no escaping (adapters escape ids with ``quote``): sent as it is."""


class AiohttpVendorClient(httpx.AsyncClient):
    """One vendor's client: httpx's API, the adapters' requests sent straight over aiohttp."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        limits: httpx.Limits,
        cookies: Any,
        spans: VendorSpans | None = None,
    ) -> None:
        self._vendor_pool = VendorAiohttpTransport(limits)
        pool: httpx.AsyncBaseTransport = self._vendor_pool
        super().__init__(
            base_url=base_url,
            headers=headers,
            timeout=timeout,
            limits=limits,
            cookies=cookies,
            follow_redirects=False,
            transport=TracedTransport(pool, spans) if spans is not None else pool,
        )
        self._vendor_spans = spans
        self._vendor_prefix = str(self.base_url).rstrip("/")
        self._vendor_headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in self.headers.raw
        )
        self._vendor_timeout = aiohttp.ClientTimeout(
            sock_connect=timeout.connect, sock_read=timeout.read, connect=timeout.pool
        )

    async def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,  # noqa: ASYNC109 (httpx's signature)
        extensions: Any = None,
    ) -> httpx.Response:
        """Send a request (directly when it is one the adapters make; see the module)."""
        direct = (
            isinstance(url, str)
            and _PLAIN_PATH.fullmatch(url) is not None
            and _sendable(content, json)
            and data is None
            and files is None
            and cookies is None
            and extensions is None
            and auth is httpx.USE_CLIENT_DEFAULT
            and timeout is httpx.USE_CLIENT_DEFAULT
            and (follow_redirects is httpx.USE_CLIENT_DEFAULT or follow_redirects is False)
        )
        if not direct:
            return await super().request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
            )
        body = _body(content, json)
        target = self._vendor_prefix + str(url)
        if params:
            target += "?" + str(httpx.QueryParams(params))
        sent = self._vendor_headers.copy()
        if headers:
            sent.update(headers if isinstance(headers, Mapping) else httpx.Headers(headers))
        if json is not None and "content-type" not in sent:
            sent["Content-Type"] = "application/json"
        return await self._send(method, target, sent, body)

    async def _send(
        self, method: str, target: str, sent: CIMultiDict[str], body: bytes | None
    ) -> httpx.Response:
        traced = (
            self._vendor_spans.call(method, target, sent)
            if self._vendor_spans is not None
            else contextlib.nullcontext(None)
        )
        with traced as span, vendor_transport_errors():
            async with self._vendor_pool.session().request(
                method,
                URL(target, encoded=True),
                headers=sent,
                data=body,
                allow_redirects=False,
                auto_decompress=False,
                compress=False,
                timeout=self._vendor_timeout,
            ) as answer:
                raw = await answer.read()
            if span is not None:
                span.answered(answer.status)
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=raw,
            extensions={"http_version": b"HTTP/1.1"},
        )


def _sendable(content: Any, json: Any) -> bool:
    """Whether the body is one the direct path sends: none, ``bytes``/``str``, or JSON alone."""
    if json is not None:
        return content is None
    return content is None or isinstance(content, bytes | str)


def _body(content: Any, json: Any) -> bytes | None:
    """The bytes to send (``None`` for none), encoded as httpx encodes them."""
    if json is not None:
        encoded = json_module.dumps(
            json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
        return encoded.encode("utf-8")
    if isinstance(content, str):
        content = content.encode("utf-8")
    return content or None
