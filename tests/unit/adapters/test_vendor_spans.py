"""The vendor client's spans: one per call, no query in them, ``traceparent`` always sent."""

from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace import SpanKind, StatusCode

from adapters.vendor_spans import TRACER_NAME, TracedTransport, VendorSpans

NUMBER = "+4915112345678"


def _vendor(status: int, sent: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json={})

    return httpx.MockTransport(answer)


def _client(transport: httpx.AsyncBaseTransport, provider: TracerProvider) -> httpx.AsyncClient:
    spans = VendorSpans(provider.get_tracer(TRACER_NAME))
    return httpx.AsyncClient(
        base_url="http://vendor/api/v1", transport=TracedTransport(transport, spans)
    )


@pytest.fixture
def exported() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def test_a_vendor_call_is_one_client_span_without_its_query_and_sends_its_traceparent(
    exported: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = exported
    sent: list[httpx.Request] = []
    async with _client(_vendor(200, sent), provider) as client:
        with provider.get_tracer("test").start_as_current_span("server") as server:
            await client.get("/calls/check", params={"number": NUMBER})

    span = next(s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT)
    assert span.name == "GET"
    assert dict(span.attributes or {}) == {
        "http.method": "GET",
        "http.url": "http://vendor/api/v1/calls/check",
        "http.status_code": 200,
    }
    assert span.parent is not None and span.parent.span_id == server.get_span_context().span_id
    _, trace_id, span_id, flags = sent[0].headers["traceparent"].split("-")
    assert (int(trace_id, 16), int(span_id, 16)) == (span.context.trace_id, span.context.span_id)
    assert int(flags, 16) & 1, "sampled"


async def test_an_error_answer_or_a_failure_marks_the_span_by_type_without_the_url(
    exported: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, exporter = exported

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}")

    async with _client(_vendor(503, []), provider) as client:
        assert (await client.get("/calls/check", params={"number": NUMBER})).status_code == 503
    async with _client(httpx.MockTransport(refuse), provider) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/calls/check", params={"number": NUMBER})

    answered, failed = exporter.get_finished_spans()
    assert answered.status.status_code is StatusCode.ERROR
    assert answered.attributes is not None and answered.attributes["http.status_code"] == 503
    assert failed.status.status_code is StatusCode.ERROR
    assert failed.status.description == "ConnectError"
    assert failed.events == ()
    digits = NUMBER.lstrip("+")
    for span in (answered, failed):
        assert digits not in str(span.to_json())


async def test_an_unrecorded_call_still_carries_its_callers_trace_to_the_vendor() -> None:
    provider = TracerProvider(sampler=ParentBased(ALWAYS_OFF))
    sent: list[httpx.Request] = []
    async with _client(_vendor(200, sent), provider) as client:
        with provider.get_tracer("test").start_as_current_span("server") as server:
            await client.get("/test-numbers")

    trace_id = sent[0].headers["traceparent"].split("-")[1]
    assert int(trace_id, 16) == server.get_span_context().trace_id
