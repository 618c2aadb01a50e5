"""Traces reach the vendor, metrics count what happened, and no secret leaks into either."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.integration.conftest import GatewayStack, TenantHandle
from tests.integration.webhook_receiver import poll


@pytest.fixture
def spans() -> InMemorySpanExporter:
    """Where this module's gateway exports its spans."""
    return InMemorySpanExporter()


@pytest.fixture
def span_exporter(spans: InMemorySpanExporter) -> InMemorySpanExporter:
    """The conftest gateway, exporting its spans to memory."""
    return spans


def finished_spans_with_a_server_span(spans: InMemorySpanExporter) -> tuple:
    """The server span ends just after the response is sent: give it a moment."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        finished = spans.get_finished_spans()
        if any(s.kind is SpanKind.SERVER for s in finished):
            return finished
        time.sleep(0.01)
    raise AssertionError("no server span was exported")


def test_one_request_is_one_trace_from_gateway_to_vendor(
    tenant: TenantHandle, spans: InMemorySpanExporter, sim_control: httpx.Client
) -> None:
    spans.clear()
    number = tenant.vendor_numbers[0]

    response = tenant.client.get("/v1/calls/live", params={"number": number})

    assert response.status_code == 200
    finished = finished_spans_with_a_server_span(spans)
    server = next(s for s in finished if s.kind is SpanKind.SERVER)
    client = next(s for s in finished if s.kind is SpanKind.CLIENT)
    trace_id = format(server.context.trace_id, "032x")
    assert client.context.trace_id == server.context.trace_id
    traceparent = sim_control.get("/requests").json()["last_traceparent"]
    assert traceparent.split("-")[1] == trace_id
    assert server.name == "GET /v1/calls/live"
    assert server.attributes["gateway.vendor"] == "trustcaller"
    assert server.attributes["gateway.operation"] == "check_live_call"
    assert server.attributes["gateway.breaker_state"] == "closed"
    assert "gateway.shaping_wait_ms" in server.attributes
    digits = number.lstrip("+")
    for span in finished:
        assert digits not in span.name
        for value in (span.attributes or {}).values():
            assert digits not in str(value), (span.name, value)


def test_a_canary_secret_never_appears_in_logs_spans_metrics_or_responses(
    gateway: GatewayStack,
    tenant: TenantHandle,
    spans: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    canary = tenant.vendor_token
    caplog.set_level(logging.DEBUG)
    admin = gateway.admin()
    responses = [
        tenant.client.get("/v1/numbers"),
        tenant.client.get("/v1/test-numbers"),
        tenant.client.get("/v1/calls/trustcaller:1"),
        admin.get(f"/v1/admin/tenants/{tenant.id}/credentials"),
        admin.put(
            f"/v1/admin/tenants/{tenant.id}/credentials/trustcaller",
            json={"secret": {"token": canary}},
        ),
        gateway.client(None).get("/metrics"),
    ]

    secret_parts = (canary, canary.split("|")[1], tenant.key, gateway.admin_key)
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    span_text = "\n".join(
        f"{s.name} {dict(s.attributes or {})} {[dict(e.attributes or {}) for e in s.events]}"
        for s in spans.get_finished_spans()
    )
    for secret in secret_parts:
        for response in responses:
            assert secret not in response.text
        assert secret not in logged
        assert secret not in span_text


def test_metrics_count_requests_vendor_calls_cache_and_policies(
    gateway: GatewayStack, tenant: TenantHandle
) -> None:
    tenant.client.get("/v1/numbers")
    tenant.client.get("/v1/test-numbers", params={"prefix": "86"})
    tenant.client.get("/v1/test-numbers", params={"prefix": "86"})

    metrics = gateway.client(None).get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'gateway_requests_total{method="GET",route="/v1/numbers",status="200"} 1.0' in text
    assert (
        'gateway_vendor_call_seconds_count{operation="list_numbers",outcome="ok",'
        'vendor="trustcaller"} 1.0'
    ) in text
    assert 'gateway_cache_lookups_total{operation="list_test_numbers",result="hit"' in text
    assert 'gateway_cache_lookups_total{operation="list_test_numbers",result="miss"' in text
    assert 'gateway_shaping_wait_seconds_count{vendor="trustcaller"}' in text
    assert 'gateway_breakers_open{vendor="trustcaller"} 0.0' in text
    assert 'gateway_redis_fallbacks_total{policy="rate_limit"} 0.0' in text


def test_an_inbound_webhook_urls_token_never_appears_in_logs_or_spans(
    gateway: GatewayStack,
    tenant: TenantHandle,
    spans: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.WARNING, logger="httpx")  # the test's own client logs its URLs
    made = gateway.admin().put(
        f"/v1/admin/tenants/{tenant.id}/webhook-endpoints/truecaller", json={}
    )
    url = made.json()["url"]
    token = url.rsplit("/", 1)[1]

    delivered = httpx.post(url, json={"not": "a truecaller envelope"})

    assert delivered.status_code == 400

    def span_text() -> str:  # the server span ends after the answer has reached the client
        return "\n".join(f"{s.name} {dict(s.attributes or {})}" for s in spans.get_finished_spans())

    route = "POST /v1/webhooks/{vendor}/{token}"
    recorded = poll(span_text, lambda text: route in text, timeout=10)
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert route in recorded, "the server span was recorded"
    assert token not in logged
    assert token not in recorded
