"""A client span per vendor call, whichever way the call is sent.

It replaces OpenTelemetry's httpx instrumentation, which cost 120 us per vendor call when the
span was not even recorded and 166 us when it was (about a tenth of an uncached call), against
20 and 57 us here (measured with ``httpx.MockTransport``). The span carries what the
instrumentation's default conventions did: ``http.method``, ``http.url`` without its query
(phone numbers live there) and ``http.status_code``; W3C ``traceparent`` goes to the vendor in
every case, so its logs join the gateway's trace. A failure is marked on the span by its type
alone: an exception's message may quote a URL with its query.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, MutableMapping

import httpx
from opentelemetry import propagate
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

TRACER_NAME = "caller-gateway.vendor-client"
FIRST_ERROR_STATUS = 400
"""A client span is an error from this status on (OpenTelemetry's HTTP client conventions)."""


class CallSpan:
    """The span of one vendor call, told the vendor's answer."""

    def __init__(self, span: Span, recording: bool) -> None:
        self._span = span
        self._recording = recording

    def answered(self, status: int) -> None:
        """The vendor answered with ``status``."""
        if self._recording:
            self._span.set_attribute("http.status_code", status)
            if status >= FIRST_ERROR_STATUS:
                self._span.set_status(Status(StatusCode.ERROR))


class VendorSpans:
    """Opens the client span of each vendor call and puts its ``traceparent`` on the request."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    @contextlib.contextmanager
    def call(self, method: str, url: str, headers: MutableMapping[str, str]) -> Iterator[CallSpan]:
        """The span of a ``method`` call to ``url`` (its query is never recorded), current
        while the call runs; ``traceparent`` is added to ``headers``."""
        with self._tracer.start_as_current_span(
            method, kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
        ) as span:
            recording = span.is_recording()
            if recording:
                span.set_attribute("http.method", method)
                span.set_attribute("http.url", url.partition("?")[0])
            propagate.inject(headers)
            try:
                yield CallSpan(span, recording)
            except Exception as exc:
                if recording:
                    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                    span.set_attribute("error.type", type(exc).__name__)
                raise


class TracedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose requests are each inside a client span (for clients that send
    through httpx's own machinery: its pool, or a test's mock transport)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, spans: VendorSpans) -> None:
        self._inner = inner
        self._spans = spans

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the wrapped transport, traced."""
        with self._spans.call(request.method, str(request.url), request.headers) as span:
            response = await self._inner.handle_async_request(request)
            span.answered(response.status_code)
            return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
