"""OpenTelemetry: one tracer provider per app, configured by the standard ``OTEL_*`` variables.

No exporter unless one is configured (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, unless ``OTEL_TRACES_EXPORTER=none``): then OTLP over
HTTP. Without an exporter nothing would receive a span, so none is recorded (unless the caller's
``traceparent`` says its trace is sampled); trace ids still reach logs and vendors (W3C
``traceparent``). Query strings never reach a span (they carry phone numbers), and no header is
recorded.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased

SERVICE_NAME = "caller-gateway"
CAPABILITY_TOKEN_PATTERN = r"whk_[A-Za-z0-9_\-]{8,}"  # noqa: S105 (a pattern)
"""A token that is itself the credential (an inbound webhook URL's): never logged or traced."""
_CAPABILITY_TOKEN = re.compile(CAPABILITY_TOKEN_PATTERN)


def build_tracer_provider(
    exporter: SpanExporter | None = None, environ: Mapping[str, str] | None = None
) -> TracerProvider:
    """A provider for one app; ``exporter`` (tests) or OTLP when the environment asks for it."""
    env = os.environ if environ is None else environ
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", SERVICE_NAME)})
    if exporter is not None:
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif _otlp_configured(env):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider = TracerProvider(resource=resource, sampler=ParentBased(ALWAYS_OFF))
    return provider


def _otlp_configured(env: Mapping[str, str]) -> bool:
    if env.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def mask_capabilities(path: str) -> str:
    """``path`` with any capability token (``whk_...``) replaced by ``***``."""
    return _CAPABILITY_TOKEN.sub("***", path)


def current_trace_id() -> str | None:
    """The current trace id in hex, when a span is active."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def annotate(**attributes: str | int | float | bool) -> None:
    """Set ``gateway.*`` attributes on the current (server) span."""
    span = trace.get_current_span()
    if span.is_recording():
        for name, value in attributes.items():
            span.set_attribute(f"gateway.{name}", value)
