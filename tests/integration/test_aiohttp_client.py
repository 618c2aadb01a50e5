"""The vendor client on aiohttp (the default) against a real HTTP server: what the server
receives is what httpx's own client sends, and answers, failures, cookies, redirects and spans
behave as on httpx, whether a request is sent directly or takes httpx's path."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from adapters.aiohttp_client import AiohttpVendorClient
from adapters.http import VendorHttpSettings, build_vendor_client
from adapters.vendor_spans import TRACER_NAME, VendorSpans
from simulators.server import bind_socket

COMPARED_HEADERS = (
    "accept",
    "user-agent",
    "authorization",
    "content-type",
    "idempotency-key",
    "cookie",
    "traceparent",
)


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    seen = {
        "method": request.method,
        "target": request.raw_path,
        "headers": {
            k.lower(): v for k, v in request.headers.items() if k.lower() in COMPARED_HEADERS
        },
        "body": body.decode(),
    }
    return web.json_response(seen, headers={"Set-Cookie": "session=tenant-a; Path=/"})


async def _gzipped(_: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress(b'{"packed": true}'),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )


async def _moved(_: web.Request) -> web.Response:
    raise web.HTTPFound("/api/v1/echo")


async def _slow(_: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return web.json_response({})


async def _drop(request: web.Request) -> web.Response:
    assert request.transport is not None
    request.transport.close()
    await asyncio.sleep(0.1)
    return web.json_response({})


@pytest.fixture
async def vendor() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/api/v1/echo", _echo)
    app.router.add_get("/api/v1/gzipped", _gzipped)
    app.router.add_get("/api/v1/moved", _moved)
    app.router.add_get("/api/v1/slow", _slow)
    app.router.add_get("/api/v1/drop", _drop)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = bind_socket()
    site = web.SockSite(runner, sock)
    await site.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
    await runner.cleanup()


def _settings(base_url: str, transport: str) -> VendorHttpSettings:
    return VendorHttpSettings(base_url=base_url, transport=transport, read_timeout=0.5)


async def _both(base_url: str, call: Callable[[httpx.AsyncClient], Any]) -> tuple[Any, Any]:
    """``call`` on the aiohttp client and on httpx's own, each fresh."""
    answers = []
    for transport in ("aiohttp", "httpx"):
        async with build_vendor_client(_settings(base_url, transport)) as client:
            answers.append(await call(client))
    return answers[0], answers[1]


REQUESTS: list[tuple[str, Callable[[httpx.AsyncClient], Any]]] = [
    (
        "a query with a plus, spaces, a list, a bool and unicode",
        lambda c: c.get(
            "/echo",
            params={
                "number": "+4915112345678",
                "q": "a b&c",
                "ids": ["1", "2"],
                "all": True,
                "name": "Zoë",
            },
            headers={"Authorization": "Bearer t0ken"},
        ),
    ),
    (
        "a JSON body with unicode",
        lambda c: c.post("/echo", json={"name": "Zoë", "n": 1.5}, headers={"Authorization": "x"}),
    ),
    (
        "raw bytes with their own type and an idempotency key",
        lambda c: c.request(
            "PUT",
            "/echo",
            content=b'{"a":1}',
            headers={"Content-Type": "application/json", "Idempotency-Key": "k-1"},
        ),
    ),
    ("a DELETE without a body", lambda c: c.delete("/echo", headers={"Accept": "text/plain"})),
]


@pytest.mark.parametrize(("what", "call"), REQUESTS, ids=[what for what, _ in REQUESTS])
async def test_the_vendor_receives_what_httpx_itself_sends(
    vendor: str, what: str, call: Callable[[httpx.AsyncClient], Any]
) -> None:
    direct, reference = await _both(vendor, call)

    assert direct.status_code == reference.status_code == 200, what
    assert direct.json() == reference.json(), what


async def test_the_adapters_requests_skip_httpxs_machinery_and_the_rest_take_it(
    vendor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent_through_httpx: list[str] = []
    send = httpx.AsyncClient.send

    async def counted(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> Any:
        sent_through_httpx.append(request.url.path)
        return await send(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", counted)
    async with build_vendor_client(_settings(vendor, "aiohttp")) as client:
        assert isinstance(client, AiohttpVendorClient)
        assert (await client.get("/echo", params={"n": "1"})).status_code == 200
        assert (await client.post("/echo", json={"a": 1})).status_code == 200
        assert sent_through_httpx == []

        absolute = await client.get(vendor + "/echo")
        escaped = await client.get("/echo?already=1")
        followed = await client.get("/moved", follow_redirects=True)

    assert (absolute.status_code, escaped.status_code, followed.status_code) == (200, 200, 200)
    assert escaped.json()["target"] == "/api/v1/echo?already=1"
    assert sent_through_httpx == ["/api/v1/echo", "/api/v1/echo", "/api/v1/moved"]


async def test_no_redirect_is_followed_no_cookie_kept_and_a_compressed_answer_is_read(
    vendor: str,
) -> None:
    async with build_vendor_client(_settings(vendor, "aiohttp")) as client:
        moved = await client.get("/moved")
        await client.get("/echo")
        second = await client.get("/echo")
        packed = await client.get("/gzipped")

    assert moved.status_code == 302
    assert "cookie" not in second.json()["headers"], "one tenant's cookie on the next request"
    assert packed.json() == {"packed": True}


async def test_a_slow_answer_is_a_read_timeout(vendor: str) -> None:
    async with build_vendor_client(_settings(vendor, "aiohttp")) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")


async def test_a_dropped_connection_is_a_transport_error_not_a_timeout(vendor: str) -> None:
    async with build_vendor_client(_settings(vendor, "aiohttp")) as client:
        with pytest.raises(httpx.TransportError) as raised:
            await client.get("/drop")

    assert not isinstance(raised.value, httpx.TimeoutException), raised.value


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_neither_transport_takes_a_proxy_from_the_environment(
    vendor: str, transport: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with bind_socket() as sock:
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", nowhere)
    monkeypatch.setenv("ALL_PROXY", nowhere)

    async with build_vendor_client(_settings(vendor, transport)) as client:
        answer = await client.get("/echo")

    assert answer.status_code == 200


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
async def test_a_vendor_that_is_not_listening_is_a_connect_error_not_a_timeout(
    transport: str,
) -> None:
    with bind_socket() as sock:
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"
    async with build_vendor_client(_settings(closed, transport)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/echo")


async def test_a_direct_call_is_one_client_span_and_sends_its_traceparent(vendor: str) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    spans = VendorSpans(provider.get_tracer(TRACER_NAME))
    async with build_vendor_client(_settings(vendor, "aiohttp"), spans=spans) as client:
        answer = await client.get("/echo", params={"number": "+4915112345678"})
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")

    traced, failed = exporter.get_finished_spans()
    assert traced.kind is SpanKind.CLIENT and traced.name == "GET"
    assert dict(traced.attributes or {}) == {
        "http.method": "GET",
        "http.url": vendor + "/echo",
        "http.status_code": 200,
    }
    sent = answer.json()["headers"]["traceparent"].split("-")
    assert int(sent[2], 16) == traced.context.span_id
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "ReadTimeout"
    assert "4915112345678" not in json.dumps([traced.to_json(), failed.to_json()])
