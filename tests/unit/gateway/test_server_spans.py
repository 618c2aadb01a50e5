"""The server span of each request: named after its route, no query, the caller's trace kept."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from gateway.server_spans import ServerSpans
from gateway.telemetry import build_tracer_provider, current_trace_id

Seen = dict[str, object]


def scope(path: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": query,
        "headers": headers or [(b"host", b"gw")],
    }


def app_answering(status: int, seen: Seen, template: str | None = None, fail: bool = False):
    async def app(scope: dict, receive: object, send: object) -> None:
        seen["trace_id"] = current_trace_id()
        if template is not None:
            scope["path_template"] = template
        if fail:
            raise RuntimeError("+8613800000000 secret-detail")
        await send({"type": "http.response.start", "status": status, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"{}"})  # type: ignore[operator]

    return app


async def serve(middleware: ServerSpans, request: dict) -> list[dict]:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await middleware(request, receive, send)  # type: ignore[arg-type]
    return sent


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


def recording(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


async def test_a_span_is_named_after_the_route_and_never_holds_the_path_or_query(
    exporter: InMemorySpanExporter,
) -> None:
    seen: Seen = {}
    app = app_answering(200, seen, template="/v1/hooks/{token:str}")
    token = "whk_" + secrets.token_urlsafe(16)
    middleware = ServerSpans(app, recording(exporter))

    sent = await serve(middleware, scope(f"/v1/hooks/{token}", b"number=%2B8613800000000"))

    (span,) = exporter.get_finished_spans()
    assert sent[0]["status"] == 200
    assert span.name == "GET /v1/hooks/{token:str}" and span.kind is SpanKind.SERVER
    assert dict(span.attributes or {}) == {
        "http.method": "GET",
        "http.scheme": "http",
        "http.route": "/v1/hooks/{token:str}",
        "http.status_code": 200,
    }
    assert token not in repr(span.to_json()) and "8613800000000" not in repr(span.to_json())
    assert span.status.status_code is StatusCode.UNSET
    assert seen["trace_id"] == format(span.context.trace_id, "032x")


async def test_a_request_without_a_route_keeps_the_methods_name(
    exporter: InMemorySpanExporter,
) -> None:
    await serve(ServerSpans(app_answering(404, {}), recording(exporter)), scope("/nowhere"))

    (span,) = exporter.get_finished_spans()
    assert span.name == "HTTP GET" and "http.route" not in (span.attributes or {})


async def test_a_5xx_or_an_escaping_exception_is_an_error_named_by_type_only(
    exporter: InMemorySpanExporter,
) -> None:
    provider = recording(exporter)
    await serve(ServerSpans(app_answering(503, {}), provider), scope("/a"))
    with pytest.raises(RuntimeError):
        await serve(ServerSpans(app_answering(200, {}, fail=True), provider), scope("/b"))

    answered, failed = exporter.get_finished_spans()
    assert answered.status.status_code is StatusCode.ERROR
    assert answered.attributes and answered.attributes["http.status_code"] == 503
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "RuntimeError"
    assert failed.attributes and failed.attributes["error.type"] == "RuntimeError"
    assert "secret-detail" not in repr(failed.to_json())
    assert failed.events == ()


async def test_the_callers_trace_is_continued_and_its_sampling_decision_kept(
    exporter: InMemorySpanExporter,
) -> None:
    trace_id, unsampled_id, parent = (
        secrets.token_hex(16),
        secrets.token_hex(16),
        secrets.token_hex(8),
    )
    sampled = [(b"traceparent", f"00-{trace_id}-{parent}-01".encode())]
    unsampled = [(b"traceparent", f"00-{unsampled_id}-{parent}-00".encode())]
    sampled_seen: Seen = {}
    quiet_seen: Seen = {}
    provider = recording(exporter)

    await serve(
        ServerSpans(app_answering(200, sampled_seen), provider), scope("/a", headers=sampled)
    )
    await serve(
        ServerSpans(app_answering(200, quiet_seen), provider), scope("/a", headers=unsampled)
    )

    (span,) = exporter.get_finished_spans()  # the caller chose not to sample the second
    assert format(span.context.trace_id, "032x") == trace_id == sampled_seen["trace_id"]
    assert span.parent is not None and format(span.parent.span_id, "016x") == parent
    assert quiet_seen["trace_id"] == unsampled_id


async def test_without_an_exporter_nothing_is_recorded_but_the_trace_id_still_reaches_logs() -> (
    None
):
    seen: Seen = {}
    provider = build_tracer_provider(environ={})

    sent = await serve(ServerSpans(app_answering(200, seen), provider), scope("/a"))

    assert sent[0]["status"] == 200
    assert isinstance(seen["trace_id"], str) and int(str(seen["trace_id"]), 16) != 0


async def test_probes_and_scrapes_get_no_span(exporter: InMemorySpanExporter) -> None:
    seen: Seen = {}
    middleware = ServerSpans(app_answering(200, seen), recording(exporter), exclude=["/healthz"])

    await serve(middleware, scope("/healthz"))

    assert exporter.get_finished_spans() == ()
    assert seen["trace_id"] is None
